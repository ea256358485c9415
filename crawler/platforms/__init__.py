"""Portal platforms: how one kind of portal lists its documents and links their files.

Each platform is one module in this package with one ``Platform`` subclass; the spider
knows none of them by name. Adapters take plain data (a URL and the decoded text of a
response) and return plain data, so they are tested on saved pages without Scrapy:

- ``matches(url, text)``: whether a column's first list page is of this platform;
- ``read_list(url, text)``: the items a list page (HTML page, data proxy answer or JSON
  API answer) shows, the further list pages it leads to, and how many items the column
  announces when the page says so;
- ``attachments(url, text)``: the files an item's detail page links.

``detect`` picks the first platform that matches, ``generic`` last; the registry may name
one instead (``platform = "hanweb"``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

record = dataclass(frozen=True, slots=True, kw_only=True)


@record
class ListedItem:
    """One document a list shows: a detail page, or a file linked from the list itself."""

    url: str
    title: str = ""  # the full title (a list's ``title`` attribute when the text is cut)
    date: str | None = None  # ISO date the list gives, if any
    # The detail page a file belongs to, when a list (a JSON API) names an item's files
    # itself: the file is archived as that page's attachment.
    parent_url: str | None = None


@record
class ListRequest:
    """A further list page: a plain URL, or a data-proxy / API call."""

    url: str
    method: str = "GET"
    form: tuple[tuple[str, str], ...] = ()  # form fields of a POST
    headers: tuple[tuple[str, str], ...] = ()


@record
class ListPage:
    items: tuple[ListedItem, ...] = ()
    more: tuple[ListRequest, ...] = ()
    # How many items the column says it has (TRS recordCount, a proxy's totalRecord,
    # an API's total), to tell a complete crawl of the column from an incomplete one.
    announced_total: int | None = None


# A list page's reading kept with its capture (``capture_links``), one row per entry: a re-crawl
# that finds the page unchanged takes the reading back instead of reading the page again.
RecordedReading = tuple[tuple, ...]


def recorded_reading(platform: str, page: ListPage) -> RecordedReading:
    """``page`` as ``platform`` read it, in rows that survive JSON."""
    return (
        ("platform", platform, page.announced_total),
        *(("item", item.url, item.title, item.date, item.parent_url) for item in page.items),
        *(("more", more.url, more.method, more.form, more.headers) for more in page.more),
    )


def reading_from_record(rows) -> tuple[str, ListPage] | None:
    """(platform name, list page) from ``recorded_reading``'s rows; None for rows of another
    kind (an item page's links)."""
    if not rows or rows[0][0] != "platform":
        return None
    (_, platform, announced_total), items, more = rows[0], [], []
    for kind, url, *rest in rows[1:]:
        if kind == "item":
            title, date, parent_url = rest
            items.append(ListedItem(url=url, title=title, date=date, parent_url=parent_url))
        else:
            method, form, headers = rest
            more.append(ListRequest(url=url, method=method, form=_pairs(form), headers=_pairs(headers)))
    return platform, ListPage(items=tuple(items), more=tuple(more), announced_total=announced_total)


def _pairs(rows) -> tuple[tuple[str, str], ...]:
    return tuple((name, value) for name, value in rows)


@dataclass(frozen=True, slots=True)
class Platform:
    """Base of every adapter; subclasses override what differs."""

    name: str = field(default="generic")

    def matches(self, url: str, text: str) -> bool:
        raise NotImplementedError

    def read_list(self, url: str, text: str) -> ListPage:
        raise NotImplementedError

    def attachments(self, url: str, text: str) -> tuple[ListedItem, ...]:
        raise NotImplementedError


# Detection order: specific platforms first, generic (which matches anything) last.
PLATFORM_MODULES = ("hanweb", "gkmlpt", "trs", "generic")


def all_platforms() -> tuple[Platform, ...]:
    """Every adapter, in detection order; a module not written yet is left out."""
    platforms = []
    for name in PLATFORM_MODULES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            continue
        platforms.append(module.PLATFORM)
    return tuple(platforms)


def by_name(name: str) -> Platform:
    for platform in all_platforms():
        if platform.name == name:
            return platform
    known = ", ".join(p.name for p in all_platforms())
    raise KeyError(f"unknown platform {name!r} (known: {known})")


def detect(url: str, text: str) -> Platform:
    for platform in all_platforms():
        if platform.matches(url, text):
            return platform
    return all_platforms()[-1]
