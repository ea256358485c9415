"""Records to a Parquet file whose column types say what the values are.

Decimals become decimal128 (decimal256 past 38 digits) with the largest scale any value
of the column has, so every number stays exact; integers stay integers, times become UTC
timestamps; a column with no value at all is typed by its name (a number's column stays decimal).

``write_records`` takes the records as a stream and holds ``BATCH_ROWS`` of them at a time:
each batch is typed on its own and spooled to a temporary file, then all are written under one
schema, each column's type the one that holds every batch's values (decimals: the most whole
digits and the largest scale any batch has), as if the records had been typed together.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, UTC
from decimal import Decimal
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

BATCH_ROWS = 50_000  # records typed at a time: a row group each
_MAX_DECIMAL128 = 38
_MAX_DECIMAL256 = 76
# Types that do not depend on the rows, so an empty or sparse export keeps its schema.
_KNOWN = {
    "report_id": pa.int64(),
    "body_id": pa.int64(),
    "year": pa.int32(),
    "confidence": pa.float64(),
    "fetched_at": pa.timestamp("us", tz="UTC"),
    "other_report_id": pa.int64(),
    "previous_report_id": pa.int64(),
    "cells": pa.list_(pa.string()),
}
_DECIMALS = frozenset({"value", "difference", "published_value"})


def _is_number_column(name: str) -> bool:
    """A number's column: value-like names and canonical keys (table.row.column) of the wide shape."""
    return name in _DECIMALS or name.count(".") == 2


def decimal_type(values: Sequence[Decimal]) -> pa.DataType:
    """The narrowest decimal type that holds every value exactly."""
    scale = max((max(0, -int(v.as_tuple().exponent)) for v in values), default=0)
    whole = max((max(1, v.adjusted() + 1) for v in values if v != 0), default=1)
    return _decimal(whole, scale)


def _decimal(whole: int, scale: int) -> pa.DataType:
    precision = max(1, whole + scale)
    if precision <= _MAX_DECIMAL128:
        return pa.decimal128(precision, scale)
    if precision <= _MAX_DECIMAL256:
        return pa.decimal256(precision, scale)
    raise ValueError(f"a number with {precision} digits does not fit a Parquet decimal")


def column_type(name: str, values: Sequence[Any]) -> pa.DataType:
    given = [v for v in values if v is not None]
    if name in _KNOWN:
        return _KNOWN[name]
    if not given:
        return pa.decimal128(1, 0) if _is_number_column(name) else pa.string()
    if all(isinstance(v, Decimal) for v in given):
        return decimal_type(given)
    if all(isinstance(v, bool) for v in given):
        return pa.bool_()
    if all(isinstance(v, int) and not isinstance(v, bool) for v in given):
        return pa.int64()
    if all(isinstance(v, float | int) and not isinstance(v, bool) for v in given):
        return pa.float64()
    if all(isinstance(v, datetime | date) for v in given):
        return pa.timestamp("us", tz="UTC")
    if all(isinstance(v, tuple | list) for v in given):
        return pa.list_(pa.string())
    return pa.string()


def _convert(value: Any, kind: pa.DataType) -> Any:
    if value is None:
        return None
    if pa.types.is_timestamp(kind):
        if not isinstance(value, datetime):
            value = datetime.combine(value, time.min)
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if pa.types.is_list(kind):
        return [str(item) for item in value]
    if pa.types.is_string(kind) and not isinstance(value, str):
        return str(value)
    return value


def table(columns: Sequence[str], records: Sequence[dict[str, Any]]) -> pa.Table:
    arrays, fields = [], []
    for name in columns:
        values = [record.get(name) for record in records]
        kind = column_type(name, values)
        arrays.append(pa.array([_convert(v, kind) for v in values], type=kind))
        fields.append(pa.field(name, kind))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def write_table(columns: Sequence[str], records: Sequence[dict[str, Any]], out: str | IO[bytes]) -> None:
    pq.write_table(table(columns, records), out)


def write_records(columns: Sequence[str], records: Iterable[dict[str, Any]], out: str | IO[bytes]) -> int:
    """The records to a Parquet file, ``BATCH_ROWS`` in memory at a time; returns how many there were."""
    records = iter(records)
    first = list(itertools.islice(records, BATCH_ROWS))
    if len(first) < BATCH_ROWS:  # one batch: typed and written as it is
        write_table(columns, first, out)
        return len(first)
    count = 0
    with tempfile.TemporaryDirectory(prefix="disclosure-parquet-") as folder:
        parts: list[tuple[str, pa.Schema, frozenset[str]]] = []
        batch = first
        while batch:
            part = table(columns, batch)
            path = f"{folder}/{len(parts)}.parquet"
            pq.write_table(part, path)
            given = frozenset(name for name in columns if part.column(name).null_count < part.num_rows)
            parts.append((path, part.schema, given))
            count += len(batch)
            del part
            batch = list(itertools.islice(records, BATCH_ROWS))
        schema = pa.schema([pa.field(name, _unified(name, parts)) for name in columns])
        with pq.ParquetWriter(out, schema) as writer:
            for path, _, _ in parts:
                writer.write_table(pq.read_table(path).cast(schema))
    return count


def _unified(name: str, parts: Sequence[tuple[str, pa.Schema, frozenset[str]]]) -> pa.DataType:
    """One type for a column typed batch by batch: from the batches with a value in it (a batch
    without one typed it by its name only)."""
    kinds = [schema.field(name).type for _, schema, given in parts if name in given]
    if not kinds:
        return parts[0][1].field(name).type
    if all(pa.types.is_decimal(kind) for kind in kinds):
        return _decimal(max(kind.precision - kind.scale for kind in kinds), max(kind.scale for kind in kinds))
    if all(kind == kinds[0] for kind in kinds):
        return kinds[0]
    if all(pa.types.is_integer(kind) or pa.types.is_floating(kind) for kind in kinds):
        return pa.float64()
    return pa.string()
