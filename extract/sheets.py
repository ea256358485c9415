"""Spreadsheets (.xlsx with openpyxl, .xls with xlrd) as rows of cell strings.

A merged range keeps its text in its top-left cell and leaves the others empty,
as the other formats' readers do. Numbers are written the way Excel shows them
without formatting: 12.0 as "12", 12.3456 as "12.3456" (the shortest text that
reads back as the stored number), so they parse exactly as ``Decimal``.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from .errors import ExtractionError

Row = tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Sheet:
    name: str
    rows: tuple[Row, ...] = ()


def read_xlsx(content: bytes) -> tuple[Sheet, ...]:
    """Every visible worksheet of an .xlsx file, with the values last saved in formula cells."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
    # openpyxl raises zipfile, KeyError, lxml and its own errors on damaged files
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, EOFError) as error:
        raise ExtractionError(f".xlsx spreadsheet cannot be read ({type(error).__name__}: {error})") from error
    return tuple(
        Sheet(name=sheet.title, rows=_trimmed([[cell_text(value) for value in row]
                                               for row in sheet.iter_rows(values_only=True)]))
        for sheet in workbook.worksheets
        if sheet.sheet_state == "visible"
    )


def read_xls(content: bytes) -> tuple[Sheet, ...]:
    """Every visible sheet of a BIFF (.xls, Excel 97-2003) file."""
    import xlrd

    try:
        workbook = xlrd.open_workbook(file_contents=content, formatting_info=True, on_demand=False)
    # xlrd raises XLRDError, struct.error, IndexError, AssertionError ... on damaged files
    except Exception as error:  # noqa: BLE001
        raise ExtractionError(f"legacy .xls spreadsheet cannot be read ({type(error).__name__}: {error})") from error
    return tuple(_xls_sheet(workbook, sheet) for sheet in workbook.sheets() if not sheet.visibility)


def _xls_sheet(workbook, sheet) -> Sheet:
    import xlrd

    rows = []
    for index in range(sheet.nrows):
        texts = []
        for cell in sheet.row(index):
            if cell.ctype == xlrd.XL_CELL_DATE:
                texts.append(cell_text(xlrd.xldate.xldate_as_datetime(cell.value, workbook.datemode)))
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                texts.append(cell_text(bool(cell.value)))
            elif cell.ctype in (xlrd.XL_CELL_NUMBER, xlrd.XL_CELL_TEXT):
                texts.append(cell_text(cell.value))
            else:  # empty, blank, error
                texts.append("")
        rows.append(texts)
    # xlrd already leaves the covered cells of a merged range empty
    return Sheet(name=sheet.name, rows=_trimmed(rows))


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # repr is the shortest text that reads back as the stored double
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


def _trimmed(rows: list[list[str]]) -> tuple[Row, ...]:
    """Rows cut (or padded) to the sheet's used width, without trailing empty rows.

    Formatted but empty columns far right go; an empty cell inside the used width
    stays, since it may be a value the report does not give.
    """
    width = max((index + 1 for row in rows for index, text in enumerate(row) if text), default=0)
    trimmed = [tuple(row[:width]) + ("",) * (width - len(row)) for row in rows]
    while trimmed and not any(trimmed[-1]):
        trimmed.pop()
    return tuple(trimmed)


def sheets_text(sheets: tuple[Sheet, ...]) -> str:
    """The workbook as text: one line per non-empty row, cells separated by tabs."""
    return "\n".join("\t".join(row) for sheet in sheets for row in sheet.rows if any(row))
