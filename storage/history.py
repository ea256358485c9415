"""One document's life in the archive: its captures, withdrawals, failed requests, and which
cells changed between consecutive readings of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from .models import Blob, Capture, Document, ExtractedValue, Extraction, FetchFailure

record = dataclass(frozen=True, slots=True, kw_only=True)
Key = tuple[str, str, str]


@record
class CaptureRow:
    capture_id: int
    fetched_at: datetime
    last_seen_at: datetime
    times_seen: int
    status: int
    sha256: str
    size: int
    content_type: str | None


@record
class Withdrawal:
    since: datetime  # the first answer 404/410 after the document was published
    until: datetime | None  # when it answered again; None while withdrawn
    status: int


@record
class CellChange:
    table: str
    row: str
    column: str
    old: Decimal | None
    new: Decimal | None
    old_given: bool = True  # False: the earlier reading had no such cell at all
    new_given: bool = True


@record
class ReadingChange:
    """What changed between two consecutive readings (captures read at the parser version)."""

    from_capture: int
    to_capture: int
    fetched_at: datetime
    cells: tuple[CellChange, ...]


@record
class FailureRow:
    failed_at: datetime
    reason: str


@record
class DocumentHistory:
    url: str
    portal: str | None
    role: str | None
    parent_url: str | None
    first_seen_at: datetime
    withdrawn_at: datetime | None
    captures: tuple[CaptureRow, ...]
    withdrawals: tuple[Withdrawal, ...]
    failures: tuple[FailureRow, ...]
    attachments: tuple[str, ...]
    parser_version: str
    readings: int  # captures read as an annual report at the parser version
    changes: tuple[ReadingChange, ...]


def document_history(session: Session, url: str, parser_version: str) -> DocumentHistory:
    """The history of the document archived under ``url`` (the URL requested, else a URL it
    redirected to); KeyError if the archive has none."""
    parent = aliased(Document)
    query = select(Document, parent.url).outerjoin(parent, parent.id == Document.parent_document_id)
    found = session.execute(query.where(Document.url == url)).first()
    if found is None:
        redirected = select(Capture.document_id).where(Capture.final_url == url).limit(1).scalar_subquery()
        found = session.execute(query.where(Document.id == redirected)).first()
    if found is None:
        raise KeyError(url)
    document, parent_url = found
    captures = _captures(session, document.id)
    readings = _readings(session, [c.capture_id for c in captures], parser_version)
    return DocumentHistory(
        url=document.url,
        portal=document.portal,
        role=document.role,
        parent_url=parent_url,
        first_seen_at=document.first_seen_at,
        withdrawn_at=document.withdrawn_at,
        captures=captures,
        withdrawals=withdrawals(captures),
        failures=tuple(
            FailureRow(failed_at=f.failed_at, reason=f.reason)
            for f in session.scalars(
                select(FetchFailure).where(FetchFailure.document_id == document.id).order_by(FetchFailure.failed_at)
            )
        ),
        attachments=tuple(
            session.scalars(select(Document.url).where(Document.parent_document_id == document.id).order_by(Document.url))
        ),
        parser_version=parser_version,
        readings=len(readings),
        changes=_changes(captures, readings),
    )


def withdrawals(captures: tuple[CaptureRow, ...]) -> tuple[Withdrawal, ...]:
    """Episodes of 404/410 after a published (2xx) version, from captures in time order."""
    episodes: list[Withdrawal] = []
    published = False
    current: Withdrawal | None = None
    for capture in captures:
        if 200 <= capture.status < 300:
            if current is not None:
                episodes.append(Withdrawal(since=current.since, until=capture.fetched_at, status=current.status))
                current = None
            published = True
        elif capture.status in (404, 410) and published and current is None:
            current = Withdrawal(since=capture.fetched_at, until=None, status=capture.status)
    if current is not None:
        episodes.append(current)
    return tuple(episodes)


def _captures(session: Session, document_id: int) -> tuple[CaptureRow, ...]:
    query = (
        select(Capture, Blob.size)
        .join(Blob, Blob.sha256 == Capture.blob_sha256)
        .where(Capture.document_id == document_id)
        .order_by(Capture.fetched_at, Capture.id)
    )
    return tuple(
        CaptureRow(
            capture_id=c.id,
            fetched_at=c.fetched_at,
            last_seen_at=c.last_seen_at,
            times_seen=c.times_seen,
            status=c.status,
            sha256=c.blob_sha256,
            size=size,
            content_type=c.content_type,
        )
        for c, size in session.execute(query)
    )


def _readings(
    session: Session, capture_ids: list[int], parser_version: str
) -> dict[int, dict[Key, Decimal | None]]:
    """Cells of each capture read as an annual report at the version, by capture id."""
    if not capture_ids:
        return {}
    extractions = dict(
        session.execute(
            select(Extraction.id, Extraction.capture_id).where(
                Extraction.capture_id.in_(capture_ids),
                Extraction.parser_version == parser_version,
                Extraction.status == "ok",
                Extraction.is_annual_report.is_(True),
            )
        ).all()
    )
    readings: dict[int, dict[Key, Decimal | None]] = {extractions[e]: {} for e in extractions}
    if extractions:
        values = select(ExtractedValue).where(ExtractedValue.extraction_id.in_(list(extractions)))
        for value in session.scalars(values.order_by(ExtractedValue.id)):
            cells = readings[extractions[value.extraction_id]]
            cells[(value.table_name, value.row_key, value.column_key)] = value.value
    return readings


def _changes(
    captures: tuple[CaptureRow, ...], readings: dict[int, dict[Key, Decimal | None]]
) -> tuple[ReadingChange, ...]:
    read = [c for c in captures if c.capture_id in readings]
    changes = []
    for before, after in zip(read, read[1:]):
        old, new = readings[before.capture_id], readings[after.capture_id]
        cells = tuple(
            CellChange(
                table=key[0],
                row=key[1],
                column=key[2],
                old=old.get(key),
                new=new.get(key),
                old_given=key in old,
                new_given=key in new,
            )
            for key in sorted(old.keys() | new.keys())
            if key not in old or key not in new or old[key] != new[key]
        )
        changes.append(
            ReadingChange(
                from_capture=before.capture_id, to_capture=after.capture_id, fetched_at=after.fetched_at, cells=cells
            )
        )
    return tuple(changes)
