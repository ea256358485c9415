"""One column's walk through its list pages: which list requests to send, when to stop,
and how the column ended.

The bound is the same for every platform's pager (page links, next links, data
proxies, JSON APIs): at most ``max_list_pages`` list requests, and no further list
pages once ``max_barren_pages`` list pages in a row showed no new report-like item.
Plain Python, so it is tested without Scrapy.
"""

from __future__ import annotations

import re

from extract.classify import looks_like_annual_report

from .columns import COMPLETE, INCOMPLETE, LIST_UNREADABLE, PAGINATION_LIMIT, Column, ColumnOutcome
from .platforms import ListedItem, ListPage, ListRequest, Platform, by_name, detect


def request_key(request: ListRequest) -> tuple:
    return (request.method.upper(), request.url, tuple(sorted(request.form)))


class ColumnWalk:
    def __init__(self, column: Column, *, max_list_pages: int, max_barren_pages: int) -> None:
        if not column.start_urls:
            raise ValueError(f"column of {column.portal or 'a portal'} has no start URL")
        self.column = column
        self.key = column.start_urls[0]
        self.platform: Platform | None = by_name(column.platform) if column.platform else None
        self.item_pattern = re.compile(column.item_pattern) if column.item_pattern else None
        self.outcome = ColumnOutcome(portal=column.portal, column_url=self.key, platform=column.platform)
        self.max_list_pages = max_list_pages
        self.max_barren_pages = max_barren_pages
        self.list_requests = 0
        self._requested: set[tuple] = set()
        self._items: set[str] = set()
        self._files: set[str] = set()
        self._barren = 0
        self._stopped: str | None = None
        self._failures: list[str] = []

    def start(self) -> list[ListRequest]:
        requests = [ListRequest(url=url) for url in self.column.start_urls]
        return [request for request in requests if self._claim(request)]

    def platform_for(self, url: str, text: str) -> Platform:
        """The column's platform: named, or detected on the first list page read."""
        if self.platform is None:
            self.platform = detect(url, text)
            self.outcome.platform = self.platform.name
        return self.platform

    def takes_reading_of(self, platform: str) -> bool:
        """Whether a list page's recorded reading by ``platform`` stands for reading it again:
        the column's platform is that one, or is still to be detected (then it becomes that one)."""
        if self.platform is None:
            try:
                self.platform = by_name(platform)
            except KeyError:  # a platform since removed: the page is read again
                return False
            self.outcome.platform = platform
        return self.platform.name == platform

    def read(self, page: ListPage) -> tuple[list[ListedItem], list[ListRequest]]:
        """Take in one list page; return the items to follow and the list requests to send."""
        self.outcome.list_pages += 1
        if page.announced_total is not None:
            self.outcome.announced_total = max(self.outcome.announced_total or 0, page.announced_total)
        new = []
        for item in page.items:
            if item.url not in self._items:
                self._items.add(item.url)
                new.append(item)
        # files a list names with their page (gkmlpt) are not items the column counts
        self._files.update(item.url for item in new if item.parent_url)
        self.outcome.items_listed = len(self._items - self._files)
        self._barren = 0 if any(looks_like_annual_report(item.title) for item in new) else self._barren + 1
        requests = []
        fresh = [r for r in page.more if request_key(r) not in self._requested]
        if fresh and self._stopped is None:
            if self._barren >= self.max_barren_pages:
                self._stop(f"{self._barren} list pages in a row showed no new report-like item")
            else:
                requests = [r for r in fresh if self._claim(r)]
        followed = [item for item in new if not self.item_pattern or self.item_pattern.search(item.url)]
        return followed, requests

    def list_failed(self, reason: str) -> None:
        self._failures.append(reason)

    @property
    def listed_urls(self) -> frozenset[str]:
        """Every item URL the column's lists showed so far."""
        return frozenset(self._items)

    @property
    def lists_failed(self) -> int:
        """List requests that got no readable answer."""
        return len(self._failures)

    def finish(self) -> ColumnOutcome:
        """Settle ``outcome.ended`` and ``outcome.detail`` once no request is left."""
        outcome = self.outcome
        items, pages, announced = outcome.items_listed, outcome.list_pages, outcome.announced_total
        reached = f"{items} items on {pages} list pages"
        if announced is not None:
            reached = f"{announced} announced, {items} reached ({pages} list pages)"
        if self._stopped is not None:
            outcome.ended, outcome.detail = PAGINATION_LIMIT, f"{self._stopped}; {reached}"
        elif pages == 0:
            why = self._failures[-1] if self._failures else "no answer"
            outcome.ended, outcome.detail = LIST_UNREADABLE, f"no list page could be read: {why}"
        elif items == 0 and not announced == 0:
            outcome.ended, outcome.detail = LIST_UNREADABLE, f"{pages} list pages read, no item found on them"
        elif announced is not None and items < announced:
            outcome.ended, outcome.detail = INCOMPLETE, reached
        else:
            outcome.ended, outcome.detail = COMPLETE, reached
        return outcome

    def _claim(self, request: ListRequest) -> bool:
        key = request_key(request)
        if key in self._requested:
            return False
        if self.list_requests >= self.max_list_pages:
            self._stop(f"stopped at the bound of {self.max_list_pages} list requests")
            return False
        self._requested.add(key)
        self.list_requests += 1
        return True

    def _stop(self, reason: str) -> None:
        if self._stopped is None:
            self._stopped = reason
