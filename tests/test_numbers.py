from decimal import Decimal

import pytest

from extract.numbers import is_foreign_number, is_not_given, is_number, is_value, parse_number, read_cell


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("0", Decimal(0)),
        (" 17 ", Decimal(17)),
        ("１２３", Decimal(123)),
        ("１，２３４", Decimal(1234)),
        ("1,234,567", Decimal(1234567)),
        ("-3", Decimal(-3)),
        ("－３", Decimal(-3)),
        ("−2", Decimal(-2)),
        ("+4", Decimal(4)),
        ("12.3456", Decimal("12.3456")),
        ("０．５０００", Decimal("0.5000")),
        ("1 2", Decimal(12)),
        ("5件", Decimal(5)),
    ],
)
def test_numbers_read_exactly(cell, expected):
    number = parse_number(cell)
    assert number == expected
    assert isinstance(number, Decimal)
    assert str(number) == str(expected)


def test_four_decimal_money_keeps_its_digits():
    assert str(parse_number("125.3456")) == "125.3456"
    assert str(parse_number("0.0100")) == "0.0100"


@pytest.mark.parametrize("cell", ["", "  ", "—", "——", "-", "/", "／", "无", "－"])
def test_marks_are_not_given(cell):
    assert parse_number(cell) is None
    assert is_not_given(cell)
    assert is_value(cell)


@pytest.mark.parametrize("cell", ["1.", "一、", "(三)", "规章", "1.属于国家秘密", "12,34", "3-4", "：21"])
def test_labels_are_not_values(cell):
    assert parse_number(cell) is None
    assert not is_value(cell)


def test_zero_is_a_number_not_a_blank():
    assert parse_number("0") == 0
    assert not is_not_given("0")


# -- only ASCII and full-width digits are digits ------------------------------------

OTHER_SCRIPTS = {
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩",
    "extended arabic-indic": "۰۱۲۳۴۵۶۷۸۹",
    "devanagari": "०१२३४५६७८९",
    "thai": "๐๑๒๓๔๕๖๗๘๙",
    "bengali": "০১২৩৪৫৬৭৮৯",
    "mathematical bold": "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗",
}


@pytest.mark.parametrize("script", sorted(OTHER_SCRIPTS))
def test_digits_of_other_scripts_are_not_numbers(script):
    digits = str.maketrans("0123456789", OTHER_SCRIPTS[script])
    for cell in ("7", "12", "1,234", "-3", "12.5", "5件", "251000元"):
        written = cell.translate(digits)
        assert parse_number(written) is None, written
        assert not is_number(written)
        assert is_foreign_number(written)  # it stands where a number stands, as "not a number"
        assert is_value(written)
        reading = read_cell(written)
        assert reading.number is None and "not ASCII or full-width" in reading.problem


@pytest.mark.parametrize("cell", ["①", "²", "1²", "⑫", "1٢"])
def test_digits_made_ascii_by_nfkc_are_not_numbers(cell):
    assert parse_number(cell) is None


def test_a_table_written_in_arabic_indic_digits_gives_no_number():
    from extract.tables import tables_from_text

    from . import report_fixtures as rf

    text = rf.to_text(rf.report_blocks("v2021")).translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    tables = tables_from_text(text.translate(str.maketrans("0123456789", OTHER_SCRIPTS["arabic-indic"])))
    assert tables.values, "the tables are still found"
    assert all(value.value is None for value in tables.values)
    assert any("not ASCII or full-width" in w for w in tables.warnings)
