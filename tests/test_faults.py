"""Faults in the middle of a run: `kill -9` of `extract --all` and of `schedule --once`, and a
PostgreSQL restart during a crawl and during an extraction. The next run completes, nothing
archived is lost, nothing is stored twice, and `disclosure verify` passes.

Every archive is compared with one an uninterrupted crawl and extraction of the same portal
made: the same documents, and per document the same reading (status, report or not, number
of values), so a half-written extraction shows as a difference.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from extract import PARSER_VERSION
from simportal import PortalServer, build_site
from storage.db import open_archive
from storage.models import Capture, CrawlRun, Document, ExtractedValue, Extraction, RunLock

from disclosure.cli import main

from .cli_runner import run_cli
from .faults import (
    CAPTURES,
    EXTRACTIONS,
    LOOPBACK,
    count,
    kill_when,
    leftovers,
    checkpoint_postgresql,
    postgresql_restart_unavailable,
    restart_postgresql,
    start_cli,
    tally,
    wait_until,
    wait_for_postgresql,
)
from .slow_portal import slow_site

SUMMARY: list[str] = []  # printed after the run (tests/conftest.py)
SUMMARY_TITLE = "fault injection: captures lost, captures and extractions stored twice (each must be 0)"
SLOW_SECONDS = 0.3  # per request: a crawl long enough to be hit in the middle


def readings(db: str) -> dict[str, tuple]:
    """Per document path: its captures' statuses and what the current parser read from each."""
    engine = open_archive(db)
    try:
        with Session(engine) as session:
            values = (
                select(ExtractedValue.extraction_id, func.count().label("n"))
                .group_by(ExtractedValue.extraction_id).subquery()
            )
            rows = session.execute(
                select(Document.url, Capture.status, Extraction.status, Extraction.is_annual_report,
                       func.coalesce(values.c.n, 0))
                .join(Capture, Capture.document_id == Document.id)
                .outerjoin(Extraction, (Extraction.capture_id == Capture.id)
                           & (Extraction.parser_version == PARSER_VERSION))
                .outerjoin(values, values.c.extraction_id == Extraction.id)
            ).all()
    finally:
        engine.dispose()
    found: dict[str, list] = {}
    for url, *reading in rows:
        found.setdefault(_path(url), []).append(tuple(reading))
    return {path: tuple(sorted(r, key=repr)) for path, r in found.items()}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory) -> Path:
    """A folder holding the demo portal's archive (SQLite and its WARC files), crawled, not extracted."""
    workdir = tmp_path_factory.mktemp("crawled")
    with PortalServer(build_site("demo")) as server:
        crawl_no_extract(server, f"sqlite:///{workdir / 'archive.sqlite'}", workdir)
    return workdir


def copy_archive(source: Path, target: Path) -> str:
    for entry in source.iterdir():
        if entry.name.startswith("archive."):
            (shutil.copytree if entry.is_dir() else shutil.copy2)(entry, target / entry.name)
    return f"sqlite:///{target / 'archive.sqlite'}"


@pytest.fixture(scope="module")
def reference(crawled, tmp_path_factory) -> dict[str, tuple]:
    """The demo portal crawled and extracted without a fault."""
    workdir = tmp_path_factory.mktemp("reference")
    db = copy_archive(crawled, workdir)
    done = run_cli("extract", "--db", db, cwd=workdir)
    assert done.returncode == 0, done.stderr[-2000:]
    found = readings(db)
    assert len(found) == 30  # lists, items, attachments, dead links
    return found


def assert_intact(
    db: str, workdir, reference: dict[str, tuple], fault: str, *, extracted: bool = True, verify: bool = True
):
    """Nothing lost, nothing twice, the same readings as the uninterrupted run, verify passes."""
    (base,) = _hosts(db)  # the one portal served
    counts = tally(db, {base + path for path in reference}, PARSER_VERSION if extracted else None)
    SUMMARY[:] = SUMMARY or [SUMMARY_TITLE]
    SUMMARY.append(counts.line(fault))
    assert (counts.lost, counts.captures_twice, counts.extractions_twice, counts.unread) == (0, 0, 0, 0), counts
    if extracted:
        assert readings(db) == reference
    else:
        assert {path: tuple(r[0] for r in rows) for path, rows in readings(db).items()} == {
            path: tuple(r[0] for r in rows) for path, rows in reference.items()
        }
    if verify:
        said = io.StringIO()
        with contextlib.chdir(workdir), contextlib.redirect_stdout(said):  # the WARC folder is relative
            verified = main(["verify", "--db", db])
        assert verified == 0, said.getvalue()
    return counts


