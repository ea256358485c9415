"""Expanding spanned cells into a rectangular grid of strings.

A cell spanning several rows or columns keeps its text in its first slot; the
slots it also covers are empty strings, as in text converted from the same table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_SPAN = 100  # broken HTML sometimes says rowspan="9999"
# The template's tables have a few hundred slots; a grid past this is no report table,
# and expanding it further would take the worker's time and memory.
MAX_SLOTS = 200_000


class GridTooLarge(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class SpanCell:
    text: str
    rowspan: int = 1
    colspan: int = 1


def span_size(value: str | None) -> int:
    """A rowspan/colspan attribute as a number: ASCII digits, else 1 (int() also reads Thai digits)."""
    text = (value or "").strip()
    return int(text) if text.isascii() and text.isdigit() else 1


def _span(value: int) -> int:
    return min(max(value, 1), MAX_SPAN)


def expand(rows: Iterable[Sequence[SpanCell]]) -> tuple[tuple[str, ...], ...]:
    grid: dict[tuple[int, int], str] = {}
    row_count = 0
    for row_index, cells in enumerate(rows):
        row_count = max(row_count, row_index + 1)
        column = 0
        for cell in cells:
            while (row_index, column) in grid:
                column += 1
            for down in range(_span(cell.rowspan)):
                for across in range(_span(cell.colspan)):
                    grid[(row_index + down, column + across)] = cell.text if down == across == 0 else ""
            column += _span(cell.colspan)
            if len(grid) > MAX_SLOTS:
                raise GridTooLarge(f"a table spans more than {MAX_SLOTS:,} cells: not a report table")
    width = max((column for _, column in grid), default=-1) + 1
    return tuple(tuple(grid.get((row, column), "") for column in range(width)) for row in range(row_count))
