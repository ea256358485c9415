"""Consistency rules 1-4: one Check per line, failures with the cells and the difference."""

from decimal import Decimal

import pytest

from extract.checks import check_values
from extract.keys import APPEAL_ROWS, REQUEST_COLUMNS, all_keys, request_rows
from extract.records import Value

from . import report_fixtures as rf


def report_values(template: str, **changes: Decimal | None) -> tuple[Value, ...]:
    """The fixture report's values; ``changes`` maps "table__row__column" to a new value."""
    expected = rf.expected_values(template)
    for name, number in changes.items():
        key = tuple(name.split("__"))
        assert key in expected
        expected[key] = number
    return tuple(Value(table=t, row=r, column=c, value=expected[(t, r, c)]) for t, r, c in all_keys(template))


def by_line(checks):
    return {(check.rule, check.scope): check for check in checks}


def failing(checks):
    return {(check.rule, check.scope) for check in checks if check.status == "fail"}


@pytest.mark.parametrize("template", ["v2019", "v2021"])
def test_one_check_per_line(template):
    checks = check_values(template, report_values(template))
    lines = by_line(checks)
    assert len(lines) == len(checks)
    assert {scope for rule, scope in lines if rule == "requests.balance"} == set(REQUEST_COLUMNS)
    assert {scope for rule, scope in lines if rule == "requests.outcomes"} == set(REQUEST_COLUMNS)
    assert {scope for rule, scope in lines if rule == "requests.applicants"} == set(request_rows(template))
    assert {scope for rule, scope in lines if rule == "appeals.total"} == set(APPEAL_ROWS)


@pytest.mark.parametrize("template", ["v2019", "v2021"])
def test_consistent_report_passes_except_where_a_cell_is_not_given(template):
    checks = by_line(check_values(template, report_values(template)))
    not_assessable = {line for line, check in checks.items() if check.status == "not_assessable"}
    # the fixture prints requests.denied_inquiry.research as "—"
    assert not_assessable == {("requests.outcomes", "research"), ("requests.applicants", "denied_inquiry")}
    assert all(check.status == "pass" for line, check in checks.items() if line not in not_assessable)
    assert checks[("requests.outcomes", "research")].difference is None


def test_balance_break():
    values = report_values("v2021", requests__carried_out__total=Decimal(3))
    checks = check_values("v2021", values)
    assert failing(checks) == {("requests.balance", "total"), ("requests.applicants", "carried_out")}
    check = by_line(checks)[("requests.balance", "total")]
    assert check.status == "fail"
    assert check.cells == (
        "requests.new.total",
        "requests.carried_in.total",
        "requests.total.total",
        "requests.carried_out.total",
    )
    assert check.difference == Decimal(-1)


@pytest.mark.parametrize("template", ["v2019", "v2021"])
def test_outcomes_break(template):
    values = report_values(
        template, requests__granted__natural_person=Decimal(7), requests__granted__total=Decimal(11)
    )
    checks = check_values(template, values)
    assert failing(checks) == {("requests.outcomes", "natural_person"), ("requests.outcomes", "total")}
    check = by_line(checks)[("requests.outcomes", "natural_person")]
    assert check.difference == Decimal(-2)
    assert check.cells[0] == "requests.total.natural_person"
    assert check.cells[1:] == tuple(
        f"requests.{row}.natural_person" for row in request_rows(template)[2:-2]
    )
    other_rows = {"v2019": ("other",), "v2021": ("other_no_correction", "other_no_fee", "other_other")}[template]
    assert all(f"requests.{row}.natural_person" in check.cells for row in other_rows)


def test_applicants_break():
    checks = check_values("v2021", report_values("v2021", requests__new__total=Decimal(18)))
    assert failing(checks) == {("requests.applicants", "new"), ("requests.balance", "total")}
    check = by_line(checks)[("requests.applicants", "new")]
    assert check.cells == ("requests.new.total",) + tuple(f"requests.new.{c}" for c in REQUEST_COLUMNS[:-1])
    assert check.difference == Decimal(1)


