"""Scanned PDFs and images: pages straightened, read by OCR, tables walked as for every other format.

Every value of a scan carries ``source = "ocr"``; a number carries the confidence of its
least certain character. A number read below the confidence floor is *not read*: its
value is None, ``raw`` keeps what OCR saw and a warning names the cell. The template's
arithmetic then reports the check as not assessable; it never fills the cell in.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .ocr import CONFIDENCE_FLOOR, detect, read_lines, read_numbers
from .records import Tables, Value
from .tables.image import UNREAD, OcrCell, rows_from_page
from .tables.image_grid import deskew, find_tables
from .tables.mapper import read_rows


@dataclass(frozen=True, slots=True)
class ScanReading:
    text: str
    tables: Tables
    warnings: tuple[str, ...]


def read_scan(pages: list[np.ndarray], *, total_pages: int | None = None, floor: float = CONFIDENCE_FLOOR,
              skip_pages_without_tables: bool = True) -> ScanReading:
    """Text and tables of page images, in page order.

    With ``skip_pages_without_tables``, a page after the first whose image shows no ruled
    table is not OCR'd (it is prose: sections 五 and 六, the signature), unless no page
    shows one (a table drawn without lines is then read from the text lines).
    """
    straight = [deskew(gray) for gray in pages]
    grids = [find_tables(gray) for gray in straight]
    chosen = [index for index, has_grid in enumerate(grids)
              if index == 0 or has_grid or not skip_pages_without_tables or not any(grids)]
    rows: list[tuple[str, ...]] = []
    for index in chosen:
        rows.extend(rows_from_page(straight[index], detect(straight[index]), read_lines, read_numbers, grids[index]))
    tables = read_rows(rows)
    values, value_warnings = mark_ocr(tables.values, floor)
    text = "\n".join("\t".join(cell for cell in row if cell) for row in rows)
    warnings = [f"read by OCR: page(s) {_pages(chosen)} of {total_pages or len(pages)}"]
    skipped = [index for index in range(len(pages)) if index not in chosen]
    if skipped:
        warnings.append(f"OCR: page(s) {_pages(skipped)} show no ruled table and were not read")
    if total_pages and total_pages > len(pages):
        warnings.append(f"OCR: only the first {len(pages)} of {total_pages} pages were read")
    return ScanReading(text=text, tables=replace(tables, values=values, warnings=(*tables.warnings, *value_warnings)),
                       warnings=tuple(warnings))


def _pages(indexes: list[int]) -> str:
    return ", ".join(str(index + 1) for index in indexes) or "none"


def mark_ocr(values: tuple[Value, ...], floor: float) -> tuple[tuple[Value, ...], tuple[str, ...]]:
    """Values as read by OCR: source and confidence set, weak or unreadable numbers made "not read"."""
    marked, warnings = [], []
    for value in values:
        raw = value.raw
        key = f"{value.table}.{value.row}.{value.column}"
        if not isinstance(raw, OcrCell):
            if value.value is not None:  # a number that reached the table without its confidence
                warnings.append(f"{key}: not read: OCR read {str(raw)!r} without a confidence for it")
            marked.append(replace(value, value=None, raw=str(raw), unit=None, source="ocr"))
            continue
        confidence = round(raw.confidence, 4)
        if str(raw) == UNREAD and raw.seen != UNREAD:
            warnings.append(f"{key}: not read: OCR saw {raw.seen!r} where a number stands")
            marked.append(replace(value, value=None, raw=raw.seen, source="ocr", confidence=confidence))
        elif value.value is not None and confidence < floor:
            warnings.append(f"{key}: not read: OCR read {raw.seen!r} at confidence {confidence:.2f}, "
                            f"below the floor {floor}")
            marked.append(replace(value, value=None, raw=raw.seen, unit=None, source="ocr", confidence=confidence))
        else:
            marked.append(replace(value, raw=str(raw), source="ocr", confidence=confidence))
    return tuple(marked), tuple(warnings)
