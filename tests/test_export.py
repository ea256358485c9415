import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal

import pytest

from disclosure.export import COLUMNS, export_rows, plain_decimal


@dataclass
class Row:
    report_id: int
    body: str
    year: int
    template: str
    source_url: str
    table: str
    row: str
    column: str
    value: Decimal | None
    source_reason: str = "page carries the tables"
    sha256: str = "ab" * 32
    parser_version: str = "1"
    value_source: str = "published"
    confidence: float | None = None
    unit: str | None = None
    raw: str = ""
    status: str = "current"


ROWS = [
    Row(1, "留车镇人民政府", 2021, "v2021", "http://h/a.html", "proactive", "fees", "amount_10k_yuan", Decimal("12.3456")),
    Row(1, "留车镇人民政府", 2021, "v2021", "http://h/a.html", "requests", "new", "total", None),
    Row(2, "城关镇人民政府", 2020, "v2019", "http://h/b.html", "proactive", "licensing", "change", Decimal("-3")),
    Row(2, "城关镇人民政府", 2020, "v2019", "http://h/b.html", "requests", "new", "total", Decimal("1E+2")),
]


def test_plain_decimal_never_uses_exponents_or_floats():
    assert plain_decimal(Decimal("1E+2")) == "100"
    assert plain_decimal(Decimal("12.3456")) == "12.3456"
    assert plain_decimal(Decimal("-3")) == "-3"
    assert plain_decimal(None) is None


def test_csv_export_is_long_format_with_empty_for_not_given():
    out = io.StringIO()
    assert export_rows(ROWS, out, "csv") == 4
    records = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(records[0]) == COLUMNS
    assert [r["value"] for r in records] == ["12.3456", "", "-3", "100"]
    assert records[2]["body"] == "城关镇人民政府" and records[2]["year"] == "2020"
    assert COLUMNS.index("source_reason") == COLUMNS.index("source_url") + 1
    assert {r["source_reason"] for r in records} == {"page carries the tables"}


def test_jsonl_export_keeps_values_exact_as_strings_and_null_for_not_given():
    out = io.StringIO()
    export_rows(ROWS, out, "jsonl")
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["value"] for r in records] == ["12.3456", None, "-3", "100"]
    assert records[0]["year"] == 2021 and records[0]["table"] == "proactive"


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown export format"):
        export_rows(ROWS, io.StringIO(), "xlsx")
