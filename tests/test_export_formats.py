"""Exports for researchers: Parquet with exact types, the wide shape, filters, and the
export command on SQLite and PostgreSQL archives."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from disclosure.export import (
    COLUMNS,
    ExportError,
    Filters,
    export_parquet,
    export_rows,
    key_columns,
    select_rows,
)
from disclosure.parquet import decimal_type

FETCHED = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    report_id: int
    body: str
    year: int
    template: str
    table: str
    row: str
    column: str
    value: Decimal | None
    source_url: str = "http://h/a.html"
    source_reason: str = "page carries the tables"
    sha256: str = "ab" * 32
    parser_version: str = "1"
    value_source: str = "published"
    confidence: float | None = None
    unit: str | None = None
    raw: str | None = None
    status: str = "current"
    body_id: int | None = None
    region: str | None = None
    fetched_at: datetime | None = FETCHED


ROWS = [
    Row(1, "留车镇人民政府", 2022, "v2021", "proactive", "fees", "amount_10k_yuan", Decimal("12.3456"), body_id=7,
        region="某县"),
    Row(1, "留车镇人民政府", 2022, "v2021", "requests", "new", "total", None, body_id=7, region="某县"),
    Row(1, "留车镇人民政府", 2022, "v2021", "requests", "granted", "total", Decimal("12"), body_id=7, region="某县",
        value_source="correction"),
    Row(2, "城关镇人民政府", 2020, "v2019", "proactive", "licensing", "change", Decimal("-3"), body_id=8,
        region="另县", status="withdrawn"),
    Row(2, "城关镇人民政府", 2020, "v2019", "requests", "new", "total", Decimal("1E+2"), body_id=8, region="另县",
        status="withdrawn"),
    Row(2, "城关镇人民政府", 2020, "v2019", "proactive", "procurement", "amount", Decimal("123456789012.5"),
        body_id=8, region="另县", status="withdrawn"),
]


def parquet_of(rows, shape="long") -> pa.Table:
    out = io.BytesIO()
    export_parquet(rows, out, shape)
    return pq.read_table(io.BytesIO(out.getvalue()))


def test_parquet_long_keeps_numbers_exact_and_typed():
    table = parquet_of(ROWS)
    schema = table.schema
    assert schema.field("value").type == pa.decimal128(16, 4)  # 12 whole digits + the 4 of 12.3456
    assert schema.field("report_id").type == pa.int64() and schema.field("year").type == pa.int32()
    assert schema.field("body_id").type == pa.int64()
    assert schema.field("fetched_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("confidence").type == pa.float64()
    assert not any(pa.types.is_floating(schema.field(name).type) for name in ("value", "year", "report_id"))
    values = table.column("value").to_pylist()
    assert values == [Decimal("12.3456"), None, Decimal("12"), Decimal("-3"), Decimal("100"),
                      Decimal("123456789012.5")]
    assert table.column("fetched_at").to_pylist()[0] == FETCHED
    # the provenance columns of the long format, then the rows' own further fields
    assert tuple(table.column_names[: len(COLUMNS)]) == COLUMNS
    assert {"body_id", "region", "fetched_at"} <= set(table.column_names)


def test_decimal_type_takes_the_largest_scale_and_grows_past_38_digits():
    assert decimal_type([Decimal("1"), Decimal("0.000001")]) == pa.decimal128(7, 6)
    assert decimal_type([Decimal("0")]) == pa.decimal128(1, 0)
    assert decimal_type([Decimal("1E+40")]) == pa.decimal256(41, 0)
    with pytest.raises(ValueError, match="does not fit"):
        decimal_type([Decimal("1E+80")])


def test_wide_shape_is_one_row_per_report_with_a_column_per_canonical_key():
    out = io.StringIO()
    assert export_rows(ROWS, out, "csv", "wide") == 2
    records = list(csv.DictReader(io.StringIO(out.getvalue())))
    first, second = records
    assert first["report_id"] == "1" and first["requests.granted.total"] == "12"
    assert first["proactive.fees.amount_10k_yuan"] == "12.3456"
    assert first["requests.new.total"] == ""  # the report gives no number
    assert first["value_sources"] == "requests.granted.total=correction"
    assert second["requests.new.total"] == "100" and second["status"] == "withdrawn"
    assert second["proactive.procurement.amount"] == "123456789012.5"
    # every key of both templates is a column, whichever reports are exported
    assert set(key_columns()) <= set(first)
    assert "table" not in first and "value" not in first and "sha256" in first


def test_wide_parquet_types_each_key_by_its_own_values():
    table = parquet_of(ROWS, "wide")
    assert table.num_rows == 2
    assert table.schema.field("requests.new.total").type == pa.decimal128(3, 0)
    assert table.schema.field("proactive.fees.amount_10k_yuan").type == pa.decimal128(6, 4)
    assert table.schema.field("appeals.reconsideration.total").type == pa.decimal128(1, 0)  # no value at all
    assert table.schema.field("value_sources").type == pa.string()
    assert table.column("requests.new.total").to_pylist() == [None, Decimal("100")]


def test_wide_jsonl_keeps_values_as_exact_strings():
    out = io.StringIO()
    export_rows(ROWS, out, "jsonl", "wide")
    first = json.loads(out.getvalue().splitlines()[0])
    assert first["proactive.fees.amount_10k_yuan"] == "12.3456" and first["requests.new.total"] is None
    assert first["fetched_at"] == FETCHED.isoformat()


def test_filters_select_reports_by_region_body_year_template_and_status():
    def ids(**given):
        return sorted({r.report_id for r in select_rows(ROWS, Filters(**given))})

    assert ids() == [1, 2]
    assert ids(region="某县") == [1]
    assert ids(body="城关") == [2]
    assert ids(years=(2022, 2021)) == [1]
    assert ids(templates=("v2019",)) == [2]
    assert ids(statuses=("current",)) == [1]
    assert ids(statuses=("current",), years=(2020,)) == []


def test_region_filter_on_rows_without_region_is_a_clear_error():
    @dataclass
    class Bare:
        report_id: int
        body: str
        year: int
        template: str
        status: str

    with pytest.raises(ExportError, match="region"):
        select_rows([Bare(1, "x", 2022, "v2021", "current")], Filters(region="某县"))


# -- the export command on an archive (SQLite and PostgreSQL) ---------------------------------

PAGE = "http://county.test/xxgk/gknb/202302/t20230210_1.html"
OTHER = "http://county.test/xxgk/gknb/202302/t20230211_2.html"
GRANTED = ("requests", "granted", "total")
PROCESSED = ("requests", "total", "total")


def _publish(session, add_capture, make_report, url, cells, fetched_at, body, year=2022):
    from extract import PARSER_VERSION
    from storage.archive import record_extraction

    from sqlalchemy import update

    from storage.models import Extraction

    stored = add_capture(url, f"{url} {sorted(cells.items())}".encode(), fetched_at=fetched_at)
    extraction_id = record_extraction(
        session, stored.capture_id,
        make_report(stored.sha256, values=cells, body=body, year=year, parser_version=PARSER_VERSION),
    )
    # read as soon as fetched, as a crawl does: the archive knew these numbers from then on
    session.execute(update(Extraction).where(Extraction.id == extraction_id).values(extracted_at=fetched_at))


@pytest.fixture
def edited_archive(archive_url, session, add_capture, make_report):
    """A township's 2022 report edited in place after publication (granted 3 -> 4), and a
    department's report that never changed."""
    from extract import PARSER_VERSION
    from storage.reports import refresh_reports

    first = datetime(2023, 2, 10, 8, 0, tzinfo=UTC)
    edited = datetime(2023, 5, 2, 8, 0, tzinfo=UTC)
    _publish(session, add_capture, make_report, PAGE, {GRANTED: "3", PROCESSED: "10"}, first, "留车镇人民政府")
    _publish(session, add_capture, make_report, OTHER, {GRANTED: "5", PROCESSED: "6"}, first, "某县财政局")
    refresh_reports(session, PARSER_VERSION, now=first)
    _publish(session, add_capture, make_report, PAGE, {GRANTED: "4", PROCESSED: "10"}, edited, "留车镇人民政府")
    refresh_reports(session, PARSER_VERSION, now=edited)
    session.commit()
    return archive_url


