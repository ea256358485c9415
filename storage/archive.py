"""Writing to and reading from the archive. Plain functions on a Session; the caller commits."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, bindparam, delete, exists, select, update
from sqlalchemy.orm import Session

from .models import Blob, Capture, CaptureLinks, CheckResult, Document, ExtractedValue, Extraction
from .warc import Fetch, Location, PayloadMissing, WarcStore, store_for

if TYPE_CHECKING:
    from extract.records import Document as ExtractedDocument

record = dataclass(frozen=True, slots=True, kw_only=True)


@record
class StoredCapture:
    capture_id: int
    document_id: int
    sha256: str
    is_new_version: bool
    is_new_document: bool = False  # the document's first capture
    withdrawn: bool = False  # this answer (404/410) withdrew a document that was published
    reinstated: bool = False  # this answer brought a withdrawn document back


@record
class CaptureRef:
    """What extraction needs to know about a stored capture, besides its bytes."""

    capture_id: int
    sha256: str
    url: str
    final_url: str
    content_type: str | None
    fetched_at: datetime


def store_capture(
    session: Session,
    *,
    url: str,
    final_url: str,
    status: int,
    headers: Mapping[str, str | Sequence[str]],
    body: bytes,
    fetched_at: datetime,
    content_type: str | None = None,
    spider: str | None = None,
    portal: str | None = None,
    parent_url: str | None = None,
    link_text: str | None = None,
    role: str | None = None,
    method: str = "GET",
    request_headers: Mapping[str, str | Sequence[str]] | None = None,
    redirects: Sequence[str] = (),
    links: Sequence[Sequence] | None = None,
) -> StoredCapture:
    """Archive one response: its bytes to the WARC files, what came with them to the database.

    A capture row is one version of a document over a stretch of time. Seeing the version
    that was current at ``fetched_at`` again extends that row (last_seen_at, times_seen);
    anything else starts a new row. An observation already inside a row's time span is
    taken as a repeat of one already recorded, so storing the same response twice changes
    nothing.

    A 404/410 from a document that answered 2xx before withdraws it (``withdrawn_at``, the
    first time it was missed); a later 2xx clears that, and the error captures stay as the
    record of the episode.

    ``links``, for a page the crawler read, are the links it followed from it
    (``record_links``); None: not read.
    """
    (stored,) = store_captures(session, [{
        "url": url, "final_url": final_url, "status": status, "headers": headers, "body": body,
        "fetched_at": fetched_at, "content_type": content_type, "spider": spider, "portal": portal,
        "parent_url": parent_url, "link_text": link_text, "role": role, "method": method,
        "request_headers": request_headers, "redirects": redirects, "links": links,
    }])
    return stored


def store_captures(session: Session, captures: Sequence[Mapping]) -> list[StoredCapture]:
    """``store_capture`` for several responses (each a mapping of its arguments), in order, as if
    stored one after the other, with a few statements for all of them: one look-up of their
    documents and one of their payloads, then one insert per table for what is new. A
    document already in the archive is matched against its captures one by one as before."""
    for values in captures:
        if values["fetched_at"].tzinfo is None:
            raise ValueError(f"fetched_at must be timezone-aware, got {values['fetched_at']!r}")
    fetches = [
        Fetch(
            url=values["url"],
            final_url=values["final_url"],
            status=values["status"],
            headers=_headers_json(values["headers"]),
            body=values["body"],
            fetched_at=values["fetched_at"],
            method=values.get("method") or "GET",
            request_headers=_headers_json(values.get("request_headers") or {}),
            redirects=tuple(values.get("redirects") or ()),
        )
        for values in captures
    ]
    digests = [hashlib.sha256(fetch.body).hexdigest() for fetch in fetches]
    blobs: dict[str, Blob] = {
        blob.sha256: blob
        for chunk in _chunked(sorted(set(digests)), 500)
        for blob in session.scalars(select(Blob).where(Blob.sha256.in_(chunk)))
    }
    # Every document the batch names, found or added (one insert for the new ones); a document
    # added here has no captures before this batch.
    urls = list(dict.fromkeys(
        url for values in captures for url in (values.get("parent_url"), values["url"]) if url
    ))
    documents: dict[str, Document] = {
        document.url: document
        for chunk in _chunked(urls, 500)
        for document in session.scalars(select(Document).where(Document.url.in_(chunk)))
    }
    fresh: set[str] = set()  # added by this batch and not captured yet
    for values in captures:
        for url in (values.get("parent_url"), values["url"]):
            if url and url not in documents:
                documents[url] = Document(url=url, first_seen_at=values["fetched_at"])
                session.add(documents[url])
                fresh.add(url)
    if fresh:
        session.flush()
    results: list[StoredCapture | None] = []
    # new captures not inserted yet: their row, links and place in results
    pending: list[tuple[dict, Sequence | None, int]] = []
    store = store_for(session.get_bind())
    for values, fetch, sha256 in zip(captures, fetches, digests, strict=True):
        _store_payload(session, store, fetch, sha256, blobs)
        url, fetched_at, status = values["url"], values["fetched_at"], values["status"]
        portal, parent_url, links = values.get("portal"), values.get("parent_url"), values.get("links")
        parent_id = _sighted(documents[parent_url], fetched_at, portal=portal).id if parent_url else None
        document = _sighted(documents[url], fetched_at, portal=portal, parent_id=parent_id,
                            link_text=values.get("link_text"), role=values.get("role"))
        added = url in fresh
        if added:
            fresh.discard(url)
            withdrawn, reinstated, is_new_document = False, False, True
        else:
            # a document with captures before this one: match them, the batch's so far inserted
            _insert_captures(session, pending, results)
            withdrawn, reinstated = _availability(session, document, status, fetched_at)
            capture = _matching_capture(session, document.id, sha256, status, fetched_at)
            if capture is not None:
                if links is not None:
                    record_links(session, capture.id, links)
                results.append(StoredCapture(capture_id=capture.id, document_id=document.id, sha256=sha256,
                                             is_new_version=False, withdrawn=withdrawn, reinstated=reinstated))
                continue
            is_new_document = not session.scalar(select(exists().where(Capture.document_id == document.id)))
        row = {
            "document_id": document.id,
            "blob_sha256": sha256,
            "url": url,
            "final_url": values["final_url"],
            "status": status,
            "headers": fetch.headers,
            "content_type": values.get("content_type") or _header(values["headers"], "content-type"),
            "spider": values.get("spider"),
            "fetched_at": fetched_at,
            "last_seen_at": fetched_at,
            "times_seen": 1,
        }
        pending.append((row, links, len(results)))
        # the capture id is filled in once inserted
        results.append(StoredCapture(capture_id=0, document_id=document.id, sha256=sha256, is_new_version=True,
                                     is_new_document=is_new_document, withdrawn=withdrawn, reinstated=reinstated))
    _insert_captures(session, pending, results)
    return results


def _insert_captures(session: Session, pending: list[tuple[dict, Sequence | None, int]],
                     results: list[StoredCapture]) -> None:
    """Insert the new captures held back (one statement for all), then their links; set their ids."""
    if not pending:
        return
    session.flush()  # their documents and payloads first
    captures = Capture.__table__
    ids = session.execute(
        captures.insert().returning(captures.c.id, sort_by_parameter_order=True), [row for row, _, _ in pending]
    ).scalars().all()
    with_links = {capture_id: (row["blob_sha256"], links)
                  for capture_id, (row, links, _) in zip(ids, pending, strict=True) if links is not None}
    for capture_id, (_, _, index) in zip(ids, pending, strict=True):
        results[index] = replace(results[index], capture_id=capture_id)
    pending.clear()
    if not with_links:
        return
    # a row left behind by a deleted capture whose id came back is written over
    left = set(session.scalars(select(CaptureLinks.capture_id).where(CaptureLinks.capture_id.in_(with_links))))
    for capture_id in left:
        record_links(session, capture_id, with_links.pop(capture_id)[1])
    if with_links:
        session.execute(CaptureLinks.__table__.insert(), [
            {"capture_id": capture_id, "sha256": sha256, "links": _json_rows(links)}
            for capture_id, (sha256, links) in with_links.items()
        ])


def record_not_modified(session: Session, capture_id: int, seen_at: datetime) -> StoredCapture:
    """A conditional request answered 304: the capture was seen again, unchanged, at ``seen_at``."""
    (stored,) = record_seen_unchanged(session, [(capture_id, seen_at)])
    if stored is None:
        raise KeyError(f"no capture with id {capture_id}")
    return stored


def record_seen_unchanged(
    session: Session, seen: Sequence[tuple[int, datetime]]
) -> list[StoredCapture | None]:
    """``record_not_modified`` for several captures ``(capture id, seen at)`` at once, in order:
    one read of their rows and one update per table, however many (a nightly run has
    thousands). None for a capture that is not there (any more)."""
    for _, seen_at in seen:
        if seen_at.tzinfo is None:
            raise ValueError(f"seen_at must be timezone-aware, got {seen_at!r}")
    rows = {
        row.id: row
        for chunk in _chunked(sorted({capture_id for capture_id, _ in seen}), 500)
        for row in session.execute(
            select(Capture.id, Capture.document_id, Capture.blob_sha256, Capture.status, Capture.last_seen_at,
                   Document.withdrawn_at)
            .join(Document, Document.id == Capture.document_id)
            .where(Capture.id.in_(chunk))
        )
    }
    last_seen: dict[int, datetime] = {}
    times: dict[int, int] = {}
    reinstated: set[int] = set()
    stored = []
    for capture_id, seen_at in seen:
        row = rows.get(capture_id)
        if row is None:
            stored.append(None)
            continue
        if seen_at > last_seen.get(capture_id, row.last_seen_at):
            last_seen[capture_id] = seen_at
            times[capture_id] = times.get(capture_id, 0) + 1
        reinstates = row.withdrawn_at is not None and 200 <= row.status < 300 and row.document_id not in reinstated
        if reinstates:
            reinstated.add(row.document_id)
        stored.append(StoredCapture(capture_id=capture_id, document_id=row.document_id, sha256=row.blob_sha256,
                                    is_new_version=False, reinstated=reinstates))
    captures = Capture.__table__
    if last_seen:
        session.execute(
            captures.update()
            .where(captures.c.id == bindparam("capture_id"))
            .values(last_seen_at=bindparam("seen_at", type_=captures.c.last_seen_at.type),
                    times_seen=captures.c.times_seen + bindparam("times")),
            [{"capture_id": i, "seen_at": at, "times": times[i]} for i, at in last_seen.items()],
        )
        for capture_id in last_seen:  # entities this session holds read the new values
            if (cached := session.identity_map.get(session.identity_key(Capture, capture_id))) is not None:
                session.expire(cached, ["last_seen_at", "times_seen"])
    for chunk in _chunked(sorted(reinstated), 500):
        session.execute(update(Document).where(Document.id.in_(chunk)).values(withdrawn_at=None))
    return stored


def _chunked(values: Sequence, size: int):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def record_links(session: Session, capture_id: int, links: Sequence[Sequence]) -> None:
    """Record what the crawler read from a capture's page: the links (``(url, link text)``) it
    followed from an item page, an empty list when none; a list page's reading. A later crawl
    that finds the page unchanged goes on from them without reading the page
    (``storage.frontier``)."""
    capture = session.get(Capture, capture_id)
    if capture is None:
        raise KeyError(f"no capture with id {capture_id}")
    value = _json_rows(links)
    row = session.get(CaptureLinks, capture_id)
    if row is None:  # written with the session's next flush: nothing reads it back meanwhile
        session.add(CaptureLinks(capture_id=capture_id, sha256=capture.blob_sha256, links=value))
    elif row.sha256 != capture.blob_sha256 or row.links != value:
        row.sha256, row.links = capture.blob_sha256, value


def _json_rows(rows: Sequence[Sequence]) -> list:
    """Rows as JSON holds them (lists all the way down), to compare with what it gives back."""
    return [_json_row(row) for row in rows]


def _json_row(value):
    return [_json_row(part) for part in value] if isinstance(value, (list, tuple)) else value


def ensure_document(
    session: Session,
    url: str,
    seen_at: datetime,
    *,
    portal: str | None = None,
    parent_url: str | None = None,
    link_text: str | None = None,
    role: str | None = None,
) -> Document:
    """The document of ``url`` (created if new), its gaps filled from this sighting."""
    parent_id = _document(session, parent_url, seen_at, portal=portal).id if parent_url else None
    return _document(session, url, seen_at, portal=portal, parent_id=parent_id, link_text=link_text, role=role)


def captures_to_extract(
    session: Session, parser_version: str, *, redo: bool = False
) -> list[CaptureRef]:
    """Successful captures without an extraction at ``parser_version`` (all of them if redo)."""
    query = select(Capture).where(Capture.status == 200).order_by(Capture.id)
    if not redo:
        done = exists().where(
            Extraction.capture_id == Capture.id, Extraction.parser_version == parser_version
        )
        query = query.where(~done)
    return [
        CaptureRef(
            capture_id=c.id,
            sha256=c.blob_sha256,
            url=c.url,
            final_url=c.final_url,
            content_type=c.content_type,
            fetched_at=c.fetched_at,
        )
        for c in session.scalars(query)
    ]


def load_blob(session: Session, sha256: str) -> bytes:
    """The bytes of a payload: one seek into the WARC file the index names."""
    blob = session.get(Blob, sha256)
    if blob is None:
        raise KeyError(f"no blob with sha256 {sha256}")
    return load_payload(session.get_bind(), sha256, blob_location(blob), blob.size)


def load_payload(bind: Engine | Connection, sha256: str, location: Location, size: int) -> bytes:
    """The bytes of a payload whose place the caller already knows, checked against its digest."""
    content = store_for(bind).read_payload(location)
    if len(content) != size or hashlib.sha256(content).hexdigest() != sha256:
        raise PayloadMissing(f"the WARC record of blob {sha256} ({location.file}) does not hold its bytes")
    return content


def load_blobs(session: Session, sha256s: Sequence[str]) -> dict[str, bytes | None]:
    """Several payloads read in WARC file and offset order; None for one that cannot be read."""
    rows = session.scalars(select(Blob).where(Blob.sha256.in_(set(sha256s)))).all()
    by_location = {blob_location(blob): blob for blob in rows}
    loaded: dict[str, bytes | None] = dict.fromkeys(sha256s)
    for location, content in store_for(session.get_bind()).read_payloads(by_location):
        blob = by_location[location]
        if content is not None and hashlib.sha256(content).hexdigest() == blob.sha256:
            loaded[blob.sha256] = content
    return loaded


def blob_location(blob: Blob) -> Location:
    return Location(file=blob.warc_file, offset=blob.warc_offset, length=blob.warc_length)


def record_extraction(session: Session, capture_id: int, document: ExtractedDocument) -> int:
    """Store what extraction read from a capture, replacing an earlier row for that version."""
    capture = session.get(Capture, capture_id)
    if capture is None:
        raise KeyError(f"no capture with id {capture_id}")
    if document.sha256 != capture.blob_sha256:
        raise ValueError(
            f"extraction of {document.sha256} does not belong to capture {capture_id} "
            f"({capture.blob_sha256})"
        )
    extraction = Extraction(
        capture_id=capture_id,
        parser_version=document.parser_version,
        status="ok",
        is_annual_report=document.is_annual_report,
        reason=document.reason,
        body=document.identity.body,
        year=document.identity.year,
        template=document.template,
        title=document.title,
        published=document.published,
        metadata_=[[key, value] for key, value in document.metadata],
        warnings=list(document.warnings),
        text=document.text,
        values=[
            ExtractedValue(
                table_name=v.table,
                row_key=v.row,
                column_key=v.column,
                value=v.value,
                raw=v.raw,
                value_source=v.source,
                confidence=v.confidence,
                unit=v.unit,
            )
            for v in document.values
        ],
        checks=[
            CheckResult(
                rule=c.rule,
                scope=c.scope,
                status=c.status,
                cells=list(c.cells),
                difference=c.difference,
            )
            for c in document.checks
        ],
    )
    return _replace_extraction(session, extraction)


def record_failure(session: Session, capture_id: int, *, parser_version: str, error: str) -> int:
    """Store that extraction failed on a capture, replacing an earlier row for that version."""
    if session.get(Capture, capture_id) is None:
        raise KeyError(f"no capture with id {capture_id}")
    extraction = Extraction(
        capture_id=capture_id,
        parser_version=parser_version,
        status="failed",
        error=error,
        is_annual_report=False,
    )
    return _replace_extraction(session, extraction)


def _replace_extraction(session: Session, extraction: Extraction) -> int:
    earlier = select(Extraction.id).where(
        Extraction.capture_id == extraction.capture_id,
        Extraction.parser_version == extraction.parser_version,
    )
    earlier_ids = list(session.scalars(earlier))
    if earlier_ids:
        # Children first and explicitly: SQLite does not enforce ON DELETE CASCADE by default.
        session.execute(delete(ExtractedValue).where(ExtractedValue.extraction_id.in_(earlier_ids)))
        session.execute(delete(CheckResult).where(CheckResult.extraction_id.in_(earlier_ids)))
        session.execute(delete(Extraction).where(Extraction.id.in_(earlier_ids)))
    extraction.extracted_at = datetime.now(UTC)
    session.add(extraction)
    session.flush()
    return extraction.id


def _store_payload(session: Session, store: WarcStore, fetch: Fetch, sha256: str, blobs: dict[str, Blob]) -> None:
    """Write the response to the WARC files: in full when its payload is new, else a revisit.
    ``blobs``: the known payloads by sha256, the new one added to it."""
    known = blobs.get(sha256)
    if known is None:
        location = store.write_fetch(fetch, sha256)
        blobs[sha256] = Blob(
            sha256=sha256,
            size=len(fetch.body),
            warc_file=location.file,
            warc_offset=location.offset,
            warc_length=location.length,
        )
        session.add(blobs[sha256])
    else:
        try:
            store.write_revisit(fetch, sha256, blob_location(known))
        except PayloadMissing:
            # the record it would refer to is gone (a crash cut its file): hold the payload again
            location = store.write_fetch(fetch, sha256)
            known.warc_file, known.warc_offset, known.warc_length = location.file, location.offset, location.length


def _document(
    session: Session,
    url: str,
    seen_at: datetime,
    *,
    portal: str | None = None,
    parent_id: int | None = None,
    link_text: str | None = None,
    role: str | None = None,
) -> Document:
    """The document of ``url``, added if new, its gaps filled from this sighting."""
    document = session.scalar(select(Document).where(Document.url == url))
    if document is None:
        document = Document(url=url, first_seen_at=seen_at)
        session.add(document)
    _sighted(document, seen_at, portal=portal, parent_id=parent_id, link_text=link_text, role=role)
    session.flush()
    return document


def _sighted(
    document: Document,
    seen_at: datetime,
    *,
    portal: str | None = None,
    parent_id: int | None = None,
    link_text: str | None = None,
    role: str | None = None,
) -> Document:
    """Fill the gaps of a document (with its id) from one sighting; what was learnt first stays."""
    if seen_at < document.first_seen_at:
        document.first_seen_at = seen_at
    if document.portal is None:
        document.portal = portal
    if document.parent_document_id is None and parent_id != document.id:
        document.parent_document_id = parent_id
    if not document.link_text:
        document.link_text = link_text
    if document.role is None:
        document.role = role
    return document


_GONE = (404, 410)


def _availability(
    session: Session, document: Document, status: int, fetched_at: datetime
) -> tuple[bool, bool]:
    """Update ``withdrawn_at`` for an answer; say whether it withdrew or reinstated the document."""
    if status in _GONE and document.withdrawn_at is None:
        published_before = session.scalar(
            select(
                exists().where(
                    Capture.document_id == document.id,
                    Capture.status >= 200,
                    Capture.status < 300,
                    Capture.fetched_at < fetched_at,
                )
            )
        )
        if published_before:
            document.withdrawn_at = fetched_at
            return True, False
    elif 200 <= status < 300 and document.withdrawn_at is not None and fetched_at >= document.withdrawn_at:
        document.withdrawn_at = None
        return False, True
    return False, False


def _matching_capture(
    session: Session, document_id: int, sha256: str, status: int, fetched_at: datetime
) -> Capture | None:
    """The capture this observation repeats or extends, updated to include it; else None."""
    in_effect = session.scalar(
        select(Capture)
        .where(Capture.document_id == document_id, Capture.fetched_at <= fetched_at)
        .order_by(Capture.fetched_at.desc(), Capture.id.desc())
        .limit(1)
    )
    if in_effect is None:
        # Older than everything archived: it may be the first sighting of the earliest version.
        earliest = session.scalar(
            select(Capture)
            .where(Capture.document_id == document_id)
            .order_by(Capture.fetched_at, Capture.id)
            .limit(1)
        )
        if earliest is None or not _same_version(earliest, sha256, status):
            return None
        earliest.fetched_at = fetched_at
        earliest.times_seen += 1
        session.flush()
        return earliest
    if not _same_version(in_effect, sha256, status):
        return None
    if fetched_at > in_effect.last_seen_at:
        in_effect.last_seen_at = fetched_at
        in_effect.times_seen += 1
        session.flush()
    return in_effect


def _same_version(capture: Capture, sha256: str, status: int) -> bool:
    return capture.blob_sha256 == sha256 and capture.status == status


def _headers_json(headers: Mapping[str, str | Sequence[str]]) -> dict[str, list[str]]:
    return {_text(name): _header_values(value) for name, value in headers.items()}


def _header_values(value: str | bytes | Sequence[str | bytes]) -> list[str]:
    if isinstance(value, (str, bytes)):
        return [_text(value)]
    return [_text(item) for item in value]


def _text(value: str | bytes) -> str:
    # HTTP header bytes are ISO-8859-1 by definition; decoding that way never fails.
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _header(headers: Mapping[str, str | Sequence[str]], name: str) -> str | None:
    for key, value in headers.items():
        if _text(key).lower() == name:
            values = _header_values(value)
            return values[0] if values else None
    return None
