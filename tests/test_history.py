"""`disclosure history`: a document's captures, withdrawals, failures and changed cells."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from disclosure.cli import main
from disclosure.history import history_json, history_text
from storage.archive import record_extraction
from storage.frontier import record_fetch_failure
from storage.history import document_history

from .conftest import T0

PAGE = "http://county.test/xxgk/gknb/t20240115_1.html"
T1, T2, T3, T4 = (T0 + timedelta(days=n) for n in (1, 2, 3, 4))
NEW = ("requests", "new", "total")
UPHELD = ("appeals", "reconsideration", "upheld")
FEES = ("proactive", "fees", "amount_10k_yuan")


@pytest.fixture
def edited_and_withdrawn(session, add_capture, make_report):
    """A report read twice with two cells changed, then withdrawn, back, and a file that failed."""
    first = add_capture(PAGE, b"<html>v1</html>", role="item")
    record_extraction(session, first.capture_id, make_report(first.sha256, values={NEW: "12", UPHELD: "1", FEES: None}))
    second = add_capture(PAGE, b"<html>v2</html>", fetched_at=T1)
    record_extraction(session, second.capture_id, make_report(second.sha256, values={NEW: "12", UPHELD: "2", FEES: "3.5"}))
    add_capture(PAGE, b"gone", status=404, fetched_at=T2)
    add_capture(PAGE, b"<html>v2</html>", fetched_at=T3)
    record_fetch_failure(session, url="http://county.test/a.pdf", reason="TimeoutError: slow", failed_at=T4,
                         portal="testcounty", role="attachment", parent_url=PAGE)
    session.commit()


def test_history_lists_captures_withdrawals_and_changed_cells(session, edited_and_withdrawn):
    history = document_history(session, PAGE, "1")
    assert [(c.status, c.fetched_at) for c in history.captures] == [(200, T0), (200, T1), (404, T2), (200, T3)]
    assert [c.size for c in history.captures][:2] == [len(b"<html>v1</html>"), len(b"<html>v2</html>")]
    assert [(w.since, w.until, w.status) for w in history.withdrawals] == [(T2, T3, 404)]
    assert history.withdrawn_at is None and history.role == "item"
    assert history.readings == 2
    (change,) = history.changes
    assert {(c.table, c.row, c.column): (c.old, c.new) for c in change.cells} == {
        UPHELD: (Decimal("1"), Decimal("2")),
        FEES: (None, Decimal("3.5")),
    }
    assert history.attachments == ("http://county.test/a.pdf",)
    attachment = document_history(session, "http://county.test/a.pdf", "1")
    assert attachment.captures == () and [f.reason for f in attachment.failures] == ["TimeoutError: slow"]
    assert attachment.parent_url == PAGE


def test_history_text_and_json(session, edited_and_withdrawn):
    history = document_history(session, PAGE, "1")
    text = history_text(history)
    assert "appeals.reconsideration.upheld: 1 -> 2" in text
    assert "proactive.fees.amount_10k_yuan: not given -> 3.5" in text
    assert "answered again" in text and "captures (4)" in text
    data = json.loads(json.dumps(history_json(history)))
    assert data["captures"][2]["status"] == 404
    assert data["changes"][0]["cells"][0]["new"] in ("2", "3.5")
    assert data["withdrawals"][0]["since"] == T2.isoformat()


def test_history_finds_a_document_by_the_url_it_redirected_to(session, add_capture):
    add_capture("http://county.test/module/download/downfile.jsp?id=1", b"%PDF-1.4",
                final_url="http://county.test/files/a.pdf", role="attachment")
    history = document_history(session, "http://county.test/files/a.pdf", "1")
    assert history.url == "http://county.test/module/download/downfile.jsp?id=1"


def test_history_command_prints_json_and_refuses_an_unknown_url(archive_url, session, edited_and_withdrawn, capsys):
    assert main(["history", "--db", archive_url, "--json", PAGE]) == 0
    assert json.loads(capsys.readouterr().out)["url"] == PAGE
    assert main(["history", "--db", archive_url, "http://county.test/unknown.html"]) == 2
    assert "no document http://county.test/unknown.html" in capsys.readouterr().err
