"""Running extraction over the archive: stored bytes in, extraction rows out.

Worker processes only turn bytes into records; this process alone reads the archive
and writes to it, one capture per transaction, in capture order, so a run with many
workers stores exactly what a run with one stores.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import closing
from dataclasses import dataclass, replace

from sqlalchemy import exc
from sqlalchemy.engine import Engine

from extract import PARSER_VERSION, extract_document
from extract.records import Document
from storage.archive import CaptureRef, captures_to_extract, load_blob, record_extraction, record_failure
from storage.changes import Captures, VersionChanges, compare_versions, parser_versions, previous_version
from storage.db import in_transaction, session_scope

from .progress import progress_bar

log = logging.getLogger(__name__)

# extract_document's signature: (content, *, url, content_type, fetched_at) -> Document
Extractor = Callable[..., Document]

# Captures in flight per worker: enough to keep each busy, few enough to bound memory.
_IN_FLIGHT_PER_WORKER = 2
WORKER_DIED = "WorkerDied: the process reading this capture ended abruptly (crash or out of memory)"

record = dataclass(frozen=True, slots=True, kw_only=True)


@record
class ExtractionSummary:
    parser_version: str
    captures: int
    reports: int
    other_documents: int
    failures: int
    jobs: int = 1


@record
class _Outcome:
    document: Document | None = None
    error: str | None = None


def extract_archive(
    engine: Engine,
    *,
    redo: bool = False,
    jobs: int = 1,
    progress: bool = False,
    parser_version: str = PARSER_VERSION,
    extractor: Extractor = extract_document,
) -> ExtractionSummary:
    """Extract every capture that has no result at ``parser_version`` (all of them with ``redo``).

    ``jobs`` worker processes read the captures (1: in this process). Each record is
    stored under ``parser_version``; results of other versions stay untouched. A capture
    that cannot be read, even one that kills its worker, is recorded as a failure.
    ``extractor`` must be a module-level function when ``jobs`` > 1 (workers import it).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    with session_scope(engine) as session:
        pending = captures_to_extract(session, parser_version, redo=redo)
    workers = max(1, min(jobs, len(pending)))
    counts = {"report": 0, "other": 0, "failed": 0}
    shown = progress_bar(len(pending), enabled=progress, description=f"parser {parser_version}")
    # closing(): the workers stop at once when writing fails, not when the generator is collected
    with closing(_outcomes(engine, pending, extractor, workers)) as outcomes, shown as bar:
        for ref, outcome in outcomes:
            counts[_store(engine, ref, outcome, parser_version)] += 1
            bar.update(1)
    return ExtractionSummary(
        parser_version=parser_version,
        captures=len(pending),
        reports=counts["report"],
        other_documents=counts["other"],
        failures=counts["failed"],
        jobs=workers,
    )


def _outcomes(
    engine: Engine, pending: list[CaptureRef], extractor: Extractor, workers: int
) -> Iterator[tuple[CaptureRef, _Outcome]]:
    contents = _contents(engine, pending, batch=workers * _IN_FLIGHT_PER_WORKER)
    if workers == 1:
        for ref, content in contents:
            yield ref, _extract_one(extractor, ref, content)
        return
    with _Workers(workers, extractor) as pool:
        yield from pool.outcomes(contents)


def _contents(
    engine: Engine, pending: list[CaptureRef], *, batch: int
) -> Iterator[tuple[CaptureRef, bytes | None]]:
    """Each capture with its stored bytes, read a batch at a time, never the whole archive."""
    for start in range(0, len(pending), batch):
        refs = pending[start : start + batch]
        loaded = in_transaction(engine, lambda session: [(ref, _blob(session, ref.sha256)) for ref in refs])
        yield from loaded


def _blob(session, sha256: str) -> bytes | None:
    try:
        return load_blob(session, sha256)
    except KeyError:
        return None


