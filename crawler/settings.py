"""Scrapy settings for disclosure's crawlers.

Polite by default: robots.txt obeyed, AutoThrottle on, at most two requests at a
time per host, and a User-Agent that says who is asking. Project settings carry the
``DISCLOSURE_`` prefix.
"""

from scrapy.settings import default_settings as _defaults

BOT_NAME = "disclosure"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "disclosure-archive/0.1 (research archive of government information-disclosure reports)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts this many asyncio tasks for every response's output; a page yields a capture
# and a few dozen links at most, and the default of 100 cost a third of a re-crawl's time.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
RETRY_TIMES = 2
# Reports are archived whatever the status: a 404 on a known report is how a withdrawal shows.
HTTPERROR_ALLOW_ALL = True
# Attachments can be large scanned PDFs; refuse only the absurd.
DOWNLOAD_MAXSIZE = 200 * 1024 * 1024
DOWNLOAD_WARNSIZE = 50 * 1024 * 1024
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
HTTPCACHE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.AllowedNetworksMiddleware": 50,
    # conditional requests for known documents, 304s answered from the archive, fetch failures kept
    "crawler.middlewares.FrontierMiddleware": 80,
    # a crawl on Redis (crawler.distributed): a host's slots shared by every process; next to
    # the network, so only requests really sent wait for one
    "crawler.distributed.SharedHostSlots": 950,
}
EXTENSIONS = {"crawler.distributed.SharedCrawlEnd": 500}  # off unless the crawl is on Redis
# Scrapy imports every component its settings name, even one set to None, when a crawl starts.
# Those that stay off here are left out of its defaults: their modules (aiohttp for the remote
# control, tldextract and requests for cookies, twisted.conch for telnet) cost a fifth of a
# second at every start.
_left_out = {
    "scrapy.extensions.remote_control.RemoteControl",
    "scrapy.extensions.telnet.TelnetConsole",
    "scrapy.extensions.memdebug.MemoryDebugger",
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware",
}
EXTENSIONS_BASE = {name: order for name, order in _defaults.EXTENSIONS_BASE.items() if name not in _left_out}
DOWNLOADER_MIDDLEWARES_BASE = {
    name: order for name, order in _defaults.DOWNLOADER_MIDDLEWARES_BASE.items() if name not in _left_out
}

# SQLAlchemy URL of the archive; empty means $DISCLOSURE_DB, then sqlite:///data/disclosure.sqlite.
DISCLOSURE_DB = ""
# CIDR blocks requests may go to; empty allows any. Tests and the demo set 127.0.0.0/8.
DISCLOSURE_ALLOWED_NETWORKS: list[str] = []
# Cadence of revalidation when the portal's registry entry does not say: an archived item or
# attachment seen less than this many days ago is not asked for again (0: every run).
DISCLOSURE_REVALIDATE_DAYS = 1
# Upper bound on list requests (pages, data-proxy and API calls) per column, whatever
# the platform's pager: a column reaching it ends with "pagination limit".
DISCLOSURE_MAX_LIST_PAGES = 200
# A column stops asking for further list pages once this many list pages in a row
# showed no new item that looks like an annual report (a "下一页" that never ends).
DISCLOSURE_MAX_BARREN_LIST_PAGES = 5
# Size (bytes) and time (seconds) allowed per answer, by kind of request. An answer over
# its size is a failed fetch with the reason, not a crash. List pages and data-proxy /
# API answers are small;
DISCLOSURE_LIST_MAXSIZE = 5 * 1024 * 1024
DISCLOSURE_LIST_TIMEOUT = 30
# detail pages are medium (pasted images make real ones reach 20 MB);
DISCLOSURE_ITEM_MAXSIZE = 30 * 1024 * 1024
DISCLOSURE_ITEM_TIMEOUT = 60
# attachments can be large scanned PDFs.
DISCLOSURE_ATTACHMENT_MAXSIZE = 200 * 1024 * 1024
DISCLOSURE_ATTACHMENT_TIMEOUT = 180
