"""What the crawler knows of a portal between runs: its documents with their latest answer,
the requests that got no answer, and the documents withdrawn.

The archive is the crawl's frontier: every document it holds is asked for again on the next
run (conditionally, from its latest capture), so a killed or failed run loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from .archive import ensure_document
from .models import Blob, Capture, CaptureLinks, Document, FetchFailure
from .warc import Location

record = dataclass(frozen=True, slots=True, kw_only=True)


@record
class KnownDocument:
    url: str
    portal: str | None
    role: str | None  # "list" | "item" | "attachment"; None when stored before roles were kept
    parent_url: str | None
    link_text: str | None
    withdrawn_at: datetime | None
    # The latest capture; all None when every request so far got no answer.
    capture_id: int | None = None
    status: int | None = None
    sha256: str | None = None
    content_type: str | None = None
    headers: Mapping[str, list[str]] | None = None
    last_seen_at: datetime | None = None
    # Where the latest capture's payload is, so reading it again needs no query.
    payload: Location | None = None
    size: int | None = None
    # What the crawler read from the latest capture's page (``storage.archive.record_links``):
    # an item page's links ``(url, link text)``, a list page's reading; None when never
    # recorded (the page is read again).
    links: tuple[tuple, ...] | None = None


@record
class FetchFailureRow:
    url: str
    portal: str | None
    role: str | None
    reason: str
    failed_at: datetime
    failures: int  # failed requests since the document last answered


def known_documents(session: Session, portal: str) -> list[KnownDocument]:
    """Every document of ``portal``, with its latest capture when it has one, in URL order."""
    parent = aliased(Document)
    newer = aliased(Capture)
    latest = ~(
        select(newer.id)
        .where(
            newer.document_id == Capture.document_id,
            or_(
                newer.fetched_at > Capture.fetched_at,
                and_(newer.fetched_at == Capture.fetched_at, newer.id > Capture.id),
            ),
        )
        .exists()
    )
    query = (
        select(
            Document.url, Document.portal, Document.role, parent.url, Document.link_text, Document.withdrawn_at,
            Capture.id, Capture.status, Capture.blob_sha256, Capture.content_type, Capture.headers,
            Capture.last_seen_at, Blob.warc_file, Blob.warc_offset, Blob.warc_length, Blob.size,
            CaptureLinks.links,
        )
        .outerjoin(parent, parent.id == Document.parent_document_id)
        .outerjoin(Capture, and_(Capture.document_id == Document.id, latest))
        .outerjoin(Blob, Blob.sha256 == Capture.blob_sha256)
        .outerjoin(
            CaptureLinks,
            and_(CaptureLinks.capture_id == Capture.id, CaptureLinks.sha256 == Capture.blob_sha256),
        )
        .where(Document.portal == portal)
        .order_by(Document.url)
    )
    # plain rows, not entities: a portal's frontier is every document it ever had
    known = []
    for (url, portal_name, role, parent_url, link_text, withdrawn_at, capture_id, status, sha256, content_type,
         headers, last_seen_at, warc_file, warc_offset, warc_length, size, links) in session.execute(query):
        latest_fields = {}
        if capture_id is not None:
            latest_fields = dict(
                capture_id=capture_id,
                status=status,
                sha256=sha256,
                content_type=content_type,
                headers=headers,
                last_seen_at=last_seen_at,
                payload=None if warc_file is None else Location(file=warc_file, offset=warc_offset, length=warc_length),
                size=size,
                links=None if links is None else tuple(tuple(row) for row in links),
            )
        known.append(
            KnownDocument(
                url=url,
                portal=portal_name,
                role=role,
                parent_url=parent_url,
                link_text=link_text,
                withdrawn_at=withdrawn_at,
                **latest_fields,
            )
        )
    return known


def record_fetch_failure(
    session: Session,
    *,
    url: str,
    reason: str,
    failed_at: datetime,
    portal: str | None = None,
    role: str | None = None,
    parent_url: str | None = None,
) -> int:
    """Record that a request got no HTTP answer; the URL becomes a known document of the portal."""
    document = ensure_document(session, url, failed_at, portal=portal, parent_url=parent_url, role=role)
    failure = FetchFailure(document_id=document.id, reason=reason[:2000], failed_at=failed_at)
    session.add(failure)
    session.flush()
    return failure.id


def withdraw_unanswered(session: Session, url: str, missed_at: datetime) -> bool:
    """Mark a published document withdrawn that left every list of its column and no longer
    answers at all; True if this withdrew it."""
    document = session.scalar(select(Document).where(Document.url == url))
    if document is None or document.withdrawn_at is not None:
        return False
    published = session.scalar(
        select(func.count()).where(
            Capture.document_id == document.id, Capture.status >= 200, Capture.status < 300
        )
    )
    if not published:
        return False
    document.withdrawn_at = missed_at
    session.flush()
    return True


def recent_fetch_failures(session: Session, portal: str | None = None) -> list[FetchFailureRow]:
    """Documents whose latest request got no answer: the last reason, and how many failures
    since the document last answered. Newest failure first."""
    answered = (
        select(func.max(Capture.last_seen_at))
        .where(Capture.document_id == FetchFailure.document_id)
        .scalar_subquery()
    )
    query = (
        select(
            Document.url,
            Document.portal,
            Document.role,
            FetchFailure.reason,
            FetchFailure.failed_at,
        )
        .join(Document, Document.id == FetchFailure.document_id)
        .where(or_(answered.is_(None), FetchFailure.failed_at > answered))
        .order_by(Document.url, FetchFailure.failed_at)
    )
    if portal is not None:
        query = query.where(Document.portal == portal)
    latest: dict[str, FetchFailureRow] = {}
    for url, portal_name, role, reason, failed_at in session.execute(query):
        earlier = latest.get(url)
        latest[url] = FetchFailureRow(
            url=url,
            portal=portal_name,
            role=role,
            reason=reason,
            failed_at=failed_at,
            failures=(earlier.failures if earlier else 0) + 1,
        )
    return sorted(latest.values(), key=lambda row: (row.failed_at, row.url), reverse=True)


def count_withdrawn(
    session: Session, since: datetime, until: datetime, portal: str | None = None
) -> int:
    """Documents withdrawn (first missed) in [since, until) and still withdrawn."""
    query = select(func.count()).where(
        Document.withdrawn_at >= since, Document.withdrawn_at < until
    )
    if portal is not None:
        query = query.where(Document.portal == portal)
    return session.scalar(query) or 0
