"""Consistency rules of the annual-report template (勾稽关系), one Check per line checked.

Rules 1-4 are the tables' own arithmetic (``check_values``); rule 6 sets the counts stated
in the 总体情况 prose against the tables (``check_prose``).

A published number is never corrected here: a failing line is recorded with the
cells involved and the difference (left side minus right side).

Statuses: ``pass``, ``fail``, ``not_assessable`` (a cell not given), and ``fitted``: the
table reader chose that line's cells among several possible windows *because* they
satisfy this rule (a row with a stray cell), so the rule cannot confirm them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

from .keys import (
    APPEAL_COLUMNS,
    APPEAL_ROWS,
    APPLICANT_COLUMNS,
    OTHER_ROWS,
    REQUEST_COLUMNS,
    other_rows,
    outcome_rows,
    request_rows,
)
from .prose import stated_counts
from .records import Check, Value

Cell = tuple[str, str, str]
STATUSES = ("pass", "fail", "not_assessable", "fitted")


def _name(cell: Cell) -> str:
    return ".".join(cell)


def _check(
    rule: str, scope: str, left: Sequence[Cell], right: Sequence[Cell], numbers: dict[Cell, Decimal | None]
) -> Check:
    cells = tuple(_name(cell) for cell in (*left, *right))
    given = [numbers.get(cell) for cell in (*left, *right)]
    if any(number is None for number in given):
        return Check(rule=rule, scope=scope, status="not_assessable", cells=cells)
    difference = sum((numbers[cell] for cell in left), Decimal(0)) - sum((numbers[cell] for cell in right), Decimal(0))
    if difference == 0:
        return Check(rule=rule, scope=scope, status="pass", cells=cells)
    return Check(rule=rule, scope=scope, status="fail", cells=cells, difference=difference)


def _request_checks(template: str, numbers: dict[Cell, Decimal | None]) -> list[Check]:
    checks = []
    # a hybrid report gives the other template's 其他处理 rows (spec, keys)
    others = other_rows(template, {row for table, row, _ in numbers if table == "requests" and row in OTHER_ROWS})
    for column in REQUEST_COLUMNS:
        left = [("requests", "new", column), ("requests", "carried_in", column)]
        right = [("requests", "total", column), ("requests", "carried_out", column)]
        checks.append(_check("requests.balance", column, left, right, numbers))
    for column in REQUEST_COLUMNS:
        outcomes = [("requests", row, column) for row in outcome_rows(template, others)]
        checks.append(_check("requests.outcomes", column, [("requests", "total", column)], outcomes, numbers))
    for row in request_rows(template, others):
        applicants = [("requests", row, column) for column in APPLICANT_COLUMNS]
        checks.append(_check("requests.applicants", row, [("requests", row, "total")], applicants, numbers))
    return checks


def _appeal_checks(numbers: dict[Cell, Decimal | None]) -> list[Check]:
    checks = []
    for row in APPEAL_ROWS:
        parts = [("appeals", row, column) for column in APPEAL_COLUMNS[:-1]]
        checks.append(_check("appeals.total", row, [("appeals", row, "total")], parts, numbers))
    return checks


def check_values(
    template: str, values: Sequence[Value], fitted: Iterable[tuple[str, str]] = ()
) -> tuple[Check, ...]:
    """Rules 1-4 on the tables present in ``values``; a table absent from them is not checked.

    ``fitted``: (rule, scope) of the lines whose cells the reader chose with that rule;
    such a line that would pass is ``fitted``, not ``pass``.
    """
    numbers: dict[Cell, Decimal | None] = {(v.table, v.row, v.column): v.value for v in values}
    tables = {table for table, _, _ in numbers}
    checks: list[Check] = []
    if "requests" in tables:
        checks.extend(_request_checks(template, numbers))
    if "appeals" in tables:
        checks.extend(_appeal_checks(numbers))
    chosen = set(fitted)
    return tuple(
        replace(check, status="fitted") if check.status == "pass" and (check.rule, check.scope) in chosen else check
        for check in checks
    )


# What each stated count is compared with: the sum of these cells.
_PROSE_CELLS: dict[str, tuple[Cell, ...]] = {
    "new_requests": (("requests", "new", "total"),),
    "carried_out": (("requests", "carried_out", "total"),),
    "reconsideration": (("appeals", "reconsideration", "total"),),
    "litigation": (("appeals", "litigation_direct", "total"), ("appeals", "litigation_after_reconsideration", "total")),
}


def check_prose(text: str, values: Sequence[Value]) -> tuple[Check, ...]:
    """Rule 6: each count the 总体情况 prose states against the table cells it summarises.

    The difference is the prose's count minus the table's. A count whose table is absent
    from ``values`` is not checked; one whose cell is not given is not assessable. The
    stated words are kept among the cells as "prose:<words>".
    """
    numbers: dict[Cell, Decimal | None] = {(v.table, v.row, v.column): v.value for v in values}
    tables = {table for table, _, _ in numbers}
    checks = []
    for stated in stated_counts(text):
        cells = _PROSE_CELLS[stated.subject]
        if cells[0][0] not in tables:
            continue
        checks.append(_prose_check(stated.subject, stated.value, stated.phrase, cells, numbers))
    return tuple(checks)


def _prose_check(
    subject: str, stated: Decimal, phrase: str, cells: Sequence[Cell], numbers: dict[Cell, Decimal | None]
) -> Check:
    rule = f"prose.{subject}"
    names = (*(_name(cell) for cell in cells), f"prose:{phrase}")
    given = [numbers.get(cell) for cell in cells]
    if any(number is None for number in given):
        return Check(rule=rule, scope="total", status="not_assessable", cells=names)
    difference = stated - sum(given, Decimal(0))
    if difference == 0:
        return Check(rule=rule, scope="total", status="pass", cells=names)
    return Check(rule=rule, scope="total", status="fail", cells=names, difference=difference)
