"""Extraction on several machines: capture ids on an RQ queue in Redis, read by `disclosure worker`.

The command that enqueues lists the captures to read and puts them on the queue in
batches; each worker (any machine that reaches the database, the WARC folder and Redis)
reads a batch under the extraction limits, in its own limited process, and stores it in
one transaction, each capture in its own savepoint, exactly as a local run does. Storing
is idempotent (the row for a version is replaced), so a batch whose worker died is simply
read again: RQ puts it back on the queue (its retries) once its execution has expired.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from sqlalchemy import select
from sqlalchemy.engine import Engine

from extract import PARSER_VERSION, extract_document
from extract.limits import DEFAULT_LIMITS, Limits
from storage.archive import CaptureRef, captures_to_extract
from storage.db import open_archive, session_scope
from storage.models import Capture

from .extraction import ExtractionSummary, store_batch, stored_contents
from .workers import QUEUED_PER_WORKER, LimitedWorkers

QUEUE_NAME = "disclosure-extract"
QUEUE_NAME_ENV_VAR = "DISCLOSURE_QUEUE_NAME"
BATCH = 16
# A batch is read again this many times after its worker died or the batch went over time.
RETRIES = 3
# Seconds a batch may take beyond its captures' wall limits (process start, storing).
BATCH_SLACK = 120
# Finished batches keep their counts this long, for the enqueuing command to sum.
RESULT_TTL = 7 * 24 * 3600


class QueueUnavailable(OSError):
    """The Redis server of the queue cannot be reached."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Enqueued:
    parser_version: str
    captures: int
    job_ids: tuple[str, ...]


def connect(url: str) -> Redis:
    """A connection to the queue's Redis, checked now rather than at the first job."""
    connection = Redis.from_url(url, socket_connect_timeout=5)
    try:
        connection.ping()
    except (RedisError, OSError) as error:
        raise QueueUnavailable(f"cannot reach the queue at {url}: {error}") from None
    return connection


def extraction_queue(connection: Redis, name: str | None = None) -> Queue:
    """The extraction queue; ``$DISCLOSURE_QUEUE_NAME`` names another (two archives on one Redis)."""
    return Queue(name or os.environ.get(QUEUE_NAME_ENV_VAR) or QUEUE_NAME, connection=connection)


def enqueue_extraction(
    engine: Engine,
    queue: Queue,
    *,
    redo: bool = False,
    parser_version: str = PARSER_VERSION,
    limits: Limits = DEFAULT_LIMITS,
    batch: int = BATCH,
) -> Enqueued:
    """Put every capture to read at ``parser_version`` on ``queue``, ``batch`` ids per job, in capture order."""
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    with session_scope(engine) as session:
        ids = [ref.capture_id for ref in captures_to_extract(session, parser_version, redo=redo)]
    batches = [ids[start : start + batch] for start in range(0, len(ids), batch)]
    prepared = [
        Queue.prepare_data(
            extract_batch,
            args=(chunk, parser_version, limits),
            timeout=int(limits.wall_seconds * len(chunk)) + BATCH_SLACK,
            result_ttl=RESULT_TTL,
            failure_ttl=RESULT_TTL,
            retry=Retry(max=RETRIES),
            description=f"extract captures {chunk[0]}–{chunk[-1]} with parser {parser_version}",
        )
        for chunk in batches
    ]
    jobs = queue.enqueue_many(prepared) if prepared else []
    return Enqueued(parser_version=parser_version, captures=len(ids), job_ids=tuple(job.id for job in jobs))


def requeue_abandoned(queue: Queue, *, now: float | None = None) -> None:
    """Batches whose worker stopped answering (killed, machine lost) back on the queue.

    RQ takes a batch as abandoned once its execution's time to live has passed without
    a heartbeat (the batch's timeout plus a minute); ``now`` is the time to judge at.
    """
    StartedJobRegistry(queue=queue).cleanup(timestamp=now)


