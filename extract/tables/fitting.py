"""Fitting a row's value cells to the columns it should have."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..numbers import clean_cell, parse_number

Check = Callable[[Sequence[Decimal | None]], bool]


def is_blank(cell: str) -> bool:
    return clean_cell(cell) == ""


@dataclass(frozen=True, slots=True)
class Fitted:
    cells: tuple[str, ...]
    note: str | None = None
    by_check: bool = False  # the cells were chosen because they pass ``check``: it cannot confirm them


def fit_cells(cells: Sequence[str], width: int, check: Check | None = None) -> Fitted:
    """``width`` cells out of ``cells``, and a note when the count was off.

    Blank cells at the edges are layout (a label's empty spill-over, a trailing tab)
    and go first, then blank cells inside when exactly that many are too many (the
    slot a merged cell leaves). With still too many cells, the one window of ``width`` that passes
    ``check`` wins; otherwise the last ``width`` cells.
    """
    kept = list(cells)
    while len(kept) > width and is_blank(kept[0]):
        kept.pop(0)
    while len(kept) > width and is_blank(kept[-1]):
        kept.pop()
    if len(kept) == width:
        return Fitted(tuple(kept))
    empty_inside = [index for index, cell in enumerate(kept) if is_blank(cell)]
    if len(kept) > width and len(empty_inside) == len(kept) - width:
        # a value cell merged across two grid columns leaves an empty slot behind it
        return Fitted(tuple(cell for cell in kept if not is_blank(cell)))
    if len(kept) < width:
        note = f"{len(kept)} value cells where {width} are expected; the last {width - len(kept)} read as not given"
        return Fitted(tuple(kept) + ("",) * (width - len(kept)), note)
    windows = [kept[start : start + width] for start in range(len(kept) - width + 1)]
    if check is not None:
        passing = [window for window in windows if check([parse_number(cell) for cell in window])]
        if len(passing) == 1:
            start = windows.index(passing[0])
            note = (f"{len(kept)} value cells where {width} are expected; "
                    f"kept cells {start + 1}-{start + width}, the only ones that add up")
            return Fitted(tuple(passing[0]), note, by_check=True)
    return Fitted(tuple(windows[-1]), f"{len(kept)} value cells where {width} are expected; kept the last {width}")
