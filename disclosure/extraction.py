"""Running extraction over the archive: stored bytes in, extraction rows out.

Worker processes only turn bytes into records; this process alone reads the archive
and writes to it, in capture order, so a run with many workers stores exactly what a
run with one stores. Results are written a batch per transaction, each capture in its
own savepoint: a record that does not fit fails alone, and a killed run loses at most
the batch it was writing (those captures are extracted again next time).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import delete, exc, insert, select
from sqlalchemy.engine import Engine

from extract import PARSER_VERSION, extract_document
from extract.limits import DEFAULT_LIMITS, Limits
from storage.archive import CaptureRef, captures_to_extract, load_blob, record_extraction, record_failure
from storage.changes import Captures, VersionChanges, compare_versions, parser_versions, previous_version
from storage.db import in_transaction, session_scope
from storage.models import Blob, Capture, CheckResult, ExtractedValue, Extraction
from storage.warc import store_for

from .progress import progress_bar
from .workers import (
    IN_FLIGHT_PER_WORKER,
    QUEUED_PER_WORKER,
    Extractor,
    LimitedWorkers,
    Outcome,
    Stored,
    extract_one,
    one_line,
)

log = logging.getLogger(__name__)

# Results per write transaction, and the longest a finished result waits to be written.
WRITE_BATCH = 64
WRITE_SECONDS = 2.0

# Written as plain rows (Core), not ORM objects: a report is some 200 rows
BLOBS, CAPTURES, EXTRACTIONS = Blob.__table__, Capture.__table__, Extraction.__table__
VALUES, CHECKS = ExtractedValue.__table__, CheckResult.__table__

record = dataclass(frozen=True, slots=True, kw_only=True)


@record
class ExtractionSummary:
    parser_version: str
    captures: int
    reports: int
    other_documents: int
    failures: int
    jobs: int = 1


def extract_archive(
    engine: Engine,
    *,
    redo: bool = False,
    jobs: int = 1,
    progress: bool = False,
    parser_version: str = PARSER_VERSION,
    extractor: Extractor = extract_document,
    limits: Limits | None = DEFAULT_LIMITS,
    write_batch: int = WRITE_BATCH,
) -> ExtractionSummary:
    """Extract every capture that has no result at ``parser_version`` (all of them with ``redo``).

    ``jobs`` worker processes read the captures under ``limits`` (wall time per capture,
    memory per worker, and the limits on the bytes themselves); ``limits=None`` reads
    them in this process, unbounded (tests and measurements only). Each record is stored
    under ``parser_version``; results of other versions stay untouched. A capture that
    cannot be read, is over a limit or kills its worker is recorded as a failure.
    ``extractor`` must be a module-level function when workers are used (they import it).
    Results are written ``write_batch`` per transaction (or every WRITE_SECONDS).
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    if write_batch < 1:
        raise ValueError(f"write_batch must be at least 1, got {write_batch}")
    with session_scope(engine) as session:
        pending = captures_to_extract(session, parser_version, redo=redo)
    workers = max(1, min(jobs, len(pending)))
    counts = {"report": 0, "other": 0, "failed": 0}
    shown = progress_bar(len(pending), enabled=progress, description=f"parser {parser_version}")
    # closing(): the workers stop at once when writing fails, not when the generator is collected
    with closing(_outcomes(engine, pending, extractor, workers, limits)) as outcomes, shown as bar:
        batch: list[tuple[CaptureRef, Outcome]] = []
        started = time.monotonic()
        for done, (ref, outcome) in enumerate(outcomes, 1):
            batch.append((ref, outcome))
            # the last batch is written at once, while the workers wind down
            if len(batch) >= write_batch or time.monotonic() - started >= WRITE_SECONDS or done == len(pending):
                for kind in store_batch(engine, batch, parser_version):
                    counts[kind] += 1
                bar.update(len(batch))
                batch, started = [], time.monotonic()
        if batch:
            for kind in store_batch(engine, batch, parser_version):
                counts[kind] += 1
            bar.update(len(batch))
    return ExtractionSummary(
        parser_version=parser_version,
        captures=len(pending),
        reports=counts["report"],
        other_documents=counts["other"],
        failures=counts["failed"],
        jobs=workers,
    )


def _outcomes(
    engine: Engine, pending: list[CaptureRef], extractor: Extractor, workers: int, limits: Limits | None
) -> Iterator[tuple[CaptureRef, Outcome]]:
    if not pending:
        return
    if limits is None:
        for ref, content in read_contents(engine, pending, batch=workers * IN_FLIGHT_PER_WORKER):
            yield ref, extract_one(extractor, ref, content, None)
        return
    # the workers read the bytes themselves: this process neither decompresses nor hashes them
    contents = stored_contents(engine, pending, batch=workers * QUEUED_PER_WORKER)
    with LimitedWorkers(workers, extractor, limits) as pool:
        yield from pool.outcomes(contents, then_stop=True)


def stored_contents(
    engine: Engine, pending: list[CaptureRef], *, batch: int
) -> Iterator[tuple[CaptureRef, Stored | None]]:
    """Each capture with where its bytes lie (None: the archive has no record of them), looked up a
    batch at a time: what ``load_blob`` reads, for a worker process to read and check it."""
    folder = os.path.abspath(store_for(engine).folder)
    for start in range(0, len(pending), batch):
        refs = pending[start : start + batch]
        places = in_transaction(engine, partial(_places, folder=folder, sha256s={ref.sha256 for ref in refs}))
        for ref in refs:
            yield ref, places.get(ref.sha256)


