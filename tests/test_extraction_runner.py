"""Extraction over the archive: one bad capture is recorded and the run goes on."""

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from disclosure.extraction import extract_archive
from extract import PARSER_VERSION
from extract.records import Document
from storage.archive import store_capture
from storage.db import session_scope
from storage.models import Extraction
from storage.queries import extraction_summary, failures, report_values

SEED = Path(__file__).resolve().parent / "seeds" / "003_e0ddddd15fe580f0.txt"
FETCHED = datetime(2024, 3, 1, tzinfo=UTC)


def store(engine, url, body, content_type):
    with session_scope(engine) as session:
        store_capture(
            session, url=url, final_url=url, status=200, headers={"Content-Type": content_type},
            body=body, fetched_at=FETCHED, content_type=content_type,
        )


def test_a_broken_capture_is_recorded_as_a_failure_and_the_rest_is_extracted(engine):
    store(engine, "http://127.0.0.1:1/gknb/P0broken.pdf", b"%PDF-1.7\n1 0 obj <<", "application/pdf")
    store(engine, "http://127.0.0.1:1/gknb/report.txt", SEED.read_bytes(), "text/plain; charset=utf-8")
    store(engine, "http://127.0.0.1:1/gknb/guide.html", "<html><body><h1>政府信息公开指南</h1><p>指南正文</p></body></html>".encode(), "text/html")

    summary = extract_archive(engine)

    assert (summary.captures, summary.reports, summary.other_documents, summary.failures) == (3, 1, 1, 1)
    with session_scope(engine) as session:
        (failure,) = failures(session, PARSER_VERSION)
        assert failure[0].endswith("P0broken.pdf") and failure[1]
        assert "\n" not in failure[1]
        counts = extraction_summary(session, PARSER_VERSION)
        rows = report_values(session, PARSER_VERSION)
    assert counts["failed"] == 1 and counts["ok"] == 2
    assert {(r.body, r.year, r.template) for r in rows} == {("留车镇人民政府", 2021, "v2021")}


def test_extraction_skips_what_the_current_version_has_read_unless_asked_again(engine):
    store(engine, "http://127.0.0.1:1/gknb/report.txt", SEED.read_bytes(), "text/plain; charset=utf-8")
    assert extract_archive(engine).captures == 1
    assert extract_archive(engine).captures == 0
    again = extract_archive(engine, redo=True)
    assert (again.captures, again.reports, again.failures) == (1, 1, 0)


def foreign_record(content, **_):
    """A record for bytes other than the ones it was given."""
    return Document(sha256="0" * 64, is_annual_report=True)


def test_a_record_that_does_not_fit_its_capture_is_that_captures_failure(engine):
    store(engine, "http://127.0.0.1:1/gknb/report.txt", SEED.read_bytes(), "text/plain; charset=utf-8")
    summary = extract_archive(engine, parser_version="odd", extractor=foreign_record)
    assert (summary.captures, summary.reports, summary.failures) == (1, 0, 1)
    with session_scope(engine) as session:
        ((url, error),) = failures(session, "odd")
    assert url.endswith("report.txt")
    assert error.startswith("cannot store the record: ValueError:") and "0000" in error


def test_records_are_stored_under_the_version_of_the_run(engine):
    store(engine, "http://127.0.0.1:1/gknb/report.txt", SEED.read_bytes(), "text/plain; charset=utf-8")
    summary = extract_archive(engine, parser_version="7-test")
    assert (summary.parser_version, summary.reports) == ("7-test", 1)
    with session_scope(engine) as session:
        assert session.scalars(select(Extraction.parser_version)).all() == ["7-test"]
        assert [r.body for r in report_values(session, "7-test")][:1] == ["留车镇人民政府"]
    assert extract_archive(engine, parser_version="7-test").captures == 0
    assert extract_archive(engine).captures == 1  # the current version has not read it yet