def _hosts(db: str) -> set[str]:
    engine = open_archive(db)
    try:
        with Session(engine) as session:
            return {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in session.scalars(select(Document.url))}
    finally:
        engine.dispose()


def crawl_no_extract(server: PortalServer, db: str, workdir) -> None:
    done = run_cli("crawl", "--url", server.start_url, "--db", db, *LOOPBACK, "--delay", "0", "--no-extract",
                   cwd=workdir)
    assert done.returncode == 0, done.stderr[-2000:]


# ---- kill -9 ------------------------------------------------------------------------------


def test_extract_all_killed_mid_run_is_completed_by_the_next_run(tmp_path, crawled, reference):
    db = copy_archive(crawled, tmp_path)
    pending = count(db, CAPTURES.where(Capture.status == 200))

    # each result written as soon as it is read, so the kill finds some stored and some not
    extraction = start_cli("extract", "--all", "--jobs", "2", "--write-batch", "1", "--db", db, cwd=tmp_path)
    kill_when(extraction, lambda: count(db, EXTRACTIONS) >= 3)
    killed_at = count(db, EXTRACTIONS)
    orphans = leftovers(extraction)
    before = _extraction_ids(db)

    resumed = run_cli("extract", "--db", db, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert 3 <= killed_at < pending, "the run was not killed in the middle"
    assert orphans == 0, "worker processes outlived the killed run"
    after = _extraction_ids(db)
    assert {capture: i for capture, i in after.items() if capture in before} == before  # kept, not read again
    assert_intact(db, tmp_path, reference, "kill -9 of extract --all")


def _extraction_ids(db: str) -> dict[int, int]:
    engine = open_archive(db)
    try:
        with Session(engine) as session:
            return {capture: i for capture, i in session.execute(select(Extraction.capture_id, Extraction.id))}
    finally:
        engine.dispose()


def test_schedule_killed_mid_crawl_leaves_no_lock_and_the_next_run_completes(tmp_path, reference):
    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    site = build_site("demo")
    slow, _ = slow_site(site, SLOW_SECONDS)
    with PortalServer(slow) as server:
        registry = tmp_path / "portals.toml"
        registry.write_text(f'[[portal]]\nname = "qinglan"\nstart_urls = ["{server.start_url}"]\n', encoding="utf-8")
        once = ("schedule", "--once", "--registry", str(registry), "--db", db, *LOOPBACK, "--delay", "0")
        scheduled = start_cli(*once, cwd=tmp_path)
        kill_when(scheduled, lambda: count(db, CAPTURES) >= 6)
        killed_at = count(db, CAPTURES)
        leftovers(scheduled)
        held = _lock_holders(db)
        server.site = site
        again = run_cli(*once, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert 6 <= killed_at < 30, "the crawl was not killed in the middle"
    assert held == [scheduled.pid]  # the dead holder's lock was there, and did not block the next run
    engine = open_archive(db)
    with Session(engine) as session:
        runs = [tuple(run) for run in session.execute(select(CrawlRun.status, CrawlRun.pid).order_by(CrawlRun.id))]
        locks = session.scalar(select(func.count()).select_from(RunLock))
    engine.dispose()
    assert runs == [("interrupted", scheduled.pid), ("finished", runs[1][1])]
    assert locks == 0
    assert_intact(db, tmp_path, reference, "kill -9 of schedule --once mid-crawl")


def _lock_holders(db: str) -> list[int]:
    engine = open_archive(db)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(RunLock.holder_pid)))
    finally:
        engine.dispose()


# ---- a PostgreSQL restart -------------------------------------------------------------------


@pytest.fixture
def restartable_postgresql(postgresql_url: str):
    reason = postgresql_restart_unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"cannot restart PostgreSQL in CI: {reason}")
        pytest.skip(f"cannot restart PostgreSQL here: {reason}")
    yield postgresql_url
    wait_for_postgresql()  # whatever happened, the tests after this one find the server up


def survived_or_said_why(process: subprocess.Popen) -> str:
    """The run either finished or ended with status 2 and one line; returns which. A run that
    finished needs no next run: the archive is compared with the uninterrupted one as it is."""
    _, err = process.communicate(timeout=300)
    if process.returncode == 0:
        return "survived"
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(("WARNING", "INFO"))]
    assert process.returncode == 2, err[-3000:]
    assert len(lines) == 1 and lines[0].startswith("disclosure: error: "), err[-3000:]
    return "stopped with one line"


