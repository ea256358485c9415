"""Rows from report text as converted from DOCX/PDF (the seeds' shape).

Two layouts occur, sometimes in one document:
- one cell per line, each line starting with a tab; a line without a tab right
  after a cell continues that cell ("本年新" / "制作数量"); a blank line ends the row;
- one row per line, cells separated by tabs.
Any other line is a one-cell row (prose, headings).
"""

from __future__ import annotations

from ..numbers import clean_cell
from .labels import strip_artefacts

Row = tuple[str, ...]


def _is_cell_line(line: str) -> bool:
    return line.startswith("\t") and "\t" not in line[1:]


def rows_from_text(text: str) -> tuple[Row, ...]:
    rows: list[Row] = []
    group: list[str] = []
    last_was_cell = False

    def close_group() -> None:
        if group:
            rows.append(tuple(group))
            group.clear()

    for line in strip_artefacts(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _is_cell_line(line):
            group.append(line[1:].strip())
            last_was_cell = True
        elif not line.strip():
            close_group()
            last_was_cell = False
        elif "\t" not in line and last_was_cell:
            group[-1] = f"{group[-1]}\n{line.strip()}" if group[-1] else line.strip()
        else:
            close_group()
            last_was_cell = False
            rows.append(tuple(cell.strip() for cell in line.split("\t")) if "\t" in line else (line.strip(),))
    close_group()
    return tuple(row for row in rows if any(clean_cell(cell) for cell in row))
