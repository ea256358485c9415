"""Rows from a PDF: ruled tables from pdfplumber, text lines between them as one-cell rows.

A page without ruled tables gives its text lines split on whitespace runs; the
label mapping copes with labels split into several cells.
"""

from __future__ import annotations

import io
import re

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

Row = tuple[str, ...]

_WHITESPACE_RUN = re.compile(r"\s+")


class PdfError(ValueError):
    """The bytes are not a readable PDF."""


def _inside(line: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    middle_x = (line["x0"] + line["x1"]) / 2
    middle_y = (line["top"] + line["bottom"]) / 2
    return any(x0 <= middle_x <= x1 and top <= middle_y <= bottom for x0, top, x1, bottom in boxes)


def _page_rows(page) -> list[Row]:
    tables = page.find_tables()
    boxes = [table.bbox for table in tables]
    placed: list[tuple[float, int, list[Row]]] = []
    for order, table in enumerate(tables):
        grid = [tuple((cell or "").strip() for cell in row) for row in table.extract()]
        placed.append((table.bbox[1], order, grid))
    for line in page.extract_text_lines():
        if _inside(line, boxes):
            continue
        text = line["text"].strip()
        if not text:
            continue
        cells = (text,) if tables else tuple(_WHITESPACE_RUN.split(text))
        placed.append((line["top"], len(tables), [cells]))
    placed.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, rows in placed for row in rows]


def rows_from_pdf(content: bytes) -> tuple[Row, ...]:
    try:
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            return tuple(row for page in pdf.pages for row in _page_rows(page))
    except (PdfminerException, PDFSyntaxError) as error:
        raise PdfError(f"not a readable PDF: {error}") from error
