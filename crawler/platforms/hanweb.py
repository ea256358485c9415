"""Hanweb (大汉) JCMS: column lists in an embedded ``<datastore>`` plus ``dataproxy.jsp``.

A column page ``/col/col{id}/index.html`` embeds its first group of records in
``<script type="text/xml"><datastore>…<recordset><record><![CDATA[<li><a …>]]></record>``;
the page's jpage script fetches the rest from ``/module/web/jpage/dataproxy.jsp`` with
``startrecord``/``endrecord``/``perpage`` in the query and the column's fields
(``columnid``, ``unitid``, ``webid``, …) as a form, and the answer is a datastore of the
same shape. Detail pages ``/art/Y/M/D/art_{col}_{id}.html`` keep the body in ``div#zoom``
between ``<meta name="ContentStart">`` and ``<meta name="ContentEnd">``; attachments are
``/module/download/downfile.jsp?…filename=<hex>.pdf`` links that redirect to the file.
"""

from __future__ import annotations

import html as html_entities
import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
from lxml import etree

from extract.errors import ExtractionError
from extract.html import is_attachment_href, normalize_space, parse_html

from . import ListedItem, ListPage, ListRequest, Platform

_DATASTORE = re.compile(r"<datastore\b.*?(?:</datastore>|$)", re.IGNORECASE | re.DOTALL)
# tempered: an unclosed <record> ends at the next one, so broken input stays linear
_RECORD = re.compile(r"<record\b[^>]*>((?:(?!</?record\b).)*)</record>", re.IGNORECASE | re.DOTALL)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_TOTAL = re.compile(r"(?:<totalrecord>\s*|\btotalRecord['\"]?\s*[:=]\s*['\"]?)([0-9]{1,9})", re.IGNORECASE)
_PER_PAGE = re.compile(r"\bperPage['\"]?\s*[:=]\s*['\"]?([0-9]{1,4})|[?&]perpage=([0-9]{1,4})", re.IGNORECASE)
_GROUP_SIZE = re.compile(r"\bgroupSize['\"]?\s*[:=]\s*['\"]?([0-9]{1,3})", re.IGNORECASE)
_PROXY_URL = re.compile(r"\bproxyUrl['\"]?\s*[:=]\s*['\"]([^'\"\s]+)['\"]", re.IGNORECASE)
_HTML = re.compile(r"<html\b|<body\b", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b[^>]*>((?:(?!</?script\b).)*)</script>", re.IGNORECASE | re.DOTALL)
_COLUMN_PATH = re.compile(r"/col/col([0-9]+)/")
_DETAIL = re.compile(r"/art_[0-9]+_[0-9]+\.s?html?$")
_MARKERS = re.compile(r"<datastore\b|dataproxy\.jsp|/module/web/jpage/", re.IGNORECASE)
_COLUMNID = re.compile(r"columnid=", re.IGNORECASE)
_JPAGE_CONFIG = re.compile(r"\.jpage\s*\(|\btotalRecord\b|\bajaxParam\b", re.IGNORECASE)
_QUERY_END = re.compile(r"[\s\"'<>]")
_DATE = re.compile(r"(?<![0-9])([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})(?![0-9])")
_CONTENT = re.compile(r"<meta\s+name=['\"]?ContentStart['\"]?[^>]*>((?:(?!ContentStart).)*?)"
                      r"<meta\s+name=['\"]?ContentEnd", re.IGNORECASE | re.DOTALL)

PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
XXGK_PATH = "/module/xxgk/"  # the disclosure module: xxgkAnnualReport.jsp lists a region's reports
# The fields jpage posts, in its order, with the values nearly every site uses.
FORM_FIELDS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname",
               "permissiontype")
