"""Writing the archive's current numbers in long format: one row per number of each report."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import IO

COLUMNS = (
    "report_id",
    "body",
    "year",
    "template",
    "source_url",
    "source_reason",
    "table",
    "row",
    "column",
    "value",
    "value_source",
    "confidence",
    "unit",
    "raw",
    "sha256",
    "parser_version",
    "status",
)
FORMATS = ("csv", "jsonl")


def plain_decimal(value: Decimal | None) -> str | None:
    """A decimal as researchers type it: no exponent, no float rounding."""
    if value is None:
        return None
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0") else text


def export_rows(rows: Iterable, out: IO[str], fmt: str) -> int:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    writer = _csv_writer(out) if fmt == "csv" else _jsonl_writer(out)
    count = 0
    for row in rows:
        writer(_as_record(row))
        count += 1
    return count


def _as_record(row) -> dict:
    record = {name: getattr(row, name) for name in COLUMNS}
    record["value"] = plain_decimal(row.value)
    return record


def _csv_writer(out: IO[str]):
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    return lambda record: writer.writerow({k: "" if v is None else v for k, v in record.items()})


def _jsonl_writer(out: IO[str]):
    return lambda record: out.write(json.dumps(record, ensure_ascii=False) + "\n")
