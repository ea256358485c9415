"""Read a portal detail page: body text, title, metadata block, attachment links, report body."""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from .errors import ExtractionError
from .markup import parse_document, without_xml_declaration
from .records import Link
from .tables.grid import span_size

# the plain contains() first: the class-list test then runs on a few elements, not on all
BODY_XPATHS = (
    "//div[contains(@class, 'TRS_Editor')][contains(concat(' ', normalize-space(@class), ' '), ' TRS_Editor ')]",
    "//*[contains(@class, 'Custom_UnionStyle')]"
    "[contains(concat(' ', normalize-space(@class), ' '), ' Custom_UnionStyle ')]",
    "//div[@id='zoom']",
)
METADATA_LABELS = ("索引号", "发布机构", "发文机关", "成文日期", "发文日期", "发布日期", "公开日期",
                   "文号", "发文字号", "主题分类")
PUBLISHED_LABELS = ("发布日期", "公开日期")
ATTACHMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".wps", ".xls", ".xlsx", ".zip", ".ofd")

# without a fetch time, a fixed ceiling keeps date handling independent of the wall clock
_FIXED_MAX_DATE = "2099-12-31"
_MIN_DATE = "1990-01-01"
_BLOCK_TAGS = frozenset(("p", "div", "li", "ul", "ol", "td", "th", "tr", "table", "tbody", "thead", "br",
                         "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "dl", "section", "article",
                         "header", "footer", "center", "blockquote", "pre", "form", "hr"))
_SKIP_TAGS = frozenset(("script", "style", "noscript", "template", "select", "option"))
# pages space labels out to align them: "索&nbsp;引&nbsp;号：", "文　　号："
_LABEL_ALT = "|".join(r"\s*".join(label) for label in sorted(METADATA_LABELS, key=len, reverse=True))
_LABEL_ONLY = re.compile(rf"^({_LABEL_ALT})\s*[:：]?$")
# normalized lines have single spaces: a spaced-out label, a space and a colon at most
_LABEL_ONLY_LENGTH = 2 * max(map(len, METADATA_LABELS)) + 1
_LABEL_VALUE = re.compile(rf"({_LABEL_ALT})\s*[:：]\s*(.*?)\s*(?=(?:{_LABEL_ALT})\s*[:：]|$)")
_TITLE_SEPARATOR = re.compile(r"\s+[-–—|｜_]+\s+|[_|｜]|\s*——\s*|(?<!\d)\s*[-–]\s*(?!\d)")
_DATE = re.compile(r"([0-9]{4})\s*[-年/.]\s*([0-9]{1,2})\s*[-月/.]\s*([0-9]{1,2})")  # int() reads any script's digits
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_HEADINGS_XPATH = "//body//*[self::h1 or self::h2 or self::h3 or contains(@class, 'title') or contains(@id, 'title')]"
_HEADING_TAGS = frozenset(("h1", "h2", "h3"))
# Slots a page's table spans may cover before trafilatura gets it without spans; the
# template's tables cover a few hundred.
_MAX_SPAN_AREA = 100_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    title: str | None
    text: str
    metadata: tuple[tuple[str, str], ...]
    published: str | None
    attachments: tuple[Link, ...]
    body: lxml.html.HtmlElement = field(compare=False, repr=False)
    body_has_images: bool
    warnings: tuple[str, ...] = ()

    @property
    def body_html(self) -> str:
        return lxml.html.tostring(self.body, encoding="unicode")


