"""Which known documents to ask for again this run, and how to ask.

The archive is the crawl's frontier: every item and attachment it holds for a portal is
requested on each run, including those the lists no longer show (portals edit reports in
place and withdraw them without touching their lists). A document with a stored version
is asked for conditionally (``If-None-Match`` / ``If-Modified-Since`` from its latest
capture); a 304 then costs no download.

``revalidate_days`` (per portal; else the ``DISCLOSURE_REVALIDATE_DAYS`` setting) is the
cadence: an item or attachment whose latest published version was seen less than that many
days ago is *fresh* and is not asked for this run, neither as a revalidation nor when a list
shows it; the spider reads its stored version instead (``FrontierMiddleware``). List pages
are asked for, conditionally, on every run, so new items always show. A nightly run with
the default of one day revalidates everything; a second crawl the same day asks only for
the lists and what is new; 0 asks for everything every run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from storage.db import database_url, open_archive, session_scope
from storage.frontier import KnownDocument, known_documents

# A nightly run starts a little earlier or later each night; it still counts as a day later.
_SLACK = timedelta(hours=2)
REVISITED_ROLES = ("item", "attachment")
# Mark responses rebuilt from the archive, after a 304 or instead of asking for a fresh
# document; the archive pipeline removes them.
NOT_MODIFIED_HEADER = "X-Disclosure-Not-Modified"
FROM_ARCHIVE_HEADER = "X-Disclosure-From-Archive"
# Request meta key: what was recorded from a stored page that comes back without its body
# (an item page's links, a list page's reading), so the spider goes on without reading it.
RECORDED_LINKS = "disclosure_recorded_links"
# Request meta key: the stored page comes back with its body whatever was recorded from it
# (a list page's reading by a platform that is no longer its column's).
READ_STORED_PAGE = "disclosure_read_stored_page"


@dataclass(frozen=True, slots=True, kw_only=True)
class Revisit:
    url: str
    role: str  # "item" | "attachment"
    portal: str
    parent_url: str | None
    link_text: str | None = None


def cadences(spider) -> dict[str, float]:
    """``revalidate_days`` of each portal a spider crawls."""
    default = spider.settings.getfloat("DISCLOSURE_REVALIDATE_DAYS", 1)
    found: dict[str, float] = {}
    for column in getattr(spider, "columns", None) or ():
        days = getattr(column, "revalidate_days", None)
        if column.portal and column.portal not in found:
            found[column.portal] = default if days is None else float(days)
    if not found and getattr(spider, "portal", None):
        found[spider.portal] = default
    return found


def revisits_for(spider, *, now: datetime, known: Mapping[str, KnownDocument] | None = None) -> list[Revisit]:
    """What a spider revalidates this run: the due documents of each of its columns' portals.
    ``known``: the portals' known documents when already loaded (``FrontierMiddleware``)."""
    cadence = cadences(spider)
    if not cadence:
        return []
    if known is None:
        known = load_known(database_url(spider.settings.get("DISCLOSURE_DB") or None), cadence)
    by_portal: dict[str, list[KnownDocument]] = {portal: [] for portal in cadence}
    for doc in known.values():
        if doc.portal in by_portal:
            by_portal[doc.portal].append(doc)
    return [
        revisit
        for portal, docs in by_portal.items()
        for revisit in due(docs, portal, now=now, revalidate_days=cadence[portal])
    ]


def load_known(db_url: str | Engine, portals: Iterable[str]) -> dict[str, KnownDocument]:
    """The known documents of ``portals`` by URL (a fresh archive has none), from an archive's
    URL or an engine already open on it."""
    engine = open_archive(db_url) if isinstance(db_url, str) else db_url
    try:
        with session_scope(engine) as session:
            return {doc.url: doc for portal in portals for doc in known_documents(session, portal)}
    finally:
        if engine is not db_url:
            engine.dispose()


def due(
    known: Iterable[KnownDocument], portal: str, *, now: datetime, revalidate_days: float = 1
) -> list[Revisit]:
    """The documents of ``portal`` to request again this run, items before attachments."""
    revisits = []
    for doc in known:
        role = doc.role or ("attachment" if doc.parent_url else "item")
        if role not in REVISITED_ROLES:
            continue  # list pages are re-walked from the column's start URLs
        if is_fresh(doc, now=now, revalidate_days=revalidate_days):
            continue
        revisits.append(
            Revisit(url=doc.url, role=role, portal=portal, parent_url=doc.parent_url, link_text=doc.link_text)
        )
    return sorted(revisits, key=lambda r: (REVISITED_ROLES.index(r.role), r.url))


def is_fresh(doc: KnownDocument, *, now: datetime, revalidate_days: float) -> bool:
    """A published item or attachment seen less than ``revalidate_days`` ago (list pages never are)."""
    return (
        revalidate_days > 0
        and doc.role in REVISITED_ROLES
        and doc.status is not None
        and 200 <= doc.status < 300
        and doc.last_seen_at is not None
        and now - doc.last_seen_at < timedelta(days=revalidate_days) - _SLACK
    )


def conditional_headers(doc: KnownDocument) -> dict[str, str]:
    """Validators of the latest capture, if it is a version worth keeping (2xx)."""
    if doc.capture_id is None or doc.status is None or not 200 <= doc.status < 300:
        return {}
    headers = {}
    etag = header(doc.headers or {}, "etag")
    modified = header(doc.headers or {}, "last-modified")
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    return headers


def header(headers: Mapping[str, list[str]], name: str) -> str | None:
    for key, values in headers.items():
        if key.lower() == name and values:
            return values[0]
    return None
