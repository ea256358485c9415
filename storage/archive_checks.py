"""Checks across reports (spec rule 5): a body's requests carried into year Y are the requests
it carried out of year Y-1, column by column. A body is a ``bodies`` row, so a body renamed
or written two ways between the years is still compared with itself.

Results are stored per parser version in ``archive_checks`` and recomputed as a whole from that
version's current report values. A body and year without the previous year's report in the
archive gets no row: there is nothing to compare with, which says something about the archive,
not about the report. When both reports are there but a cell is not given (blank, "—", or the
table not read), the line is "not_assessable".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from extract.keys import REQUEST_COLUMNS

from .models import ArchiveCheck
from .queries import ReportCheck, ReportValue, report_values

CARRY_OVER = "requests.carry_over"

Cell = tuple[str, str, str]


@dataclass(slots=True, kw_only=True)
class _Numbers:
    """One report's current numbers, keyed by (table, row, column)."""

    report_id: int
    body_id: int
    body: str
    year: int
    source_url: str
    cells: dict[Cell, Decimal | None] = field(default_factory=dict)


def refresh_archive_checks(session: Session, parser_version: str) -> int:
    """Replace the version's rows with checks recomputed from its current report values."""
    checked_at = datetime.now(UTC)
    rows = carry_over_checks(report_values(session, parser_version), parser_version, checked_at)
    session.execute(delete(ArchiveCheck).where(ArchiveCheck.parser_version == parser_version))
    session.add_all(rows)
    session.flush()
    return len(rows)


def archive_check_results(session: Session, parser_version: str) -> list[ReportCheck]:
    """The stored rule-5 results of a version, by body, year and column order."""
    query = (
        select(ArchiveCheck)
        .where(ArchiveCheck.parser_version == parser_version)
        .order_by(ArchiveCheck.body, ArchiveCheck.year, ArchiveCheck.report_id, ArchiveCheck.id)
    )
    return [_as_report_check(row) for row in session.scalars(query)]


def carry_over_checks(
    values: list[ReportValue], parser_version: str, checked_at: datetime
) -> list[ArchiveCheck]:
    """One row per column for each report whose body has a report for the previous year.

    A body with two reports for one year (an original and its corrected edition, say) is
    checked against each.
    """
    reports = _reports(values)
    by_body_year: dict[tuple[int, int], list[_Numbers]] = defaultdict(list)
    for report in reports:
        by_body_year[(report.body_id, report.year)].append(report)
    rows = []
    for report in reports:
        for previous in by_body_year.get((report.body_id, report.year - 1), ()):
            for column in REQUEST_COLUMNS:
                rows.append(_carry_over(report, previous, column, parser_version, checked_at))
    return rows


def _reports(values: list[ReportValue]) -> list[_Numbers]:
    reports: dict[int, _Numbers] = {}
    for value in values:
        if value.body is None or value.body_id is None or value.year is None:
            continue
        report = reports.setdefault(
            value.report_id,
            _Numbers(
                report_id=value.report_id,
                body_id=value.body_id,
                body=value.body,
                year=value.year,
                source_url=value.source_url,
            ),
        )
        report.cells[(value.table, value.row, value.column)] = value.value
    return sorted(reports.values(), key=lambda r: (r.body, r.year, r.report_id))


def _carry_over(
    report: _Numbers, previous: _Numbers, column: str, parser_version: str, checked_at: datetime
) -> ArchiveCheck:
    carried_in = report.cells.get(("requests", "carried_in", column))
    carried_out = previous.cells.get(("requests", "carried_out", column))
    if carried_in is None or carried_out is None:
        status, difference = "not_assessable", None
    else:
        difference = carried_in - carried_out
        status = "pass" if difference == 0 else "fail"
    return ArchiveCheck(
        parser_version=parser_version,
        rule=CARRY_OVER,
        body_id=report.body_id,
        body=report.body,
        year=report.year,
        scope=column,
        status=status,
        report_id=report.report_id,
        source_url=report.source_url,
        previous_report_id=previous.report_id,
        previous_source_url=previous.source_url,
        cells=[f"{report.year}:requests.carried_in.{column}", f"{previous.year}:requests.carried_out.{column}"],
        difference=None if status != "fail" else difference,
        checked_at=checked_at,
    )


def _as_report_check(row: ArchiveCheck) -> ReportCheck:
    return ReportCheck(
        report_id=row.report_id,
        body=row.body,
        year=row.year,
        source_url=row.source_url,
        parser_version=row.parser_version,
        rule=row.rule,
        scope=row.scope,
        status=row.status,
        cells=tuple(row.cells or ()),
        difference=row.difference,
        other_report_id=row.previous_report_id,
        other_source_url=row.previous_source_url,
        check_id=f"a{row.id}",
    )
