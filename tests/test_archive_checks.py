"""Rule 5 across the archive, the checks of each report's current reading, and which of a
report's documents is current and why."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select

from extract.keys import REQUEST_COLUMNS
from extract.records import Check
from storage.archive import record_extraction
from storage.archive_checks import archive_check_results, refresh_archive_checks
from storage.models import ArchiveCheck
from storage.models import ReportSource as ReportSourceRow
from storage.queries import report_checks, report_sources, report_values

from .conftest import T0

TOWN = "城关镇人民政府"


def store(session, add_capture, make_report, url, cells, *, parent_url=None, fetched_at=T0, **report):
    stored = add_capture(url, f"{url} {sorted(cells.items())} {report}".encode(), parent_url=parent_url,
                         fetched_at=fetched_at)
    record_extraction(session, stored.capture_id, make_report(stored.sha256, values=cells, **report))
    return stored


def carried(row: str, numbers: dict[str, str | None]) -> dict[tuple[str, str, str], str | None]:
    return {("requests", row, column): numbers.get(column, "0") for column in REQUEST_COLUMNS}


def report_of(session, stored):
    """The report (reports.id) a stored page belongs to."""
    return session.scalar(select(ReportSourceRow.report_id).where(ReportSourceRow.document_id == stored.document_id))


def results(session, version="1"):
    return {(c.body, c.year, c.scope): c for c in archive_check_results(session, version)}


def three_years(session, add_capture, make_report):
    """2021 carries 2 out (natural_person); 2022 brings 2 in but carries 3 out; 2023 brings 1 in."""
    reports = {}
    reports[2021] = store(session, add_capture, make_report, "http://t/2021.html",
                          carried("carried_out", {"natural_person": "2", "total": "2"}), body=TOWN, year=2021)
    reports[2022] = store(session, add_capture, make_report, "http://t/2022.html",
                          {**carried("carried_in", {"natural_person": "2", "total": "2"}),
                           **carried("carried_out", {"natural_person": "3", "total": "3"})}, body=TOWN, year=2022)
    reports[2023] = store(session, add_capture, make_report, "http://t/2023.html",
                          carried("carried_in", {"natural_person": "1", "total": "1", "research": None}),
                          body=TOWN, year=2023)
    store(session, add_capture, make_report, "http://t/other.html",
          carried("carried_in", {"total": "5"}), body="白沙乡人民政府", year=2023)
    session.commit()
    return reports


def test_carry_over_passes_fails_and_is_not_assessable_per_column(session, add_capture, make_report):
    reports = three_years(session, add_capture, make_report)
    assert refresh_archive_checks(session, "1") == 2 * len(REQUEST_COLUMNS)
    session.commit()
    found = results(session)
    assert {year for _, year, _ in found} == {2022, 2023}  # 2021 and 白沙乡 have no previous year
    assert all(found[(TOWN, 2022, column)].status == "pass" for column in REQUEST_COLUMNS)
    fail = found[(TOWN, 2023, "natural_person")]
    assert (fail.status, fail.difference) == ("fail", Decimal(-2))
    assert found[(TOWN, 2023, "total")].difference == Decimal(-2)
    assert found[(TOWN, 2023, "research")].status == "not_assessable"
    assert found[(TOWN, 2023, "research")].difference is None
    assert fail.rule == "requests.carry_over"
    assert fail.cells == ("2023:requests.carried_in.natural_person", "2022:requests.carried_out.natural_person")
    assert (fail.report_id, fail.source_url) == (report_of(session, reports[2023]), "http://t/2023.html")
    assert (fail.other_report_id, fail.other_source_url) == (report_of(session, reports[2022]), "http://t/2022.html")


def test_refresh_replaces_the_rows_of_its_version_only(session, add_capture, make_report):
    three_years(session, add_capture, make_report)
    refresh_archive_checks(session, "1")
    refresh_archive_checks(session, "0")
    refresh_archive_checks(session, "1")
    session.commit()
    counts = dict(session.execute(select(ArchiveCheck.parser_version, func.count()).group_by(ArchiveCheck.parser_version)).all())
    assert counts == {"1": 2 * len(REQUEST_COLUMNS)}  # version "0" read nothing: no rows


def test_refresh_uses_the_current_version_of_a_report(session, add_capture, make_report):
    three_years(session, add_capture, make_report)
    refresh_archive_checks(session, "1")
    # The 2023 report is corrected on the portal: it now brings in the 3 that 2022 carried out.
    store(session, add_capture, make_report, "http://t/2023.html",
          carried("carried_in", {"natural_person": "3", "total": "3"}), body=TOWN, year=2023,
          fetched_at=T0 + timedelta(days=30))
    refresh_archive_checks(session, "1")
    session.commit()
    assert {c.status for (_, year, _), c in results(session).items() if year == 2023} == {"pass"}


def test_a_body_with_two_reports_for_a_year_is_checked_against_each(session, add_capture, make_report):
    three_years(session, add_capture, make_report)
    store(session, add_capture, make_report, "http://t/2022-again.html",
          carried("carried_out", {"natural_person": "1", "total": "1"}), body=TOWN, year=2022)
    refresh_archive_checks(session, "1")
    session.commit()
    rows = [c for c in archive_check_results(session, "1") if c.year == 2023 and c.scope == "natural_person"]
    assert sorted((c.other_source_url, c.status) for c in rows) == [
        ("http://t/2022-again.html", "pass"),
        ("http://t/2022.html", "fail"),
    ]


PAGE = "http://t/202401/t20240115_1.html"
DOCX = "http://t/202401/P020240115_1.docx"
PDF = "http://t/202401/P020240115_2.pdf"
NEW = ("requests", "new", "total")
FEES = ("proactive", "fees", "amount_10k_yuan")


def reasons(session) -> set[str]:
    return {row.source_reason for row in report_values(session, "1")}


def test_page_and_attachment_both_read_the_page_is_current_and_the_reason_counts_agreement(
    session, add_capture, make_report
):
    page = store(session, add_capture, make_report, PAGE, {NEW: "5", FEES: "1.5"})
    docx = store(session, add_capture, make_report, DOCX, {NEW: "5", FEES: "1.5"}, parent_url=PAGE)
    session.commit()
    assert reasons(session) == {f"page and attachment both carry tables; the page is current "
                                f"(attachment {DOCX} agrees: 2 cells)"}
    sources = report_sources(session, "1")
    assert [(s.role, s.url, s.is_current, s.numbers) for s in sources] == [
        ("page", PAGE, True, 2), ("attachment", DOCX, False, 2)]
    assert {s.report_id for s in sources} == {report_of(session, page)}
    assert all(s.extraction_id is not None for s in sources)
    assert docx.document_id in {s.document_id for s in sources}


def test_the_reason_says_how_many_cells_differ(session, add_capture, make_report):
    store(session, add_capture, make_report, PAGE, {NEW: "5", FEES: "1.5"})
    store(session, add_capture, make_report, DOCX, {NEW: "6", FEES: "1.5", ("requests", "new", "research"): "1"},
          parent_url=PAGE)
    session.commit()
    assert reasons(session) == {f"page and attachment both carry tables; the page is current "
                                f"(attachment {DOCX} differs in 2 of 3 cells)"}


def test_tables_only_in_an_attachment_and_in_several(session, add_capture, make_report):
    store(session, add_capture, make_report, PAGE, {}, template=None)
    store(session, add_capture, make_report, PDF, {NEW: "5"}, parent_url=PAGE)
    session.commit()
    assert reasons(session) == {"tables only in the attachment"}
    store(session, add_capture, make_report, DOCX, {NEW: "5", FEES: "2"}, parent_url=PAGE)
    session.commit()
    assert reasons(session) == {"tables in 2 attachments; this one carries the most numbers (2)"}
    assert [(s.url, s.is_current) for s in report_sources(session, "1")] == [
        (PAGE, False), (PDF, False), (DOCX, True)]


def test_a_page_with_tables_alone_and_a_report_with_no_numbers(session, add_capture, make_report):
    store(session, add_capture, make_report, PAGE, {NEW: "5"})
    store(session, add_capture, make_report, "http://t/blank.html", {NEW: None}, body="白沙乡人民政府")
    session.commit()
    assert reasons(session) == {"page carries the tables",
                                "no numbers in the page or its attachments; the page's reading stands"}


def test_report_checks_are_those_of_the_current_reading(session, add_capture, make_report):
    failing = Check(rule="requests.balance", scope="total", status="fail",
                    cells=("requests.new.total",), difference=Decimal("-1"))
    passing = Check(rule="prose.new_requests", scope="total", status="pass",
                    cells=("requests.new.total", "prose:本年新收政府信息公开申请5件"))
    store(session, add_capture, make_report, PAGE, {NEW: "5"}, checks=(failing, passing))
    store(session, add_capture, make_report, DOCX, {NEW: "5"}, parent_url=PAGE, checks=(failing, failing))
    session.commit()
    checks = report_checks(session, "1")
    assert [(c.rule, c.status, c.source_url, c.difference) for c in checks] == [
        ("requests.balance", "fail", PAGE, Decimal("-1")),
        ("prose.new_requests", "pass", PAGE, None),
    ]
    assert checks[1].cells == passing.cells
    assert (checks[0].body, checks[0].year, checks[0].other_report_id) == ("留车镇人民政府", 2023, None)
