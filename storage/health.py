"""What the archive says about a portal's health after a run: reports reached, pages that came back."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .archive import load_blobs
from .models import Blob, Capture, Document, Extraction

record = dataclass(frozen=True, slots=True, kw_only=True)


@record
class ReportsSeen:
    before: int  # report documents of the portal last seen before ``since``
    now: int  # report documents of the portal fetched or seen unchanged since ``since``


def reports_seen(session: Session, portal: str, since: datetime, parser_version: str) -> ReportsSeen:
    last_seen = func.max(Capture.last_seen_at).label("last_seen")
    reports = (
        select(Document.id, last_seen)
        .join(Capture, Capture.document_id == Document.id)
        .join(Extraction, Extraction.capture_id == Capture.id)
        .where(
            Document.portal == portal,
            Extraction.parser_version == parser_version,
            Extraction.is_annual_report.is_(True),
        )
        .group_by(Document.id)
        .subquery()
    )
    now = session.scalar(select(func.count()).select_from(reports).where(reports.c.last_seen >= since))
    before = session.scalar(select(func.count()).select_from(reports).where(reports.c.last_seen < since))
    return ReportsSeen(before=before or 0, now=now or 0)


@record
class SmallPage:
    url: str
    status: int
    content_type: str | None
    content: bytes


def pages_fetched_since(
    session: Session,
    portal: str,
    since: datetime,
    *,
    max_bytes: int,
    urls: Iterable[str] = (),
    limit: int = 5000,
    chunk: int = 100,
) -> Iterator[SmallPage]:
    """Captures of ``portal`` fetched since ``since`` (the newest ``limit``) that are small
    enough to be a stand-in page, plus the latest capture of each of ``urls`` (the column's
    lists) seen since then. Bytes are read ``chunk`` at a time: a first crawl fetches thousands."""
    small = (
        select(Capture.url, Capture.status, Capture.content_type, Capture.blob_sha256)
        .join(Document, Document.id == Capture.document_id)
        .join(Blob, Blob.sha256 == Capture.blob_sha256)
        .where(Document.portal == portal, Capture.fetched_at >= since, Blob.size <= max_bytes)
        .order_by(Capture.id.desc())
        .limit(limit)
    )
    rows = {row.url: row for row in reversed(session.execute(small).all())}
    wanted = [url for url in urls if url not in rows]
    if wanted:
        latest = (
            select(Capture.url, Capture.status, Capture.content_type, Capture.blob_sha256)
            .join(Blob, Blob.sha256 == Capture.blob_sha256)
            .where(Capture.url.in_(wanted), Capture.last_seen_at >= since, Blob.size <= max_bytes)
            .order_by(Capture.last_seen_at)
        )
        for row in session.execute(latest):
            rows[row.url] = row
    ordered = list(rows.values())
    for start in range(0, len(ordered), chunk):
        part = ordered[start:start + chunk]
        contents = load_blobs(session, [row.blob_sha256 for row in part])
        for row in part:
            yield SmallPage(url=row.url, status=row.status, content_type=row.content_type,
                            content=contents.get(row.blob_sha256) or b"")


def report_years(session: Session, parser_version: str) -> dict[str, set[int]]:
    """Each body's years with an annual report in the archive, as the parser read them."""
    rows = session.execute(
        select(Extraction.body, Extraction.year)
        .where(
            Extraction.parser_version == parser_version,
            Extraction.is_annual_report.is_(True),
            Extraction.body.is_not(None),
            Extraction.year.is_not(None),
        )
        .distinct()
    )
    years: dict[str, set[int]] = {}
    for body, year in rows:
        years.setdefault(body, set()).add(year)
    return years
