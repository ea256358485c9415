"""The one service that runs a crawl (then extraction, then the cross-report checks) and an extraction.

The command line and the scheduler both call it. Every crawl is a run in the archive
(`crawl_runs`): started ``running``, with a heartbeat while it works, and ended
``finished`` or ``failed``; a run whose process died is found ``interrupted`` by the
next one that looks. Per portal it records the requests, 304s, new / changed / withdrawn
documents, new reports, errors, why each column ended, and the portal's health.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from extract import PARSER_VERSION
from extract.limits import DEFAULT_LIMITS, Limits
from storage import runs as run_store
from storage.archive_checks import refresh_archive_checks
from storage.db import open_archive, session_scope
from storage.reports import refresh_reports

from .crawling import CrawlSummary, crawl_portals
from .registry import Portal, portal_regions
from .status import portal_health

if TYPE_CHECKING:  # extraction and the queue load PDF, Word and Redis clients: a crawl needs none
    from .extraction import ExtractionSummary
    from .queue import Enqueued

record = dataclass(frozen=True, slots=True, kw_only=True)

HEARTBEAT = timedelta(seconds=30)
# A running run without a heartbeat for this long is taken as dead, whatever its host.
STALE_AFTER = timedelta(minutes=10)


@record
class RunSummary:
    run_id: int
    status: str
    crawls: tuple[CrawlSummary, ...]
    extraction: ExtractionSummary | None
    portals: tuple[run_store.PortalRun, ...]
    interrupted: tuple[int, ...] = ()  # earlier runs found dead when this one started


def run_extraction(
    engine: Engine,
    *,
    redo: bool = False,
    jobs: int = 1,
    progress: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    write_batch: int | None = None,
) -> ExtractionSummary:
    """Extract what the archive holds and has not read yet (everything with ``redo``), then rule 5."""
    from .extraction import WRITE_BATCH, extract_archive

    summary = extract_archive(
        engine, redo=redo, jobs=jobs, progress=progress, limits=limits, write_batch=write_batch or WRITE_BATCH
    )
    _settle_reports(engine)
    return summary


def run_queued_extraction(
    engine: Engine, queue_url: str, *, redo: bool = False, limits: Limits = DEFAULT_LIMITS, wait: bool = True
) -> ExtractionSummary | Enqueued:
    """The captures to read put on the queue at ``queue_url`` for `disclosure worker` processes;
    with ``wait``, blocks until they are read, then settles reports and rule 5 as a local run does."""
    from .queue import connect, enqueue_extraction, extraction_queue, wait_for

    queue = extraction_queue(connect(queue_url))
    enqueued = enqueue_extraction(engine, queue, redo=redo, limits=limits)
    if not wait:
        return enqueued
    summary = wait_for(queue, enqueued)
    _settle_reports(engine)
    return summary


def _settle_reports(engine: Engine) -> None:
    # Reports and rule 5 span documents, so they are settled once extraction has read every one.
    with session_scope(engine) as session:
        refresh_reports(session, PARSER_VERSION, regions=portal_regions())
        refresh_archive_checks(session, PARSER_VERSION)


def run_crawl(
    portals: list[Portal],
    db_url: str,
    *,
    trigger: str = "cli",
    allowed_networks: list[str] | None = None,
    delay: float | None = None,
    extract: bool = True,
    jobs: int = 1,
    progress: bool = False,
    settings_overrides: dict | None = None,
    limits: Limits = DEFAULT_LIMITS,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> RunSummary:
    """Crawl ``portals`` into the archive at ``db_url`` as one recorded run; blocks until done."""
    engine = open_archive(db_url)
    try:
        interrupted = find_interrupted(engine, clock())
        with session_scope(engine) as session:
            started = clock()
            run_id = run_store.start_run(session, trigger=trigger, now=started, host=HOST, pid=os.getpid())
        try:
            with _heartbeat(engine, run_id, clock):
                crawls = crawl_portals(
                    portals,
                    db_url,
                    allowed_networks=list(allowed_networks or []),
                    delay=delay,
                    settings_overrides=settings_overrides,
                )
                extraction = run_extraction(engine, jobs=jobs, progress=progress, limits=limits) if extract else None
                crawls, portal_runs = _record_portals(engine, run_id, portals, crawls, started, clock())
        except BaseException as error:
            status = run_store.INTERRUPTED if isinstance(error, KeyboardInterrupt) else run_store.FAILED
            with session_scope(engine) as session:
                run_store.finish_run(session, run_id, status=status, now=clock(), error=_why(error))
            raise
        stopped = [c.portal for c in crawls if c.finish_reason == "shutdown"]
        status = run_store.INTERRUPTED if stopped else run_store.FINISHED
        with session_scope(engine) as session:
            run_store.finish_run(
                session,
                run_id,
                status=status,
                now=clock(),
                error=f"stopped by a signal while crawling {', '.join(stopped)}" if stopped else None,
                extraction=asdict(extraction) if extraction else None,
            )
        return RunSummary(
            run_id=run_id,
            status=status,
            crawls=tuple(crawls),
            extraction=extraction,
            portals=tuple(portal_runs),
            interrupted=tuple(interrupted),
        )
    finally:
        engine.dispose()


def _why(error: BaseException) -> str:
    """One line for the run's record: a database error carries its SQL and parameters on later lines."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def find_interrupted(engine: Engine, now: datetime) -> list[int]:
    with session_scope(engine) as session:
        return run_store.mark_interrupted(session, now=now, host=HOST, alive=pid_alive, stale_after=STALE_AFTER)


