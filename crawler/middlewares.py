"""Downloader middlewares: refuse requests outside the allowed networks, before any byte is
sent; ask known documents conditionally and record requests that got no answer."""

from __future__ import annotations

import ipaddress
import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from storage.archive import load_blob, load_payload
from storage.db import database_url, open_archive, session_scope
from storage.frontier import KnownDocument, record_fetch_failure, withdraw_unanswered
from storage.warc import PayloadMissing

from .columns import COMPLETE
from .revalidate import (
    FROM_ARCHIVE_HEADER,
    NOT_MODIFIED_HEADER,
    READ_STORED_PAGE,
    RECORDED_LINKS,
    cadences,
    conditional_headers,
    is_fresh,
    load_known,
)


class AllowedNetworksMiddleware:
    def __init__(self, networks: list[str], stats=None) -> None:
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in networks)
        self.stats = stats
        self._literals: dict[str, bool] = {}  # hosts given as an address: allowed or not

    @classmethod
    def from_crawler(cls, crawler):
        networks = crawler.settings.getlist("DISCLOSURE_ALLOWED_NETWORKS")
        if not networks:
            raise NotConfigured("no network restriction")
        return cls(networks, crawler.stats)

    def process_request(self, request):
        host = urlsplit(request.url).hostname or ""
        if not self.allows(host):
            if self.stats:
                self.stats.inc_value("disclosure/refused_network")
            raise IgnoreRequest(f"{host} is outside the allowed networks")
        return None

    def allows(self, host: str) -> bool:
        if host in self._literals:
            return self._literals[host]
        addresses = _addresses(host) if host else []
        allowed = bool(addresses) and all(
            any(address in network for network in self.networks) for address in addresses
        )
        if _is_address(host):
            self._literals[host] = allowed  # an address is what it is; a name is resolved each time
        return allowed


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return []
    return [ipaddress.ip_address(info[4][0]) for info in infos]