def wait_for(queue: Queue, enqueued: Enqueued, *, poll_seconds: float = 1.0) -> ExtractionSummary:
    """Block until every batch has finished (or failed past its retries); the summed counts."""
    pending = set(enqueued.job_ids)
    counts = {"report": 0, "other": 0, "failed": 0}
    workers: set[str] = set()
    lost: list[str] = []
    while pending:
        requeue_abandoned(queue)
        for job in Job.fetch_many(sorted(pending), connection=queue.connection):
            if job is None:
                raise QueueUnavailable("a batch disappeared from the queue (Redis flushed or its results expired)")
            status = job.get_status(refresh=False)
            if status == JobStatus.FINISHED:
                for name, n in (job.return_value() or {}).items():
                    counts[name] += n
                workers.add(job.worker_name or "")
                pending.discard(job.id)
            elif status in (JobStatus.FAILED, JobStatus.CANCELED, JobStatus.STOPPED):
                lost.append(f"{job.description}: {(job.exc_info or status).strip().splitlines()[-1]}")
                pending.discard(job.id)
        if pending:
            time.sleep(poll_seconds)
    if lost:
        raise BatchesFailed(lost)
    return ExtractionSummary(
        parser_version=enqueued.parser_version,
        captures=enqueued.captures,
        reports=counts["report"],
        other_documents=counts["other"],
        failures=counts["failed"],
        jobs=max(1, len(workers)),
    )


class BatchesFailed(RuntimeError):
    def __init__(self, lost: Sequence[str]) -> None:
        shown = "; ".join(lost[:3]) + (f"; and {len(lost) - 3} more" if len(lost) > 3 else "")
        super().__init__(f"{len(lost)} batches were not read ({shown}); run the command again to read them")


def run_worker(connection: Redis, db_url: str, *, burst: bool = False, name: str | None = None) -> bool:
    """Take batches from the queue until stopped (or, with ``burst``, until it is empty)."""
    global _engine
    _engine = open_archive(db_url)
    queue = extraction_queue(connection)
    requeue_abandoned(queue)
    # SimpleWorker: the batch runs in this process, which holds the engine; the limits are
    # kept by the reading process of LimitedWorkers, as in a local run.
    worker = SimpleWorker([queue], connection=connection, name=name or f"{socket.gethostname()}.{os.getpid()}")
    try:
        return worker.work(burst=burst, with_scheduler=False)
    finally:
        _close_pool()
        _engine.dispose()
        _engine = None


# -- inside a worker ---------------------------------------------------------------

_engine: Engine | None = None
_pool: tuple[Limits, LimitedWorkers] | None = None


def extract_batch(capture_ids: Sequence[int], parser_version: str, limits: Limits) -> dict[str, int]:
    """One batch: each capture read under ``limits`` and stored; counts by kind of outcome."""
    if _engine is None:
        raise RuntimeError("extract_batch runs in `disclosure worker`, which opens the archive")
    with session_scope(_engine) as session:
        captures = session.scalars(select(Capture).where(Capture.id.in_(list(capture_ids))).order_by(Capture.id))
        refs = [
            CaptureRef(
                capture_id=c.id, sha256=c.blob_sha256, url=c.url, final_url=c.final_url,
                content_type=c.content_type, fetched_at=c.fetched_at,
            )
            for c in captures
        ]
    counts = {"report": 0, "other": 0, "failed": 0}
    contents = stored_contents(_engine, refs, batch=QUEUED_PER_WORKER)  # the reading process reads the bytes
    with closing(_reading_pool(limits).outcomes(contents)) as outcomes:
        read = list(outcomes)
    # one transaction for the batch: a worker killed before it commits leaves the batch unread
    for kind in store_batch(_engine, read, parser_version):
        counts[kind] += 1
    return counts


def _reading_pool(limits: Limits) -> LimitedWorkers:
    """One limited reading process, kept from batch to batch while the limits stay the same."""
    global _pool
    if _pool is None or _pool[0] != limits:
        _close_pool()
        _pool = (limits, LimitedWorkers(1, extract_document, limits))
    return _pool[1]


def _close_pool() -> None:
    global _pool
    if _pool is not None:
        _pool[1].close()
        _pool = None
