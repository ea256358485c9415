"""Crawl runs in the archive: start, heartbeat, finish, per-portal outcomes, listing, and the run lock.

Plain functions on a Session; the caller owns the transaction. Whether a process is
alive is the caller's knowledge (``alive(pid)``), and the time always comes in as ``now``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .models import Capture, CrawlRun, CrawlRunPortal, Document, Extraction, RunLock

record = dataclass(frozen=True, slots=True, kw_only=True)

RUNNING, FINISHED, FAILED, INTERRUPTED = "running", "finished", "failed", "interrupted"
COUNTS = (
    "requests",
    "not_modified",
    "responses",
    "new_documents",
    "changed_documents",
    "withdrawn_documents",
    "new_reports",
    "http_errors",
    "failed_fetches",
    "refused",
    "bytes_received",
)


@record
class PortalRun:
    portal: str
    counts: Mapping[str, int]
    outcomes: tuple[dict, ...]
    health: tuple[dict, ...]


@record
class RunRecord:
    id: int
    started_at: datetime
    finished_at: datetime | None
    trigger: str
    status: str
    host: str
    pid: int
    error: str | None
    extraction: Mapping[str, Any] | None
    portals: tuple[PortalRun, ...]


def start_run(session: Session, *, trigger: str, now: datetime, host: str, pid: int) -> int:
    run = CrawlRun(started_at=now, heartbeat_at=now, trigger=trigger, status=RUNNING, host=host, pid=pid)
    session.add(run)
    session.flush()
    return run.id


def heartbeat(session: Session, run_id: int, now: datetime) -> None:
    session.execute(
        update(CrawlRun).where(CrawlRun.id == run_id, CrawlRun.status == RUNNING).values(heartbeat_at=now)
    )


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    now: datetime,
    error: str | None = None,
    extraction: Mapping[str, Any] | None = None,
) -> None:
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise KeyError(f"no crawl run {run_id}")
    run.status, run.finished_at, run.heartbeat_at = status, now, now
    run.error = error
    if extraction is not None:
        run.extraction = dict(extraction)


def record_portal(
    session: Session,
    run_id: int,
    portal: str,
    counts: Mapping[str, int],
    *,
    outcomes: list[dict] | tuple[dict, ...] = (),
    health: list[dict] | tuple[dict, ...] = (),
) -> None:
    unknown = set(counts) - set(COUNTS)
    if unknown:
        raise ValueError(f"unknown run counts: {sorted(unknown)}")
    row = session.scalar(select(CrawlRunPortal).where(CrawlRunPortal.run_id == run_id, CrawlRunPortal.portal == portal))
    if row is None:
        row = CrawlRunPortal(run_id=run_id, portal=portal, **{name: 0 for name in COUNTS})
        session.add(row)
    for name, value in counts.items():
        setattr(row, name, int(value))
    row.outcomes = [dict(o) for o in outcomes]
    row.health = [dict(h) for h in health]
    session.flush()


def mark_interrupted(
    session: Session, *, now: datetime, host: str, alive: Callable[[int], bool], stale_after: timedelta
) -> list[int]:
    """Runs left ``running`` by a process that is gone: dead pid on this host, or no heartbeat lately."""
    found = []
    for run in session.scalars(select(CrawlRun).where(CrawlRun.status == RUNNING)):
        dead_here = run.host == host and not alive(run.pid)
        if dead_here or run.heartbeat_at < now - stale_after:
            run.status = INTERRUPTED
            run.finished_at = run.heartbeat_at
            run.error = "the process ended without finishing the run (killed or crashed)"
            found.append(run.id)
    session.flush()
    return found


def list_runs(session: Session, *, limit: int = 20) -> list[RunRecord]:
    runs = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)))
    portals: dict[int, list[PortalRun]] = {run.id: [] for run in runs}
    if runs:
        rows = session.scalars(
            select(CrawlRunPortal).where(CrawlRunPortal.run_id.in_(portals)).order_by(CrawlRunPortal.id)
        )
        for row in rows:
            portals[row.run_id].append(_portal_run(row))
    return [
        RunRecord(
            id=run.id,
            started_at=run.started_at,
            finished_at=run.finished_at,
            trigger=run.trigger,
            status=run.status,
            host=run.host,
            pid=run.pid,
            error=run.error,
            extraction=run.extraction,
            portals=tuple(portals[run.id]),
        )
        for run in runs
    ]


def latest_portal_runs(session: Session) -> dict[str, tuple[int, PortalRun]]:
    """Each portal's record in the newest run that crawled it: portal -> (run id, record)."""
    newest = (
        select(CrawlRunPortal.portal, func.max(CrawlRunPortal.run_id).label("run_id"))
        .group_by(CrawlRunPortal.portal)
        .subquery()
    )
    rows = session.scalars(
        select(CrawlRunPortal).join(
            newest, (newest.c.portal == CrawlRunPortal.portal) & (newest.c.run_id == CrawlRunPortal.run_id)
        )
    )
    return {row.portal: (row.run_id, _portal_run(row)) for row in rows}


