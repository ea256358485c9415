"""Rows from an HTML page: every innermost <table> as a grid, other text as one-cell rows."""

from __future__ import annotations

from lxml import etree

from ..markup import parse_document, without_xml_declaration
from .grid import SpanCell, expand, span_size

Row = tuple[str, ...]

_BLOCKS = frozenset(
    "address article aside blockquote body caption dd div dl dt figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table tbody td tfoot th thead tr ul br".split()
)
_SKIPPED = frozenset({"script", "style", "noscript", "template", "head", "title"})


_LINE_BREAKS = frozenset({"br", "p", "div"})
_CELLS = frozenset({"td", "th"})
# The walks below touch every element of the report: each reads its tag once, in line
# (a comment's tag is a function, not a string).


def _cell_text(cell) -> str:
    """A cell's text: element by element, its text then its tail (ahead of its children's text);
    a line break before a br, p or div that follows text."""
    text = cell.text
    if not len(cell):
        return text.replace("\xa0", " ").strip() if text else ""
    parts = [text] if text else []
    for node in cell.iterdescendants():
        tag = node.tag
        if tag.__class__ is str and (tag := tag.lower()) not in _SKIPPED:
            if tag in _LINE_BREAKS and parts:
                parts.append("\n")
            if node.text:
                parts.append(node.text)
        if node.tail:
            parts.append(node.tail)
    return "".join(parts).replace("\xa0", " ").strip()


def _own_rows(table):
    """The table's rows, leaving out rows of tables nested in it."""
    if table.find(".//table") is None:
        yield from table.iter("tr")
        return
    for row in table.iter("tr"):
        if next(row.iterancestors("table"), None) is table:
            yield row


def _table_rows(table) -> tuple[Row, ...]:
    span_rows = []
    for row in _own_rows(table):
        cells = []
        for cell in row:
            tag = cell.tag
            if tag == "td" or tag == "th" or (tag.__class__ is str and tag.lower() in _CELLS):
                rowspan, colspan = cell.get("rowspan"), cell.get("colspan")
                cells.append(SpanCell(_cell_text(cell), 1 if rowspan is None else span_size(rowspan),
                                      1 if colspan is None else span_size(colspan)))
        span_rows.append(cells)
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
        line = self.line
        # An explicit stack: broken pages nest unclosed tags thousands deep. A closing
        # entry is the element's tag; an opening one is None.
        stack: list[tuple[str | None, object]] = [(None, root)]
        while stack:
            closing, element = stack.pop()
            if closing is not None:
                if closing in _BLOCKS:
                    self.flush()
                if element.tail:
                    line.append(element.tail)
                continue
            tag = element.tag
            if tag.__class__ is not str or (tag := tag.lower()) in _SKIPPED:
                if element is not root and element.tail:
                    line.append(element.tail)
                continue
            if tag == "table" and element.find(".//table") is None:
                self.flush()
                self.rows.extend(_table_rows(element))
                if element.tail:
                    line.append(element.tail)
                continue
            if tag in _BLOCKS:
                self.flush()
            if element.text:
                line.append(element.text)
            stack.append((tag, element))
            stack.extend([(None, child) for child in reversed(element)])


def rows_from_html(page: str) -> tuple[Row, ...]:
    if not page or not page.strip():
        return ()
    try:
        root = parse_document(without_xml_declaration(page))
    except (etree.ParserError, ValueError):
        return ()
    return rows_from_element(root)


def rows_from_element(root) -> tuple[Row, ...]:
    """Rows of a parsed element (its tail included, as when it is serialised on its own)."""
    collector = _Collector()
    collector.walk(root)
    collector.flush()
    return tuple(collector.rows)
