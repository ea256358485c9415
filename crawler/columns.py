"""What the spider is asked to crawl (columns) and what it says of each when it ends.

Plain records shared by the spider, which fills them, and the runs that start crawls and
store their outcome.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    """One annual-report column of one portal: where its lists start and how to read them."""

    portal: str | None
    start_urls: tuple[str, ...]
    platform: str | None = None  # None: detected from the first list page
    item_pattern: str | None = None  # a document URL must match it to be followed
    revalidate_days: int | None = None  # None: the DISCLOSURE_REVALIDATE_DAYS setting


# How a column's crawl ended.
COMPLETE = "complete"  # every list page the column has was read
INCOMPLETE = "incomplete"  # the column announces more items than its lists led to
PAGINATION_LIMIT = "pagination limit"  # list pages kept coming without new items, or past the bound
LIST_UNREADABLE = "list unreadable"  # no list page of the column could be read


@dataclass(slots=True, kw_only=True)
class ColumnOutcome:
    portal: str | None
    column_url: str
    platform: str | None = None
    list_pages: int = 0  # list pages (and proxy/API answers) read
    items_listed: int = 0  # distinct items its lists showed
    announced_total: int | None = None  # items the column says it has, when it says
    ended: str = COMPLETE
    detail: str = ""  # one line for people: "20 announced, 10 reached"
