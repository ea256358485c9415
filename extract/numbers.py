"""Reading one table cell as a number.

Cells are read exactly (``Decimal``). A cell that is shown but carries no number
("—", "/", blank, "无") is *not given*: ``None``, which is not 0.

Only ASCII and full-width digits are digits here. ``\\d``, ``int()`` and ``Decimal()``
also accept Arabic-Indic, Thai, Devanagari… digits, and NFKC turns "①" or "²" into
"1" and "2": a cell written with any of those stands where a number stands but is
*not a number*, never a value.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# After NFKC: "－" is "-", "／" is "/", "，" is ",". Dashes of every width mean "not given".
_NOT_GIVEN = frozenset({"", "-", "--", "—", "——", "–", "―", "─", "/", "//", "\\", "无", "空", "不适用"})
_MINUS = "-−－﹣"
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
# Longest first: 万元 before 万 and 元.
_UNIT = re.compile(r"(人次|万元|件|条|个|项|次|宗|起|元|万)$")
_DIGITS = frozenset("0123456789０１２３４５６７８９")

TEN_THOUSAND_YUAN = "万元"
# Columns whose key carries a unit (spec, keys): a value printed in another unit is converted.
_KEY_UNITS = {"amount_10k_yuan": TEN_THOUSAND_YUAN}
_MONEY_COLUMNS = frozenset({"amount_10k_yuan", "amount"})


@dataclass(frozen=True, slots=True)
class CellNumber:
    """What one cell prints: its number exactly, the unit after it, and why it is no number."""

    number: Decimal | None
    unit: str | None = None
    problem: str | None = None  # set when the cell looks like a number but is not one


@functools.lru_cache(maxsize=16384)  # every cell is cleaned several times while a table is read
def clean_cell(text: str) -> str:
    """NFKC-normalise and drop all whitespace (PDF text splits digits with spaces)."""
    text = unicodedata.normalize("NFKC", text or "")
    for minus in _MINUS:
        text = text.replace(minus, "-")
    return "".join(text.split())


@functools.lru_cache(maxsize=8192)  # a table repeats the same few characters thousands of times
def _is_foreign_digit(char: str) -> bool:
    if char in _DIGITS:
        return False
    if unicodedata.category(char) == "Nd":
        return True
    return any(c in "0123456789" for c in unicodedata.normalize("NFKC", char))


def has_foreign_digits(text: str) -> bool:
    if (text or "").isascii():  # an ASCII character is an ASCII digit or no digit at all
        return False
    return any(_is_foreign_digit(char) for char in text or "")


def _as_ascii_digits(text: str) -> str:
    """Digits of every script as ASCII, to tell a number in foreign digits from a label."""
    out = []
    for char in text:
        digit = unicodedata.digit(char, None)
        out.append(str(digit) if digit is not None and _is_foreign_digit(char) else char)
    return clean_cell("".join(out))


def _split_unit(cleaned: str) -> tuple[str, str | None]:
    match = _UNIT.search(cleaned)
    if match is None or match.start() == 0:
        return cleaned, None
    return cleaned[: match.start()], match.group(1)


def is_not_given(text: str) -> bool:
    return clean_cell(text) in _NOT_GIVEN


def is_foreign_number(text: str) -> bool:
    """A cell shaped like a number but written with digits other than ASCII or full-width ones."""
    if not has_foreign_digits(text):
        return False
    body, _ = _split_unit(_as_ascii_digits(text))
    return _NUMBER.fullmatch(body) is not None


def is_number(text: str) -> bool:
    if has_foreign_digits(text):
        return False
    body, _ = _split_unit(clean_cell(text))
    return _NUMBER.fullmatch(body) is not None


@functools.lru_cache(maxsize=16384)  # a table's labels and numbers come round again in every report
def is_value(text: str) -> bool:
    """True for a cell that stands where a number stands: a number, a not-given mark, or foreign digits."""
    return is_not_given(text) or is_number(text) or is_foreign_number(text)


def read_cell(text: str) -> CellNumber:
    """The number a cell prints, exactly, with its unit; ``number`` None when it gives none."""
    if is_foreign_number(text):
        shown = "".join(text.split())
        return CellNumber(None, problem=f"{shown!r} is written in digits that are not ASCII or full-width: not a number")
    if has_foreign_digits(text):
        return CellNumber(None)
    body, unit = _split_unit(clean_cell(text))
    if _NUMBER.fullmatch(body) is None:
        return CellNumber(None)
    try:
        return CellNumber(Decimal(body.replace(",", "")), unit)
    except InvalidOperation:  # the pattern lets only plain decimals through
        return CellNumber(None)


def parse_number(text: str) -> Decimal | None:
    """The cell's number as printed, or None when the cell gives none (blank, "—", "/", "无", or not a number)."""
    return read_cell(text).number


def value_for_column(column: str, text: str) -> tuple[Decimal | None, str | None, str | None]:
    """(value in the key's unit, unit printed, note) for a cell under ``column``.

    A money key with a unit (``amount_10k_yuan``: 万元) converts a value printed in 元
    exactly (÷10000); "万" after a count is the multiplier 10000, applied exactly. The
    note says what was converted, or why the cell is not a number.
    """
    cell = read_cell(text)
    if cell.number is None:
        return None, None, cell.problem
    number, unit = cell.number, cell.unit
    key_unit = _KEY_UNITS.get(column)
    if key_unit == TEN_THOUSAND_YUAN and unit == "元":
        converted = number.scaleb(-4)
        return converted, unit, f"{clean_cell(text)!r} printed in 元: read as {converted} 万元 (÷10000)"
    if key_unit == TEN_THOUSAND_YUAN and unit == "万":
        return number, unit, None
    if unit == "万" and column not in _MONEY_COLUMNS:
        converted = number * 10000
        return converted, unit, f"{clean_cell(text)!r}: 万 is 10000, read as {converted}"
    return number, unit, None
