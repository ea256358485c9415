"""python -m tests.crawl_stats DB_URL PORTAL LIST_URL [REVALIDATE_DAYS]: crawl one column with
the project's settings (no delay; revalidation every run unless REVALIDATE_DAYS says) in this
fresh process, print Scrapy's stats as JSON.

Tests use it where they need the crawl's own counts (304s, bytes received), which the
command line does not print; Scrapy's reactor cannot restart inside the test process.
"""

from __future__ import annotations

import json
import sys

from scrapy.crawler import CrawlerProcess

from crawler.columns import Column
from crawler.spiders.portal import PortalColumnSpider
from disclosure.crawling import crawler_settings


def main(argv: list[str]) -> int:
    db_url, portal, url, *days = argv
    settings = crawler_settings(db_url, allowed_networks=["127.0.0.0/8"])
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    settings.set("DISCLOSURE_REVALIDATE_DAYS", float(days[0]) if days else 0, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PortalColumnSpider)
    process.crawl(crawler, columns=[Column(portal=portal, start_urls=(url,))])
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
    print(json.dumps(stats))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
