"""Tables from a workbook's sheets: every sheet's rows, in order, through the mapper.

A workbook may hold the three tables on one sheet or one per sheet; a sheet's name
("主动公开政府信息情况") often stands where a document has the section heading, so it
goes first as a one-cell row.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..records import Tables
from ..sheets import Row, Sheet
from .mapper import read_rows


def rows_from_sheets(sheets: tuple[Sheet, ...]) -> Iterator[Row]:
    for sheet in sheets:
        yield (sheet.name,)
        yield from (row for row in sheet.rows if any(cell.strip() for cell in row))


def tables_from_sheets(sheets: tuple[Sheet, ...]) -> Tables:
    return read_rows(rows_from_sheets(sheets))
