"""The generic spider for one disclosure column of one portal.

It walks the column's list pages (TRS-style ``createPageHTML`` pagers and "下一页"
links), opens every item, and for items that look like annual reports follows their
attachments. Every response goes to the archive as it came; nothing is parsed here
beyond finding links.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from extract.classify import looks_like_annual_report
from extract.decode import decode
from extract.errors import ExtractionError
from extract.html import attachment_links, page_title, parse_html

from ..items import CaptureItem
from ..listing import is_attachment, item_links, list_page_urls, next_page_links


class PortalColumnSpider(scrapy.Spider):
    name = "portal"

    def __init__(
        self,
        url: str | None = None,
        portal: str | None = None,
        start_urls: str | list[str] | None = None,
        item_pattern: str | None = None,
        *args,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        urls = [url] if url else []
        if isinstance(start_urls, str):
            urls.extend(u for u in start_urls.split(",") if u)
        elif start_urls:
            urls.extend(start_urls)
        if not urls:
            raise ValueError("give a list page of the column: -a url=http://…/index.html")
        self.column_urls = urls
        self.portal = portal
        self.allowed_domains = sorted({urlsplit(u).hostname or "" for u in urls})
        self.item_pattern = re.compile(item_pattern) if item_pattern else None

    async def start(self):
        for url in self.column_urls:
            yield scrapy.Request(url, callback=self.parse_list, errback=self.fetch_failed)

    def parse_list(self, response: Response):
        yield self.capture(response, role="list")
        if not isinstance(response, TextResponse) or response.status >= 400:
            return
        html = decode(response.body, _content_type(response)).text
        limit = self.settings.getint("DISCLOSURE_MAX_LIST_PAGES")
        for page in list_page_urls(response.url, html, limit) + next_page_links(response.url, html):
            yield scrapy.Request(page, callback=self.parse_list, errback=self.fetch_failed)
        for link in item_links(response.url, html):
            if self.item_pattern and not self.item_pattern.search(link.url):
                continue
            callback = self.parse_attachment if is_attachment(link.url) else self.parse_item
            yield scrapy.Request(
                link.url,
                callback=callback,
                errback=self.fetch_failed,
                meta={"link_text": link.title},
            )

    def parse_item(self, response: Response):
        yield self.capture(response, role="item")
        if response.status >= 400 or not isinstance(response, TextResponse):
            return
        try:
            tree = parse_html(decode(response.body, _content_type(response)).text)
        except ExtractionError:
            return
        titles = (response.meta.get("link_text") or "", page_title(tree, None) or "")
        if not any(looks_like_annual_report(title) for title in titles):
            return
        for link in attachment_links(tree, response.url):
            yield scrapy.Request(
                link.url,
                callback=self.parse_attachment,
                errback=self.fetch_failed,
                meta={"parent_url": _requested_url(response), "link_text": link.text},
            )

    def parse_attachment(self, response: Response):
        yield self.capture(response, role="attachment")

    def capture(self, response: Response, *, role: str) -> CaptureItem:
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
            portal=self.portal,
            parent_url=response.meta.get("parent_url"),
            link_text=response.meta.get("link_text"),
            role=role,
        )

    def fetch_failed(self, failure):
        self.crawler.stats.inc_value("disclosure/fetch_failed")
        self.logger.warning("could not fetch %s: %s", failure.request.url, failure.getErrorMessage())


def _requested_url(response: Response) -> str:
    redirects = response.meta.get("redirect_urls")
    return redirects[0] if redirects else response.url


def _content_type(response: Response) -> str | None:
    value = response.headers.get("Content-Type")
    return value.decode("latin-1") if value else None
