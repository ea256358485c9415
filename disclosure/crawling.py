"""Running the Scrapy crawl from the command line, one process per run."""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.spiders.portal import PortalColumnSpider

from .registry import Portal


@dataclass(frozen=True, slots=True, kw_only=True)
class CrawlSummary:
    portal: str
    responses: int
    new_versions: int
    http_errors: int
    failed_fetches: int
    refused: int


def crawler_settings(db_url: str, *, allowed_networks: list[str], log_level: str = "WARNING") -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("DISCLOSURE_DB", db_url, priority="cmdline")
    settings.set("DISCLOSURE_ALLOWED_NETWORKS", allowed_networks, priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    # The command line owns logging; Scrapy's records go through its handler.
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    return settings


def crawl_portals(
    portals: list[Portal], db_url: str, *, allowed_networks: list[str], delay: float | None = None
) -> list[CrawlSummary]:
    """Crawl each portal's column into the archive; blocks until all are done.

    ``delay`` overrides the seconds between requests to one host; 0 also turns
    AutoThrottle off, for portals served on this machine.
    """
    settings = crawler_settings(db_url, allowed_networks=allowed_networks)
    if delay is not None:
        settings.set("DOWNLOAD_DELAY", delay, priority="cmdline")
        settings.set("AUTOTHROTTLE_ENABLED", delay > 0, priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = []
    for portal in portals:
        crawler = process.create_crawler(PortalColumnSpider)
        process.crawl(
            crawler,
            portal=portal.name,
            start_urls=list(portal.start_urls),
            item_pattern=portal.hints.get("item_pattern"),
        )
        crawlers.append((portal, crawler))
    process.start()
    return [_summary(portal.name, crawler.stats.get_stats()) for portal, crawler in crawlers]


def _summary(name: str, stats: dict) -> CrawlSummary:
    return CrawlSummary(
        portal=name,
        responses=stats.get("disclosure/captures", 0),
        new_versions=stats.get("disclosure/new_versions", 0),
        http_errors=stats.get("disclosure/http_errors", 0),
        failed_fetches=stats.get("disclosure/fetch_failed", 0),
        refused=stats.get("disclosure/refused_network", 0),
    )
