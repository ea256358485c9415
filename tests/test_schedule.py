"""`disclosure schedule`: one run at a time through a lock in the archive, taken over from dead holders."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from simportal import PortalServer, build_site
from storage import runs as run_store
from storage.db import open_archive, session_scope
from storage.models import CrawlRun, RunLock

from disclosure.cli import main

from .cli_runner import run_cli
from .conftest import T0
from .slow_portal import slow_site

TTL = timedelta(minutes=10)


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def take(session, pid, *, host="here", now=T0):
    return run_store.acquire_lock(session, "crawl", host=host, pid=pid, now=now, ttl=TTL, alive=alive)


def test_the_lock_is_held_by_one_process_at_a_time(session):
    assert take(session, os.getpid()) is None
    holder = take(session, os.getppid(), now=T0 + timedelta(minutes=1))
    assert (holder.host, holder.pid) == ("here", os.getpid())
    run_store.release_lock(session, "crawl", host="here", pid=os.getpid())
    assert take(session, os.getppid(), now=T0 + timedelta(minutes=2)) is None


def test_a_lock_left_by_a_dead_process_or_expired_is_taken_over(session):
    gone = dead_pid()
    assert take(session, gone) is None
    assert take(session, os.getpid(), now=T0 + timedelta(seconds=1)) is None  # dead holder on this host
    assert session.scalar(select(RunLock.holder_pid)) == os.getpid()
    # a holder on another host cannot be checked: it keeps the lock until it expires
    assert take(session, 12345, host="elsewhere", now=T0 + timedelta(minutes=1)) is not None
    assert run_store.refresh_lock(session, "crawl", host="here", pid=os.getpid(), expires_at=T0 + timedelta(minutes=20))
    assert take(session, 12345, host="elsewhere", now=T0 + timedelta(minutes=15)) is not None
    assert take(session, 12345, host="elsewhere", now=T0 + timedelta(minutes=20)) is None
    assert session.scalar(select(RunLock.holder_host)) == "elsewhere"


def wait_for(db: str, query, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            engine = open_archive(db)
            with session_scope(engine) as session:
                found = session.execute(query).first()
            engine.dispose()
            if found:
                return found
        except Exception:
            pass
        time.sleep(0.2)
    raise AssertionError(f"nothing in {timeout}s: {query}")


def test_two_runs_at_once_one_waits_and_a_killed_holder_does_not_keep_the_lock(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    site = build_site("demo")
    slow, _ = slow_site(site, 0.3)
    with PortalServer(slow) as server:
        registry = tmp_path / "portals.toml"
        registry.write_text(f'[[portal]]\nname = "qinglan"\nstart_urls = ["{server.start_url}"]\n', encoding="utf-8")
        once = ("schedule", "--once", "--registry", str(registry), "--db", db, "--allow-network", "127.0.0.0/8",
                "--delay", "0", "--no-extract")
        first = subprocess.Popen([sys.executable, "-m", "disclosure", *once], cwd=tmp_path,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(db, select(RunLock.holder_pid))
            # in this process: a refused run never gets as far as starting a crawl
            refused = main(list(once))
        finally:
            first.kill()
            first.wait()
        assert refused == 1
        assert f"another run holds the lock: pid {first.pid}" in capsys.readouterr().err
        server.site = site  # full speed for the run that takes over
        third = run_cli(*once, cwd=tmp_path)
    assert third.returncode == 0, third.stderr[-2000:]
    engine = open_archive(db)
    with session_scope(engine) as session:
        runs = session.execute(select(CrawlRun.id, CrawlRun.trigger, CrawlRun.status).order_by(CrawlRun.id)).all()
        killed = session.scalar(select(CrawlRun.error).where(CrawlRun.id == 1))
        locks = session.scalar(select(func.count()).select_from(RunLock))
    engine.dispose()
    assert [tuple(r) for r in runs] == [(1, "schedule", "interrupted"), (2, "schedule", "finished")]
    assert locks == 0  # released when the run ended
    assert "killed or crashed" in killed  # found by the run that took over


def test_schedule_keeps_its_nightly_job_in_the_archive(tmp_path):
    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    registry = tmp_path / "portals.toml"
    registry.write_text('[[portal]]\nname = "x"\nstart_urls = ["http://127.0.0.1:9/index.html"]\n', encoding="utf-8")
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "disclosure", "schedule", "--at", "02:30", "--timezone", "Asia/Shanghai",
         "--registry", str(registry), "--db", db],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        job_id, next_run = wait_for(db, text("SELECT id, next_run_time FROM apscheduler_jobs"))
    finally:
        scheduler.send_signal(signal.SIGINT)
        out, err = scheduler.communicate(timeout=30)
    assert job_id == "nightly-crawl"
    fires = datetime.fromtimestamp(next_run, UTC)
    assert (fires.hour, fires.minute) == (18, 30)  # 02:30 in Asia/Shanghai
    assert timedelta(0) < fires - datetime.now(UTC) <= timedelta(days=1)
    assert "every day at 02:30 (Asia/Shanghai)" in out


@pytest.mark.parametrize("at", ["2:30", "24:00", "02:60", "noon"])
def test_a_bad_time_is_refused_in_one_line(tmp_path, at):
    assert main(["schedule", "--at", at, "--db", f"sqlite:///{tmp_path / 'a.sqlite'}"]) == 2