def _export(url, tmp_path, *args) -> Path:
    from disclosure.cli import main

    out = tmp_path / f"out{len(list(tmp_path.iterdir()))}"
    assert main(["export", "--db", url, "--out", str(out), *args]) == 0
    return out


def test_wide_parquet_from_the_archive_says_which_report_changed(edited_archive, tmp_path):
    table = pq.read_table(_export(edited_archive, tmp_path, "--format", "parquet", "--shape", "wide"))
    reports = {row["body"]: row for row in table.to_pylist()}
    town, department = reports["留车镇人民政府"], reports["某县财政局"]
    assert town["requests.granted.total"] == Decimal("4") and town["requests.total.total"] == Decimal("10")
    assert (town["editions"], town["changed_after_publication"]) == (2, 1)
    assert (department["editions"], department["changed_after_publication"]) == (1, 0)
    assert town["body_kind"] == "township" and town["body_id"] != department["body_id"]
    assert table.schema.field("requests.granted.total").type == pa.decimal128(1, 0)
    assert table.schema.field("fetched_at").type == pa.timestamp("us", tz="UTC")
    assert town["fetched_at"] == datetime(2023, 5, 2, 8, 0, tzinfo=UTC)


def test_parquet_checks_out_is_typed_too(edited_archive, tmp_path):
    checks = tmp_path / "checks.parquet"
    _export(edited_archive, tmp_path, "--format", "parquet", "--checks-out", str(checks))
    schema = pq.read_schema(checks)
    assert schema.field("report_id").type == pa.int64() and schema.field("year").type == pa.int32()
    assert schema.field("cells").type == pa.list_(pa.string())
    assert schema.field("difference").type == pa.decimal128(1, 0)


