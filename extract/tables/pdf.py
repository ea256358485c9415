"""Rows from a PDF: ruled tables from pdfplumber, text lines between them as one-cell rows.

A page without ruled tables gives its text lines split into words (whitespace runs
and wide gaps); the label mapping copes with labels split into several cells
("尚 未 审 结"). Words are put on one line when they overlap vertically by at least
half their height, not by a fixed tolerance: a value drawn a few points lower than
its label (vertically centred in a taller cell, or simply misplaced) stays in its
row instead of opening a row of its own.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

Row = tuple[str, ...]
Box = tuple[float, float, float, float]

_SAME_LINE_OVERLAP = 0.5


class PdfError(ValueError):
    """The bytes are not a readable PDF."""


@dataclass(slots=True)
class _Line:
    top: float
    bottom: float
    words: list[dict] = field(default_factory=list)

    def overlap(self, word: dict) -> float:
        """The share of the lower of the two heights that the word and the line have in common."""
        shared = min(self.bottom, word["bottom"]) - max(self.top, word["top"])
        height = min(self.bottom - self.top, word["bottom"] - word["top"])
        return shared / height if height > 0 else 0.0

    def cells(self) -> tuple[str, ...]:
        return tuple(word["text"] for word in sorted(self.words, key=lambda word: word["x0"]))


def _inside(word: dict, boxes: list[Box]) -> bool:
    middle_x = (word["x0"] + word["x1"]) / 2
    middle_y = (word["top"] + word["bottom"]) / 2
    return any(x0 <= middle_x <= x1 and top <= middle_y <= bottom for x0, top, x1, bottom in boxes)


def text_lines(words: list[dict]) -> list[_Line]:
    """Words grouped into lines, top to bottom. A line's band is its topmost word's, so
    a drifted word cannot stretch it over the next line."""
    lines: list[_Line] = []
    for word in sorted(words, key=lambda word: (word["top"], word["x0"])):
        best = max(lines[-3:], key=lambda line: line.overlap(word), default=None)
        if best is not None and best.overlap(word) >= _SAME_LINE_OVERLAP:
            best.words.append(word)
        else:
            lines.append(_Line(top=word["top"], bottom=word["bottom"], words=[word]))
    return lines


def _page_rows(page) -> list[Row]:
    tables = page.find_tables()
    boxes = [table.bbox for table in tables]
    placed: list[tuple[float, int, list[Row]]] = []
    for order, table in enumerate(tables):
        grid = [tuple((cell or "").strip() for cell in row) for row in table.extract()]
        placed.append((table.bbox[1], order, grid))
    words = [word for word in page.extract_words() if word["text"].strip() and not _inside(word, boxes)]
    for line in text_lines(words):
        cells = line.cells()
        placed.append((line.top, len(tables), [(" ".join(cells),) if tables else cells]))
    placed.sort(key=lambda item: (item[0], item[1]))
    return [row for _, _, rows in placed for row in rows]


def rows_from_pdf(content: bytes) -> tuple[Row, ...]:
    try:
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            return tuple(row for page in pdf.pages for row in _page_rows(page))
    except (PdfminerException, PDFSyntaxError) as error:
        raise PdfError(f"not a readable PDF: {error}") from error
