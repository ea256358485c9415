"""Reading one table cell as a number.

Cells are read exactly (``Decimal``). A cell that is shown but carries no number
("—", "/", blank, "无") is *not given*: ``None``, which is not 0.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

# After NFKC: "－" is "-", "／" is "/", "，" is ",". Dashes of every width mean "not given".
_NOT_GIVEN = frozenset({"", "-", "--", "—", "——", "–", "―", "─", "/", "//", "\\", "无", "空", "不适用"})
_MINUS = "-−－﹣"
_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?")
_UNIT = re.compile(r"(件|条|个|项|次|万元|元)$")


def clean_cell(text: str) -> str:
    """NFKC-normalise and drop all whitespace (PDF text splits digits with spaces)."""
    text = unicodedata.normalize("NFKC", text or "")
    for minus in _MINUS:
        text = text.replace(minus, "-")
    return "".join(text.split())


def is_not_given(text: str) -> bool:
    return clean_cell(text) in _NOT_GIVEN


def is_number(text: str) -> bool:
    return _NUMBER.fullmatch(_UNIT.sub("", clean_cell(text))) is not None


def is_value(text: str) -> bool:
    """True for a cell that stands where a number stands: a number or a not-given mark."""
    return is_not_given(text) or is_number(text)


def parse_number(text: str) -> Decimal | None:
    """The cell's number, or None when the cell gives none (blank, "—", "/", "无", or not a number)."""
    cleaned = _UNIT.sub("", clean_cell(text))
    if _NUMBER.fullmatch(cleaned) is None:
        return None
    try:
        return Decimal(cleaned.replace(",", ""))
    except InvalidOperation:
        return None
