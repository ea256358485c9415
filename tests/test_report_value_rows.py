"""The export's rows are streamed a chunk of reports at a time and are whole ReportValues."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

import storage.queries as queries
from storage.queries import ReportValue, iter_report_values, report_values
from tests.test_storage_queries import NEW, FEES, store_read


def test_rows_across_chunks_are_complete_frozen_and_in_report_order(session, add_capture, make_report, monkeypatch):
    for n in range(5):
        store_read(session, add_capture, make_report, f"http://county.test/2024/t{n}.html", {NEW: str(n), FEES: "1.5"})
    session.commit()
    monkeypatch.setattr(queries, "_CHUNK", 2)  # five reports: three chunks

    rows = list(iter_report_values(session, "1"))
    assert rows == report_values(session, "1")
    assert [r.report_id for r in rows] == sorted(r.report_id for r in rows)
    assert len({r.report_id for r in rows}) == 5
    assert sorted(r.value for r in rows if (r.table, r.row, r.column) == NEW) == [Decimal(n) for n in range(5)]
    for row in rows:
        fields = {f.name: getattr(row, f.name) for f in dataclasses.fields(ReportValue)}  # every slot is set
        assert ReportValue(**fields) == row
        assert row.status == "current" and row.value_source == "published" and row.document_id is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        rows[0].value = Decimal(0)