def _places(session, *, folder: str, sha256s: set[str]) -> dict[str, Stored]:
    blobs = session.execute(
        select(BLOBS.c.sha256, BLOBS.c.warc_file, BLOBS.c.warc_offset, BLOBS.c.warc_length, BLOBS.c.size)
        .where(BLOBS.c.sha256.in_(sha256s))
    )
    return {sha256: (os.path.join(folder, name), offset, length, size) for sha256, name, offset, length, size in blobs}


def read_contents(
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


def store_batch(engine: Engine, batch: list[tuple[CaptureRef, Outcome]], parser_version: str) -> list[str]:
    """Write outcomes in one transaction; for each, "report", "other" or "failed"."""
    # repeated after a lost connection: each row for this version is replaced, never doubled
    return in_transaction(engine, lambda session: _store_all(session, batch, parser_version))


def _store_all(session, batch: list[tuple[CaptureRef, Outcome]], parser_version: str) -> list[str]:
    """The batch in a few statements; if one record does not fit, each capture in its own savepoint."""
    try:
        with session.begin_nested():
            return _store_rows(session, batch, parser_version)
    except exc.DBAPIError:
        raise  # the database itself failed
    except (ValueError, TypeError, exc.StatementError):
        # the batch is rolled back whole; written again one by one, the record that does not fit fails alone
        return [_store(session, ref, outcome, parser_version) for ref, outcome in batch]


def _store_rows(session, batch: list[tuple[CaptureRef, Outcome]], parser_version: str) -> list[str]:
    """What ``_store`` writes for each outcome, as plain rows: the batch's earlier rows for this
    version deleted, one insert per extraction (its id, in capture order), one executemany each for
    the values and the checks. Failures and records that do not belong to their capture take
    ``_store``'s path, in their place in the order."""
    capture_ids = [ref.capture_id for ref, _ in batch]
    blobs: dict[int, str] = {}
    earlier: list[int] = []
    for chunk in _chunks(capture_ids):
        blobs.update(session.execute(select(CAPTURES.c.id, CAPTURES.c.blob_sha256).where(CAPTURES.c.id.in_(chunk))).all())
        earlier += session.scalars(select(EXTRACTIONS.c.id).where(
            EXTRACTIONS.c.parser_version == parser_version, EXTRACTIONS.c.capture_id.in_(chunk))).all()
    for chunk in _chunks(earlier):
        # children first and explicitly: SQLite does not enforce ON DELETE CASCADE by default
        session.execute(delete(VALUES).where(VALUES.c.extraction_id.in_(chunk)))
        session.execute(delete(CHECKS).where(CHECKS.c.extraction_id.in_(chunk)))
        session.execute(delete(EXTRACTIONS).where(EXTRACTIONS.c.id.in_(chunk)))
    kinds: list[str] = []
    values: list[dict] = []
    checks: list[dict] = []
    for ref, outcome in batch:
        rows = outcome.rows()  # the values and checks as tuples, as a worker sent them
        if ref.capture_id not in blobs:
            raise KeyError(f"no capture with id {ref.capture_id}")
        if rows is None or rows[0].sha256 != blobs[ref.capture_id]:
            kinds.append(_store(session, ref, outcome, parser_version))
            continue
        document, value_rows, check_rows = rows
        inserted = session.execute(insert(EXTRACTIONS), _extraction_row(ref.capture_id, document, parser_version))
        extraction_id = inserted.inserted_primary_key[0]
        values += [
            {"extraction_id": extraction_id, "table_name": table, "row_key": row, "column_key": column,
             "value": value, "raw": raw, "value_source": "published" if source is None else source,
             "confidence": confidence, "unit": unit}
            for table, row, column, value, raw, source, confidence, unit in value_rows
        ]
        checks += [
            {"extraction_id": extraction_id, "rule": rule, "scope": scope, "status": status,
             "cells": list(cells), "difference": difference}
            for rule, scope, status, cells, difference in check_rows
        ]
        kinds.append("report" if document.is_annual_report else "other")
    if values:
        session.execute(insert(VALUES), values)
    if checks:
        session.execute(insert(CHECKS), checks)
    return kinds


def _extraction_row(capture_id: int, document, parser_version: str) -> dict:
    """The extractions row ``record_extraction`` writes for ``document``."""
    return {
        "capture_id": capture_id, "parser_version": parser_version, "status": "ok",
        "is_annual_report": document.is_annual_report, "reason": document.reason,
        "body": document.identity.body, "year": document.identity.year, "template": document.template,
        "title": document.title, "published": document.published,
        "metadata": [[key, value] for key, value in document.metadata], "warnings": list(document.warnings),
        "text": document.text, "extracted_at": datetime.now(UTC),
    }


def _chunks(items: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _store(session, ref: CaptureRef, outcome: Outcome, parser_version: str) -> str:
    """Write one outcome in its own savepoint; returns "report", "other" or "failed"."""
    error = outcome.error
    document = outcome.document
    if document is not None:
        if document.parser_version != parser_version:
            document = replace(document, parser_version=parser_version)
        try:
            with session.begin_nested():
                record_extraction(session, ref.capture_id, document)
            return "report" if document.is_annual_report else "other"
        except exc.DBAPIError:
            raise  # the database itself failed: recording a failure would fail too
        except (ValueError, TypeError, exc.StatementError) as storing_error:
            # a record that does not fit its capture or the schema is that capture's failure
            error = f"cannot store the record: {one_line(storing_error)}"
    log.warning("extraction failed for %s: %s", ref.url, error)
    with session.begin_nested():
        record_failure(session, ref.capture_id, parser_version=parser_version, error=error or "unknown error")
    return "failed"


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
