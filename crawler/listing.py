"""Reading links out of list pages: helpers the platform adapters share.

Plain functions over a page's HTML and URL, so they are tested on saved pages. What is
particular to one platform (TRS pager scripts, data proxies, JSON APIs) lives in that
platform's module under ``crawler/platforms/``.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from extract.errors import ExtractionError
from extract.html import is_attachment_href as is_attachment
from extract.html import iso_date, normalize_space, parse_html

from .platforms import ListedItem

NEXT_PAGE_TEXTS = ("下一页", "下页", "后一页", "后页")
_NEXT_PAGE_SYMBOLS = (">", "›", "»", ">>", "next", "next page", "next »", "next ›")
# Detail pages that platforms place outside the column's folder. TRS WCM keeps them
# inside it (./YYYYMM/tYYYYMMDD_id.html), so its links outside are other columns'.
_DETAIL_PATTERNS = (
    re.compile(r"/art_\d+_\d+\.html$"),  # Hanweb JCMS
    re.compile(r"/post_\d+\.html$"),  # gkmlpt
    re.compile(r"/info/\d+/\d+\.htm$"),  # VSB
    re.compile(r"/content/\S+\.s?html?$"),
    # CMS detail scripts and dated article paths: /show.aspx?id=…, /2023-01/15/content_123.htm
    re.compile(r"/(?:detail|show|article|content|view)\w*\.(?:jsp|aspx?|php|s?html?)$", re.IGNORECASE),
    re.compile(r"/[0-9]{4}-?[0-9]{2}/[0-9]{2}/\w*[0-9]{4,}\.s?html?$"),
)

__all__ = ["NEXT_PAGE_TEXTS", "is_attachment", "is_list_page", "item_links", "next_page_links", "parse"]


def next_page_links(list_url: str, html: str) -> list[str]:
    """Links whose text says "next page" (下一页, 下页, next, ›, »)."""
    tree = parse(html)
    if tree is None:
        return []
    links = []
    for anchor in tree.iter("a"):
        text = normalize_space("".join(anchor.itertext()))
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(("javascript", "#", "mailto:")):
            continue
        if any(word in text for word in NEXT_PAGE_TEXTS) or text.lower() in _NEXT_PAGE_SYMBOLS:
            url = absolute(list_url, href)
            if url not in links:
                links.append(url)
    return links


def item_links(list_url: str, html: str) -> list[ListedItem]:
    """Links to the column's documents: detail pages under the column and attachments.

    Navigation to other columns and other hosts is left out: the crawler stays in the
    column it was pointed at. The title is the anchor's ``title`` attribute when it has
    one (lists cut long titles with "..."), the date the first one beside the link.
    """
    tree = parse(html)
    if tree is None:
        return []
    column = column_dir(list_url)
    host = urlsplit(list_url).netloc
    seen: set[str] = set()
    items = []
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
            continue
        url = absolute(list_url, href)
        parts = urlsplit(url)
        if parts.netloc != host or url in seen or is_list_page(url, column):
            continue
        in_column = parts.path.startswith(column) and _is_document(parts.path)
        if not (in_column or is_attachment(url) or any(p.search(parts.path) for p in _DETAIL_PATTERNS)):
            continue
        seen.add(url)
        title = normalize_space(anchor.get("title") or "".join(anchor.itertext()))
        items.append(ListedItem(url=url, title=title, date=_date_beside(anchor)))
    return items


def is_list_page(url: str, column: str | None = None) -> bool:
    path = urlsplit(url).path
    if column is not None and not path.startswith(column):
        return False
    return bool(re.search(r"/(index|default|list)(_\d+)?\.s?html?$", path)) or path.endswith("/")


def _date_beside(anchor) -> str | None:
    holder = anchor.getparent()
    if holder is None:
        return None
    return iso_date(normalize_space(holder.text_content()))


def _is_document(path: str) -> bool:
    return is_attachment(path) or path.endswith((".html", ".htm", ".shtml"))


def column_dir(list_url: str) -> str:
    path = urlsplit(list_url).path or "/"
    return path if path.endswith("/") else posixpath.dirname(path) + "/"


def absolute(base: str, href: str) -> str:
    parts = urlsplit(urljoin(base, href))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


def parse(html: str):
    """The page's tree, or None when it is empty or not HTML."""
    try:
        return parse_html(html)
    except ExtractionError:
        return None
