"""A new parser version over the same archive: what it reads differently is reported exactly,
and what the earlier version read stays queryable."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from disclosure.cli import main
from disclosure.extraction import describe_changes, extract_archive, version_changes
from extract import PARSER_VERSION, ExtractionError, extract_document
from extract.checks import check_values
from extract.records import Document, Value
from storage.archive import store_capture
from storage.changes import Captures, compare_versions, parser_versions, previous_version, version_order
from storage.db import session_scope
from storage.queries import failures, report_values

from .report_fixtures import report_blocks, to_html

SEED = Path(__file__).resolve().parent / "seeds" / "003_e0ddddd15fe580f0.txt"
FETCHED = datetime(2024, 3, 1, tzinfo=UTC)
BASE = "http://127.0.0.1:1/gknb/"
GUIDE = "<html><body><h1>政府信息公开指南</h1><p>指南正文</p></body></html>".encode()
NOTICE = "<html><body><h1>关于开展培训的通知</h1><p>通知正文</p></body></html>".encode()


def store(engine, name, body, content_type):
    with session_scope(engine) as session:
        store_capture(
            session, url=BASE + name, final_url=BASE + name, status=200,
            headers={"Content-Type": content_type}, body=body, fetched_at=FETCHED, content_type=content_type,
        )


@pytest.fixture
def archive(engine):
    store(engine, "report-a.html", to_html(report_blocks("v2021")).encode(), "text/html; charset=utf-8")
    store(engine, "report-b.txt", SEED.read_bytes(), "text/plain; charset=utf-8")
    store(engine, "P0broken.pdf", b"%PDF-1.7\n1 0 obj <<", "application/pdf")
    store(engine, "guide.html", GUIDE, "text/html")
    store(engine, "notice.html", NOTICE, "text/html")
    return engine


def _set(values: tuple[Value, ...], key: str, number: Decimal | None) -> tuple[Value, ...]:
    return tuple(replace(v, value=number) if f"{v.table}.{v.row}.{v.column}" == key else v for v in values)


def version_two(content, *, url, content_type, fetched_at, limits=None) -> Document:
    """The real parser with known differences, one kind per capture."""
    if url.endswith("P0broken.pdf"):
        return Document(sha256=hashlib.sha256(content).hexdigest(), reason="not a report")
    if url.endswith("guide.html"):
        raise ExtractionError("version two cannot read this page")
    document = extract_document(content, url=url, content_type=content_type, fetched_at=fetched_at)
    if url.endswith("report-b.txt"):
        return replace(document, is_annual_report=False)
    if url.endswith("notice.html"):
        added = Value(table="requests", row="new", column="total", value=Decimal(5), raw="5")
        return replace(document, is_annual_report=True, values=(*document.values, added))
    if url.endswith("report-a.html"):
        values = document.values
        new_total = next(v.value for v in values if (v.table, v.row, v.column) == ("requests", "new", "total"))
        values = _set(values, "requests.new.total", new_total + 1)
        values = _set(values, "requests.denied_inquiry.research", Decimal(0))
        values = _set(values, "proactive.fees.amount_10k_yuan", None)
        values = tuple(v for v in values if (v.table, v.row, v.column) != ("appeals", "litigation_direct", "total"))
        return replace(document, values=values, checks=check_values(document.template, values))
    return document


def test_version_two_reports_exactly_what_it_reads_differently(archive):
    first = extract_archive(archive, limits=None, parser_version="1")
    assert (first.captures, first.reports, first.other_documents, first.failures) == (5, 2, 2, 1)
    second = extract_archive(archive, limits=None, parser_version="2", extractor=version_two)
    assert (second.captures, second.reports, second.other_documents, second.failures) == (5, 2, 2, 1)

    with session_scope(archive) as session:
        assert previous_version(session, "2") == "1"
        changes = compare_versions(session, "2", "1")

    assert (changes.current, changes.previous, changes.compared, changes.only_current) == ("2", "1", 5, 0)
    assert changes.reports_gained == Captures(count=1, examples=(BASE + "notice.html",))
    assert changes.reports_lost == Captures(count=1, examples=(BASE + "report-b.txt",))
    assert changes.failures_fixed == Captures(count=1, examples=(BASE + "P0broken.pdf",))
    assert changes.failures_new == Captures(count=1, examples=(BASE + "guide.html",))
    assert changes.values_changed == (
        ("proactive.fees.amount_10k_yuan", 1),
        ("requests.denied_inquiry.research", 1),
        ("requests.new.total", 1),
    )
    assert changes.values_added == (("requests.new.total", 1),)
    assert changes.values_removed == (("appeals.litigation_direct.total", 1),)
    # new.total + 1 breaks the balance of the total column and the applicant sum of row new;
    # a given denied_inquiry.research makes its column's outcomes and its row assessable, and they hold
    assert changes.checks_now_fail == (("requests.applicants", 1), ("requests.balance", 1))
    assert changes.checks_now_pass == (("requests.applicants", 1), ("requests.outcomes", 1))


def test_the_first_version_stays_queryable_after_the_second_runs(archive):
    extract_archive(archive, limits=None, parser_version="1")
    with session_scope(archive) as session:
        before = report_values(session, "1")
    extract_archive(archive, limits=None, parser_version="2", extractor=version_two)
    with session_scope(archive) as session:
        after = report_values(session, "1")
        second = report_values(session, "2")
        assert [url for url, _ in failures(session, "1")] == [BASE + "P0broken.pdf"]
        assert [url for url, _ in failures(session, "2")] == [BASE + "guide.html"]
        assert parser_versions(session) == ["1", "2"]

    assert len(before) > 150 and before == after
    assert {r.source_url for r in before} == {BASE + "report-a.html", BASE + "report-b.txt"}
    assert BASE + "report-b.txt" not in {r.source_url for r in second}
    changed = {(r.table, r.row, r.column): r.value for r in second if r.source_url == BASE + "report-a.html"}
    original = {(r.table, r.row, r.column): r.value for r in before if r.source_url == BASE + "report-a.html"}
    assert changed[("requests", "new", "total")] == original[("requests", "new", "total")] + 1


def test_the_same_reading_twice_has_no_changes(archive):
    extract_archive(archive, limits=None, parser_version="1")
    extract_archive(archive, limits=None, parser_version="1.1")
    changes = version_changes(archive, "1.1")
    assert changes is not None and changes.previous == "1" and changes.compared == 5
    assert not changes.any
    assert describe_changes(changes).startswith("no changes: parser 1.1 against parser 1, 5 captures")


def test_captures_the_previous_version_never_read_are_counted_apart(archive):
    extract_archive(archive, limits=None, parser_version="1")
    store(archive, "later.html", GUIDE.replace(b"body>", b"body> ", 1), "text/html")
    extract_archive(archive, limits=None, parser_version="2", extractor=version_two)
    changes = version_changes(archive, "2")
    assert (changes.compared, changes.only_current) == (5, 1)


def test_without_an_earlier_version_there_is_nothing_to_compare(archive):
    extract_archive(archive, limits=None, parser_version="1")
    assert version_changes(archive, "1") is None
    assert describe_changes(None) == "no earlier parser version in the archive to compare with"


def test_the_change_summary_names_counts_keys_and_urls(archive):
    extract_archive(archive, limits=None, parser_version="1")
    extract_archive(archive, limits=None, parser_version="2", extractor=version_two)
    text = describe_changes(version_changes(archive, "2"), keys_shown=2)
    lines = text.splitlines()
    assert lines[0] == "changes: parser 2 against parser 1, 5 captures read by both"
    assert lines[1] == f"  reports: 1 gained ({BASE}notice.html), 1 lost ({BASE}report-b.txt)"
    assert lines[2] == f"  failures: 1 fixed ({BASE}P0broken.pdf), 1 new ({BASE}guide.html)"
    assert lines[3] == (
        "  values: 3 changed (proactive.fees.amount_10k_yuan 1, requests.denied_inquiry.research 1, and 1 more); "
        "1 added (requests.new.total 1); 1 removed (appeals.litigation_direct.total 1)"
    )
    assert lines[4] == (
        "  checks: 2 now pass (requests.applicants 1, requests.outcomes 1); "
        "2 now fail (requests.applicants 1, requests.balance 1)"
    )
    assert len(lines) == 5


@pytest.mark.parametrize(
    ("versions", "newest"),
    [(["1", "2"], "2"), (["9", "10"], "10"), (["1.9", "1.10"], "1.10"), (["2", "10", "1"], "10"), (["1", "1a"], "1a")],
)
def test_versions_sort_as_people_read_them(versions, newest):
    assert max(versions, key=version_order) == newest


def test_the_previous_version_is_the_newest_other_one(archive):
    for version in ("9", "10", "2"):
        extract_archive(archive, limits=None, parser_version=version)
    with session_scope(archive) as session:
        assert parser_versions(session) == ["2", "9", "10"]
        assert previous_version(session, "10") == "9"
        assert previous_version(session, "2") == "10"
        assert previous_version(session, "11") == "10"


# -- the command line ----------------------------------------------------------------


def test_extract_prints_the_changes_against_the_previous_version(archive, archive_url, capsys):
    extract_archive(archive, limits=None, parser_version="0", extractor=version_two)
    assert main(["extract", "--all", "--jobs", "1", "--no-progress", "--db", archive_url]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith(f"extracted 5 captures with parser {PARSER_VERSION}: ")
    assert lines[1] == f"changes: parser {PARSER_VERSION} against parser 0, 5 captures read by both"
    assert f"1 gained ({BASE}report-b.txt)" in out and f"1 lost ({BASE}notice.html)" in out
    assert "\r" not in out and "\r" not in err  # no progress bar anywhere


def test_extract_names_an_unknown_version_to_compare_with_in_one_line(archive, archive_url, capsys):
    extract_archive(archive, limits=None, parser_version="0")
    assert main(["extract", "--against", "7", "--jobs", "1", "--db", archive_url]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == "disclosure: error: parser 7 has no extractions in the archive (versions present: 0)"
    with session_scope(archive) as session:
        assert parser_versions(session) == ["0"]  # refused before any work


def test_extract_against_an_older_version_when_several_exist(archive, archive_url, capsys):
    extract_archive(archive, limits=None, parser_version="0", extractor=version_two)
    extract_archive(archive, limits=None, parser_version="0.5")
    assert main(["extract", "--against", "0", "--no-progress", "--jobs", "1", "--db", archive_url]) == 0
    out = capsys.readouterr().out
    assert f"parser {PARSER_VERSION} against parser 0," in out and "reports: 1 gained" in out


def test_extract_without_an_earlier_version_says_so(archive, archive_url, capsys):
    assert main(["extract", "--jobs", "1", "--db", archive_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == ["no earlier parser version in the archive to compare with"]


def test_jobs_below_one_is_refused(archive_url, capsys):
    assert main(["extract", "--jobs", "0", "--db", archive_url]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err