def test_a_postgresql_restart_mid_crawl_and_mid_extraction_loses_nothing(tmp_path, reference, restartable_postgresql):
    db = restartable_postgresql
    site = build_site("demo")
    slow, _ = slow_site(site, SLOW_SECONDS)
    with PortalServer(slow) as server:
        crawl = ("crawl", "--url", server.start_url, "--db", db, *LOOPBACK, "--delay", "0", "--no-extract")
        checkpoint_postgresql()
        crawling = start_cli(*crawl, cwd=tmp_path)
        wait_until(lambda: count(db, CAPTURES) >= 6, crawling)
        restart_postgresql()
        crawled = survived_or_said_why(crawling)
        leftovers(crawling)
        if crawled != "survived":
            server.site = site
            again = run_cli(*crawl, cwd=tmp_path)
            assert again.returncode == 0, again.stderr[-2000:]
    assert_intact(db, tmp_path, reference, f"PostgreSQL restart mid-crawl (the run {crawled})",
                  extracted=False, verify=False)

    pending = count(db, CAPTURES.where(Capture.status == 200))
    checkpoint_postgresql()
    # one worker, each result written as soon as it is read: the restart finds the run mid-way
    extracting = start_cli("extract", "--all", "--jobs", "1", "--write-batch", "1", "--db", db, cwd=tmp_path)
    wait_until(lambda: count(db, EXTRACTIONS) >= 3, extracting)
    assert count(db, EXTRACTIONS) < pending, "the extraction ended before the restart"
    restart_postgresql()
    extracted = survived_or_said_why(extracting)
    leftovers(extracting)
    if extracted != "survived":
        resumed = run_cli("extract", "--db", db, cwd=tmp_path)
        assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert_intact(db, tmp_path, reference, f"PostgreSQL restart mid-extraction (the run {extracted})")


# ---- the retry itself -----------------------------------------------------------------------


def test_a_transaction_is_done_again_after_a_lost_connection_and_a_statement_error_is_not(tmp_path):
    from sqlalchemy import exc

    from storage.db import in_transaction

    engine = open_archive(f"sqlite:///{tmp_path / 'archive.sqlite'}")
    tries = []

    def cut_once(session):
        tries.append(session)
        if len(tries) == 1:
            raise exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"),
                                       connection_invalidated=True)
        return session.scalar(select(func.count()).select_from(Capture))

    def wrong(session):
        tries.append(session)
        raise exc.OperationalError("SELECT x", {}, Exception("no such column: x"))

    try:
        assert in_transaction(engine, cut_once, reconnect_seconds=5) == 0
        assert len(tries) == 2
        tries.clear()
        with pytest.raises(exc.OperationalError):
            in_transaction(engine, wrong, reconnect_seconds=5)
        assert len(tries) == 1
    finally:
        engine.dispose()


def test_a_database_that_fails_mid_run_ends_the_command_with_one_line_and_status_2(tmp_path, monkeypatch, capsys):
    from sqlalchemy import exc

    import disclosure.cli

    def server_gone(*args, **kwargs):
        raise exc.OperationalError("INSERT", {}, Exception("terminating connection due to administrator command\nmore"))

    monkeypatch.setattr(disclosure.cli, "run_extraction", server_gone)
    status = main(["extract", "--db", f"sqlite:///{tmp_path / 'archive.sqlite'}"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.splitlines() == [
        "disclosure: error: the archive database failed during the run: terminating connection due to "
        "administrator command (what was stored stays; run the command again)"
    ]


def test_a_run_whose_database_fails_is_recorded_failed_in_one_line(tmp_path, monkeypatch):
    from sqlalchemy import exc

    import disclosure.runs
    from disclosure.registry import Portal
    from storage import runs as run_store

    def server_gone(*args, **kwargs):
        raise exc.OperationalError("SELECT count(*)\nFROM documents", {"portal": "x"},
                                   Exception("terminating connection due to administrator command"))

    monkeypatch.setattr(disclosure.runs, "crawl_portals", server_gone)
    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    with pytest.raises(exc.OperationalError):
        disclosure.runs.run_crawl([Portal(name="x", start_urls=("http://127.0.0.1:9/",))], db, extract=False)
    engine = open_archive(db)
    with Session(engine) as session:
        (run,) = run_store.list_runs(session)
    engine.dispose()
    assert run.status == "failed"
    assert run.error == "OperationalError: (builtins.Exception) terminating connection due to administrator command"
