"""Every crawl is a recorded run: per-portal counts, column outcomes, interrupted runs, one crawler per host."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from simportal import PortalServer, build_site
from storage.db import open_archive, session_scope
from storage.models import Capture, CrawlRun, Document, Extraction

from disclosure.cli import main

from .cli_runner import run_cli
from .slow_portal import slow_site

LOOPBACK = ("--allow-network", "127.0.0.0/8")


def registry(path, portals: dict[str, list[str]]):
    entries = [f'[[portal]]\nname = "{name}"\nstart_urls = {json.dumps(urls)}\n' for name, urls in portals.items()]
    path.write_text("\n".join(entries), encoding="utf-8")
    return str(path)


def runs_json(db, workdir=None) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["runs", "--json", "--db", db]) == 0
    return json.loads(out.getvalue())


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """Two crawls of the unchanged demo portal into one archive, the first with extraction."""
    workdir = tmp_path_factory.mktemp("runs")
    db = f"sqlite:///{workdir / 'archive.sqlite'}"
    with PortalServer(build_site("demo")) as server:
        first = run_cli("crawl", "--url", server.start_url, "--db", db, *LOOPBACK, "--delay", "0", cwd=workdir)
        second = run_cli(
            "crawl", "--url", server.start_url, "--db", db, *LOOPBACK, "--delay", "0", "--no-extract", cwd=workdir
        )
    return {"db": db, "workdir": workdir, "first": first, "second": second, "runs": runs_json(db, workdir)}


def test_a_crawl_is_a_run_with_per_portal_counts(two_runs):
    assert two_runs["first"].returncode == 0, two_runs["first"].stderr[-2000:]
    assert "run 1 finished" in two_runs["first"].stdout
    run = next(r for r in two_runs["runs"] if r["id"] == 1)
    assert run["status"] == "finished" and run["trigger"] == "cli" and run["finished_at"] >= run["started_at"]
    (portal,) = run["portals"]
    engine = open_archive(two_runs["db"])
    with session_scope(engine) as session:
        documents = session.scalar(select(func.count()).select_from(Document))
        reports = session.scalar(
            select(func.count(func.distinct(Capture.document_id))).join(Extraction).where(Extraction.is_annual_report)
        )
        http_errors = session.scalar(select(func.count()).select_from(Capture).where(Capture.status >= 400))
    engine.dispose()
    assert portal["new_documents"] == documents > 0
    assert portal["new_reports"] == reports >= len(build_site("demo").expected)
    assert portal["http_errors"] == http_errors == len(build_site("demo").dead_links)
    assert portal["requests"] >= portal["responses"] >= documents
    assert portal["changed_documents"] == 0 and portal["withdrawn_documents"] == 0
    assert [o["ended"] for o in portal["outcomes"]] == ["complete"]
    assert portal["health"] == []
    assert run["extraction"]["reports"] >= len(build_site("demo").expected)


def test_a_second_crawl_of_an_unchanged_portal_finds_nothing_new(two_runs):
    assert two_runs["second"].returncode == 0, two_runs["second"].stderr[-2000:]
    runs = two_runs["runs"]
    assert [r["id"] for r in runs] == [2, 1]  # newest first
    (portal,) = runs[0]["portals"]
    assert portal["new_documents"] == 0 and portal["changed_documents"] == 0
    assert portal["new_reports"] == 0 and portal["requests"] > 0
    assert runs[0]["extraction"] is None  # --no-extract
    (first,) = runs[1]["portals"]
    assert first["bytes_received"] > 0
    assert portal["bytes_received"] <= first["bytes_received"] * 0.05  # conditional requests: 304s
    assert portal["health"] == []  # reports seen unchanged are still reports seen


def test_runs_prints_one_line_per_run_and_portal(two_runs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["runs", "--limit", "1", "--db", two_runs["db"]]) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("run 2 finished (cli)")
    assert "requests" in lines[1] and "columns ended: complete" in lines[1]
    assert len(lines) == 2


def wait_for_running_run(db: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            engine = open_archive(db)
        except Exception:
            time.sleep(0.2)
            continue
        with session_scope(engine) as session:
            if session.scalar(select(func.count()).select_from(CrawlRun).where(CrawlRun.status == "running")):
                return engine
        engine.dispose()
        time.sleep(0.2)
    raise AssertionError("no run started")


def test_columns_on_one_host_share_one_politeness_budget(tmp_path):
    """Two registry columns of one host never have more requests in flight than one crawler allows."""
    from crawler import settings

    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    site, in_flight = slow_site(build_site("demo"), 0.05)
    with PortalServer(site) as server:
        column = server.url + site.column_path
        path = registry(tmp_path / "portals.toml", {"first": [column + "index.html"], "second": [column + "index_1.html"]})
        crawl = run_cli("crawl", "--registry", path, "--db", db, *LOOPBACK, "--delay", "0", "--no-extract", cwd=tmp_path)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert in_flight.answered > 20
    assert in_flight.max_in_flight == settings.CONCURRENT_REQUESTS_PER_DOMAIN
    (run,) = runs_json(db, tmp_path)
    assert {p["portal"]: p["requests"] > 0 for p in run["portals"]} == {"first": True, "second": True}


def test_a_crawl_stopped_with_ctrl_c_is_recorded_interrupted(archive_url, tmp_path):
    import signal

    db = archive_url
    site, _ = slow_site(build_site("demo"), 0.3)
    with PortalServer(site) as server:
        crawl = subprocess.Popen(
            [sys.executable, "-m", "disclosure", "crawl", "--url", server.start_url, "--db", db, *LOOPBACK,
             "--delay", "0", "--no-extract"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        engine = wait_for_running_run(db)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the crawl is fetching
            with session_scope(engine) as session:
                if session.scalar(select(func.count()).select_from(Capture)):
                    break
            time.sleep(0.2)
        engine.dispose()
        crawl.send_signal(signal.SIGINT)
        out, _ = crawl.communicate(timeout=60)
    assert "run 1 interrupted" in out
    (run,) = runs_json(db)
    assert run["status"] == "interrupted" and "stopped by a signal" in run["error"]
    assert run["finished_at"] is not None and run["portals"][0]["requests"] > 0
