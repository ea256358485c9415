"""Any other CMS: lists paged by "下一页"/next links, ``?page=N`` or ``index_N`` links;
items are the column's document links; files linked by ``<a>``, shown in an
``<iframe>``, ``<embed>`` or ``<object>``, or through a pdf.js viewer
(``viewer.html?file=<url-encoded path>``).

It matches every page, so detection tries it last.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import parse_qsl, urljoin, urlsplit

from extract.html import ATTACHMENT_SUFFIXES, normalize_space

from .. import listing
from . import ListedItem, ListPage, ListRequest, Platform

# Query parameters that number a list's pages.
_PAGE_PARAMETERS = frozenset(
    ("page", "pageno", "page_no", "pageindex", "pagenum", "pagenumber", "p", "pn", "curpage", "currentpage", "cp")
)
_NUMBERED_PAGE = re.compile(r"^(?P<stem>.+?)(?:_[0-9]+)?\.(?P<ext>s?html?|jsp|php|aspx?)$")
_ANNOUNCED = re.compile(r"共\s*([0-9]+)\s*条")
_VIEWER = re.compile(r"viewer\.html?$", re.IGNORECASE)


def paging_links(list_url: str, html: str) -> list[str]:
    """Links to other pages of the same list: the list's URL with another page number
    (``?page=3``) or its numbered sibling (``index_3.html``)."""
    tree = listing.parse(html)
    if tree is None:
        return []
    here = urlsplit(list_url)
    links: list[str] = []
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(("javascript", "#", "mailto:")):
            continue
        url = listing.absolute(list_url, href)
        if url != list_url and url not in links and _same_list(here, urlsplit(url)):
            links.append(url)
    return links


def _same_list(here, there) -> bool:
    if there.netloc != here.netloc:
        return False
    if there.path == here.path:
        ours, theirs = dict(parse_qsl(here.query)), dict(parse_qsl(there.query))
        changed = {key for key in ours.keys() | theirs.keys() if ours.get(key) != theirs.get(key)}
        return bool(changed) and all(
            key.lower() in _PAGE_PARAMETERS and _is_number(theirs.get(key, "1")) for key in changed
        )
    if posixpath.dirname(there.path) != posixpath.dirname(here.path) or there.query:
        return False
    ours = _NUMBERED_PAGE.match(posixpath.basename(here.path))
    theirs = _NUMBERED_PAGE.match(posixpath.basename(there.path))
    return bool(ours and theirs) and ours.group("stem", "ext") == theirs.group("stem", "ext")


def _is_number(value: str) -> bool:
    return value.isascii() and value.isdigit()


def announced_total(html: str) -> int | None:
    """The record count a pager prints ("共25条"), if it prints one."""
    tree = listing.parse(html)
    if tree is None:
        return None
    match = _ANNOUNCED.search(normalize_space(tree.text_content()))
    return int(match.group(1)) if match else None


def file_links(url: str, html: str) -> tuple[ListedItem, ...]:
    """The files a detail page links or shows, resolved to the file's own URL. A page whose
    markup holds none of what a file's link needs is not parsed (``may_show_files``)."""
    if not may_show_files(url, html):
        return ()
    tree = listing.parse(html)
    if tree is None:
        return ()
    base = url
    for href in tree.xpath("//base/@href"):
        base = urljoin(url, href.strip())
        break
    found: dict[str, ListedItem] = {}
    for element in tree.iter("a", "iframe", "embed", "object"):  # in document order
        if element.get(_LINK_ATTRIBUTE[element.tag]) is None:
            continue
        target = (element.get("href") or element.get("src") or element.get("data") or "").strip()
        if not target or target.lower().startswith(("javascript:", "mailto:", "#", "data:")):
            continue
        absolute = listing.absolute(base, target)
        file_url = _viewer_file(absolute)
        if file_url is None:
            embedded = element.tag in ("embed", "object") and "pdf" in (element.get("type") or "").lower()
            if not (listing.is_attachment(absolute) or embedded):
                continue
            file_url = absolute
        title = normalize_space(element.text_content() if element.tag == "a" else "") or normalize_space(
            element.get("title") or ""
        )
        if file_url not in found or (title and not found[file_url].title):
            found[file_url] = ListedItem(url=file_url, title=title)
    return tuple(found.values())


_LINK_ATTRIBUTE = {"a": "href", "iframe": "src", "embed": "src", "object": "data"}
# What the markup of a page that links or shows a file holds, in any letter case and once
# tabs and line breaks are left out (URLs drop them): a file's suffix, a download script, a
# pdf.js viewer, an embedded object, or a character reference that could spell a dot, a tab
# or a line break inside one of these. Every file ``file_links`` finds needs one of them in
# the page or in its URL (the base of relative links).
_FILE_HINTS = tuple(
    hint.encode("ascii")
    for hint in (*ATTACHMENT_SUFFIXES, "downfile", "viewer.htm", "<embed", "<object", "&#", "&period;", "&tab;",
                 "&newline;")
    if not any(other != hint and hint.startswith(other) for other in ATTACHMENT_SUFFIXES)  # .docx: .doc
)


def _searches_by_first_byte(hints: tuple[bytes, ...]) -> tuple[re.Pattern[bytes], ...]:
    """One pattern per first byte of the hints (``\\.(?:pdf|doc|…)``): a pattern that starts with
    a literal byte skips to its occurrences in C, where one scan per hint would read the page
    fourteen times."""
    by_first: dict[bytes, list[bytes]] = {}
    for hint in hints:
        by_first.setdefault(hint[:1], []).append(re.escape(hint[1:]))
    return tuple(re.compile(re.escape(first) + b"(?:" + b"|".join(rests) + b")") for first, rests in by_first.items())


_FILE_HINT_SEARCHES = _searches_by_first_byte(_FILE_HINTS)


def may_show_files(url: str, html: str) -> bool:
    """False when the page cannot link or show a file: none of ``_FILE_HINTS`` is in it.
    A fraction of the time parsing takes on a report page with its tables."""
    for text in (url, html):
        markup = text.encode("utf-8", "surrogatepass").translate(None, b"\t\r\n").lower()  # ASCII case only
        if any(search.search(markup) for search in _FILE_HINT_SEARCHES):
            return True
    return False


def _viewer_file(url: str) -> str | None:
    """The file a pdf.js viewer URL shows (``viewer.html?file=%2Fuploads%2Fa.pdf``)."""
    parts = urlsplit(url)
    if not _VIEWER.search(parts.path):
        return None
    for key, value in parse_qsl(parts.query):
        if key == "file" and value:
            return listing.absolute(url, value)
    return None


class GenericPlatform(Platform):
    def matches(self, url: str, text: str) -> bool:
        return True

    def read_list(self, url: str, text: str) -> ListPage:
        pages = list(dict.fromkeys(listing.next_page_links(url, text) + paging_links(url, text)))
        pages = [page for page in pages if page != url]
        items = tuple(
            item for item in listing.item_links(url, text)
            if item.url not in pages and urlsplit(item.url).path != urlsplit(url).path
        )
        return ListPage(
            items=items,
            more=tuple(ListRequest(url=page) for page in pages),
            announced_total=announced_total(text),
        )

    def attachments(self, url: str, text: str) -> tuple[ListedItem, ...]:
        return file_links(url, text)


PLATFORM = GenericPlatform(name="generic")
