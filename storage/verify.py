"""Checking the archive itself: the bytes match their hashes, every row points at what it names.

``verify_archive`` reads and never writes; it returns what is wrong, empty when nothing is.
The bytes are in the WARC files: every file is walked record by record (a file cut short by
a crash is found, its complete records kept), every record's payload hashed against its
``WARC-Payload-Digest``, and every index row checked to name a whole record with its bytes.
``repair_archive`` fixes the index: a payload whose record is gone loses its blob row and
captures (their documents are fetched again on the next crawl, recorded as fetch failures),
and cut files are trimmed back to their last complete record.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import delete, func, or_, select, text
from sqlalchemy.orm import Session

from .archive import blob_location
from .models import Blob, Capture, CheckResult, Document, ExtractedValue, Extraction, FetchFailure
from .warc import FileScan, PayloadMissing, being_written, payload_sha256, scan_file, sha256_digest, store_for, truncate

_EXAMPLES = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    what: str  # one line: what is wrong
    count: int
    examples: tuple[str, ...] = ()

    @classmethod
    def found(cls, what: str, items: Sequence[str]) -> Problem:
        """``what`` is wrong with each of ``items``: their count and the first few."""
        return cls(what=what, count=len(items), examples=tuple(items[:_EXAMPLES]))

    @classmethod
    def rows(cls, what: str, ids: Sequence[int]) -> Problem:
        return cls.found(what, [f"id {i}" for i in ids])

    def line(self) -> str:
        shown = f" (e.g. {', '.join(self.examples)})" if self.examples else ""
        return f"{self.what}: {self.count}{shown}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Verified:
    blobs: int
    blob_bytes: int
    captures: int
    extractions: int
    problems: tuple[Problem, ...]


def verify_archive(session: Session) -> Verified:
    scans = _scan_files(session)
    problems = [
        *_file_problems(scans),
        *_blob_problems(session, scans),
        *_dangling(session),
        *_half_written(session),
        *_database_problems(session),
    ]
    return Verified(
        blobs=session.scalar(select(func.count()).select_from(Blob)) or 0,
        blob_bytes=session.scalar(select(func.coalesce(func.sum(Blob.size), 0))) or 0,
        captures=session.scalar(select(func.count()).select_from(Capture)) or 0,
        extractions=session.scalar(select(func.count()).select_from(Extraction)) or 0,
        problems=tuple(p for p in problems if p.count),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Repaired:
    blobs_dropped: int
    captures_dropped: int
    documents_to_fetch: int
    files_trimmed: tuple[str, ...]


def repair_archive(session: Session) -> Repaired:
    """Drop index rows whose WARC record is gone or does not hold their bytes; trim cut files."""
    scans = _scan_files(session)
    lost = _lost_blobs(session, scans)
    captures = session.execute(
        select(Capture.id, Capture.document_id).where(Capture.blob_sha256.in_(lost))
    ).all() if lost else []
    capture_ids = [c.id for c in captures]
    now = datetime.now(UTC)
    for document_id in sorted({c.document_id for c in captures}):
        session.add(FetchFailure(document_id=document_id, failed_at=now,
                                 reason="archived bytes lost from the WARC files: fetch again"))
    for chunk in _chunks(capture_ids):
        extractions = select(Extraction.id).where(Extraction.capture_id.in_(chunk))
        session.execute(delete(ExtractedValue).where(ExtractedValue.extraction_id.in_(extractions)))
        session.execute(delete(CheckResult).where(CheckResult.extraction_id.in_(extractions)))
        session.execute(delete(Extraction).where(Extraction.capture_id.in_(chunk)))
        session.execute(delete(Capture).where(Capture.id.in_(chunk)))
    for chunk in _chunks(sorted(lost)):
        session.execute(delete(Blob).where(Blob.sha256.in_(chunk)))
    session.flush()
    folder = store_for(session.get_bind()).folder
    trimmed = []
    for scan in scans.values():
        if scan.truncated_at is not None:
            truncate(folder, scan)
            trimmed.append(scan.file)
    return Repaired(blobs_dropped=len(lost), captures_dropped=len(capture_ids),
                    documents_to_fetch=len({c.document_id for c in captures}), files_trimmed=tuple(trimmed))


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _scan_files(session: Session) -> dict[str, FileScan]:
    store = store_for(session.get_bind())
    scans = {}
    for name in store.files():
        scan = scan_file(store.folder, name)
        if scan.truncated_at is not None and being_written(name):
            scan = replace(scan, truncated_at=None)  # a running crawl's record in the making
        scans[name] = scan
    return scans


def _file_problems(scans: dict[str, FileScan]) -> Iterator[Problem]:
    cut = sorted(name for name, scan in scans.items() if scan.truncated_at is not None)
    yield Problem.found("WARC files cut short (complete records kept; --repair trims them)", cut)


def _blob_checks(session: Session, scans: dict[str, FileScan]) -> Iterator[tuple[str, str]]:
    """(sha256, what is wrong) for each blob whose record is missing or does not hold its bytes;
    records read in file order."""
    store = store_for(session.get_bind())
    whole = {(name, offset): length for name, scan in scans.items() for offset, length in scan.members}
    rows = session.execute(
        select(Blob.sha256, Blob.size, Blob.warc_file, Blob.warc_offset, Blob.warc_length)
        .order_by(Blob.warc_file, Blob.warc_offset)
    ).all()
    for row in rows:
        if whole.get((row.warc_file, row.warc_offset)) != row.warc_length:
            yield row.sha256, "gone"
            continue
        blob = Blob(sha256=row.sha256, warc_file=row.warc_file, warc_offset=row.warc_offset,
                    warc_length=row.warc_length)
        try:
            actual, declared, length = payload_sha256(store.folder, blob_location(blob))
        except PayloadMissing:
            yield row.sha256, "gone"
            continue
        if actual != row.sha256 or declared != sha256_digest(row.sha256):
            yield row.sha256, "hash"
        elif length != row.size:
            yield row.sha256, "size"


def _lost_blobs(session: Session, scans: dict[str, FileScan]) -> set[str]:
    return {sha256 for sha256, wrong in _blob_checks(session, scans) if wrong in ("gone", "hash")}


def _blob_problems(session: Session, scans: dict[str, FileScan]) -> Iterator[Problem]:
    """Every payload is in a whole WARC record, hashes to its sha256 and has its recorded size."""
    found: dict[str, list[str]] = {"gone": [], "hash": [], "size": []}
    for sha256, wrong in _blob_checks(session, scans):
        found[wrong].append(sha256)
    names = {
        "gone": "blobs whose WARC record is gone (--repair drops them; the crawl fetches them again)",
        "hash": "blobs whose bytes do not hash to their sha256",
        "size": "blobs whose size is not their length",
    }
    for wrong, what in names.items():
        yield Problem.found(what, found[wrong])


def _dangling(session: Session) -> Iterator[Problem]:
    """Rows naming a row that is not there (SQLite does not enforce foreign keys by itself)."""
    checks = (
        ("captures without their bytes", Capture.id, Capture.blob_sha256, Blob.sha256),
        ("captures without their document", Capture.id, Capture.document_id, Document.id),
        ("extractions of a capture that is not archived", Extraction.id, Extraction.capture_id, Capture.id),
        ("values of an extraction that is not stored", ExtractedValue.id, ExtractedValue.extraction_id, Extraction.id),
        ("checks of an extraction that is not stored", CheckResult.id, CheckResult.extraction_id, Extraction.id),
        ("documents whose parent is not archived", Document.id, Document.parent_document_id, Document.id),
    )
    for what, row_id, reference, target in checks:
        target_table = target.class_.__table__.alias()
        missing = (
            select(row_id)
            .where(reference.is_not(None))
            .where(~select(target_table.c[target.key]).where(target_table.c[target.key] == reference).exists())
            .order_by(row_id)
        )
        ids = session.scalars(missing).all()
        yield Problem.rows(what, ids)


def _half_written(session: Session) -> Iterator[Problem]:
    failed_with_values = (
        select(Extraction.id)
        .where(Extraction.status == "failed")
        .where(select(ExtractedValue.id).where(ExtractedValue.extraction_id == Extraction.id).exists())
    )
    ids = session.scalars(failed_with_values).all()
    yield Problem.rows("failed extractions that have values", ids)
    unexplained = select(Extraction.id).where(
        or_(
            (Extraction.status == "failed") & Extraction.error.is_(None),
            (Extraction.status == "ok") & Extraction.error.is_not(None),
        )
    )
    ids = session.scalars(unexplained).all()
    yield Problem.rows("extractions whose status and error disagree", ids)
    odd = select(Capture.id).where(or_(Capture.last_seen_at < Capture.fetched_at, Capture.times_seen < 1))
    ids = session.scalars(odd).all()
    yield Problem.rows("captures last seen before they were first fetched", ids)


def _database_problems(session: Session) -> Iterator[Problem]:
    if session.get_bind().dialect.name != "sqlite":
        return
    report = [row[0] for row in session.execute(text("PRAGMA integrity_check")).all()]
    if report != ["ok"]:
        yield Problem.found("SQLite integrity check failures", report)
