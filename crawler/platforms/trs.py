"""TRS WCM: lists paged ``index.html``, ``index_1.html``, … with the page count in a
``createPageHTML(...)`` script; detail pages ``./YYYYMM/tYYYYMMDD_id.html``; attachments
``P0….pdf`` beside them.

Newer TRS sites page "动静结合": only the first pages are static and the rest come from
the site's search API, configured in ``listModel({... maxStaticIndex: 1, ... pagebar:
{prepage: 10, recordCount: '20'}})``. The static pages are read and ``recordCount`` is
the column's announced total, so a crawl that reached only the static part is known to
be incomplete.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from .. import listing
from . import ListedItem, ListPage, ListRequest, Platform
from .generic import file_links

# createPageHTML(5, 0, "index", "html"); some builds put a container id first:
# createPageHTML('page_div', 5, 0, 'index', 'html').
_CREATE_PAGE = re.compile(r"createPageHTML\(([^)]*)\)")
_LIST_MODEL = re.compile(r"listModel\s*\(")
_MAX_STATIC = re.compile(r"maxStaticIndex\s*:\s*['\"]?([0-9]+)")
_RECORD_COUNT = re.compile(r"recordCount\s*:\s*['\"]?([0-9]+)")
_DETAIL_HREF = re.compile(r"""href\s*=\s*["'][^"']*/t[0-9]{8}_[0-9]+\.s?html?["']""")


def page_count(html: str) -> int | None:
    """The number of list pages a TRS pager script declares, if any."""
    call = _pager_call(html)
    if call is None:
        return None
    for argument in call.split(","):
        argument = argument.strip().strip("'\"")
        if argument.isascii() and argument.isdigit():
            return int(argument)
    return None


def _pager_call(html: str) -> str | None:
    """The arguments of the first pager call; the function's own definition has no numbers."""
    for match in _CREATE_PAGE.finditer(html):
        if re.search(r"(^|,)\s*[0-9]+\s*(,|$)", match.group(1)):
            return match.group(1)
    return None


def list_page_urls(list_url: str, html: str) -> list[str]:
    """Every list page of a paged column, index.html, index_1.html, … as the pager declares
    (the spider bounds how many it fetches)."""
    count = page_count(html)
    if not count:
        return []
    name, extension = _pager_name(html)
    return _pages(list_url, name, extension, count)


def _pages(list_url: str, name: str, extension: str, count: int) -> list[str]:
    base = urljoin(list_url, "./")
    pages = [f"{base}{name}.{extension}"]
    pages.extend(f"{base}{name}_{n}.{extension}" for n in range(1, count))
    return pages


def _pager_name(html: str) -> tuple[str, str]:
    call = _pager_call(html)
    strings = re.findall(r"[\"']([A-Za-z_][\w-]*)[\"']", call) if call else []
    words = [s for s in strings if s not in ("page_div",)]
    if len(words) >= 2:
        return words[-2], words[-1]
    return "index", "html"


def dynamic_list(html: str) -> tuple[int | None, int | None]:
    """(static pages, announced records) of a "动静结合" ``listModel`` configuration."""
    match = _LIST_MODEL.search(html)
    if match is None:
        return None, None
    config = html[match.end():match.end() + 4000]
    static = _MAX_STATIC.search(config)
    records = _RECORD_COUNT.search(config)
    return (int(static.group(1)) if static else None, int(records.group(1)) if records else None)


class TrsPlatform(Platform):
    def matches(self, url: str, text: str) -> bool:
        return bool(_pager_call(text) or _LIST_MODEL.search(text) or _DETAIL_HREF.search(text))

    def read_list(self, url: str, text: str) -> ListPage:
        pages = list_page_urls(url, text)
        static, announced = dynamic_list(text)
        if static and not pages:
            pages = _pages(url, "index", _extension(url), static)
        pages.extend(listing.next_page_links(url, text))
        return ListPage(
            items=tuple(listing.item_links(url, text)),
            more=tuple(ListRequest(url=page) for page in dict.fromkeys(pages)),
            announced_total=announced,
        )

    def attachments(self, url: str, text: str) -> tuple[ListedItem, ...]:
        return file_links(url, text)


def _extension(url: str) -> str:
    match = re.search(r"\.(s?html?)$", url.split("?", 1)[0])
    return match.group(1) if match else "html"


PLATFORM = TrsPlatform(name="trs")
