"""Rows from a PDF: ruled tables from pdfplumber, text lines between them as one-cell rows.

A document without ruled tables gives its text lines split into words (whitespace runs
and wide gaps); the label mapping copes with labels split into several cells
("尚 未 审 结"). Words are put on one line when they overlap vertically by at least
half their height, not by a fixed tolerance: a value drawn a few points lower than
its label (vertically centred in a taller cell, or simply misplaced) stays in its
row instead of opening a row of its own.
"""

from __future__ import annotations

import io
import re
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


Block = tuple[bool, list[Row]]  # (is a ruled table, its rows)

# a page's number in its header or footer: "- 3 -", "3", "第3页", "3/12"
_PAGE_NUMBER = re.compile(r"^[-—－\s]*(?:第\s*)?[0-9]+\s*(?:页|/\s*[0-9]+)?[-—－\s]*$")
_NUMBER_CELL = re.compile(r"^[-+]?[0-9０-９][0-9０-９,，.．\s]*$")


def _page_blocks(page, tables: list, ruled: bool) -> list[Block]:
    """``ruled``: the document has ruled tables, so text outside them is prose, one cell a line."""
    boxes = [table.bbox for table in tables]
    placed: list[tuple[float, int, Block]] = []
    for order, table in enumerate(tables):
        grid = [tuple((cell or "").strip() for cell in row) for row in table.extract()]
        placed.append((table.bbox[1], order, (True, grid)))
    words = [word for word in page.extract_words() if word["text"].strip() and not _inside(word, boxes)]
    for line in text_lines(words):
        cells = line.cells()
        placed.append((line.top, len(tables), (False, [(" ".join(cells),) if ruled else cells])))
    placed.sort(key=lambda item: (item[0], item[1]))
    return [block for _, _, block in placed]


def _is_page_number(block: Block) -> bool:
    table, rows = block
    return not table and len(rows) == 1 and bool(_PAGE_NUMBER.match(" ".join(rows[0])))


def _continues(above: list[Row], first: Row) -> bool:
    """A table's first row on a new page is the rest of the row the page break split: same
    width, some label text, and no number (the numbers stayed with the row's first part)."""
    return (bool(above) and len(first) == len(above[-1]) and any(first)
            and not any(_NUMBER_CELL.match(cell) for cell in first))


def _join_split_row(above: list[Row], rest: Row) -> None:
    """Each piece of ``rest`` goes to the last non-empty cell above it in its column (a
    merged cell spanning the break leaves its first part rows higher)."""
    for column, text in enumerate(rest):
        if not text:
            continue
        for index in range(len(above) - 1, -1, -1):
            if above[index][column]:
                row = list(above[index])
                row[column] = f"{row[column]}\n{text}"
                above[index] = tuple(row)
                break


def _joined_pages(pages: list[list[Block]]) -> list[Block]:
    """The pages' blocks in order, a table the page break cut in two made whole again."""
    out: list[Block] = []
    for blocks in pages:
        content = [block for block in blocks if not _is_page_number(block)]
        last = next((block for block in reversed(out) if not _is_page_number(block)), None)
        if content and last is not None and last[0] and content[0][0] and _continues(last[1], content[0][1][0]):
            _join_split_row(last[1], content[0][1][0])
            last[1].extend(content[0][1][1:])
            blocks = [block for block in blocks if block is not content[0]]
        out.extend(blocks)
    return out


def rows_from_pdf(content: bytes) -> tuple[Row, ...]:
    try:
        with pdfplumber.open(io.BytesIO(content)) as pdf:
            # a prose line on a page without tables ("本年新收政府信息公开申请 6775") must not
            # read as a table row when the tables themselves are ruled, on other pages
            tables = [page.find_tables() for page in pdf.pages]
            ruled = any(tables)
            pages = [_page_blocks(page, found, ruled) for page, found in zip(pdf.pages, tables)]
    except (PdfminerException, PDFSyntaxError) as error:
        raise PdfError(f"not a readable PDF: {error}") from error
    return tuple(row for _, rows in _joined_pages(pages) for row in rows)
