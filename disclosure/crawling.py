"""Running the Scrapy crawl, one process per run and one crawler per host.

Scrapy's politeness (requests in flight and delay per domain) holds within one crawler,
so the registry's columns are grouped by host: several columns of one portal host share
one spider and one budget. What each portal got is counted from the crawl's signals,
since one crawler may serve several portals.
"""

from __future__ import annotations

import inspect
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, is_dataclass
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.columns import Column
from crawler.items import CaptureItem
from crawler.spiders.portal import PortalColumnSpider

from .registry import Portal

try:  # revalidation rebuilds a 304 from the archive and marks it with this header
    from crawler.revalidate import NOT_MODIFIED_HEADER as _NOT_MODIFIED_HEADER
except ImportError:
    _NOT_MODIFIED_HEADER = "X-Disclosure-Not-Modified"


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlSummary:
    portal: str
    responses: int
    new_versions: int
    http_errors: int
    failed_fetches: int
    refused: int
    requests: int = 0  # requests that reached the downloader (retries included)
    not_modified: int = 0  # 304 answers: seen unchanged, nothing downloaded
    bytes_received: int = 0  # response bodies as they came over the network
    host: str = ""
    outcomes: tuple[dict, ...] = ()  # why each column ended (crawler.columns.ColumnOutcome)
    finish_reason: str = "finished"  # Scrapy's: "shutdown" when stopped by a signal (Ctrl-C, SIGTERM)