def _record_portals(
    engine: Engine,
    run_id: int,
    portals: list[Portal],
    crawls: list[CrawlSummary],
    started: datetime,
    now: datetime,
) -> tuple[list[CrawlSummary], list[run_store.PortalRun]]:
    by_name = {portal.name: portal for portal in portals}
    refined, recorded = [], []
    with session_scope(engine) as session:
        for crawl in crawls:
            activity = run_store.portal_activity(session, crawl.portal, started, now)
            crawl = _with(crawl, new_versions=activity.new_versions)
            counts = {
                "requests": crawl.requests,
                "not_modified": crawl.not_modified,
                "responses": crawl.responses,
                "new_documents": activity.new_documents,
                "changed_documents": activity.changed_documents,
                "withdrawn_documents": activity.withdrawn_documents,
                "new_reports": run_store.new_reports(session, crawl.portal, started, PARSER_VERSION),
                "http_errors": crawl.http_errors,
                "failed_fetches": crawl.failed_fetches,
                "refused": crawl.refused,
                "bytes_received": crawl.bytes_received,
            }
            health = portal_health(
                session,
                crawl.portal,
                since=started,
                start_urls=by_name[crawl.portal].start_urls,
                outcomes=crawl.outcomes,
                parser_version=PARSER_VERSION,
                revalidate_days=by_name[crawl.portal].revalidate_days,
            )
            run_store.record_portal(session, run_id, crawl.portal, counts, outcomes=crawl.outcomes, health=health)
            refined.append(crawl)
            recorded.append(
                run_store.PortalRun(portal=crawl.portal, counts=counts, outcomes=crawl.outcomes, health=tuple(health))
            )
    return refined, recorded


def _with(crawl: CrawlSummary, **changes) -> CrawlSummary:
    return CrawlSummary(**{**asdict(crawl), **changes})


def _heartbeat(engine: Engine, run_id: int, clock: Callable[[], datetime]):
    return renewed(engine, HEARTBEAT, lambda session: run_store.heartbeat(session, run_id, clock()), name="run-heartbeat")


@contextmanager
def renewed(engine: Engine, every: timedelta, renew: Callable[[Session], None], *, name: str) -> Iterator[None]:
    """Call ``renew`` in a transaction of its own every ``every`` while the block runs (heartbeats, leases)."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every.total_seconds()):
            try:
                with session_scope(engine) as session:
                    renew(session)
            except Exception:  # a missed renewal is tried again at the next one; the run must not die of it
                continue

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def runs_json(runs: list[run_store.RunRecord]) -> list[dict]:
    return [
        {
            "id": run.id,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "trigger": run.trigger,
            "status": run.status,
            "host": run.host,
            "pid": run.pid,
            "error": run.error,
            "extraction": run.extraction,
            "portals": [
                {"portal": p.portal, **p.counts, "outcomes": list(p.outcomes), "health": list(p.health)}
                for p in run.portals
            ],
        }
        for run in runs
    ]


def run_lines(runs: list[run_store.RunRecord]) -> list[str]:
    lines = []
    for run in runs:
        took = f"{(run.finished_at - run.started_at).total_seconds():.0f}s" if run.finished_at else "-"
        lines.append(
            f"run {run.id} {run.status} ({run.trigger}) started {run.started_at:%Y-%m-%d %H:%M:%S}Z, took {took}"
            + (f": {run.error}" if run.error and run.status != run_store.FINISHED else "")
        )
        for p in run.portals:
            c = p.counts
            ended = ", ".join(sorted({o.get("ended", "?") for o in p.outcomes})) or "-"
            flags = "; ".join(f"{h['problem']}: {h['detail']}" for h in p.health)
            lines.append(
                f"  {p.portal}: {c['requests']} requests, {c['not_modified']} not modified, "
                f"{c['bytes_received'] / 1024:.0f} KiB received, "
                f"{c['new_documents']} new / {c['changed_documents']} changed / {c['withdrawn_documents']} withdrawn "
                f"documents, {c['new_reports']} new reports, {c['http_errors'] + c['failed_fetches']} errors; "
                f"columns ended: {ended}" + (f"; FLAGGED {flags}" if flags else "")
            )
    return lines


def today_utc() -> date:
    return datetime.now(UTC).date()


HOST = socket.gethostname()
