"""Units printed in cells, money with six decimals, numbers in the millions: read exactly."""

from decimal import Decimal

import pytest

from extract.numbers import read_cell, value_for_column
from extract.tables import tables_from_html, tables_from_text

from . import report_fixtures as rf

FEES_ROW = "行政事业性收费\t12.3456"
PENALTY_ROW = "行政处罚\t48"


def v2021_text() -> str:
    text = rf.to_text(rf.report_blocks("v2021"))
    assert FEES_ROW in text and PENALTY_ROW in text
    return text


def read(text: str):
    tables = tables_from_text(text)
    return tables, rf.values_by_key(tables)


def test_fee_printed_in_yuan_is_converted_exactly_and_noted():
    tables, values = read(v2021_text().replace(FEES_ROW, "行政事业性收费\t251000元"))
    fee = values[("proactive", "fees", "amount_10k_yuan")]
    assert fee.value == Decimal("25.1") and str(fee.value) == "25.1000"
    assert (fee.raw, fee.unit) == ("251000元", "元")
    assert any("251000元" in w and "÷10000" in w and "amount_10k_yuan" in w for w in tables.warnings)


def test_fee_printed_in_ten_thousand_yuan_is_not_converted():
    tables, values = read(v2021_text().replace(FEES_ROW, "行政事业性收费\t96171.612345万元"))
    fee = values[("proactive", "fees", "amount_10k_yuan")]
    assert str(fee.value) == "96171.612345"
    assert fee.unit == "万元"
    assert not any("fees" in w for w in tables.warnings)


def test_six_decimals_and_millions_kept_exactly():
    text = v2021_text().replace(FEES_ROW, "行政事业性收费\t96171.612345").replace(PENALTY_ROW, "行政处罚\t3,985,758")
    tables, values = read(text)
    assert str(values[("proactive", "fees", "amount_10k_yuan")].value) == "96171.612345"
    assert values[("proactive", "penalty", "decisions")].value == Decimal(3985758)
    assert values[("proactive", "penalty", "decisions")].unit is None
    assert tables.warnings == ()


def test_ten_thousand_after_a_count_is_multiplied_exactly_and_noted():
    tables, values = read(v2021_text().replace(PENALTY_ROW, "行政处罚\t398万"))
    penalty = values[("proactive", "penalty", "decisions")]
    assert str(penalty.value) == "3980000"
    assert (penalty.raw, penalty.unit) == ("398万", "万")
    assert any("398万" in w and "3980000" in w for w in tables.warnings)


def test_count_units_are_recorded_not_converted():
    tables, values = read(v2021_text().replace(PENALTY_ROW, "行政处罚\t48件"))
    assert values[("proactive", "penalty", "decisions")].value == 48
    assert values[("proactive", "penalty", "decisions")].unit == "件"


def test_units_in_html_cells():
    html = rf.to_html(rf.report_blocks("v2021"))
    assert html.count("12.3456") == 1
    values = rf.values_by_key(tables_from_html(html.replace("12.3456", "1,234,567.5 元")))
    fee = values[("proactive", "fees", "amount_10k_yuan")]
    assert str(fee.value) == "123.45675" and fee.unit == "元"


@pytest.mark.parametrize(
    ("column", "cell", "value", "unit"),
    [
        ("amount_10k_yuan", "5元", "0.0005", "元"),
        ("amount_10k_yuan", "0.5万", "0.5", "万"),
        ("amount", "125.3456万元", "125.3456", "万元"),  # v2019 采购总金额: no unit in the key, nothing converted
        ("amount", "251000元", "251000", "元"),
        ("decisions", "1,520", "1520", None),
        ("change", "-3", "-3", None),
        ("natural_person", "１２件", "12", "件"),
    ],
)
def test_value_for_column(column, cell, value, unit):
    number, printed_unit, _ = value_for_column(column, cell)
    assert str(number) == value
    assert printed_unit == unit


@pytest.mark.parametrize("cell", ["元", "万元", "万", "件", "12元件", "1.2.3万", "十万", "12万万"])
def test_units_alone_or_malformed_are_no_number(cell):
    assert read_cell(cell).number is None