def _extract_one(extractor: Extractor, ref: CaptureRef, content: bytes | None) -> _Outcome:
    if content is None:
        return _Outcome(error=f"KeyError: the archive has no bytes with sha256 {ref.sha256}")
    try:
        document = extractor(
            content, url=ref.final_url or ref.url, content_type=ref.content_type, fetched_at=ref.fetched_at
        )
    except Exception as error:  # one bad capture must not stop the run
        return _Outcome(error=_one_line(error))
    return _Outcome(document=document)


def _store(engine: Engine, ref: CaptureRef, outcome: _Outcome, parser_version: str) -> str:
    """Write one outcome in its own transaction; returns "report", "other" or "failed"."""
    error = outcome.error
    document = outcome.document
    if document is not None:
        if document.parser_version != parser_version:
            document = replace(document, parser_version=parser_version)
        try:
            # repeated after a lost connection: the row for this version is replaced, never doubled
            in_transaction(engine, lambda session: record_extraction(session, ref.capture_id, document))
            return "report" if document.is_annual_report else "other"
        except exc.DBAPIError:
            raise  # the database itself failed: recording a failure would fail too
        except (ValueError, TypeError, exc.StatementError) as storing_error:
            # a record that does not fit its capture or the schema is that capture's failure
            error = f"cannot store the record: {_one_line(storing_error)}"
    log.warning("extraction failed for %s: %s", ref.url, error)
    failure = error or "unknown error"
    in_transaction(
        engine, lambda session: record_failure(session, ref.capture_id, parser_version=parser_version, error=failure)
    )
    return "failed"


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class UnknownVersion(ValueError):
    """The parser version to compare with has no extractions in the archive."""


def check_against(engine: Engine, against: str, current: str = PARSER_VERSION) -> None:
    """Refuse, before any work, a version to compare with that cannot be compared."""
    with session_scope(engine) as session:
        known = parser_versions(session)
    if against == current:
        raise UnknownVersion(f"parser {against} is the version being extracted; name an earlier one")
    if against not in known:
        present = ", ".join(known) or "none"
        raise UnknownVersion(f"parser {against} has no extractions in the archive (versions present: {present})")


def version_changes(
    engine: Engine, current: str = PARSER_VERSION, *, against: str | None = None
) -> VersionChanges | None:
    """``current`` against ``against``, else against the newest other version; None if none."""
    with session_scope(engine) as session:
        previous = against or previous_version(session, current)
        if previous is None:
            return None
        return compare_versions(session, current, previous)


def describe_changes(changes: VersionChanges | None, *, keys_shown: int = 5) -> str:
    """A few lines for a terminal: what the current parser reads differently."""
    if changes is None:
        return "no earlier parser version in the archive to compare with"
    scope = f"parser {changes.current} against parser {changes.previous}, {changes.compared} captures read by both"
    if changes.only_current:
        scope += f" ({changes.only_current} read only by {changes.current})"
    if not changes.any:
        return f"no changes: {scope}"
    lines = [f"changes: {scope}"]
    kinds = (
        ("reports", (("gained", changes.reports_gained), ("lost", changes.reports_lost))),
        ("failures", (("fixed", changes.failures_fixed), ("new", changes.failures_new))),
    )
    for name, parts in kinds:
        if any(captures.count for _, captures in parts):
            lines.append(f"  {name}: " + ", ".join(_captures_text(word, c) for word, c in parts))
    counted = (
        ("values", (
            ("changed", changes.values_changed), ("added", changes.values_added), ("removed", changes.values_removed),
        )),
        ("checks", (("now pass", changes.checks_now_pass), ("now fail", changes.checks_now_fail))),
    )
    for name, parts in counted:
        if any(counts for _, counts in parts):
            lines.append(f"  {name}: " + "; ".join(_counts_text(word, c, keys_shown) for word, c in parts))
    return "\n".join(lines)


