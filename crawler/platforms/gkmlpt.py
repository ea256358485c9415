"""Guangdong's gkmlpt (政府信息公开目录平台): a script app over a JSON list API.

``/gkmlpt/index`` holds no list: ``window._CONFIG`` carries the site id (``SID``) and the
column tree (``TREE``: nested ``{id, name, children}``), and the app asks
``/gkmlpt/api/all/{cat}?page=N&sid=…``, which answers
``{"articles": [...], "total": N, "classify": {...}}``. Each article names its detail page
(``/gkmlpt/content/{a}/{b}/post_{id}.html``: a ``div.classify`` metadata table and the
text in ``div.article-content``), its dates in epoch seconds and its files
(``attachment``/``attachments``: ``{name, url}`` under ``/attachment/…``).

The column is the ``cat`` a start URL names (``/gkmlpt/index#123``, ``?cat=123``), else
every tree node named like "政府信息公开年报" — or a bare "年度报告" below a disclosure node,
not "统计年报" — outermost only: the API lists a node's descendants with it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urldefrag, urlencode, urljoin, urlsplit, urlunsplit

from extract.classify import looks_like_annual_report
from extract.errors import ExtractionError
from extract.html import is_attachment_href, normalize_space, parse_html

from . import ListedItem, ListPage, ListRequest, Platform

_CHINA = timezone(timedelta(hours=8))
_CONFIG = re.compile(r"window\._CONFIG\s*=\s*\{")
_SID = re.compile(r"""\bSID['"]?\s*:\s*['"]?([0-9A-Za-z_-]{1,40})""")  # SID: '…' or "SID": "…"
_TREE = re.compile(r"""\bTREE['"]?\s*:\s*""")
_ANNUAL_COLUMN = re.compile(r"年报|年度报告")
_OTHER_ANNUALS = re.compile(r"统计|财政|决算|预算|报表|工作报告")
_CAT = re.compile(r"[0-9]{1,12}")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TAG = re.compile(r"<[^>]*>")
# A bogus "total" must not make millions of requests in memory; the spider's own bound
# on list requests per column is far lower than this.
MAX_API_PAGES = 2000
_DATE_FIELDS = ("first_publish_time", "display_publish_time", "publish_time", "date", "created_at")


@dataclass(frozen=True, slots=True)
class Gkmlpt(Platform):
    name: str = field(default="gkmlpt")

    def matches(self, url: str, text: str) -> bool:
        if "/gkmlpt/" in urlsplit(url).path:
            return True
        if _CONFIG.search(text) and _TREE.search(text):
            return True
        return _api_answer(text) is not None

    def read_list(self, url: str, text: str) -> ListPage:
        answer = _api_answer(text)
        if answer is not None:
            return _read_api_answer(url, answer)
        return _read_index(url, text)

    def attachments(self, url: str, text: str) -> tuple[ListedItem, ...]:
        try:
            tree = parse_html(text)
        except ExtractionError:
            return ()
        # in the text, any file link; elsewhere (a file block beside it), files under /attachment/
        content = tree.xpath("//div[contains(concat(' ', normalize-space(@class), ' '), ' article-content ')]")
        inside = [(a, True) for element in content for a in element.xpath(".//a[@href]")]
        beside = [(a, False) for a in tree.xpath("//a[contains(@href, '/attachment/')]")]
        found: dict[str, ListedItem] = {}
        for anchor, in_text in inside + beside:
            href = anchor.get("href", "").strip()
            if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
                continue
            absolute = urljoin(url, href)
            is_file, under_attachment = is_attachment_href(href), "/attachment/" in urlsplit(absolute).path
            if not (is_file or under_attachment if in_text else is_file and under_attachment):
                continue
            title = normalize_space(anchor.text_content()) or normalize_space(anchor.get("title", ""))
            found.setdefault(absolute, ListedItem(url=absolute, title=title, parent_url=url))
        return tuple(found.values())


PLATFORM = Gkmlpt()


# ---- the index page ------------------------------------------------------------------------

def _read_index(url: str, text: str) -> ListPage:
    config = _CONFIG.search(text)
    if config is None:
        return ListPage()
    script = text[config.start():]
    sid_match = _SID.search(script)
    sid = sid_match.group(1) if sid_match else None
    cats = _explicit_cats(url) or _annual_report_cats(_tree(script))
    return ListPage(more=tuple(ListRequest(url=api_url(url, cat, 1, sid)) for cat in cats))


def _explicit_cats(url: str) -> tuple[str, ...]:
    parts = urlsplit(url)
    fragment = parts.fragment.strip("/")
    if _CAT.fullmatch(fragment):
        return (fragment,)
    query = parse_qs(parts.query)
    for name in ("cat", "catid", "column"):
        for value in query.get(name, ()):
            if _CAT.fullmatch(value):
                return (value,)
    return ()


