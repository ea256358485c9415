"""A crawl killed with SIGKILL mid-run leaves whole captures only, and the next run completes
the archive without storing any capture twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from simportal import PortalServer, build_site
from storage.archive import load_blob
from storage.models import Blob, Capture, Document

from .cli_runner import run_cli

ROOT = Path(__file__).resolve().parent.parent


def _whole(session: Session, sha256: str, size: int) -> bool:
    """The payload reads back from its WARC record, all of it (a kill mid-write leaves none torn)."""
    try:
        return len(load_blob(session, sha256)) == size
    except KeyError:
        return False


def captures_so_far(db: str) -> int:
    engine = create_engine(db, connect_args={"timeout": 5})
    try:
        with Session(engine) as session:
            return session.scalar(select(func.count()).select_from(Capture)) or 0
    except Exception:  # not created yet, or being migrated
        return 0
    finally:
        engine.dispose()


def test_a_crawl_killed_mid_run_is_completed_by_the_next_without_duplicates(tmp_path):
    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    site = build_site("demo")
    crawl = ["crawl", "--db", db, "--allow-network", "127.0.0.0/8", "--no-extract"]
    with PortalServer(site) as server:
        slow = subprocess.Popen(
            [sys.executable, "-m", "disclosure", *crawl, "--url", server.start_url, "--delay", "0.4"],
            cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 90
            while captures_so_far(db) < 6 and slow.poll() is None and time.monotonic() < deadline:
                time.sleep(0.1)
            os.kill(slow.pid, signal.SIGKILL)
        finally:
            slow.wait(timeout=30)
        assert slow.returncode == -signal.SIGKILL, "the crawl ended before it could be killed"
        killed_at = captures_so_far(db)
        resumed = run_cli(*crawl, "--url", server.start_url, "--delay", "0", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]

    engine = create_engine(db)
    try:
        with Session(engine) as session:
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            urls = set(session.scalars(select(Document.url)))
            per_document = session.execute(
                select(Capture.document_id, func.count()).group_by(Capture.document_id)
            ).all()
            per_version = session.execute(
                select(Capture.document_id, Capture.blob_sha256, func.count())
                .group_by(Capture.document_id, Capture.blob_sha256)
                .having(func.count() > 1)
            ).all()
            orphans = session.scalar(
                select(func.count()).select_from(Capture).outerjoin(Blob, Blob.sha256 == Capture.blob_sha256)
                .where(Blob.sha256.is_(None))
            )
            torn = sum(not _whole(session, sha256, size) for sha256, size in session.execute(
                select(Blob.sha256, Blob.size)))
    finally:
        engine.dispose()
    expected = {server.url + r.page_path for r in site.expected}
    expected |= {server.url + path for path in site.non_reports + site.dead_links}
    assert 6 <= killed_at < len(per_document)
    assert expected <= urls
    assert len(urls) == len(per_document) == 30  # lists, items, attachments, dead links
    assert {count for _, count in per_document} == {1} and per_version == []
    assert orphans == 0 and torn == 0
