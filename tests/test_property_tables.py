"""Random and mutated tables fed to the number parser and the table readers (hypothesis).

Whatever the cells hold: no crash, no number read from a cell that prints none (random
text, digits of other scripts, blanks, marks), and every number read is one printed.
"""

from __future__ import annotations

import html as html_lib
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.numbers import clean_cell, is_number, parse_number, value_for_column
from extract.tables import tables_from_html, tables_from_text
from extract.tables.labels import CANONICAL_LABELS

from . import report_fixtures as rf

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ASCII_TO_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
OTHER_DIGITS = ("٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "๐๑๒๓๔๕๖๗๘๙", "۰۱۲۳۴۵۶۷۸۹", "০১২৩৪৫৬৭৮৯")
LABELS = [label for rows in CANONICAL_LABELS.values() for variants in rows.values() for label in variants]
MARKS = ["", " ", "—", "-", "/", "无", "&nbsp;"]

numbers = st.one_of(
    st.integers(min_value=-999, max_value=99_999_999).map(Decimal),
    st.decimals(min_value=0, max_value=10**7, places=6, allow_nan=False, allow_infinity=False),
)


@st.composite
def printed_numbers(draw) -> tuple[str, Decimal]:
    """A number as a report may print it: separators, full-width digits, spaces, a unit."""
    number = draw(numbers)
    text = format(number, "f")
    integer, _, fraction = text.lstrip("-").partition(".")
    if draw(st.booleans()) and len(integer) > 3:
        integer = f"{int(integer):,}"
    text = ("-" if number < 0 else "") + integer + (f".{fraction}" if fraction else "")
    if draw(st.booleans()):
        text = text.translate(ASCII_TO_FULL)
    if draw(st.booleans()):
        text = " ".join(text)  # PDF text splits digits with spaces
    unit = draw(st.sampled_from(["", "", "件", "个"]))
    return text + unit, number


@st.composite
def foreign_numbers(draw) -> str:
    digits = draw(st.sampled_from(OTHER_DIGITS))
    text = str(draw(st.integers(min_value=0, max_value=10**6)))
    return text.translate(str.maketrans("0123456789", digits))


junk = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\t\n\r\x00"), max_size=12
)
cells = st.one_of(
    printed_numbers().map(lambda pair: pair[0]),
    foreign_numbers(),
    junk,
    st.sampled_from(MARKS),
    st.sampled_from(LABELS),
)


def ascii_number(text: str) -> bool:
    """The cell prints a number in ASCII or full-width digits (and nothing else but separators and a unit)."""
    return is_number(text)


def assert_read_as_printed(tables, printed_cells: set[str]) -> None:
    for value in tables.values:
        if value.value is None:
            continue
        assert value.raw in printed_cells, value
        assert ascii_number(value.raw), value
        expected, _, _ = value_for_column(value.column, value.raw)
        assert value.value == expected, value


# -- the number parser ----------------------------------------------------------------

@SETTINGS
@given(printed_numbers())
def test_printed_numbers_read_exactly(pair):
    text, number = pair
    assert parse_number(text) == number


@SETTINGS
@given(foreign_numbers())
def test_other_scripts_never_read(text):
    assert parse_number(text) is None


@SETTINGS
@given(st.text(max_size=30))
def test_any_text_reads_as_a_number_only_from_ascii_or_full_width_digits(text):
    number = parse_number(text)
    if number is not None:
        digits = [char for char in text if char.isdigit()]
        assert digits and all(char in "0123456789０１２３４５６７８９" for char in digits)
        assert number == Decimal(clean_cell(text).rstrip("件条个项次宗起元万人").replace(",", ""))


# -- the table readers ----------------------------------------------------------------

grids = st.lists(st.lists(cells, min_size=1, max_size=10), min_size=1, max_size=25)


@SETTINGS
@given(grids)
def test_random_text_tables(rows):
    text = "\n".join("\t".join(row) for row in rows)
    tables = tables_from_text(text)
    printed = {cell.strip() for row in rows for cell in row}
    assert_read_as_printed(tables, printed)


@st.composite
def html_tables(draw):
    rows = draw(grids)
    spans = st.tuples(st.integers(min_value=0, max_value=4), st.integers(min_value=0, max_value=4))
    body = []
    for row in rows:
        tds = []
        for cell in row:
            rowspan, colspan = draw(spans)
            attributes = f' rowspan="{rowspan}"' if rowspan != 1 else ""
            attributes += f' colspan="{colspan}"' if colspan else ""
            inner = html_lib.escape(cell).replace("&amp;nbsp;", "&nbsp;")
            if draw(st.booleans()):
                inner = f"<p><span>{inner}</span></p>"
            tds.append(f"<td{attributes}>{inner}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return rows, "<table>" + "".join(body) + "</table>"


@SETTINGS
@given(html_tables())
def test_random_html_tables(table):
    rows, markup = table
    tables = tables_from_html(f"<html><body><p>三、收到和处理政府信息公开申请情况</p>{markup}</body></html>")
    printed = {" ".join(html_lib.unescape(cell.replace("&nbsp;", " ")).split()) for row in rows for cell in row}
    for value in tables.values:
        if value.value is not None:
            assert " ".join(value.raw.split()) in printed or value.raw.strip() in printed, value
            assert ascii_number(value.raw), value


# -- mutated real-shaped reports ------------------------------------------------------

REPORT_LINES = {template: rf.to_text(rf.report_blocks(template)).split("\n") for template in ("v2019", "v2021")}


@st.composite
def mutated_reports(draw):
    template = draw(st.sampled_from(sorted(REPORT_LINES)))
    lines = [line.split("\t") for line in REPORT_LINES[template]]
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        row = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        cells_of_row = lines[row]
        index = draw(st.integers(min_value=0, max_value=len(cells_of_row)))
        action = draw(st.sampled_from(["replace", "insert", "drop", "drop_row"]))
        if action == "replace" and index < len(cells_of_row):
            cells_of_row[index] = draw(cells)
        elif action == "insert":
            cells_of_row.insert(index, draw(cells))
        elif action == "drop" and index < len(cells_of_row):
            del cells_of_row[index]
        elif action == "drop_row" and len(lines) > 1:
            del lines[row]
    return lines


@SETTINGS
@given(mutated_reports())
def test_mutated_reports(lines):
    tables = tables_from_text("\n".join("\t".join(row) for row in lines))
    printed = {cell.strip() for row in lines for cell in row}
    assert_read_as_printed(tables, printed)