# read from a script's object or assignments; "col" and "path" are too common as JS names
_SCRIPT_FIELDS = ("appid", "webid", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
_FORM_DEFAULTS = {"col": "1", "appid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"}
_DEFAULT_PER_PAGE = 15
# When a page gives no total, one request asks for this many records after the embedded ones.
_SPAN_WITHOUT_TOTAL = 300
# A page announcing an absurd total must not make the adapter build millions of requests;
# the spider's list-page bound stops far earlier anyway.
_MAX_PROXY_REQUESTS = 200


@dataclass(frozen=True, slots=True)
class Hanweb(Platform):
    name: str = field(default="hanweb")

    def matches(self, url: str, text: str) -> bool:
        path = urlsplit(url).path
        return bool(_COLUMN_PATH.search(path) or path.startswith(XXGK_PATH) or _MARKERS.search(text))

    def read_list(self, url: str, text: str) -> ListPage:
        stores = _DATASTORE.findall(text)
        if not stores:
            return ListPage(items=_static_items(url, text))
        total = _announced_total(text)
        if _is_proxy_answer(url, text):
            return ListPage(items=_items_of(_column_page_of(url, text), stores), announced_total=total)
        unit = _column_unit(url, text, stores)
        total = _announced_total(unit)
        items = _items_of(url, stores)
        embedded = max(len(items), _record_count(url, stores))
        return ListPage(items=items, more=proxy_requests(url, unit, embedded, total), announced_total=total)

    def attachments(self, url: str, text: str) -> tuple[ListedItem, ...]:
        try:
            tree = parse_html(text)
        except ExtractionError:
            return ()
        found: dict[str, ListedItem] = {}
        for element in _content_regions(text, tree):
            for link in _file_links(url, element):
                found.setdefault(link.url, link)
        # templates also list files in a 附件 block below the body (downfile.jsp links, or
        # /attach/… ones); file links elsewhere (a guide's PDF in the sidebar) are not the article's
        for link in _file_links(url, tree, in_attachment_block=True):
            found.setdefault(link.url, link)
        return tuple(found.values())


PLATFORM = Hanweb()


# ---- list pages ------------------------------------------------------------------------

def _is_proxy_answer(url: str, text: str) -> bool:
    return urlsplit(url).path.endswith("dataproxy.jsp") or not _HTML.search(text)


def _column_unit(url: str, text: str, stores: list[str]) -> str:
    """What configures the column's own list: on a page with several jpage units (a side list
    of another column before it), the column's datastores and the one script whose
    ``columnid`` is the page's column, with the page's inputs; else the whole page."""
    column = _COLUMN_PATH.search(urlsplit(url).path)
    configs = [script for script in _SCRIPT.findall(text)
               if "<datastore" not in script.lower() and _JPAGE_CONFIG.search(script)]
    if not column or len(configs) < 2:
        return text
    own = [script for script in configs if _script_value(script, "columnid") == column.group(1)]
    if len(own) != 1:
        return text
    inputs = re.findall(r"<input\b[^>]*>", text, re.IGNORECASE)
    return "\n".join([*_column_stores(url, stores), f"<script>{own[0]}</script>", *inputs])


def _column_page_of(proxy_url: str, text: str) -> str:
    """Where a proxy answer's records are shown: their relative links resolve against the column page."""
    query = {name.lower(): value for name, value in parse_qsl(urlsplit(proxy_url).query)}
    column = query.get("columnid") or dict(proxy_form(proxy_url, text)).get("columnid")
    if not column or not column.isascii() or not column.isdigit():
        return proxy_url
    return urljoin(proxy_url, f"/col/col{column}/index.html")


def _items_of(url: str, stores: list[str]) -> tuple[ListedItem, ...]:
    unique: dict[str, ListedItem] = {}
    for store in _column_stores(url, stores):
        for item in _records(url, store):
            unique.setdefault(item.url, item)
    return tuple(unique.values())


def _column_stores(url: str, stores: list[str]) -> list[str]:
    """The column's datastores; a page with several (side units of other columns) keeps its own."""
    column = _COLUMN_PATH.search(urlsplit(url).path)
    if not column or len(stores) < 2:
        return stores
    marker = f"/art_{column.group(1)}_"
    return [store for store in stores if marker in store] or stores


def _record_count(url: str, stores: list[str]) -> int:
    """Records the page embeds, links or not: the proxy numbers records, not links."""
    return sum(len(_RECORD.findall(store)) for store in _column_stores(url, stores))


def _records(url: str, store: str) -> list[ListedItem]:
    items = []
    for raw in _RECORD.findall(store):
        cdata = _CDATA.search(raw)
        fragment = cdata.group(1) if cdata else html_entities.unescape(raw)
        item = _record_item(url, fragment)
        if item is not None:
            items.append(item)
    return items


def _record_item(url: str, fragment: str) -> ListedItem | None:
    if not fragment.strip():
        return None
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return None
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
            continue
        title = normalize_space(anchor.get("title") or "") or normalize_space(anchor.text_content())
        return ListedItem(url=_absolute(url, href), title=title, date=_record_date(root, anchor))
    return None


def _record_date(root, anchor) -> str | None:
    """The date the record prints beside its link or in an element of its own inside the link;
    never one read from the title's words."""
    rest = root.text_content().replace(anchor.text_content(), " ", 1)
    for text in (rest, *(child.text_content() for child in anchor.iterdescendants())):
        if found := iso_date(text):
            return found
    return None


def iso_date(text: str) -> str | None:
    for match in _DATE.finditer(text):
        year, month, day = (int(part) for part in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            continue
    return None


def _announced_total(text: str) -> int | None:
    match = _TOTAL.search(text)
    return int(match.group(1)) if match else None


def _static_items(url: str, text: str) -> tuple[ListedItem, ...]:
    """A column rendered without jpage: its links to ``art_`` detail pages; on an xxgk module
    page (``xxgkAnnualReport.jsp?area=…&fbtime=…``) its file links too."""
    try:
        tree = parse_html(text)
    except ExtractionError:
        return ()
    module_page = urlsplit(url).path.startswith(XXGK_PATH)
    found: dict[str, ListedItem] = {}
    for anchor in tree.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
            continue
        absolute = _absolute(url, href)
        if _DETAIL.search(urlsplit(absolute).path) or (module_page and is_attachment_href(absolute)):
            title = normalize_space(anchor.get("title") or "") or normalize_space(anchor.text_content())
            parent = anchor.getparent()
            day = iso_date(parent.text_content().replace(anchor.text_content(), " ", 1)) if parent is not None else None
            found.setdefault(absolute, ListedItem(url=absolute, title=title, date=day))
    return tuple(found.values())


def proxy_form(url: str, text: str) -> tuple[tuple[str, str], ...]:
    """The fields the page's script posts to the proxy, in jpage's order; () when no column id."""
    fields: dict[str, str] = {}
    for query in _field_queries(text):
        for name, value in parse_qsl(html_entities.unescape(query), keep_blank_values=True):
            canonical = _field_name(name)
            if canonical and canonical not in fields:
                fields[canonical] = value
    scripts = "\n".join(script for script in _SCRIPT.findall(text) if "<datastore" not in script.lower())
    for name in _SCRIPT_FIELDS:
        if name not in fields and (value := _script_value(scripts, name)) is not None:
            fields[name] = value
    for name, value in _hidden_inputs(text):
        fields.setdefault(name, value)
    if "columnid" not in fields and (column := _COLUMN_PATH.search(urlsplit(url).path)):
        fields["columnid"] = column.group(1)
    if not fields.get("columnid"):
        return ()
    for name, value in _FORM_DEFAULTS.items():
        fields.setdefault(name, value)
    return tuple((name, fields[name]) for name in FORM_FIELDS if name in fields)


def _field_queries(text: str) -> list[str]:
    """Query strings written into the page that name a column: a nextgroup href, an ajaxParam, …"""
    queries = []
    for match in itertools.islice(_COLUMNID.finditer(text), 20):
        left = text[max(0, match.start() - 2000):match.start()]
        start = max(left.rfind(ch) for ch in " \t\r\n\"'<>?") + 1
        end = _QUERY_END.search(text, match.end(), match.end() + 2000)
        queries.append(left[start:] + text[match.start():end.start() if end else match.end() + 2000])
    return queries


def _field_name(name: str) -> str | None:
    for known in FORM_FIELDS:
        if name.lower() == known.lower():
            return known
    return None


def _script_value(text: str, name: str) -> str | None:
    """``columnid: 2731`` / ``unitid = '7401'`` / ``webname: "澄岭县人民政府"`` in a script."""
    pattern = re.compile(rf"[\s{{,;]['\"]?{name}['\"]?\s*[:=]\s*(?:(['\"])(.{{0,200}}?)\1|([^\s,;}}&'\"]{{1,200}}))",
                         re.IGNORECASE)
    match = pattern.search(text)
    if not match:
        return None
    return match.group(2) if match.group(1) else match.group(3)


def _hidden_inputs(text: str) -> list[tuple[str, str]]:
    found = []
    for tag in re.findall(r"<input\b[^>]*>", text, re.IGNORECASE):
        name = re.search(r"\bname=['\"]?([A-Za-z]+)", tag)
        value = re.search(r"\bvalue=(['\"])(.*?)\1", tag)
        canonical = _field_name(name.group(1)) if name else None
        if canonical and value:
            found.append((canonical, html_entities.unescape(value.group(2))))
    return found


def proxy_requests(url: str, text: str, embedded: int, total: int | None) -> tuple[ListRequest, ...]:
    """The proxy calls that fetch the records after the ``embedded`` ones, as jpage makes them."""
    form = proxy_form(url, text)
    if not form or (total is not None and total <= embedded):
        return ()
    per_page = _per_page(text)
    group = _GROUP_SIZE.search(text)
    span = per_page * int(group.group(1)) if group and int(group.group(1)) > 0 else max(embedded, per_page)
    proxy = _PROXY_URL.search(text)
    endpoint = _absolute(url, proxy.group(1) if proxy else PROXY_PATH)
    if total is None:
        ranges = [(embedded + 1, embedded + _SPAN_WITHOUT_TOTAL)] if embedded else []
    else:
        starts = range(embedded + 1, total + 1, span)[:_MAX_PROXY_REQUESTS]
        ranges = [(start, min(start + span - 1, total)) for start in starts]
    headers = (("X-Requested-With", "XMLHttpRequest"),)
    return tuple(
        ListRequest(url=_with_range(endpoint, start, end, per_page), method="POST", form=form, headers=headers)
        for start, end in ranges
    )


def _per_page(text: str) -> int:
    match = _PER_PAGE.search(text)
    value = int(match.group(1) or match.group(2)) if match else _DEFAULT_PER_PAGE
    return value if value > 0 else _DEFAULT_PER_PAGE


def _with_range(endpoint: str, start: int, end: int, per_page: int) -> str:
    parts = urlsplit(endpoint)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in ("startrecord", "endrecord", "perpage")]
    query = urlencode([("startrecord", str(start)), ("endrecord", str(end)), ("perpage", str(per_page)), *kept])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


# ---- detail pages ----------------------------------------------------------------------

def _content_regions(text: str, tree) -> list:
    """The article body: between the ContentStart/ContentEnd markers, else ``div#zoom``."""
    regions = []
    for fragment in _CONTENT.findall(text):
        try:
            regions.append(lxml.html.fragment_fromstring(fragment, create_parent="div"))
        except (etree.ParserError, ValueError):
            continue
    return regions or tree.xpath("//div[@id='zoom']")


def _file_links(url: str, element, *, in_attachment_block: bool = False) -> list[ListedItem]:
    links = []
    for node in element.iter("a", "iframe", "embed"):
        href = (node.get("href") or node.get("src") or "").strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "#")) or not is_attachment_href(href):
            continue
        if in_attachment_block and not _in_attachment_block(node):
            continue
        text = normalize_space(node.text_content()) if node.tag == "a" else ""
        title = text or normalize_space(node.get("title") or "") or _file_name(href)
        links.append(ListedItem(url=_absolute(url, href), title=title))
    return links


def _in_attachment_block(node) -> bool:
    """Whether a link sits in a short block that says 附件 (相关附件, 附件下载, 附件：…)."""
    for _ in range(4):
        if node is None:
            return False
        text = node.text_content()
        if len(text) > 500:
            return False
        if "附件" in text:
            return True
        node = node.getparent()
    return False


def _file_name(href: str) -> str:
    parts = urlsplit(html_entities.unescape(href))
    for name, value in parse_qsl(parts.query):
        if name.lower() in ("filename", "file"):
            return value
    return parts.path.rsplit("/", 1)[-1]


def _absolute(base: str, href: str) -> str:
    parts = urlsplit(urljoin(base, href.strip()))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))
