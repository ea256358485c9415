"""Extraction over the archive: one bad capture is recorded and the run goes on."""

from datetime import UTC, datetime
from pathlib import Path

from disclosure.extraction import extract_archive
from extract import PARSER_VERSION
from storage.archive import store_capture
from storage.db import session_scope
from storage.queries import extraction_summary, failures, report_values

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "003_e0ddddd15fe580f0.txt"
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