def read_page(html: str, *, url: str | None = None, fetched_at: datetime | None = None) -> Page:
    tree = parse_html(html)
    body = report_body(tree)
    page_body = tree.find("body")
    page_text, body_text = _block_texts(page_body if page_body is not None else tree, body)
    body_text = _normalize_block_text(body_text)
    warnings: list[str] = []
    try:
        text = _trafilatura_text(tree)
    # its heuristics run on any markup a portal serves; the CMS body text still stands
    except Exception as error:  # noqa: BLE001
        text = ""
        warnings.append(f"body text extraction failed ({type(error).__name__}); used the page's own text")
    in_cms_body = body.tag != "body"
    if (in_cms_body and len(text) < len(body_text) // 2) or not text:
        # trafilatura can discard a short or table-only body; a CMS body is the report
        text = body_text
    if not text:
        warnings.append("page has no body text")
    metadata = _metadata_from_text(page_text)
    return Page(
        title=page_title(tree, lambda: _trafilatura_title(tree, url=url, fetched_at=fetched_at)),
        text=text,
        metadata=metadata,
        published=published_date(metadata),
        attachments=attachment_links(tree, url),
        body=body,
        # outside a CMS body, images are mostly logos and banners
        body_has_images=in_cms_body and bool(body.xpath(".//img")),
        warnings=tuple(warnings),
    )


def parse_html(html: str) -> lxml.html.HtmlElement:
    html = without_xml_declaration(html)
    if not html.strip():
        raise ExtractionError("the page is empty")
    try:
        return parse_document(html)
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError(f"the page cannot be parsed as HTML: {error}") from error


def report_body(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The CMS element holding the report, else the whole page's body."""
    for xpath in BODY_XPATHS:
        for element in tree.xpath(xpath):
            if normalize_space(element.text_content()) or element.xpath(".//img|.//table"):
                return element
    body = tree.find("body")
    return body if body is not None else tree


def block_text(element: lxml.html.HtmlElement) -> str:
    """Text with a line break at every block boundary and inline runs kept together."""
    parts: list[str] = []
    _walk(element, parts)
    return "".join(parts)


def _block_texts(whole: lxml.html.HtmlElement, part: lxml.html.HtmlElement) -> tuple[str, str]:
    """``block_text`` of ``whole`` and of ``part`` (an element inside it, or outside), in one walk."""
    parts: list[str] = []
    marks: list[int] = []
    path = set(part.iterancestors())  # kept alive, the walk meets these very proxies
    if whole is part or whole in path:
        _walk_towards(whole, parts, part, path, marks)
    else:
        _walk(whole, parts)
    if len(marks) != 2:
        return "".join(parts), block_text(part)
    return "".join(parts), "".join(parts[marks[0]:marks[1]])


def _walk_towards(element: etree._Element, parts: list[str], marked: etree._Element, path: set[etree._Element],
                  marks: list[int]) -> None:
    """``_walk`` of an ancestor of ``marked`` (or of it), noting where ``marked``'s text starts and ends."""
    if element is marked:
        marks.append(len(parts))
        _walk(element, parts)
        marks.append(len(parts))
        return
    tag = element.tag
    if tag.__class__ is not str or (tag := tag.lower()) in _SKIP_TAGS:
        if element.tail:
            parts.append(element.tail)
        return
    block = tag in _BLOCK_TAGS
    if block:
        parts.append("\n")
    if element.text:
        parts.append(element.text)
    for child in element:
        if child is marked or child in path:
            _walk_towards(child, parts, marked, path, marks)
        else:
            _walk(child, parts)
    if block:
        parts.append("\n")
    if element.tail:
        parts.append(element.tail)


def _walk(element: etree._Element, parts: list[str]) -> None:
    tag = element.tag
    if tag.__class__ is not str or (tag := tag.lower()) in _SKIP_TAGS:  # a comment's tag is a function
        if element.tail:
            parts.append(element.tail)
        return
    block = tag in _BLOCK_TAGS
    if block:
        parts.append("\n")
    if element.text:
        parts.append(element.text)
    for child in element:
        _walk(child, parts)
    if block:
        parts.append("\n")
    if element.tail:
        parts.append(element.tail)


def normalize_space(text: str) -> str:
    return " ".join(text.replace("\u3000", " ").split())


def _normalize_block_text(text: str) -> str:
    return "\n".join(_normalized_lines(text))


def _normalized_lines(text: str) -> list[str]:
    """``normalize_space`` of every line, blank lines left out."""
    # most lines of a block text are blank: map and filter keep the loop over them in C
    return list(map(" ".join, filter(None, map(str.split, text.replace("\u3000", " ").splitlines()))))


def _trafilatura_text(tree: lxml.html.HtmlElement) -> str:
    import trafilatura  # here, not at the top: the crawler reads pages with this module and never needs it

    # trafilatura works on its own copy of a tree it is given: ours stays as parsed
    result = trafilatura.bare_extraction(
        _sane_spans(tree),
        include_tables=True,
        include_comments=False,
        deduplicate=False,
        favor_recall=True,
    )
    return "" if result is None else (result.text or "").strip()


def _trafilatura_title(tree: lxml.html.HtmlElement, *, url: str | None, fetched_at: datetime | None) -> str | None:
    """trafilatura's metadata title; asked for only when the page has no heading of its own (it costs
    as much as a third of the body text extraction)."""
    import trafilatura

    max_date = fetched_at.date().isoformat() if fetched_at else _FIXED_MAX_DATE
    try:
        metadata = trafilatura.extract_metadata(
            deepcopy(tree), default_url=url, extensive=False,
            date_config={"original_date": True, "extensive_search": False, "min_date": _MIN_DATE,
                         "max_date": max_date},
        )
    except Exception:  # noqa: BLE001  (as for the body text: the page's own title still stands)
        return None
    return metadata.title if metadata else None


def _sane_spans(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The tree, or a copy without spans when they cover absurdly many slots.

    trafilatura lays a table's rowspans out slot by slot: spans of a hundred rows on a
    few thousand cells keep it busy for minutes. The text needs no spans.
    """
    area = 0
    for cell in tree.getroottree().iter("td", "th"):
        rowspan, colspan = cell.get("rowspan"), cell.get("colspan")
        if rowspan is not None or colspan is not None:
            area += span_size(rowspan) * span_size(colspan)
    if area <= _MAX_SPAN_AREA:
        return tree
    copy = deepcopy(tree)
    for cell in copy.xpath("//td[@rowspan or @colspan]|//th[@rowspan or @colspan]"):
        cell.attrib.pop("rowspan", None)
        cell.attrib.pop("colspan", None)
    return copy


def page_title(tree: lxml.html.HtmlElement,
               extracted_title: str | None | Callable[[], str | None] = None) -> str | None:
    """The article heading: a detail heading, else trafilatura's title, else <title> minus the site name.

    ``extracted_title`` may be a function giving trafilatura's title: called only when it counts.
    """
    head_title = normalize_space(tree.findtext(".//title") or "")
    stripped = strip_site_name(head_title)
    site_parts = set(_title_parts(head_title)[1:])
    headings = [normalize_space(text) for text in _heading_candidates(tree)]
    headings = [text for text in headings if 4 <= len(text) <= 150 and text not in site_parts]
    # a site logo can be an <h1> too: a heading that agrees with <title> goes first
    related = [text for text in headings if stripped and (stripped in text or text in stripped)]
    if related or headings:
        return (related or headings)[0]
    if callable(extracted_title):
        extracted_title = extracted_title()
    extracted = normalize_space(extracted_title or "")
    if extracted in site_parts or len(extracted) < 4:
        extracted = ""
    return extracted or stripped or None


def _heading_candidates(tree: lxml.html.HtmlElement) -> list[str]:
    candidates = [meta.get("content") for meta in tree.getroottree().iter("meta")
                  if meta.get("name") in ("ArticleTitle", "articletitle") and meta.get("content") is not None]
    for element in _heading_elements(tree):
        if element.tag in ("h2", "h3") and "title" not in (element.get("class", "") + element.get("id", "")):
            continue
        candidates.append(element.text_content())
    return candidates


def _heading_elements(tree: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The body's h1, h2 and h3 and the elements whose class or id says "title", in document order."""
    bodies = list(tree.getroottree().iter("body"))
    if len(bodies) != 1:
        return tree.xpath(_HEADINGS_XPATH)
    # the same as the XPath, in a third less time: one pass, each element asked for two attributes
    return [element for element in bodies[0].iterdescendants()
            if element.tag.__class__ is str and (element.tag in _HEADING_TAGS or "title" in element.get("class", "")
                                                  or "title" in element.get("id", ""))]


def _title_parts(head_title: str) -> list[str]:
    return [part.strip() for part in _TITLE_SEPARATOR.split(head_title) if part and part.strip()]


def strip_site_name(head_title: str) -> str:
    """``<title>`` without the site-name suffix after "-", "_" or "|"."""
    parts = _title_parts(head_title)
    if len(parts) > 1 and len(parts[0]) >= 4:
        return parts[0]
    return head_title.strip()


def page_metadata(tree: lxml.html.HtmlElement) -> tuple[tuple[str, str], ...]:
    """The 索引号/发布机构/... block as published, first occurrence of each label."""
    body = tree.find("body")
    return _metadata_from_text(block_text(body if body is not None else tree))


def _metadata_from_text(text: str) -> tuple[tuple[str, str], ...]:
    lines = _normalized_lines(text)
    found: dict[str, str] = {}
    for index, line in enumerate(lines):
        # a label alone is a short line; a label with its value has a colon
        if len(line) <= _LABEL_ONLY_LENGTH and (label_only := _LABEL_ONLY.match(line)):
            value = lines[index + 1] if index + 1 < len(lines) else ""
            if not _LABEL_ONLY.match(value) and not _LABEL_VALUE.match(value):
                _keep(found, label_only.group(1), value)
            continue
        if ":" in line or "：" in line:
            for label, value in _LABEL_VALUE.findall(line):
                _keep(found, label, value)
    return tuple(found.items())


def _keep(found: dict[str, str], label: str, value: str) -> None:
    label = "".join(label.split())
    value = value.strip()
    if value and len(value) <= 100 and label not in found:
        found[label] = value


def published_date(metadata: tuple[tuple[str, str], ...]) -> str | None:
    values = dict(metadata)
    for label in PUBLISHED_LABELS:
        if label in values and (iso := iso_date(values[label])):
            return iso
    return None


def iso_date(text: str) -> str | None:
    match = _DATE.search(text.translate(_FULL_WIDTH_DIGITS))
    if not match:
        return None
    year, month, day = (int(group) for group in match.groups())
    try:
        return datetime(year, month, day).date().isoformat()
    except ValueError:
        return None


def attachment_links(tree: lxml.html.HtmlElement, url: str | None) -> tuple[Link, ...]:
    base = url
    for href in tree.xpath("//base/@href"):
        base = urljoin(url or "", href.strip())
        break
    links: dict[str, Link] = {}
    for anchor in tree.xpath("//a[@href]"):
        href = anchor.get("href", "").strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
            continue
        if not is_attachment_href(href):
            continue
        absolute = urljoin(base, href) if base else href
        text = normalize_space(anchor.text_content()) or normalize_space(anchor.get("title", ""))
        links.setdefault(absolute, Link(url=absolute, text=text))
    return tuple(links.values())


def is_attachment_href(href: str) -> bool:
    lowered = href.lower()
    path = urlsplit(lowered).path
    return path.endswith(ATTACHMENT_SUFFIXES) or lowered.endswith(ATTACHMENT_SUFFIXES) or "downfile" in lowered
