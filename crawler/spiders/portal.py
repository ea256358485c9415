"""The spider for the disclosure columns of one portal host.

It knows no platform: each column's platform (named in the registry, else detected on
its first list page) reads the list pages, data-proxy and API answers, and the files an
item links. The spider sends what the platform asks for, bounded the same way for every
pager (``crawler.column_walk``), opens every item, and follows the attachments of items
that look like annual reports. Every response goes to the archive as it came.

Arguments: ``columns`` (a list of ``crawler.columns.Column``), or for one column
``url`` / ``start_urls`` (comma-separated with ``-a``), ``portal``, ``item_pattern`` and
``platform``. When it closes, ``spider.column_outcomes`` (and the stat
``disclosure/column_outcomes``) say how each column ended, keyed by its first start URL.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urldefrag, urlsplit

import scrapy
from scrapy.http import Response

from extract.classify import looks_like_annual_report
from extract.decode import decode
from extract.errors import ExtractionError
from extract.html import page_title, parse_html

from ..column_walk import ColumnWalk
from ..columns import Column, ColumnOutcome
from ..items import CaptureItem
from ..listing import is_attachment
from ..platforms import ListedItem, ListPage, ListRequest, Platform, detect, reading_from_record, recorded_reading
from ..revalidate import READ_STORED_PAGE, RECORDED_LINKS, Revisit, cadences, is_fresh, revisits_for

if TYPE_CHECKING:
    from storage.frontier import KnownDocument

# Request kinds and the settings that bound their answers' size and time.
_LIMITS = {
    "list": ("DISCLOSURE_LIST_MAXSIZE", "DISCLOSURE_LIST_TIMEOUT"),
    "item": ("DISCLOSURE_ITEM_MAXSIZE", "DISCLOSURE_ITEM_TIMEOUT"),
    "attachment": ("DISCLOSURE_ATTACHMENT_MAXSIZE", "DISCLOSURE_ATTACHMENT_TIMEOUT"),
}


class PortalColumnSpider(scrapy.Spider):
    name = "portal"

    def __init__(
        self,
        url: str | None = None,
        portal: str | None = None,
        start_urls: str | list[str] | None = None,
        item_pattern: str | None = None,
        platform: str | None = None,
        columns: list[Column] | None = None,
        *args,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.portal = portal
        self.columns = list(columns or ()) or _one_column(url, start_urls, portal, item_pattern, platform)
        self.allowed_domains = sorted({urlsplit(u).hostname or "" for c in self.columns for u in c.start_urls})
        self.walks: dict[str, ColumnWalk] = {}
        self.column_outcomes: dict[str, ColumnOutcome] = {}
        # The archive's known documents of the columns' portals by URL, when
        # ``crawler.middlewares.FrontierMiddleware`` loaded them as the spider opened.
        self.frontier: dict[str, KnownDocument] | None = None
        self.opened_at = datetime.now(UTC)
        self.cadence: dict[str, float] = {}  # portal -> revalidate_days
        # Listed documents left unasked this run: fresh in the archive, nothing to read again.
        self.unasked: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        for column in spider.columns:
            walk = ColumnWalk(
                column,
                max_list_pages=settings.getint("DISCLOSURE_MAX_LIST_PAGES", 200),
                max_barren_pages=settings.getint("DISCLOSURE_MAX_BARREN_LIST_PAGES", 5),
            )
            spider.walks.setdefault(walk.key, walk)
            spider.column_outcomes.setdefault(walk.key, walk.outcome)
        return spider

    async def start(self):
        self.opened_at, self.cadence = datetime.now(UTC), cadences(self)
        for walk in self.walks.values():
            for request in walk.start():
                yield self.list_request(request, walk)
        # the archive's known items and attachments, listed or not: edits and withdrawals show
        for revisit in revisits_for(self, now=datetime.now(UTC), known=self.frontier):
            yield self.revisit_request(revisit)

    # ---- lists ---------------------------------------------------------------------

    def parse_list(self, response: Response):
        walk = self.walk_of(response)
        recorded = _recorded_list(response) if walk is not None else None
        if recorded is not None and not walk.takes_reading_of(recorded[0]):
            # read by another platform than the column's now: asked for again, to be read
            meta = {**response.request.meta, READ_STORED_PAGE: True}
            meta.pop(RECORDED_LINKS, None)
            yield response.request.replace(meta=meta, dont_filter=True)
            return
        if recorded is not None:
            page, reading = recorded[1], None  # recorded already
        else:
            try:
                page = None if walk is None else self._read_list(response, walk)
            except Exception:
                yield self.capture(response, role="list")  # archived however its reading went
                raise
            reading = None if page is None else recorded_reading(walk.platform.name, page)
        yield self.capture(response, role="list", links=reading)
        if page is None:
            return
        items, more = walk.read(page)
        for request in more:
            yield self.list_request(request, walk)
        for item in items:
            yield from self.listed(item, walk)

    def _read_list(self, response: Response, walk: ColumnWalk) -> ListPage | None:
        """The list page as its column's platform reads it; None, the failure noted on the
        walk, when it cannot be read."""
        text = self.readable_text(response)
        if text is None:
            walk.list_failed(f"{response.url} answered {response.status}")
            return None
        try:
            return walk.platform_for(response.url, text).read_list(_list_url(response), text)
        except (ExtractionError, ValueError, LookupError) as error:
            walk.list_failed(f"{response.url}: {error}")
            self.logger.warning("could not read the list %s: %s", response.url, error)
            return None

    def listed(self, item: ListedItem, walk: ColumnWalk | None):
        """The request for a document a list shows; none for one fresh in the archive (seen
        within its portal's ``revalidate_days``) with nothing to read again, an attachment or
        an item page whose links are recorded: the requests for those links instead."""
        doc = self.fresh(item.url)
        if doc is None:
            yield self.item_request(item, walk)
            return
        if item.url in self.unasked:
            return
        self.unasked.add(item.url)
        self.crawler.stats.inc_value("disclosure/not_requested")
        for url, title in doc.links or ():
            yield from self.listed(ListedItem(url=url, title=title or "", parent_url=item.url), walk)

    def fresh(self, url: str) -> KnownDocument | None:
        """The archive's version of ``url`` if it stands in for asking this run
        (``crawler.middlewares.FrontierMiddleware`` answers it from the archive otherwise)."""
        doc = self.frontier.get(url) if self.frontier else None
        if doc is None or (doc.role != "attachment" and doc.links is None):
            return None
        days = self.cadence.get(doc.portal or "", 0)
        return doc if is_fresh(doc, now=self.opened_at, revalidate_days=days) else None

    def list_request(self, request: ListRequest, walk: ColumnWalk) -> scrapy.Request:
        meta = self._meta("list", walk)
        if request.form:
            return scrapy.FormRequest(
                request.url, method=request.method, formdata=list(request.form), headers=dict(request.headers),
                callback=self.parse_list, errback=self.fetch_failed, meta=meta, dont_filter=True,
            )
        return scrapy.Request(
            request.url, method=request.method, headers=dict(request.headers) or None,
            callback=self.parse_list, errback=self.fetch_failed, meta=meta, dont_filter=True,
        )

    def item_request(self, item: ListedItem, walk: ColumnWalk | None) -> scrapy.Request:
        role = "attachment" if item.parent_url or is_attachment(item.url) else "item"
        parent = {"parent_url": item.parent_url} if item.parent_url else {}  # a file an API lists with its page
        return scrapy.Request(
            item.url,
            callback=self.parse_attachment if role == "attachment" else self.parse_item,
            errback=self.fetch_failed,
            meta={**self._meta(role, walk), "link_text": item.title, **parent},
        )

    def revisit_request(self, revisit: Revisit) -> scrapy.Request:
        """A known document asked for again (conditionally: ``crawler.middlewares.FrontierMiddleware``)."""
        return scrapy.Request(
            revisit.url,
            callback=self.parse_attachment if revisit.role == "attachment" else self.parse_item,
            errback=self.fetch_failed,
            meta={
                **self._meta(revisit.role, None),
                "portal": revisit.portal,
                "parent_url": revisit.parent_url,
                "link_text": revisit.link_text,
            },
        )

    # ---- items and their files -----------------------------------------------------

    def parse_item(self, response: Response):
        walk = self.walk_of(response)
        recorded = response.meta.get(RECORDED_LINKS)
        if recorded is not None and {"not_modified", "from_archive"} & set(response.flags):
            # the stored page is unchanged and the links it led to are recorded: not read again
            yield self.capture(response, role="item")
            links = recorded
        else:
            try:
                links = self._links_of(response, walk)
            except Exception:
                yield self.capture(response, role="item")  # archived however its reading went
                raise
            yield self.capture(response, role="item", links=links)
        for url, title in links or ():
            yield scrapy.Request(
                url,
                callback=self.parse_attachment,
                errback=self.fetch_failed,
                meta={
                    **self._meta("attachment", walk),
                    "parent_url": _requested_url(response),
                    "link_text": title,
                },
            )

    def _links_of(self, response: Response, walk: ColumnWalk | None) -> tuple[tuple[str, str], ...] | None:
        """The files an item page links, if it reads as an annual report (else none); None for
        an answer with no page to read (an error, an empty body)."""
        text = self.readable_text(response)
        if text is None:
            return None
        if not self._reads_as_report(response.meta.get("link_text") or "", text):
            return ()
        return tuple(
            (link.url, link.title) for link in self._platform(walk, response.url, text).attachments(response.url, text)
        )

    @staticmethod
    def _reads_as_report(link_text: str, text: str) -> bool:
        """The link's text or the page's title looks like an annual report. The page is parsed
        for its title only when the link does not tell: the platform parses it for its files."""
        if looks_like_annual_report(link_text):
            return True
        try:
            return looks_like_annual_report(page_title(parse_html(text), None) or "")
        except ExtractionError:
            return False

    def parse_attachment(self, response: Response):
        yield self.capture(response, role="attachment")

    # ---- shared --------------------------------------------------------------------

    def readable_text(self, response: Response) -> str | None:
        """The decoded text of a successful answer, else None (errors, empty bodies)."""
        if response.status >= 300 or not response.body:
            return None
        return decode(response.body, _content_type(response)).text

    def capture(
        self, response: Response, *, role: str, links: tuple[tuple, ...] | None = None
    ) -> CaptureItem:
        return CaptureItem(
            url=_requested_url(response),
            final_url=response.url,
            status=response.status,
            headers={
                key.decode("latin-1"): [v.decode("latin-1") for v in values]
                for key, values in response.headers.items()
            },
            body=response.body,
            fetched_at=datetime.now(UTC),
            content_type=_content_type(response),
            spider=self.name,
            portal=response.meta.get("portal", self.portal),
            parent_url=response.meta.get("parent_url"),
            link_text=response.meta.get("link_text"),
            role=role,
            method=response.request.method if response.request is not None else "GET",
            request_headers={
                key.decode("latin-1"): [v.decode("latin-1") for v in values]
                for key, values in (response.request.headers.items() if response.request is not None else ())
            },
            redirects=tuple(response.meta.get("redirect_urls") or ()),
            links=links,
        )

    def fetch_failed(self, failure):
        request = failure.request
        reason = failure.getErrorMessage() or failure.type.__name__
        self.crawler.stats.inc_value("disclosure/fetch_failed")
        if "max size" in reason:
            self.crawler.stats.inc_value("disclosure/fetch_too_large")
        role = request.meta.get("role")
        walk = self.walks.get(request.meta.get("column"))
        if role == "list" and walk is not None:
            walk.list_failed(f"{request.url}: {reason}")
        self.logger.warning("could not fetch %s (%s): %s", request.url, role or "request", reason)

    def closed(self, reason: str) -> None:
        if not self.column_outcomes:
            return  # a process that joined a shared crawl (crawler.distributed) walked no column
        outcomes = {key: walk.finish() for key, walk in self.walks.items()}
        stats = self.crawler.stats
        stats.set_value("disclosure/column_outcomes", {key: asdict(o) for key, o in outcomes.items()})
        for outcome in outcomes.values():
            stats.inc_value(f"disclosure/columns/{outcome.ended}")
            if outcome.ended != "complete":
                self.logger.warning("column %s ended %s: %s", outcome.column_url, outcome.ended, outcome.detail)

    def _meta(self, role: str, walk: ColumnWalk | None) -> dict:
        maxsize, timeout = _LIMITS[role]
        meta: dict = {"role": role}
        if size_limit := self.settings.getint(maxsize):
            meta["download_maxsize"] = size_limit
        if time_limit := self.settings.getfloat(timeout):
            meta["download_timeout"] = time_limit
        if walk is not None:
            meta.update(column=walk.key, portal=walk.column.portal)
        return meta

    def walk_of(self, response: Response) -> ColumnWalk | None:
        """The column a response belongs to: named in its meta, else the one column
        that starts at its URL, else the spider's only column."""
        walk = self.walks.get(response.meta.get("column"))
        if walk is None:
            starting = [w for w in self.walks.values() if _requested_url(response) in w.column.start_urls]
            walk = starting[0] if starting else None
        if walk is None and len(self.walks) == 1:
            walk = next(iter(self.walks.values()))
        return walk

    def _platform(self, walk: ColumnWalk | None, url: str, text: str) -> Platform:
        if walk is not None and walk.platform is not None:
            return walk.platform
        return detect(url, text)


def _one_column(url, start_urls, portal, item_pattern, platform) -> list[Column]:
    urls = [url] if url else []
    if isinstance(start_urls, str):
        urls.extend(u for u in start_urls.split(",") if u)
    elif start_urls:
        urls.extend(start_urls)
    if not urls:
        raise ValueError("give a list page of the column: -a url=http://…/index.html")
    return [Column(portal=portal, start_urls=tuple(urls), platform=platform or None, item_pattern=item_pattern)]


def _list_url(response: Response) -> str:
    """The list's URL with the fragment its request named, which is never sent: a script
    app's column (``/gkmlpt/index#123``)."""
    request = getattr(response, "request", None)
    requested = request.url if request is not None else response.url
    return requested if urldefrag(requested)[0] == response.url else response.url


def _requested_url(response: Response) -> str:
    redirects = response.meta.get("redirect_urls")
    return redirects[0] if redirects else response.url


def _content_type(response: Response) -> str | None:
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else None


def _recorded_list(response: Response) -> tuple[str, ListPage] | None:
    """(platform, reading) recorded from a list page found unchanged, if one was."""
    if not {"not_modified", "from_archive"} & set(response.flags):
        return None
    return reading_from_record(response.meta.get(RECORDED_LINKS))