def test_filters_and_as_of_on_the_archive(edited_archive, tmp_path):
    def granted(*args):
        path = _export(edited_archive, tmp_path, "--format", "jsonl", *args)
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return {(r["body"], r["value"]) for r in rows if (r["table"], r["row"], r["column"]) == GRANTED}

    assert granted() == {("留车镇人民政府", "4"), ("某县财政局", "5")}
    assert granted("--body", "留车") == {("留车镇人民政府", "4")}
    assert granted("--as-of", "2023-03-01") == {("留车镇人民政府", "3"), ("某县财政局", "5")}
    assert granted("--as-of", "2023-01-01") == set()
    assert granted("--year", "2021") == set()
    assert granted("--status", "withdrawn") == set()
    assert granted("--template", "v2021", "--year", "2022", "--status", "current") == granted()


def test_coverage_view_tells_archived_late_missing_and_withdrawn(edited_archive, session, add_capture, make_report):
    from sqlalchemy import select, text, update

    from extract import PARSER_VERSION
    from storage.models import Capture, Document, Extraction
    from storage.reports import refresh_reports

    earlier = datetime(2022, 2, 1, 8, 0, tzinfo=UTC)
    _publish(session, add_capture, make_report, "http://county.test/xxgk/gknb/202202/t20220201_3.html",
             {GRANTED: "1", PROCESSED: "2"}, earlier, "留车镇人民政府", year=2021)
    session.execute(update(Extraction).values(published="2022-03-20"))  # on time for 2021
    edited_page = select(Capture.id).where(Capture.url == PAGE)
    session.execute(update(Extraction).where(Extraction.capture_id.in_(edited_page)).values(published="2023-04-15"))
    session.execute(update(Document).where(Document.url == OTHER).values(withdrawn_at=datetime(2023, 6, 1, tzinfo=UTC)))
    refresh_reports(session, PARSER_VERSION)
    session.commit()
    rows = session.execute(text("SELECT body, year, coverage FROM coverage_v")).all()
    assert {(body, year): state for body, year, state in rows} == {
        ("留车镇人民政府", 2021): "archived",
        ("留车镇人民政府", 2022): "late",  # published after 31 March 2023
        ("某县财政局", 2021): "missing",
        ("某县财政局", 2022): "withdrawn",
    }