class FrontierMiddleware:
    """Asks known documents conditionally, answers a 304 from the archive, leaves fresh
    documents unasked, records requests that got no answer.

    The conditional headers are added here, not in the spider's requests, so a document both
    listed and revalidated stays one request for Scrapy's duplicate filter. A 304 becomes the
    stored response (status, headers, and the body for pages, whose links the spider follows
    again), marked with ``NOT_MODIFIED_HEADER`` for the archive pipeline, which then records
    "seen unchanged" instead of a new capture. A fresh item or attachment (seen within its
    portal's ``revalidate_days``) is not sent at all: its stored response comes back marked
    ``FROM_ARCHIVE_HEADER``, and the pipeline stores nothing for it.
    """

    def __init__(self, db_url: str, stats=None) -> None:
        self.db_url = db_url
        self.stats = stats
        self.known: dict[str, KnownDocument] = {}
        self.portals: list[str] = []
        self.cadence: dict[str, float] = {}  # portal -> revalidate_days
        self.started_at = datetime.now(UTC)
        self.engine = None
        # published documents whose request got no answer this run: url -> (portal, when)
        self.unanswered: dict[str, tuple[str, datetime]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        middleware = cls(database_url(crawler.settings.get("DISCLOSURE_DB") or None), crawler.stats)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self, spider) -> None:
        self.started_at = datetime.now(UTC)
        self.cadence = cadences(spider)
        self.portals = list(self.cadence)
        self.engine = open_archive(self.db_url)
        self.known = load_known(self.engine, self.portals) if self.portals else {}
        if hasattr(spider, "frontier"):
            spider.frontier = self.known  # its revisits come from the same load

    def spider_closed(self, spider) -> None:
        if self.engine is None:
            return
        try:
            self.withdraw_unlisted(getattr(spider, "walks", {}).values())
        finally:
            self.engine.dispose()

    def withdraw_unlisted(self, walks) -> None:
        """Published documents that got no answer and that no list of their portal showed,
        when every column of that portal was walked whole, are withdrawn."""
        walks = list(walks)
        for url, (portal, failed_at) in self.unanswered.items():
            columns = [walk for walk in walks if walk.column.portal == portal]
            if not columns or any(w.finish().ended != COMPLETE or w.lists_failed for w in columns):
                continue
            if any(url in walk.listed_urls for walk in columns):
                continue
            with session_scope(self.engine) as session:
                if withdraw_unanswered(session, url, failed_at):
                    self._count("disclosure/withdrawn")

    def process_request(self, request):
        doc = self.known.get(request.url)
        if doc is None or request.method != "GET":
            return None
        days = self.cadence.get(doc.portal or "", 0)
        if is_fresh(doc, now=self.started_at, revalidate_days=days):
            # Empty until process_response fills it: Scrapy's byte counts stay the network's.
            headers = _stored_headers(doc, FROM_ARCHIVE_HEADER)
            return Response(request.url, status=doc.status, headers=headers, request=request, flags=["from_archive"])
        for name, value in conditional_headers(doc).items():
            request.headers.setdefault(name, value)
        return None

    def process_response(self, request, response):
        if "from_archive" in response.flags:
            self._count("disclosure/not_requested")
            return self._stored_response(self.known[request.url], request, response, FROM_ARCHIVE_HEADER)
        if response.status != 304:
            return response
        doc = self.known.get(document_url(request))
        if doc is None or not conditional_headers(doc):
            return response  # a 304 nobody asked for is archived as it came
        self._count("disclosure/not_modified")
        return self._stored_response(doc, request, response, NOT_MODIFIED_HEADER)

    def process_exception(self, request, exception):
        if isinstance(exception, IgnoreRequest) or self.engine is None:
            return None
        portal = request_portal(request, self.portals)
        if portal is None:
            return None
        url, failed_at = document_url(request), datetime.now(UTC)
        with session_scope(self.engine) as session:
            record_fetch_failure(
                session,
                url=url,
                reason=f"{type(exception).__name__}: {exception}".strip(),
                failed_at=failed_at,
                portal=portal,
                role=request_role(request),
                parent_url=request.meta.get("parent_url"),
            )
        self._count("disclosure/fetch_failures_recorded")
        doc = self.known.get(url)
        if doc is not None and doc.status is not None and 200 <= doc.status < 300:
            self.unanswered.setdefault(url, (portal, failed_at))
        return None

    def _stored_response(self, doc: KnownDocument, request, response, marker: str):
        """The stored response; for a page whose links were not recorded (the spider reads it
        again for them) with its body, read from where the frontier says it is: one seek, no
        query. An attachment needs none, nor a page whose links are recorded: they go with
        the request's meta (``RECORDED_LINKS``)."""
        body = b""
        if (doc.role or "item") != "attachment":
            if doc.links is not None and not request.meta.get(READ_STORED_PAGE):
                request.meta[RECORDED_LINKS] = doc.links
            elif self.engine is not None:
                body = self._stored_body(doc)
        headers = _stored_headers(doc, marker)
        cls = responsetypes.from_args(headers=headers, url=response.url, body=body)
        return cls(
            url=response.url,
            status=doc.status,
            headers=headers,
            body=body,
            request=request,
            flags=[*response.flags, "not_modified" if marker == NOT_MODIFIED_HEADER else "from_archive"],
        )

    def _stored_body(self, doc: KnownDocument) -> bytes:
        self._count("disclosure/stored_pages_read")
        if doc.payload is not None and doc.size is not None:
            try:
                return load_payload(self.engine, doc.sha256, doc.payload, doc.size)
            except PayloadMissing:
                pass  # moved since the frontier was read (a cut file held again): ask the index
        with session_scope(self.engine) as session:
            return load_blob(session, doc.sha256)

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


def _stored_headers(doc: KnownDocument, marker: str) -> Headers:
    headers = Headers({name: values for name, values in (doc.headers or {}).items()})
    headers[marker] = str(doc.capture_id)
    return headers


def document_url(request) -> str:
    """The URL a document is archived under: the one first requested, before redirects."""
    redirects = request.meta.get("redirect_urls")
    return redirects[0] if redirects else request.url


def request_portal(request, portals: list[str]) -> str | None:
    named = request.meta.get("portal") or getattr(request.meta.get("column"), "portal", None)
    if named:
        return named
    return portals[0] if len(portals) == 1 else None


_ROLE_OF_CALLBACK = {"parse_list": "list", "parse_item": "item", "parse_attachment": "attachment"}


def request_role(request) -> str | None:
    return request.meta.get("role") or _ROLE_OF_CALLBACK.get(getattr(request.callback, "__name__", ""))