def test_appeals_break():
    checks = check_values("v2019", report_values("v2019", appeals__reconsideration__total=Decimal(4)))
    assert failing(checks) == {("appeals.total", "reconsideration")}
    check = by_line(checks)[("appeals.total", "reconsideration")]
    assert check.cells == (
        "appeals.reconsideration.total",
        "appeals.reconsideration.upheld",
        "appeals.reconsideration.corrected",
        "appeals.reconsideration.other",
        "appeals.reconsideration.pending",
    )
    assert check.difference == Decimal(1)


def test_not_given_cell_is_not_assessable_not_a_pass():
    checks = by_line(check_values("v2021", report_values("v2021", appeals__litigation_direct__other=None)))
    check = checks[("appeals.total", "litigation_direct")]
    assert check.status == "not_assessable"
    assert check.difference is None
    assert "appeals.litigation_direct.other" in check.cells


def test_decimal_amounts_compare_exactly():
    values = report_values("v2021", appeals__reconsideration__total=Decimal("3.0001"))
    check = by_line(check_values("v2021", values))[("appeals.total", "reconsideration")]
    assert check.status == "fail"
    assert check.difference == Decimal("0.0001")


def test_tables_not_in_the_values_are_not_checked():
    appeals_only = tuple(v for v in report_values("v2021") if v.table == "appeals")
    checks = check_values("v2021", appeals_only)
    assert {check.rule for check in checks} == {"appeals.total"}
    assert check_values("v2021", ()) == ()


# -- "fitted": a rule that chose the cells cannot confirm them ----------------------------

STRAY_ROW = "\t\t2.重复申请\t0\t1\t0\t0\t0\t0\t1"


def test_a_line_whose_cells_the_rule_chose_is_fitted_not_pass():
    from extract.checks import STATUSES
    from extract.tables import tables_from_text

    text = rf.to_text(rf.report_blocks("v2021"))
    assert STRAY_ROW in text
    tables = tables_from_text(text.replace(STRAY_ROW, STRAY_ROW + "\t5"))
    assert tables.fitted == (("requests.applicants", "rejected_duplicate"),)
    checks = by_line(check_values(tables.template, tables.values, fitted=tables.fitted))
    assert checks[("requests.applicants", "rejected_duplicate")].status == "fitted"
    assert "fitted" in STATUSES
    # the other rules over the same cells still confirm or refute them
    assert checks[("requests.outcomes", "commercial")].status == "pass"
    assert sum(1 for check in checks.values() if check.status == "fitted") == 1


def test_without_a_stray_cell_nothing_is_fitted():
    from extract.tables import tables_from_text

    tables = tables_from_text(rf.to_text(rf.report_blocks("v2021")))
    assert tables.fitted == ()
    assert all(c.status != "fitted" for c in check_values(tables.template, tables.values, fitted=tables.fitted))


def test_a_fitted_line_that_fails_stays_a_failure():
    values = report_values("v2021", requests__rejected_duplicate__total=Decimal(7))
    checks = by_line(check_values("v2021", values, fitted=[("requests.applicants", "rejected_duplicate")]))
    assert checks[("requests.applicants", "rejected_duplicate")].status == "fail"


def test_appeals_window_chosen_by_rule_four_is_fitted():
    from extract.tables import tables_from_text

    text = rf.to_text(rf.report_blocks("v2021"))
    numbers = "1\t1\t0\t1\t3\t2\t0\t1\t0\t3\t0\t0\t0\t1\t1"
    assert numbers in text
    tables = tables_from_text(text.replace(numbers, "9\t" + numbers))
    assert ("appeals.total", "reconsideration") in tables.fitted
    checks = by_line(check_values(tables.template, tables.values, fitted=tables.fitted))
    assert {checks[("appeals.total", row)].status for row in APPEAL_ROWS} == {"fitted"}


def test_the_document_carries_fitted_checks():
    from extract import extract_document

    text = rf.to_text(rf.report_blocks("v2021")).replace(STRAY_ROW, STRAY_ROW + "\t5")
    document = extract_document(text.encode("utf-8"), url="http://127.0.0.1/report.txt", content_type="text/plain")
    assert [(c.rule, c.scope) for c in document.checks if c.status == "fitted"] == [
        ("requests.applicants", "rejected_duplicate")
    ]
