"""report_values: which document's numbers stand for a report, and the summary queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from storage.archive import record_extraction, record_failure
from storage.models import Report, ReportSource
from storage.queries import extraction_summary, failures, report_values

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
PAGE = "http://county.test/202401/t20240115_1.html"
PDF_A = "http://county.test/202401/P020240115_a.pdf"
PDF_B = "http://county.test/202401/P020240115_b.pdf"
NEW = ("requests", "new", "total")
CARRIED = ("requests", "carried_in", "total")
FEES = ("proactive", "fees", "amount_10k_yuan")


def store_read(
    session, add_capture, make_report, url, cells, *, parent_url=None, fetched_at=T0, **report
):
    stored = add_capture(
        url,
        f"{url} {sorted(cells.items())} {report}".encode(),
        parent_url=parent_url,
        fetched_at=fetched_at,
    )
    record_extraction(
        session, stored.capture_id, make_report(stored.sha256, values=cells, **report)
    )
    return stored


def by_report(rows) -> dict[int, dict[tuple[str, str, str], Decimal | None]]:
    """Cells by the page that publishes the report (rows name reports by reports.id)."""
    found: dict[int, dict] = {}
    for row in rows:
        found.setdefault(row.report_id, {})[(row.table, row.row, row.column)] = row.value
    return found


def by_page(session, rows) -> dict[int, dict[tuple[str, str, str], Decimal | None]]:
    pages = dict(session.execute(
        select(Report.id, ReportSource.document_id)
        .join(ReportSource, ReportSource.report_id == Report.id)
        .where(ReportSource.role == "page")
    ).all())
    return {pages[report_id]: cells for report_id, cells in by_report(rows).items()}


def test_a_page_with_tables_is_its_own_source(session, add_capture, make_report):
    page = store_read(session, add_capture, make_report, PAGE, {NEW: "5", FEES: "12.3456"})
    store_read(session, add_capture, make_report, PDF_A, {NEW: "9"}, parent_url=PAGE)
    session.commit()

    rows = report_values(session, "1")
    assert by_page(session, rows) == {page.document_id: {NEW: Decimal("5"), FEES: Decimal("12.3456")}}
    assert {
        (r.source_url, r.sha256, r.body, r.year, r.template, r.parser_version) for r in rows
    } == {(PAGE, page.sha256, "留车镇人民政府", 2023, "v2021", "1")}
    assert {r.raw for r in rows} == {"5", "12.3456"}


def test_a_page_without_tables_takes_the_numbers_of_its_attachment(
    session, add_capture, make_report
):
    page = store_read(
        session, add_capture, make_report, PAGE, {}, body=None, year=None, template=None
    )
    pdf = store_read(
        session,
        add_capture,
        make_report,
        PDF_A,
        {NEW: "-3", CARRIED: None},
        parent_url=PAGE,
        body="某县教育局",
        year=2022,
        template="v2019",
        is_annual_report=False,
    )
    session.commit()

    rows = report_values(session, "1")
    assert by_page(session, rows) == {page.document_id: {NEW: Decimal("-3"), CARRIED: None}}
    [row, _] = rows
    assert (row.source_url, row.sha256) == (PDF_A, pdf.sha256)
    # The page had no identity of its own: it falls back to the attachment's.
    assert (row.body, row.year, row.template) == ("某县教育局", 2022, "v2019")


def test_the_page_identity_wins_over_the_attachments(session, add_capture, make_report):
    store_read(session, add_capture, make_report, PAGE, {}, body="留车镇人民政府", year=2023)
    store_read(
        session,
        add_capture,
        make_report,
        PDF_A,
        {NEW: "1"},
        parent_url=PAGE,
        body="别的机关",
        year=2020,
    )
    session.commit()

    [row] = report_values(session, "1")
    assert (row.body, row.year, row.source_url) == ("留车镇人民政府", 2023, PDF_A)


def test_of_two_attachments_the_one_with_more_numbers_is_the_source(
    session, add_capture, make_report
):
    page = store_read(session, add_capture, make_report, PAGE, {})
    store_read(
        session,
        add_capture,
        make_report,
        PDF_A,
        {NEW: "1", CARRIED: None, FEES: None},
        parent_url=PAGE,
    )
    store_read(session, add_capture, make_report, PDF_B, {NEW: "2", CARRIED: "3"}, parent_url=PAGE)
    session.commit()

    rows = report_values(session, "1")
    assert {r.source_url for r in rows} == {PDF_B}
    assert by_page(session, rows) == {page.document_id: {NEW: Decimal("2"), CARRIED: Decimal("3")}}


def test_attachments_with_as_many_numbers_go_to_the_lowest_document_id(
    session, add_capture, make_report
):
    store_read(session, add_capture, make_report, PAGE, {})
    store_read(session, add_capture, make_report, PDF_B, {NEW: "2"}, parent_url=PAGE)
    store_read(session, add_capture, make_report, PDF_A, {NEW: "1"}, parent_url=PAGE)
    session.commit()

    assert {r.source_url for r in report_values(session, "1")} == {PDF_B}


def test_an_attachment_read_as_a_report_makes_its_page_a_report(session, add_capture, make_report):
    page = store_read(session, add_capture, make_report, PAGE, {}, is_annual_report=False)
    store_read(session, add_capture, make_report, PDF_A, {NEW: "4"}, parent_url=PAGE)
    session.commit()

    assert by_page(session, report_values(session, "1")) == {page.document_id: {NEW: Decimal("4")}}


def test_documents_that_are_not_reports_are_left_out(session, add_capture, make_report):
    store_read(session, add_capture, make_report, PAGE, {NEW: "4"}, is_annual_report=False)
    store_read(
        session,
        add_capture,
        make_report,
        PDF_A,
        {NEW: "5"},
        parent_url=PAGE,
        is_annual_report=False,
    )
    session.commit()

    assert report_values(session, "1") == []


def test_only_the_latest_version_of_a_page_counts(session, add_capture, make_report):
    store_read(session, add_capture, make_report, PAGE, {NEW: "1"})
    page = store_read(
        session, add_capture, make_report, PAGE, {NEW: "2"}, fetched_at=T0 + timedelta(days=30)
    )
    add_capture(PAGE, b"server error", status=500, fetched_at=T0 + timedelta(days=60))
    session.commit()

    rows = report_values(session, "1")
    assert [(r.value, r.sha256) for r in rows] == [(Decimal("2"), page.sha256)]


def test_only_the_asked_parser_version_counts(session, add_capture, make_report):
    store_read(session, add_capture, make_report, PAGE, {NEW: "1"}, parser_version="2")
    session.commit()

    assert report_values(session, "1") == []
    assert [r.parser_version for r in report_values(session, "2")] == ["2"]


def test_summary_and_failures(session, add_capture, make_report):
    store_read(session, add_capture, make_report, PAGE, {NEW: "1"})
    store_read(session, add_capture, make_report, PDF_A, {}, parent_url=PAGE)
    broken = add_capture("http://county.test/broken.pdf", b"%PDF-trunc")
    record_failure(session, broken.capture_id, parser_version="1", error="truncated PDF")
    add_capture("http://county.test/list.html", b"list", fetched_at=T0 + timedelta(days=1))
    add_capture("http://county.test/list.html", b"list 2", fetched_at=T0 + timedelta(days=2))
    session.commit()

    assert extraction_summary(session, "1") == {
        "documents": 4,
        "captures": 5,
        "ok": 2,
        "failed": 1,
        "annual_reports": 1,
    }
    assert extraction_summary(session, "2")["ok"] == 0
    assert failures(session, "1") == [("http://county.test/broken.pdf", "truncated PDF")]
    assert failures(session, "2") == []
