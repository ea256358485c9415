"""Injecting faults into real runs: SIGKILL of a command, a PostgreSQL restart, and counting
afterwards what the archive lost or holds twice."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from storage.db import open_archive
from storage.models import Capture, Document, Extraction

LOOPBACK = ("--allow-network", "127.0.0.0/8")
PG_READY_SECONDS = 90


def start_cli(*args: str, cwd: Path) -> subprocess.Popen:
    """A command in its own process group, so whatever it leaves behind can be found and ended."""
    return subprocess.Popen(
        [sys.executable, "-m", "disclosure", *args],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def kill_when(process: subprocess.Popen, ready: Callable[[], bool], *, timeout: float = 90) -> None:
    """SIGKILL ``process`` (the process alone, as `kill -9 PID` does) once ``ready()`` holds."""
    wait_until(ready, process, timeout=timeout)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def leftovers(process: subprocess.Popen, *, grace: float = 15) -> int:
    """Processes of ``process``'s group still alive ``grace`` seconds after it died; then ends them."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and _group_alive(process.pid):
        time.sleep(0.2)
    alive = _group_members(process.pid)
    if alive:
        os.killpg(process.pid, signal.SIGKILL)
    return len(alive)


def _group_alive(pgid: int) -> bool:
    return bool(_group_members(pgid))


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def count(db: str, query) -> int:
    """A count from the archive while a command may be writing (0 until its tables exist)."""
    engine = create_engine(db, poolclass=NullPool)
    try:
        with Session(engine) as session:
            return session.scalar(query) or 0
    except Exception:  # not created yet, being migrated, or the server is restarting
        return 0
    finally:
        engine.dispose()


def wait_until(ready: Callable[[], bool], process: subprocess.Popen, *, timeout: float = 90) -> None:
    """Until ``ready()`` holds; fails when ``process`` ends first."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            raise AssertionError(f"the command ended (status {process.returncode}) before the fault: {process.stderr.read()[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing to interrupt after {timeout:g} s")
        time.sleep(0.05)


CAPTURES = select(func.count()).select_from(Capture)
EXTRACTIONS = select(func.count()).select_from(Extraction)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tally:
    """What a fault cost: captures missing, captures and extractions stored more than once."""

    documents: int
    captures: int
    lost: int
    captures_twice: int
    extractions: int = 0
    unread: int = 0  # successful captures without an extraction at the version
    extractions_twice: int = 0

    def line(self, fault: str) -> str:
        text = f"{fault}: {self.captures} captures, lost {self.lost}, stored twice {self.captures_twice}"
        if self.extractions:
            text += (f"; {self.extractions} extractions, stored twice {self.extractions_twice}, "
                     f"captures left unread {self.unread}")
        return text


def tally(db: str, expected_urls: set[str], parser_version: str | None = None) -> Tally:
    engine = open_archive(db)
    try:
        with Session(engine) as session:
            urls = set(session.scalars(select(Document.url)))
            twice = session.scalar(
                select(func.count()).select_from(
                    select(Capture.document_id)
                    .group_by(Capture.document_id, Capture.blob_sha256, Capture.status)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
            extraction = {}
            if parser_version is not None:
                at_version = Extraction.parser_version == parser_version
                done = select(Extraction.capture_id).where(at_version)
                extraction = {
                    "extractions": session.scalar(select(func.count()).select_from(Extraction).where(at_version)),
                    "unread": session.scalar(
                        select(func.count()).select_from(Capture)
                        .where(Capture.status == 200, Capture.id.not_in(done))
                    ),
                    "extractions_twice": session.scalar(
                        select(func.count()).select_from(
                            select(Extraction.capture_id).where(at_version)
                            .group_by(Extraction.capture_id).having(func.count() > 1).subquery()
                        )
                    ),
                }
            return Tally(
                documents=len(urls),
                captures=session.scalar(CAPTURES) or 0,
                lost=len(expected_urls - urls),
                captures_twice=twice or 0,
                **extraction,
            )
    finally:
        engine.dispose()


# ---- PostgreSQL restarts ------------------------------------------------------------------


def postgresql_restart_unavailable() -> str | None:
    """Why the local PostgreSQL server cannot be restarted here, or None when it can."""
    missing = [tool for tool in ("pg_ctlcluster", "pg_isready", "psql") if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not on PATH (Debian's postgresql-common and postgresql-client)"
    if os.geteuid() != 0:
        return "restarting the PostgreSQL cluster needs root"
    if not _clusters():
        return "no PostgreSQL cluster under /etc/postgresql"
    return None


def _clusters() -> list[tuple[str, str]]:
    root = Path("/etc/postgresql")
    if not root.is_dir():
        return []
    return [(v.name, c.name) for v in sorted(root.iterdir()) for c in sorted(v.iterdir()) if (c / "postgresql.conf").exists()]


def checkpoint_postgresql() -> None:
    """A checkpoint before a restart, so that the shutdown's own is short: after many test
    schemas came and went it can take a minute and outlast pg_ctl's wait."""
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", "CHECKPOINT"],
                   capture_output=True, timeout=300)


def restart_postgresql() -> float:
    """Restart the server (every connection is cut) and wait until it answers; returns the seconds it took."""
    started = time.monotonic()
    for version, cluster in _clusters():
        done = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"],
            capture_output=True, text=True, timeout=300,
        )
        if done.returncode != 0:
            wait_for_postgresql()
            raise AssertionError(f"pg_ctlcluster {version} {cluster} restart failed: {done.stdout}{done.stderr}")
    wait_for_postgresql()
    return time.monotonic() - started


def wait_for_postgresql(timeout: float = PG_READY_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-t", "2"], capture_output=True)
        if ready.returncode == 0:
            return
        time.sleep(0.2)
    raise AssertionError(f"PostgreSQL did not answer within {timeout:g} s of its restart")
