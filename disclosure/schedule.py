"""`disclosure schedule`: the registry's crawl every night, never two at once.

APScheduler runs in the foreground with its jobs kept in the archive database
(SQLAlchemyJobStore on the same URL). Each night's job starts `disclosure schedule
--once` as a child process (Scrapy's reactor runs once per process), which takes the
archive's run lock, runs the crawl through `runs.run_crawl` and releases the lock. The
lock row names its holder (host, pid) and expires unless refreshed: a run that crashed
or was killed does not keep it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from storage import runs as run_store
from storage.db import open_archive, session_scope

from .runs import HOST, pid_alive, renewed

LOCK_NAME = "crawl"
LOCK_TTL = timedelta(minutes=10)  # refreshed every LOCK_TTL / 10 while the run works
JOB_ID = "nightly-crawl"
DEFAULT_AT = "02:30"
DEFAULT_TIMEZONE = "Asia/Shanghai"  # the portals' own night
_AT = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


class LockHeld(Exception):
    """Another run holds the archive's run lock; the message names it."""


def parse_at(text: str) -> tuple[int, int]:
    found = _AT.match(text)
    if not found:
        raise ValueError(f"--at wants HH:MM (24-hour), got {text!r}")
    return int(found.group(1)), int(found.group(2))


@contextmanager
def run_lock(db_url: str, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> Iterator[None]:
    """Hold the archive's run lock for the block, or raise LockHeld."""
    engine = open_archive(db_url)
    pid = os.getpid()
    try:
        with session_scope(engine) as session:
            holder = run_store.acquire_lock(
                session, LOCK_NAME, host=HOST, pid=pid, now=clock(), ttl=LOCK_TTL, alive=pid_alive
            )
        if holder is not None:
            raise LockHeld(
                f"another run holds the lock: pid {holder.pid} on {holder.host} since "
                f"{holder.acquired_at:%Y-%m-%d %H:%M:%S}Z (expires {holder.expires_at:%H:%M:%S}Z unless renewed)"
            )
        def refresh(session) -> None:
            run_store.refresh_lock(session, LOCK_NAME, host=HOST, pid=pid, expires_at=clock() + LOCK_TTL)

        try:
            # a missed renewal is tried again a tenth of the lease later; the lease lasts LOCK_TTL
            with renewed(engine, LOCK_TTL / 10, refresh, name="run-lock"):
                yield
        finally:
            with session_scope(engine) as session:
                run_store.release_lock(session, LOCK_NAME, host=HOST, pid=pid)
    finally:
        engine.dispose()


def run_child(argv: list[str]) -> int:
    """The nightly job: one `disclosure schedule --once` in a fresh process."""
    done = subprocess.run([sys.executable, "-m", "disclosure", "schedule", "--once", *argv], check=False)
    return done.returncode


def serve(db_url: str, *, at: str, timezone: str, child_argv: list[str], announce: Callable[[str], None]) -> None:
    """Run the nightly job in the foreground until interrupted."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    hour, minute = parse_at(at)
    engine = open_archive(db_url)
    scheduler = BlockingScheduler(jobstores={"default": SQLAlchemyJobStore(engine=engine)}, timezone=timezone)
    scheduler.add_job(
        run_child,
        CronTrigger(hour=hour, minute=minute, timezone=timezone),
        args=[child_argv],
        id=JOB_ID,
        name="crawl the registry",
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=3600,
    )
    announce(f"scheduled: the registry's crawl every day at {at} ({timezone}); Ctrl-C to stop")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        engine.dispose()