def _captures_text(word: str, captures: Captures) -> str:
    text = f"{captures.count} {word}"
    if captures.examples:
        more = ", …" if captures.count > len(captures.examples) else ""
        text += " (" + ", ".join(captures.examples) + more + ")"
    return text


def _counts_text(word: str, counts: tuple[tuple[str, int], ...], shown: int) -> str:
    total = sum(n for _, n in counts)
    if not counts:
        return f"0 {word}"
    listed = ", ".join(f"{key} {n}" for key, n in counts[:shown])
    more = f", and {len(counts) - shown} more" if len(counts) > shown else ""
    return f"{total} {word} ({listed}{more})"


# -- worker processes --------------------------------------------------------------

_worker_extractor: Extractor | None = None


def _init_worker(extractor: Extractor) -> None:
    global _worker_extractor
    _worker_extractor = extractor


def _extract_in_worker(ref: CaptureRef, content: bytes | None) -> _Outcome:
    assert _worker_extractor is not None, "worker started without an extractor"
    return _extract_one(_worker_extractor, ref, content)


class _Workers:
    """A process pool that outlives the death of a worker.

    When a worker dies the whole pool breaks, and every capture in flight with it. Those
    captures are then read again one at a time on a fresh pool: the one that breaks it
    again is the culprit and is recorded as a failure; the others are read normally.
    """

    def __init__(self, workers: int, extractor: Extractor) -> None:
        try:
            pickle.dumps(extractor)
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            raise ValueError(f"worker processes cannot import the extractor {extractor!r}: {error}") from None
        self._workers = workers
        self._extractor = extractor
        self._executor = self._start()

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc_info) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def outcomes(
        self, contents: Iterator[tuple[CaptureRef, bytes | None]]
    ) -> Iterator[tuple[CaptureRef, _Outcome]]:
        """Outcomes in the order of ``contents``, at most a few per worker in flight."""
        window: deque[tuple[CaptureRef, bytes | None, Future]] = deque()
        limit = self._workers * _IN_FLIGHT_PER_WORKER
        for ref, content in contents:
            window.append((ref, content, self._submit(ref, content)))
            if len(window) >= limit:
                yield self._next(window)
        while window:
            yield self._next(window)

    def _start(self) -> ProcessPoolExecutor:
        # spawn, not fork: the parent holds database connections a fork would share
        return ProcessPoolExecutor(
            max_workers=self._workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self._extractor,),
        )

    def _restart(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._executor = self._start()

    def _submit(self, ref: CaptureRef, content: bytes | None) -> Future:
        try:
            return self._executor.submit(_extract_in_worker, ref, content)
        except BrokenProcessPool as error:
            return _done(exception=error)

    def _next(self, window: deque) -> tuple[CaptureRef, _Outcome]:
        ref, content, future = window[0]
        if isinstance(future.exception(), BrokenProcessPool):
            self._isolate(window)
            ref, content, future = window[0]
        window.popleft()
        return ref, _outcome(future)

    def _isolate(self, window: deque) -> None:
        """Read again, one at a time on a fresh pool, every capture the broken pool lost."""
        settled = [(entry, entry[2].exception()) for entry in window]  # waits for each
        self._restart()
        for index, ((ref, content, _), error) in enumerate(settled):
            if not isinstance(error, BrokenProcessPool):
                continue
            retry = self._submit(ref, content)
            if isinstance(retry.exception(), BrokenProcessPool):
                log.warning("a worker died reading %s; starting a new one", ref.url)
                retry = _done(result=_Outcome(error=WORKER_DIED))
                self._restart()
            window[index] = (ref, content, retry)


def _outcome(future: Future) -> _Outcome:
    error = future.exception()
    if error is not None:  # e.g. a record that could not be sent back from the worker
        return _Outcome(error=_one_line(error))
    return future.result()


def _done(*, result: _Outcome | None = None, exception: BaseException | None = None) -> Future:
    future: Future = Future()
    if exception is not None:
        future.set_exception(exception)
    else:
        future.set_result(result)
    return future