def crawler_settings(db_url: str, *, allowed_networks: list[str], log_level: str = "WARNING") -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("DISCLOSURE_DB", db_url, priority="cmdline")
    settings.set("DISCLOSURE_ALLOWED_NETWORKS", allowed_networks, priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    # The command line owns logging; Scrapy's records go through its handler.
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    # keeps CONCURRENT_REQUESTS_PER_DOMAIN with no download delay (see crawler/downloader.py)
    settings.set("DOWNLOADER", "crawler.downloader.PoliteDownloader", priority="cmdline")
    # Scrapy re-reads a callback's source per response for this check (bound methods miss its cache)
    settings.set("WARN_ON_GENERATOR_RETURN_VALUE", False, priority="cmdline")
    return settings


def group_by_host(portals: list[Portal]) -> dict[str, list[Portal]]:
    """Portals by the host of their first start URL, in registry order."""
    groups: dict[str, list[Portal]] = defaultdict(list)
    for portal in portals:
        groups[_host(portal.start_urls[0]) if portal.start_urls else ""].append(portal)
    return dict(groups)


def crawl_portals(
    portals: list[Portal],
    db_url: str,
    *,
    allowed_networks: list[str],
    delay: float | None = None,
    settings_overrides: dict | None = None,
) -> list[CrawlSummary]:
    """Crawl each portal's columns into the archive; blocks until all are done.

    ``delay`` overrides the seconds between requests to one host; 0 also turns
    AutoThrottle off, for portals served on this machine.
    """
    settings = crawler_settings(db_url, allowed_networks=allowed_networks)
    if delay is not None:
        settings.set("DOWNLOAD_DELAY", delay, priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", delay > 0, priority="cmdline")
    for name, value in (settings_overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    tallies = []
    groups = group_by_host(portals) if _spider_takes_columns() else {p.name: [p] for p in portals}
    for host, group in groups.items():
        crawler = process.create_crawler(PortalColumnSpider)
        tally = _Tally(host, group)
        tally.connect(crawler)
        process.crawl(crawler, **_spider_arguments(group))
        tallies.append((tally, crawler))
    process.start()
    summaries = {}
    for tally, crawler in tallies:
        for summary in tally.summaries(crawler):
            summaries[summary.portal] = summary
    return [summaries[p.name] for p in portals if p.name in summaries]


def column_of(portal: Portal) -> Column:
    return Column(
        portal=portal.name,
        start_urls=tuple(portal.start_urls),
        platform=getattr(portal, "platform", None),
        item_pattern=portal.hints.get("item_pattern"),
        revalidate_days=getattr(portal, "revalidate_days", None),
    )


def _spider_takes_columns() -> bool:
    return "columns" in inspect.signature(PortalColumnSpider.__init__).parameters


def _spider_arguments(group: list[Portal]) -> dict:
    if _spider_takes_columns():
        return {"columns": [column_of(portal) for portal in group]}
    (portal,) = group
    return {
        "portal": portal.name,
        "start_urls": list(portal.start_urls),
        "item_pattern": portal.hints.get("item_pattern"),
    }


class _Tally:
    """Per-portal counts of one crawler, from its signals."""

    def __init__(self, host: str, portals: list[Portal]) -> None:
        self.host = host
        self.portals = portals
        self.names = [p.name for p in portals]
        self._by_url = {url: p.name for p in portals for url in p.start_urls}
        self.requests: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.responses: Counter[str] = Counter()
        self.http_errors: Counter[str] = Counter()
        self.bytes_received: Counter[str] = Counter()
        self.scheduled: dict[str, str] = {}  # url -> portal
        self.reached: set[str] = set()
        self.answered: set[str] = set()

    def connect(self, crawler) -> None:
        crawler.signals.connect(self._scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(self._reached, signal=signals.request_reached_downloader)
        crawler.signals.connect(self._received, signal=signals.response_received)
        crawler.signals.connect(self._scraped, signal=signals.item_scraped)
        crawler.signals.connect(self._bytes, signal=signals.bytes_received)

    def portal_of(self, request) -> str:
        meta = request.meta
        name = meta.get("portal")
        if name in self.names:
            return name
        column = meta.get("column")
        column_url = getattr(column, "start_urls", (column,))[0] if column else None
        if column_url in self._by_url:
            return self._by_url[column_url]
        return self._by_url.get(request.url, self.names[0])

    def _scheduled(self, request, spider) -> None:
        self.scheduled.setdefault(request.url, self.portal_of(request))

    def _reached(self, request, spider) -> None:
        self.requests[self.portal_of(request)] += 1
        self.reached.add(request.url)

    def _received(self, response, request, spider) -> None:
        self.answered.add(request.url)
        if response.status == 304:
            self.not_modified[self.portal_of(request)] += 1

    def _bytes(self, data, request, spider) -> None:
        self.bytes_received[self.portal_of(request)] += len(data)

    def _scraped(self, item, response, spider) -> None:
        if isinstance(item, CaptureItem):
            name = item.portal if item.portal in self.names else self.names[0]
            self.responses[name] += 1
            if item.status >= 400:
                self.http_errors[name] += 1
            if response is not None and response.headers.get(_NOT_MODIFIED_HEADER) is not None:
                self.not_modified[name] += 1  # a 304 answered from the archive's stored capture

    def summaries(self, crawler) -> list[CrawlSummary]:
        stats = crawler.stats.get_stats()
        outcomes = _outcomes(crawler)
        alone = len(self.names) == 1
        unanswered = Counter(self.scheduled.get(url, self.names[0]) for url in self.reached - self.answered)
        unreached = Counter(portal for url, portal in self.scheduled.items() if url not in self.reached)
        summaries = []
        for portal in self.portals:
            name = portal.name
            summaries.append(
                CrawlSummary(
                    portal=name,
                    responses=self.responses[name],
                    # refined from the archive by the run, which knows its time window
                    new_versions=stats.get("disclosure/new_versions", 0) if alone else 0,
                    http_errors=self.http_errors[name],
                    failed_fetches=stats.get("disclosure/fetch_failed", 0) if alone else unanswered[name],
                    refused=stats.get("disclosure/refused_network", 0) if alone else min(
                        unreached[name], stats.get("disclosure/refused_network", 0)
                    ),
                    requests=self.requests[name],
                    not_modified=max(self.not_modified[name], stats.get("disclosure/not_modified", 0) if alone else 0),
                    bytes_received=self.bytes_received[name],
                    host=self.host,
                    finish_reason=str(stats.get("finish_reason", "finished")),
                    outcomes=tuple(o for o in outcomes if o.get("portal") in (name, None) and _owns(portal, o)),
                )
            )
        return summaries


def _outcomes(crawler) -> list[dict]:
    found = crawler.stats.get_value("disclosure/column_outcomes") or getattr(
        getattr(crawler, "spider", None), "column_outcomes", None
    ) or {}
    return [asdict(outcome) if is_dataclass(outcome) else dict(outcome) for outcome in found.values()]


def _owns(portal: Portal, outcome: dict) -> bool:
    return outcome.get("portal") == portal.name or outcome.get("column_url") in portal.start_urls


def _host(url: str) -> str:
    return (urlsplit(url).netloc or url).lower()
