"""Recording extractions: exact numbers, checks, failures, one row per (capture, version)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from extract.records import Check
from storage.archive import record_extraction, record_failure
from storage.models import CheckResult, ExtractedValue, Extraction

CELLS = {
    ("proactive", "licensing", "change"): "-3",
    ("proactive", "fees", "amount_10k_yuan"): "12.3456",
    ("requests", "new", "total"): "0",
    ("requests", "carried_in", "total"): None,
}


def extraction_rows(session, capture_id: int) -> list[Extraction]:
    query = (
        select(Extraction)
        .where(Extraction.capture_id == capture_id)
        .order_by(Extraction.parser_version)
    )
    return list(session.scalars(query))


def values_of(session, extraction_id: int) -> dict[tuple[str, str, str], Decimal | None]:
    query = select(ExtractedValue).where(ExtractedValue.extraction_id == extraction_id)
    return {(v.table_name, v.row_key, v.column_key): v.value for v in session.scalars(query)}


def test_extraction_round_trip_keeps_numbers_exact(engine, session, add_capture, make_report):
    stored = add_capture("http://county.test/report.html")
    check = Check(
        rule="requests.balance",
        scope="total",
        status="fail",
        cells=("requests.new.total", "requests.carried_in.total"),
        difference=Decimal("-1.50"),
    )
    extraction_id = record_extraction(
        session, stored.capture_id, make_report(stored.sha256, values=CELLS, checks=(check,))
    )
    session.commit()
    session.expire_all()

    values = values_of(session, extraction_id)
    expected = {key: None if raw is None else Decimal(raw) for key, raw in CELLS.items()}
    assert values == expected
    # Equal is not enough: the stored text must come back as written.
    assert {k: str(v) for k, v in values.items() if v is not None} == {
        k: raw for k, raw in CELLS.items() if raw
    }

    row = session.get(Extraction, extraction_id)
    assert (row.status, row.parser_version, row.is_annual_report) == ("ok", "1", True)
    assert (row.body, row.year, row.template) == ("留车镇人民政府", 2023, "v2021")
    assert row.metadata_ == [["索引号", "000014349/2024-00001"], ["发布机构", "留车镇人民政府"]]
    assert row.warnings == ["a warning"]
    assert row.published == "2024-01-15"
    assert row.extracted_at.tzinfo is not None

    [stored_check] = session.scalars(
        select(CheckResult).where(CheckResult.extraction_id == extraction_id)
    )
    assert (stored_check.rule, stored_check.scope, stored_check.status) == (
        "requests.balance",
        "total",
        "fail",
    )
    assert stored_check.cells == ["requests.new.total", "requests.carried_in.total"]
    assert str(stored_check.difference) == "-1.50"


def test_recording_again_at_the_same_version_replaces_only_that_version(
    session, add_capture, make_report
):
    stored = add_capture("http://county.test/report.html")
    record_extraction(
        session,
        stored.capture_id,
        make_report(stored.sha256, values={("requests", "new", "total"): "1"}, parser_version="1"),
    )
    record_extraction(
        session,
        stored.capture_id,
        make_report(stored.sha256, values={("requests", "new", "total"): "2"}, parser_version="2"),
    )
    newest = record_extraction(
        session,
        stored.capture_id,
        make_report(
            stored.sha256,
            values={
                ("requests", "new", "total"): "7",
                ("appeals", "reconsideration", "total"): "1",
            },
            parser_version="1",
        ),
    )
    session.commit()

    rows = extraction_rows(session, stored.capture_id)
    assert [r.parser_version for r in rows] == ["1", "2"]
    assert rows[0].id == newest
    assert values_of(session, rows[0].id) == {
        ("requests", "new", "total"): Decimal("7"),
        ("appeals", "reconsideration", "total"): Decimal("1"),
    }
    assert values_of(session, rows[1].id) == {("requests", "new", "total"): Decimal("2")}
    # The replaced row's values are gone, not orphaned.
    assert session.scalar(select(func.count()).select_from(ExtractedValue)) == 3


def test_a_failure_replaces_a_success_at_that_version_and_back(session, add_capture, make_report):
    stored = add_capture("http://county.test/broken.pdf")
    record_extraction(
        session,
        stored.capture_id,
        make_report(stored.sha256, values={("requests", "new", "total"): "1"}),
    )
    failed = record_failure(
        session, stored.capture_id, parser_version="1", error="PDFSyntaxError: truncated"
    )
    session.commit()

    [row] = extraction_rows(session, stored.capture_id)
    assert (row.id, row.status, row.error, row.is_annual_report) == (
        failed,
        "failed",
        "PDFSyntaxError: truncated",
        False,
    )
    assert session.scalar(select(func.count()).select_from(ExtractedValue)) == 0

    record_extraction(session, stored.capture_id, make_report(stored.sha256))
    session.commit()
    [row] = extraction_rows(session, stored.capture_id)
    assert (row.status, row.error) == ("ok", None)


def test_an_extraction_of_other_bytes_is_refused(session, add_capture, make_report):
    stored = add_capture("http://county.test/report.html")
    with pytest.raises(ValueError, match="does not belong"):
        record_extraction(session, stored.capture_id, make_report("f" * 64))


def test_unknown_capture_is_refused(session, make_report):
    with pytest.raises(KeyError):
        record_extraction(session, 999, make_report("f" * 64))
    with pytest.raises(KeyError):
        record_failure(session, 999, parser_version="1", error="x")


def test_non_finite_numbers_are_refused(session):
    from storage.models import ExactDecimal

    with pytest.raises(ValueError):
        ExactDecimal().process_bind_param(Decimal("NaN"), session.bind.dialect)
    with pytest.raises(TypeError):
        ExactDecimal().process_bind_param(1.5, session.bind.dialect)
