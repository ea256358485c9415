"""Reading a disclosure column's list pages: which links are list pages, which are items.

Plain functions over a page's HTML and URL, so they are tested on saved pages.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from extract.errors import ExtractionError
from extract.html import is_attachment_href as is_attachment
from extract.html import parse_html

# TRS WCM writes the page count into a script: createPageHTML(5, 0, "index", "html")
# (some builds put a container id first: createPageHTML('page_div', 5, 0, 'index', 'html')).
_CREATE_PAGE = re.compile(r"createPageHTML\(([^)]*)\)")
_NEXT_PAGE_TEXTS = ("下一页", "下页", "后一页")
# Detail pages that platforms place outside the column's folder. TRS WCM keeps them
# inside it (./YYYYMM/tYYYYMMDD_id.html), so its links outside are other columns'.
_DETAIL_PATTERNS = (
    re.compile(r"/art_\d+_\d+\.html$"),  # Hanweb JCMS
    re.compile(r"/post_\d+\.html$"),  # gkmlpt
    re.compile(r"/info/\d+/\d+\.htm$"),  # VSB
    re.compile(r"/content/\S+\.s?html?$"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemLink:
    url: str
    title: str


def page_count(html: str) -> int | None:
    """The number of list pages a TRS-style pager script declares, if any."""
    call = _pager_call(html)
    if call is None:
        return None
    for argument in call.split(","):
        argument = argument.strip().strip("'\"")
        if argument.isdigit():
            return int(argument)
    return None


def _pager_call(html: str) -> str | None:
    """The arguments of the first pager call; the function's own definition has no numbers."""
    for match in _CREATE_PAGE.finditer(html):
        if re.search(r"(^|,)\s*\d+\s*(,|$)", match.group(1)):
            return match.group(1)
    return None


def list_page_urls(list_url: str, html: str, limit: int) -> list[str]:
    """Every list page of a paged column: index.html, index_1.html, … as the pager declares."""
    count = page_count(html)
    if not count:
        return []
    base = urljoin(list_url, "./")
    name, extension = _pager_name(html)
    pages = [f"{base}{name}.{extension}"]
    pages.extend(f"{base}{name}_{n}.{extension}" for n in range(1, min(count, limit)))
    return pages


def _pager_name(html: str) -> tuple[str, str]:
    call = _pager_call(html)
    strings = re.findall(r"[\"']([A-Za-z_][\w-]*)[\"']", call) if call else []
    words = [s for s in strings if s not in ("page_div",)]
    if len(words) >= 2:
        return words[-2], words[-1]
    return "index", "html"


def next_page_links(list_url: str, html: str) -> list[str]:
    tree = _parse(html)
    if tree is None:
        return []
    links = []
    for anchor in tree.iter("a"):
        text = "".join(anchor.itertext()).strip()
        href = anchor.get("href")
        if href and any(word in text for word in _NEXT_PAGE_TEXTS) and not href.startswith("javascript"):
            links.append(_absolute(list_url, href))
    return links


def item_links(list_url: str, html: str) -> list[ItemLink]:
    """Links to the column's documents: detail pages under the column and attachments.

    Navigation to other columns and other hosts is left out: the crawler stays in the
    column it was pointed at.
    """
    tree = _parse(html)
    if tree is None:
        return []
    column = _column_dir(list_url)
    host = urlsplit(list_url).netloc
    seen: set[str] = set()
    items = []
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#")):
            continue
        url = _absolute(list_url, href)
        parts = urlsplit(url)
        if parts.netloc != host or url in seen or is_list_page(url, column):
            continue
        in_column = parts.path.startswith(column) and _is_document(parts.path)
        if not (in_column or any(p.search(parts.path) for p in _DETAIL_PATTERNS)):
            continue
        seen.add(url)
        title = (anchor.get("title") or "".join(anchor.itertext())).strip()
        items.append(ItemLink(url=url, title=title))
    return items


def is_list_page(url: str, column: str | None = None) -> bool:
    path = urlsplit(url).path
    if column is not None and not path.startswith(column):
        return False
    return bool(re.search(r"/(index|default)(_\d+)?\.s?html?$", path)) or path.endswith("/")


def _is_document(path: str) -> bool:
    return is_attachment(path) or path.endswith((".html", ".htm", ".shtml"))


def _column_dir(list_url: str) -> str:
    path = urlsplit(list_url).path or "/"
    return path if path.endswith("/") else posixpath.dirname(path) + "/"


def _absolute(base: str, href: str) -> str:
    parts = urlsplit(urljoin(base, href))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def _parse(html: str):
    try:
        return parse_html(html)
    except ExtractionError:
        return None
