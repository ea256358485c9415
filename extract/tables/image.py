"""Rows from a page image read by OCR, for the same table walker as every other format.

A ruled table gives one row per grid row (pdfplumber's lattice, see ``image_grid``); each
cell holds the detected lines of text whose centre lies in it. A cell with one short line,
or ink and no line, is read as a number from its own crop (``ocr.read_numbers``: a lone
digit is read far better cut out on white than in the page's line) and handed on as an
``OcrCell`` carrying what OCR saw and its confidence; a crop with no number shapes in it is
a short label and is read as text, like every other line. Text outside the tables becomes
lines, as in a PDF without ruling lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..numbers import is_value
from .image_grid import Bbox, ImageTable, find_tables, ink_mask
from .pdf import text_lines

Row = tuple[str, ...]
LineReader = Callable[[np.ndarray, list], list]  # (page, detected boxes) -> the boxes read
NumberReader = Callable[[list[np.ndarray]], list[tuple[str, float]]]  # crops -> (text, confidence)

_CHINESE = re.compile(r"[\u3400-\u9fff]")
_NUMBER_LIKE_LENGTH = 16
_MARGIN = 4  # px inside a cell's ruling lines: blur spreads a line over 3-4 px
_MIN_INK = 12  # ink pixels that make a cell not blank (a "1" at 7.5 pt and 150 dpi has ~25)
_PAD = 8
_MIN_SPECK = 6  # ink components smaller than this (px) are scanner noise
_SHORT = 4.5  # a detected line at most this many heights wide may be a number


class OcrCell(str):
    """A cell read by OCR: the text the walker reads, what OCR saw there and its confidence (0-1).

    A cell OCR could not read as a number stands as "—" (a value slot, not a label), so the
    row keeps its width; ``seen`` keeps what OCR made of it.
    """

    seen: str
    confidence: float

    def __new__(cls, text: str, *, seen: str, confidence: float) -> OcrCell:
        cell = super().__new__(cls, text)
        cell.seen = seen
        cell.confidence = confidence
        return cell


UNREAD = "—"


def _word(box) -> dict:
    return {"text": box.text, "x0": box.x0, "x1": box.x1, "top": box.top, "bottom": box.bottom, "box": box}


def _centre_in(box, bbox: Bbox) -> bool:
    x = (box.x0 + box.x1) / 2
    y = (box.top + box.bottom) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _number_crop(gray: np.ndarray, ink: np.ndarray, bbox: Bbox) -> tuple[np.ndarray, bool] | None:
    """The cell's digits cut out with a white margin, all else in them made paper, and whether a
    minus stands before them; None for a blank cell.

    The sign is read from the ink's shape, not by the recogniser: a minus is a short flat stroke
    that the recogniser drops or doubts in a cell of its own, and a lost minus is a wrong number
    read with full confidence.
    """
    x0, top, x1, bottom = (int(round(v)) for v in bbox)
    x0, top, x1, bottom = x0 + _MARGIN, top + _MARGIN, x1 - _MARGIN, bottom - _MARGIN
    if x1 - x0 < 4 or bottom - top < 4:
        return None
    cell_ink = ink[top:bottom, x0:x1].copy()
    # what is left of a ruling line runs across the whole cell
    cell_ink[(cell_ink > 0).mean(axis=1) > 0.6, :] = 0
    cell_ink[:, (cell_ink > 0).mean(axis=0) > 0.6] = 0
    count, labels, stats, _ = cv2.connectedComponentsWithStats(cell_ink, connectivity=8)
    # specks of noise go; a minus sign one pixel thin stays
    parts = [index for index in range(1, count) if stats[index, cv2.CC_STAT_AREA] >= _MIN_SPECK]
    if sum(int(stats[index, cv2.CC_STAT_AREA]) for index in parts) < _MIN_INK:
        return None
    negative = _minus_first(stats, parts)
    if negative:
        parts = sorted(parts, key=lambda index: stats[index, cv2.CC_STAT_LEFT])[1:]
    digits = np.isin(labels, parts).astype(np.uint8) * 255
    x, y, w, h = cv2.boundingRect(digits)
    keep = cv2.dilate(digits, np.ones((5, 5), np.uint8))[y : y + h, x : x + w] > 0
    crop = np.where(keep, gray[top + y : top + y + h, x0 + x : x0 + x + w], 255).astype(np.uint8)
    return cv2.copyMakeBorder(crop, _PAD, _PAD, _PAD, _PAD, cv2.BORDER_CONSTANT, value=255), negative


def _minus_first(stats: np.ndarray, parts: list[int]) -> bool:
    """The leftmost ink is a flat stroke a third of the height of the rest, at their middle."""
    if len(parts) < 2:
        return False
    first, *rest = sorted(parts, key=lambda index: stats[index, cv2.CC_STAT_LEFT])
    left, top, width, height = (int(v) for v in stats[first, :4])
    rest_top = min(int(stats[index, cv2.CC_STAT_TOP]) for index in rest)
    rest_bottom = max(int(stats[index, cv2.CC_STAT_TOP] + stats[index, cv2.CC_STAT_HEIGHT]) for index in rest)
    rest_left = min(int(stats[index, cv2.CC_STAT_LEFT]) for index in rest)
    middle = top + height / 2
    return (width >= 1.5 * height and height <= 0.35 * (rest_bottom - rest_top) and left + width <= rest_left + 1
            and rest_top + 0.25 * (rest_bottom - rest_top) <= middle <= rest_bottom - 0.25 * (rest_bottom - rest_top))


def _joined(boxes: Sequence) -> str:
    return "".join("".join(line.cells()) for line in text_lines([_word(box) for box in boxes]))


def _may_be_number(boxes: Sequence) -> bool:
    """One short line: a number, or a short label ("总计") that the number reading will refuse."""
    if len(text_lines([_word(box) for box in boxes])) != 1:
        return False
    width = max(box.x1 for box in boxes) - min(box.x0 for box in boxes)
    height = max(box.bottom - box.top for box in boxes)
    return width <= _SHORT * height


def _as_cell(number: str, confidence: float, *, seen: str) -> OcrCell:
    if number and "?" not in number and is_value(number):
        return OcrCell(number, seen=number, confidence=confidence)
    return OcrCell(UNREAD, seen=seen or number, confidence=confidence)


def _line_cells(line, *, joined: bool) -> list[str]:
    """A line of text outside the grids. A label with numbers after it (a table row whose ruling
    lines the scan lost) keeps its cells, each number read as one; other text is one cell."""
    boxes = [word["box"] for word in sorted(line.words, key=lambda word: word["x0"])]
    is_number = [not _CHINESE.search(box.text) and is_value(box.text) for box in boxes]
    if sum(is_number) >= 2 or not joined:
        return [_as_cell(box.number, box.number_confidence, seen=box.text) if number else box.text
                for box, number in zip(boxes, is_number)]
    return [" ".join(line.cells())]


@dataclass(slots=True)
class _Slot:
    """A grid cell being read: its row, its place in it, its OCR lines and its crop when it may be a number."""

    row: list[str]
    index: int
    boxes: list
    crop: np.ndarray | None = None
    negative: bool = False


def rows_from_page(gray: np.ndarray, boxes: Sequence, read_lines: LineReader, read_numbers: NumberReader,
                   tables: tuple[ImageTable, ...] | None = None) -> list[Row]:
    """The page's rows in reading order: grid rows of its ruled tables, other text as lines.

    ``boxes`` are the detected (not yet read) lines of text. A cell holding one short line,
    or ink and no line, is read as a number from its own crop; every other line is read as text.
    """
    ink = ink_mask(gray)
    tables = find_tables(gray) if tables is None else tables
    free = list(boxes)
    placed: list[tuple[float, int, list[list[str]]]] = []
    numbers: list[_Slot] = []
    texts: list[_Slot] = []
    for order, table in enumerate(tables):
        grid: list[list[str]] = []
        for bboxes in table.rows:
            row: list[str] = []
            for bbox in bboxes:
                inside = [box for box in free if _centre_in(box, bbox)] if bbox is not None else []
                slot = _Slot(row=row, index=len(row), boxes=inside)
                row.append("")
                if bbox is None:
                    continue
                if not inside or _may_be_number(inside):
                    slot.crop, slot.negative = _number_crop(gray, ink, bbox) or (None, False)
                if slot.crop is not None:
                    numbers.append(slot)
                elif inside:
                    texts.append(slot)
            grid.append(row)
        free = [box for box in free if not _centre_in(box, table.bbox)]
        placed.append((table.bbox[1], order, grid))
    refused = []
    for slot, (number, confidence) in zip(numbers, read_numbers([slot.crop for slot in numbers])):
        if slot.boxes and (not number or "?" in number):
            refused.append(slot)  # no number shapes: a short label, read as text below
        elif slot.negative:
            slot.row[slot.index] = _as_cell(f"-{number}", confidence, seen=f"-{number}")
        elif number.startswith("-") and len(number) > 1:
            # a minus the recogniser saw where the ink shows no minus stroke
            slot.row[slot.index] = OcrCell(UNREAD, seen=number, confidence=0.0)
        else:
            slot.row[slot.index] = _as_cell(number, confidence, seen=number)
    to_read = [box for slot in (*texts, *refused) for box in slot.boxes] + free
    read = dict(zip(map(id, to_read), read_lines(gray, to_read)))
    for slot in texts:
        slot.row[slot.index] = _joined([read[id(box)] for box in slot.boxes])
    for slot in refused:
        lines = [read[id(box)] for box in sorted(slot.boxes, key=lambda box: box.x0)]
        text = _joined(lines)
        if _CHINESE.search(text):
            slot.row[slot.index] = text
        else:  # the detected line, read as a number, is a second opinion on the cell's ink
            number = "".join(line.number for line in lines)
            slot.row[slot.index] = _as_cell(number, min(line.number_confidence for line in lines), seen=text)
    for line in text_lines([_word(read[id(box)]) for box in free if read[id(box)].text]):
        placed.append((line.top, len(tables), [_line_cells(line, joined=bool(tables))]))
    placed.sort(key=lambda item: (item[0], item[1]))
    return [tuple(row) for _, _, rows in placed for row in rows]
