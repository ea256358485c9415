"""Corrections of single cells: recorded with who, when, why and what was read; judged against
each later parser version's reading (open, resolved, conflict); applied by the export."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from disclosure.cli import main
from disclosure.extraction import extract_archive
from extract import PARSER_VERSION, extract_document
from extract.checks import check_values
from storage.archive import store_capture
from storage.corrections import CorrectionError, apply_corrections, correction_states, record_correction
from storage.db import session_scope
from storage.models import Report, ReportSource
from storage.queries import report_values

from .report_fixtures import report_blocks, to_html

URL = "http://127.0.0.1:1/gknb/report.html"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
D = Decimal


def shifted(document, shifts: dict[str, int]):
    """The real reading with some cells misread by ``shifts``; the checks follow the cells."""
    values = tuple(
        replace(v, value=v.value + shifts[f"{v.table}.{v.row}.{v.column}"])
        if f"{v.table}.{v.row}.{v.column}" in shifts and v.value is not None
        else v
        for v in document.values
    )
    return replace(document, values=values, checks=check_values(document.template, values))


# Module-level: extraction workers import their extractor by name.
def misread_three(content, **context):
    """granted.total 9 read as 19, partly_granted.total 3 as 13, carried_out.total 2 as 12."""
    document = extract_document(content, **context)
    return shifted(document, {"requests.granted.total": 10, "requests.partly_granted.total": 10,
                              "requests.carried_out.total": 10})


def reads_better(content, **context):
    """granted.total now right, partly_granted.total a third value (23), carried_out.total still 12."""
    document = extract_document(content, **context)
    return shifted(document, {"requests.partly_granted.total": 20, "requests.carried_out.total": 10})


TITLE = "留车镇人民政府2023年政府信息公开工作年度报告"


def stored_report(engine, *, url: str = URL, title: str = TITLE) -> None:
    body = to_html(report_blocks("v2021")).replace("<title>年度报告</title>", f"<title>{title}</title>").encode()
    with session_scope(engine) as session:
        store_capture(session, url=url, final_url=url, status=200, headers={"Content-Type": "text/html"},
                      body=body, fetched_at=datetime(2024, 3, 1, tzinfo=UTC), content_type="text/html")


def report_id(engine, version: str) -> int:
    with session_scope(engine) as session:
        ids = {row.report_id for row in report_values(session, version)}
    assert len(ids) == 1
    return ids.pop()


def cells(rows) -> dict[str, object]:
    return {f"{r.table}.{r.row}.{r.column}": r for r in rows}


@pytest.fixture
def misread(engine):
    stored_report(engine)
    extract_archive(engine, limits=None, parser_version="1", extractor=misread_three)
    return engine


def correct(engine, rid, key, value, *, version="1", reason="the PDF prints it"):
    with session_scope(engine) as session:
        return record_correction(session, report_id=rid, key=key, value=value, reason=reason, by="李明",
                                 parser_version=version, now=NOW)


def test_a_correction_records_who_when_why_and_what_was_read(misread):
    rid = report_id(misread, "1")
    state = correct(misread, rid, "requests.granted.total", "9", reason="page 3 prints 9")
    assert (state.state, state.reading) == ("open", D(19))
    with session_scope(misread) as session:
        [listed] = correction_states(session, "1")
    c = listed.correction
    assert (c.report_id, c.table_name, c.row_key, c.column_key) == (rid, "requests", "granted", "total")
    assert (c.read_value, c.value, c.read_parser_version) == (D(19), D(9), "1")
    assert (c.corrected_by, c.corrected_at, c.reason) == ("李明", NOW, "page 3 prints 9")
    assert listed.state == "open"


def test_a_later_version_resolves_conflicts_or_leaves_open(misread):
    rid = report_id(misread, "1")
    correct(misread, rid, "requests.granted.total", "9")
    correct(misread, rid, "requests.partly_granted.total", "3")
    correct(misread, rid, "requests.carried_out.total", "2")
    extract_archive(misread, limits=None, parser_version="2", extractor=reads_better)
    assert report_id(misread, "2") == rid

    with session_scope(misread) as session:
        states = {s.key: (s.state, s.reading) for s in correction_states(session, "2")}
        before = {s.key: s.state for s in correction_states(session, "1")}
        exported = cells(apply_corrections(session, report_values(session, "2")))
    assert states == {
        "requests.granted.total": ("resolved", D(9)),
        "requests.partly_granted.total": ("conflict", D(23)),
        "requests.carried_out.total": ("open", D(12)),
    }
    assert set(before.values()) == {"open"}  # judged against version 1's reading, nothing changed

    granted, partly, carried = (exported[k] for k in states)
    assert (granted.value, granted.value_source, granted.published_value) == (D(9), "published", D(9))
    assert (partly.value, partly.value_source, partly.published_value) == (D(3), "correction", D(23))
    assert (carried.value, carried.value_source, carried.published_value) == (D(2), "correction", D(12))
    untouched = exported["requests.new.total"]
    assert (untouched.value_source, untouched.published_value) == ("published", untouched.value)


def test_a_later_correction_of_the_same_cell_replaces_the_earlier(misread):
    rid = report_id(misread, "1")
    correct(misread, rid, "requests.granted.total", "8")
    correct(misread, rid, "requests.granted.total", "9")
    with session_scope(misread) as session:
        assert [s.state for s in correction_states(session, "1")] == ["replaced", "open"]
        assert cells(apply_corrections(session, report_values(session, "1")))["requests.granted.total"].value == D(9)
        # as of a moment before both, the export has only the published reading
        early = apply_corrections(session, report_values(session, "1"), as_of=datetime(2026, 1, 1, tzinfo=UTC))
    assert cells(early)["requests.granted.total"].value == D(19)


def test_none_corrects_a_cell_to_not_given(misread):
    rid = report_id(misread, "1")
    state = correct(misread, rid, "proactive.fees.amount_10k_yuan", "none")
    assert state.correction.value is None and state.correction.read_value == D("12.3456")
    with session_scope(misread) as session:
        row = cells(apply_corrections(session, report_values(session, "1")))["proactive.fees.amount_10k_yuan"]
    assert (row.value, row.value_source, row.published_value) == (None, "correction", D("12.3456"))


def test_a_correction_follows_its_page_when_its_report_is_merged_into_another(misread):
    rid = report_id(misread, "1")
    correct(misread, rid, "requests.granted.total", "9")
    with session_scope(misread) as session:
        merged = Report(status="current", first_seen_at=NOW, updated_at=NOW)
        session.add(merged)
        session.flush()
        for source in session.scalars(select(ReportSource).where(ReportSource.report_id == rid)):
            source.report_id = merged.id
        session.execute(delete(Report).where(Report.id == rid))
        merged_id = merged.id
    with session_scope(misread) as session:
        [state] = correction_states(session, "1")
    assert (state.correction.report_id, state.state) == (merged_id, "open")


REFUSED = [
    ("requests.granted.totl", "9", "not a cell of template v2021"),
    ("proactive.procurement.projects", "9", "not a cell of template v2021"),  # a v2019 row
    ("granted.total", "9", "not a key"),
    ("requests.granted.total", "１２", "not a number"),  # full-width digits: Decimal() would take them
    ("requests.granted.total", "9e3", "not a number"),
    ("requests.granted.total", "19", "already reads"),
]


def test_what_cannot_be_corrected_says_why(misread):
    rid = report_id(misread, "1")
    for key, value, message in REFUSED:
        with pytest.raises(CorrectionError, match=message):
            correct(misread, rid, key, value)
    with pytest.raises(CorrectionError, match="no report"):
        correct(misread, rid + 1000, "requests.granted.total", "9")
    with pytest.raises(CorrectionError, match="reason"):
        correct(misread, rid, "requests.granted.total", "9", reason=" ")
    with session_scope(misread) as session:
        assert correction_states(session, "1") == []


def test_the_commands_correct_list_and_export(engine, archive_url, capsys, tmp_path):
    stored_report(engine)
    extract_archive(engine, limits=None, parser_version=PARSER_VERSION, extractor=misread_three)
    rid = report_id(engine, PARSER_VERSION)
    db = ["--db", archive_url]

    assert main(["correct", str(rid), "requests.granted.total", "9", "--reason", "page 3 prints 9", "--by", "李明", *db]) == 0
    line = capsys.readouterr().out
    assert f"report {rid} requests.granted.total: read 19" in line and "corrected to 9 [open] by 李明" in line
    assert main(["correct", str(rid), "requests.granted.total", "１２", "--reason", "x", *db]) == 2
    assert "not a number" in capsys.readouterr().err

    assert main(["corrections", "--json", "--report", str(rid), *db]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert {k: listed[k] for k in ("report_id", "key", "read_value", "value", "state", "corrected_by")} == {
        "report_id": rid, "key": "requests.granted.total", "read_value": "19", "value": "9", "state": "open",
        "corrected_by": "李明",
    }
    assert main(["corrections", *db]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "1 corrections: 1 open, 0 conflict, 0 resolved, 0 replaced"

    out = tmp_path / "numbers.jsonl"
    assert main(["export", "--format", "jsonl", "--out", str(out), *db]) == 0
    rows = {f"{r['table']}.{r['row']}.{r['column']}": r for r in map(json.loads, out.read_text().splitlines())}
    granted = rows["requests.granted.total"]
    assert (granted["value"], granted["value_source"], granted["published_value"]) == ("9", "correction", "19")
    assert rows["requests.new.total"]["value_source"] == "published"
