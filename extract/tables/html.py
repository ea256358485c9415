"""Rows from an HTML page: every innermost <table> as a grid, other text as one-cell rows."""

from __future__ import annotations

import re

from lxml import etree, html as lxml_html

from .grid import SpanCell, expand, span_size

Row = tuple[str, ...]

_BLOCKS = frozenset(
    "address article aside blockquote body caption dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody td tfoot th thead tr ul br".split()
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
# huge_tree lifts libxml2's nesting limit of 256, which silently drops text after it
_PARSER = lxml_html.HTMLParser(huge_tree=True)
_SKIPPED = frozenset({"script", "style", "noscript", "template", "head", "title"})


def _tag(element) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


def _cell_text(cell) -> str:
    parts = []
    for node in cell.iter():
        tag = _tag(node)
        if tag in _SKIPPED or not tag:
            if node is not cell and node.tail:
                parts.append(node.tail)
            continue
        if tag in {"br", "p", "div"} and parts:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        if node is not cell and node.tail:
            parts.append(node.tail)
    return "".join(parts).replace("\xa0", " ").strip()


def _own_rows(table):
    """The table's rows, leaving out rows of tables nested in it."""
    for row in table.iter("tr"):
        if next(row.iterancestors("table"), None) is table:
            yield row


def _table_rows(table) -> tuple[Row, ...]:
    span_rows = [
        [
            SpanCell(_cell_text(cell), span_size(cell.get("rowspan")), span_size(cell.get("colspan")))
            for cell in row
            if _tag(cell) in {"td", "th"}
        ]
        for row in _own_rows(table)
    ]
    return expand(span_rows)


class _Collector:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.line: list[str] = []

    def flush(self) -> None:
        text = "".join(self.line).replace("\xa0", " ").strip()
        if text:
            self.rows.append((text,))
        self.line.clear()

    def walk(self, root) -> None:
        # An explicit stack: broken pages nest unclosed tags thousands deep.
        stack: list[tuple[bool, object]] = [(False, root)]
        while stack:
            closing, element = stack.pop()
            tag = _tag(element)
            if closing:
                if tag in _BLOCKS:
                    self.flush()
                if element.tail:
                    self.line.append(element.tail)
                continue
            if tag in _SKIPPED or not tag:
                if element is not root and element.tail:
                    self.line.append(element.tail)
                continue
            if tag == "table" and element.find(".//table") is None:
                self.flush()
                self.rows.extend(_table_rows(element))
                if element.tail:
                    self.line.append(element.tail)
                continue
            if tag in _BLOCKS:
                self.flush()
            if element.text:
                self.line.append(element.text)
            stack.append((True, element))
            stack.extend((False, child) for child in reversed(element))


def rows_from_html(page: str) -> tuple[Row, ...]:
    if not page or not page.strip():
        return ()
    try:
        root = lxml_html.document_fromstring(_XML_DECLARATION.sub("", page), parser=_PARSER)
    except (etree.ParserError, ValueError):
        return ()
    return rows_from_element(root)


def rows_from_element(root) -> tuple[Row, ...]:
    """Rows of a parsed element (its tail included, as when it is serialised on its own)."""
    collector = _Collector()
    collector.walk(root)
    collector.flush()
    return tuple(collector.rows)