# -- streaming: the export writes rows as they are read ---------------------------------------


def test_long_csv_is_written_while_the_rows_are_still_being_read():
    out = io.StringIO()
    written_before: list[int] = []

    def rows():
        for row in ROWS:
            written_before.append(out.getvalue().count("\n"))  # lines out when this row is asked for
            yield row

    assert export_rows(rows(), out, "csv") == len(ROWS)
    # the header and every earlier row are out before the next row is read
    assert written_before == [0, *range(2, len(ROWS) + 1)]
    assert out.getvalue() == _csv(ROWS)


def _csv(rows) -> str:
    out = io.StringIO()
    export_rows(list(rows), out, "csv")
    return out.getvalue()


@pytest.mark.parametrize("shape", ["long", "wide"])
def test_parquet_typed_batch_by_batch_is_the_parquet_typed_at_once(shape, monkeypatch):
    import disclosure.parquet as parquet

    at_once = parquet_of(ROWS, shape)
    monkeypatch.setattr(parquet, "BATCH_ROWS", 1 if shape == "wide" else 2)  # batches that type "value" apart
    batched = parquet_of(iter(ROWS), shape)
    assert batched.schema == at_once.schema
    assert batched.to_pylist() == at_once.to_pylist()
    if shape == "long":
        assert batched.schema.field("value").type == pa.decimal128(16, 4)
        assert pq.ParquetFile(io.BytesIO(_parquet_bytes(iter(ROWS)))).metadata.num_row_groups == 3


def _parquet_bytes(rows) -> bytes:
    out = io.BytesIO()
    export_parquet(rows, out)
    return out.getvalue()


def test_reports_are_batched_whole():
    from disclosure.export import report_batches

    batches = list(report_batches(iter(ROWS), 1))
    assert [[r.report_id for r in batch] for batch in batches] == [[1, 1, 1], [2, 2, 2]]
    assert [r for batch in report_batches(ROWS, 2) for r in batch] == ROWS
    assert list(report_batches([], 1)) == []


def test_export_read_a_report_at_a_time_is_the_export_read_at_once(edited_archive, tmp_path, monkeypatch):
    import disclosure.export as export
    from disclosure.cli import main as cli

    correction = ["correct", "--db", edited_archive, "1", "requests.granted.total", "7", "--reason", "the PDF prints 7"]
    assert cli(correction) == 0
    whole = {fmt: _export(edited_archive, tmp_path, "--format", fmt).read_bytes() for fmt in ("jsonl", "parquet")}
    assert b'"value_source": "correction"' in whole["jsonl"]
    monkeypatch.setattr(export, "REPORTS_PER_BATCH", 1)  # two reports: two batches
    for fmt, expected in whole.items():
        assert _export(edited_archive, tmp_path, "--format", fmt).read_bytes() == expected


def test_long_records_read_each_row_as_getattr_would():
    from disclosure.export import WithReport, long_records

    class Loose:  # rows of one class that carry different fields
        def __init__(self, **given):
            self.__dict__.update(given)

    rows = [
        WithReport(ROWS[0], {"county": "某县", "body": "改名镇"}),  # the report's fields come first
        WithReport(ROWS[3], {"county": None, "body": "城关镇"}),
    ]
    columns, records = long_records(iter(rows))
    records = list(records)
    assert columns[-1] == "county" and "region" in columns
    assert [r["body"] for r in records] == ["改名镇", "城关镇"]
    assert [(r["county"], r["region"], r["value"]) for r in records] == [("某县", "某县", Decimal("12.3456")),
                                                                         (None, "另县", Decimal("-3"))]
    _, loose = long_records([Loose(report_id=1, year=2020), Loose(report_id=2, body="某镇"), Loose(value=Decimal(1))])
    assert [(r["report_id"], r["body"], r["year"], r["value"]) for r in loose] == [
        (1, None, 2020, None), (2, "某镇", None, None), (None, None, None, Decimal(1))]
