"""python -m tests.crawl_columns DB_URL SETTINGS_JSON PORTAL=URL …: crawl the given columns
with one spider in this fresh process (no delay, loopback only) and print, as JSON, how
each column ended and the crawl's numeric stats.

Scrapy's reactor cannot restart inside the test process, so crawl tests run this.
"""

from __future__ import annotations

import json
import sys

from scrapy.crawler import CrawlerProcess

from crawler.columns import Column
from crawler.spiders.portal import PortalColumnSpider
from disclosure.crawling import crawler_settings


def main(argv: list[str]) -> int:
    db_url, overrides, *pairs = argv
    settings = crawler_settings(db_url, allowed_networks=["127.0.0.0/8"])
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    for name, value in json.loads(overrides).items():
        settings.set(name, value, priority="cmdline")
    columns = [Column(portal=portal, start_urls=(url,)) for portal, url in (pair.split("=", 1) for pair in pairs)]
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PortalColumnSpider)
    process.crawl(crawler, columns=columns)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({
        "outcomes": stats.get("disclosure/column_outcomes", {}),
        "stats": {key: value for key, value in stats.items() if isinstance(value, int | float)},
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
