"""Two crawler processes share one crawl through Redis: one PostgreSQL archive, one WARC folder,
every document archived once, none missed, the host's limit held across both."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from crawler import settings
from simportal import PortalServer, build_site
from storage.models import Capture, CrawlRun, CrawlRunPortal, Document

from .cli_runner import run_cli
from .slow_portal import slow_site

REDIS_URL = os.environ.get("DISCLOSURE_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_server() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as error:  # any reason at all means: no server to test against
        reason = f"Redis not reachable at {REDIS_URL}: {str(error).strip()[:200]}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return REDIS_URL


def crawl_command(start_url: str, db: str, namespace: str) -> list[str]:
    return [
        sys.executable, "-m", "disclosure", "crawl", "--url", start_url, "--db", db,
        "--allow-network", "127.0.0.0/8", "--delay", "0", "--no-extract",
        "--redis", REDIS_URL, "--redis-namespace", namespace,
    ]


def warc_records(folder: Path) -> tuple[Counter[str], Counter[str], set[str]]:
    """Response records per payload digest, response and revisit records per URL, files written."""
    payloads: Counter[str] = Counter()  # a payload's bytes are written once: a response record
    records: Counter[str] = Counter()  # a fetch is one record: its response, or a revisit of a held payload
    writers = set()
    for path in folder.rglob("*.warc.gz"):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in ("response", "revisit"):
                    records[record.rec_headers.get_header("WARC-Target-URI")] += 1
                    writers.add(path.name)
                if record.rec_type == "response":
                    payloads[record.rec_headers.get_header("WARC-Payload-Digest")] += 1
    return payloads, records, writers


def documents(db: str) -> set[str]:
    engine = create_engine(db)
    try:
        with Session(engine) as session:
            return set(session.scalars(select(Document.url)))
    finally:
        engine.dispose()


def test_two_processes_archive_every_document_once_within_the_host_limit(redis_server, postgresql_url, tmp_path):
    import redis

    site, in_flight = slow_site(build_site("demo"), 0.1)
    both_in = threading.Event()  # the portal answers once both processes take part: the crawl is shared
    site = replace(site, routes={
        path: lambda request, route=route: (both_in.wait(120), route(request))[1] for path, route in site.routes.items()
    })
    namespace = f"disclosure-test:{uuid.uuid4().hex[:8]}"
    warc_folder = Path(os.environ["DISCLOSURE_WARC_DIR"])
    assert run_cli("db", "upgrade", "--db", postgresql_url, cwd=tmp_path).returncode == 0
    with PortalServer(site) as server:
        command = crawl_command(server.start_url, postgresql_url, namespace)
        processes = [
            subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        members = redis.Redis.from_url(REDIS_URL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(
            members.scard(key) == 2 for key in members.keys(f"{namespace}:*:processes")
        ):
            time.sleep(0.1)
        both_in.set()
        outputs = [process.communicate(timeout=240) for process in processes]
        for process, (out, err) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, err[-2000:]
        shared_max = in_flight.max_in_flight
        payloads, records, writers = warc_records(warc_folder)
        shared_documents = documents(postgresql_url)
        # the crawl's keys went with it: the same command starts a new crawl, which revalidates
        again = run_cli(*command[3:], cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]

    assert shared_max == settings.CONCURRENT_REQUESTS_PER_DOMAIN
    engine = create_engine(postgresql_url)
    try:
        with Session(engine) as session:
            per_document = Counter(
                dict(session.execute(select(Document.url, func.count(Capture.id)).join(Capture).group_by(Document.url)).all())
            )
            runs = session.execute(select(CrawlRun.status, CrawlRun.pid).order_by(CrawlRun.id)).all()
            shared_runs = select(CrawlRun.id).order_by(CrawlRun.id).limit(2).scalar_subquery()
            columns = [
                column
                for (listed,) in session.execute(select(CrawlRunPortal.outcomes).where(CrawlRunPortal.run_id.in_(shared_runs)))
                for column in listed or ()
            ]
            revalidated = session.execute(
                select(CrawlRunPortal.requests, CrawlRunPortal.not_modified, CrawlRunPortal.new_documents)
                .join(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)
            ).one()
    finally:
        engine.dispose()
    assert per_document and set(per_document.values()) == {1}, per_document.most_common(3)
    archived_paths = {url.removeprefix(server.url) for url in shared_documents}
    assert {report.page_path for report in site.expected} <= archived_paths
    assert {path for path in site.pages if path.startswith(site.column_path)} <= archived_paths
    assert [status for status, _ in runs] == ["finished"] * 3 and len({pid for _, pid in runs[:2]}) == 2
    requests, not_modified, new_documents = revalidated
    assert requests > 0 and not_modified > 0 and new_documents == 0, set(per_document) - shared_documents
    # the first process walked the column whole; the one that joined reports no column of its own
    assert [column["ended"] for column in columns] == ["complete"]
    assert columns[0]["list_pages"] == len([p for p in site.pages if p.startswith(site.column_path + "index")])

    assert set(payloads.values()) == {1}
    assert records == per_document
    assert len(writers) >= 2, "one process did all the work: the crawl was not shared"
    # the crawl's keys are gone once it ended: the next crawl starts afresh
    assert not redis.Redis.from_url(REDIS_URL).keys(f"{namespace}:*:requests")
