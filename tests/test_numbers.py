from decimal import Decimal

import pytest

from extract.numbers import is_not_given, is_value, parse_number


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