def _tree(script: str) -> list:
    match = _TREE.search(script)
    if match is None:
        return []
    try:
        tree, _ = json.JSONDecoder().raw_decode(script, match.end())
    except (ValueError, RecursionError):
        return []
    return tree if isinstance(tree, list) else [tree]


def _annual_report_cats(nodes: list, under_disclosure: bool = False) -> tuple[str, ...]:
    """Ids of the outermost nodes named like an annual-report column, in tree order."""
    cats: list[str] = []
    for node in nodes:
        if not isinstance(node, dict):
            continue
        name = "".join(str(node.get("name") or "").split())
        cat = str(node.get("id") or "")
        if _is_annual_column(name, under_disclosure) and _CAT.fullmatch(cat):
            cats.append(cat)
            continue
        children = node.get("children")
        if isinstance(children, list):
            cats.extend(_annual_report_cats(children, under_disclosure or "公开" in name))
    return tuple(dict.fromkeys(cats))


def _is_annual_column(name: str, under_disclosure: bool) -> bool:
    """"政府信息公开年报" anywhere; a bare "年度报告" only below a disclosure node."""
    if looks_like_annual_report(name):
        return True
    return under_disclosure and bool(_ANNUAL_COLUMN.search(name)) and not _OTHER_ANNUALS.search(name)


def api_url(index_url: str, cat: str, page: int, sid: str | None) -> str:
    """The list API's URL beside an index page: same host and path prefix before /gkmlpt/."""
    parts = urlsplit(index_url)
    prefix = parts.path.split("/gkmlpt/", 1)[0] if "/gkmlpt/" in parts.path else ""
    query = {"page": str(page)} | ({"sid": sid} if sid else {})
    return urlunsplit((parts.scheme, parts.netloc, f"{prefix}/gkmlpt/api/all/{cat}", urlencode(query), ""))


# ---- an API answer ---------------------------------------------------------------------------

def _api_answer(text: str) -> dict | None:
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped.startswith("{"):
        return None
    try:
        answer = json.loads(stripped)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
        return None
    if isinstance(answer, dict) and isinstance(answer.get("articles"), list):
        return answer
    return None


def _read_api_answer(url: str, answer: dict) -> ListPage:
    items: list[ListedItem] = []
    articles = [article for article in answer["articles"] if isinstance(article, dict)]
    for article in articles:
        items.extend(_article_items(url, article))
    total = _count(answer.get("total"))
    return ListPage(items=tuple(items), more=_following_pages(url, answer, len(articles), total),
                    announced_total=total)


def _article_items(api: str, article: dict) -> list[ListedItem]:
    link = article.get("url") or article.get("post_url")
    if not isinstance(link, str) or not link.strip():
        return []
    # gkmlpt links name the column in the fragment (post_….html#1835): one page, one document
    page = urldefrag(urljoin(api, link.strip())).url
    day = _article_date(article)
    items = [ListedItem(url=page, title=_clean(article.get("title")), date=day)]
    files = article.get("attachments") or article.get("attachment") or []
    for file in files if isinstance(files, list) else []:
        href = file.get("url") if isinstance(file, dict) else None
        if isinstance(href, str) and href.strip():
            items.append(ListedItem(url=urldefrag(urljoin(page, href.strip())).url, title=_clean(file.get("name")),
                                    date=day, parent_url=page))
    return items


def _following_pages(url: str, answer: dict, shown: int, total: int | None) -> tuple[ListRequest, ...]:
    """Page 1 names every later page: the total over the page size (the API's, else page 1's length)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    if query.get("page", ["1"])[0] != "1" or not total:
        return ()
    size = next((n for key in ("page_size", "pageSize", "per_page", "limit")
                 if (n := _count(answer.get(key)))), None) or shown
    if not size:
        return ()
    pages = min(math.ceil(total / size), MAX_API_PAGES)
    requests = []
    for page in range(2, pages + 1):
        query["page"] = [str(page)]
        requests.append(ListRequest(url=urlunsplit(parts._replace(query=urlencode(query, doseq=True), fragment=""))))
    return tuple(requests)


def _article_date(article: dict) -> str | None:
    for key in _DATE_FIELDS:
        value = article.get(key)
        if isinstance(value, str) and (match := _ISO_DATE.match(value.strip())):
            return "-".join(match.groups())
        seconds = _count(value)
        if seconds:
            try:
                return datetime.fromtimestamp(seconds, UTC).astimezone(_CHINA).date().isoformat()
            except (OverflowError, OSError, ValueError):
                continue
    return None


def _count(value: object) -> int | None:
    """A non-negative integer given as a number or a string of ASCII digits."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 10**15 else None
    text = value.strip() if isinstance(value, str) else ""
    if text.isascii() and text.isdigit() and len(text) <= 15:
        return int(text)
    return None


def _clean(value: object) -> str:
    return normalize_space(_TAG.sub("", value)) if isinstance(value, str) else ""