def _portal_run(row: CrawlRunPortal) -> PortalRun:
    return PortalRun(
        portal=row.portal,
        counts={name: getattr(row, name) for name in COUNTS},
        outcomes=tuple(row.outcomes or ()),
        health=tuple(row.health or ()),
    )


# ---- what a run did, read back from the archive -----------------------------------------


@record
class PortalActivity:
    new_documents: int
    changed_documents: int
    new_versions: int
    withdrawn_documents: int


def portal_activity(session: Session, portal: str, since: datetime, until: datetime) -> PortalActivity:
    """Documents of ``portal`` first seen, changed (a new capture) or withdrawn between since and until."""
    new_documents = session.scalar(
        select(func.count()).select_from(Document).where(
            Document.portal == portal, Document.first_seen_at >= since, Document.first_seen_at <= until
        )
    )
    in_window = (Capture.fetched_at >= since) & (Capture.fetched_at <= until)
    versions = select(func.count()).select_from(Capture).join(Document).where(Document.portal == portal, in_window)
    new_versions = session.scalar(versions)
    changed = session.scalar(versions.where(Document.first_seen_at < since))
    withdrawn_at = getattr(Document, "withdrawn_at", None)
    withdrawn = 0
    if withdrawn_at is not None:
        withdrawn = session.scalar(
            select(func.count()).select_from(Document).where(
                Document.portal == portal, withdrawn_at >= since, withdrawn_at <= until
            )
        )
    return PortalActivity(
        new_documents=new_documents or 0,
        changed_documents=changed or 0,
        new_versions=new_versions or 0,
        withdrawn_documents=withdrawn or 0,
    )


def new_reports(session: Session, portal: str, since: datetime, parser_version: str) -> int:
    """Documents of ``portal`` first seen since ``since`` that the parser read as annual reports."""
    return session.scalar(
        select(func.count(func.distinct(Document.id)))
        .select_from(Document)
        .join(Capture, Capture.document_id == Document.id)
        .join(Extraction, Extraction.capture_id == Capture.id)
        .where(
            Document.portal == portal,
            Document.first_seen_at >= since,
            Extraction.parser_version == parser_version,
            Extraction.is_annual_report.is_(True),
        )
    ) or 0


# ---- the run lock ----------------------------------------------------------------------


@record
class LockHolder:
    host: str
    pid: int
    acquired_at: datetime
    expires_at: datetime


def acquire_lock(
    session: Session,
    name: str,
    *,
    host: str,
    pid: int,
    now: datetime,
    ttl: timedelta,
    alive: Callable[[int], bool],
) -> LockHolder | None:
    """Take the lock; None when taken, else who holds it.

    A lock past its expiry, or held by a dead process on this host, is taken over. Both
    the insert and the takeover are single statements, so two processes racing for it
    cannot both win.
    """
    values = {"holder_host": host, "holder_pid": pid, "acquired_at": now, "expires_at": now + ttl}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    inserted = session.execute(
        insert(RunLock).values(name=name, **values).on_conflict_do_nothing().returning(RunLock.name)
    )
    if inserted.scalar() is not None:
        return None
    held = session.execute(select(RunLock).where(RunLock.name == name)).scalar_one()
    holder = LockHolder(host=held.holder_host, pid=held.holder_pid, acquired_at=held.acquired_at, expires_at=held.expires_at)
    stale = holder.expires_at <= now or (holder.host == host and holder.pid != pid and not alive(holder.pid))
    if not stale:
        return holder
    session.expunge(held)
    taken = session.execute(
        update(RunLock)
        .where(
            RunLock.name == name,
            RunLock.holder_host == holder.host,
            RunLock.holder_pid == holder.pid,
            RunLock.expires_at == holder.expires_at,
        )
        .values(**values)
    )
    return None if taken.rowcount == 1 else holder


def refresh_lock(session: Session, name: str, *, host: str, pid: int, expires_at: datetime) -> bool:
    done = session.execute(
        update(RunLock)
        .where(RunLock.name == name, RunLock.holder_host == host, RunLock.holder_pid == pid)
        .values(expires_at=expires_at)
    )
    return done.rowcount == 1


def release_lock(session: Session, name: str, *, host: str, pid: int) -> None:
    session.execute(
        delete(RunLock).where(RunLock.name == name, RunLock.holder_host == host, RunLock.holder_pid == pid)
    )
