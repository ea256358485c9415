"""Writing the archive's numbers: long (one row per number) or wide (one row per report),
as CSV, JSON lines or Parquet, with every row's provenance.

Rows are whatever ``storage.queries.report_values`` returns: the columns below come first,
and any further field its rows carry (``body_id``, ``fetched_at``, ``published_value``, ...)
follows, so new provenance reaches every format without a change here.

An export of the archive is a stream (``stream_rows``): rows are read a batch of reports at a
time and written as they come, so the long shape holds a batch, not the archive, in memory
(Parquet types each batch and spools it to a temporary file, see ``disclosure.parquet``).
The wide shape keeps one record per report until the last row, since its columns are every
key any report has.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from extract.keys import TEMPLATES, all_keys, OTHER_OUTCOMES

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
FORMATS = ("csv", "jsonl", "parquet")
SHAPES = ("long", "wide")
# Fields that belong to one number, not to its report: the wide shape spreads them out.
CELL_FIELDS = frozenset(
    {"table", "row", "column", "value", "raw", "value_source", "confidence", "unit", "published_value",
     "correction_id", "value_text", "key"}
)
WIDE_SOURCES = "value_sources"  # wide shape: the cells not read as published, "key=source ..."


class ExportError(ValueError):
    """The export cannot be written as asked; the message says why."""


def plain_decimal(value: Decimal | None) -> str | None:
    """A decimal as researchers type it: no exponent, no float rounding."""
    if value is None:
        return None
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0") else text


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Filters:
    """Which reports to export; ``None`` or empty: no restriction."""

    region: str | None = None  # contained in the body's region
    body: str | None = None  # contained in the body's name
    years: tuple[int, ...] = ()
    templates: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    def keep(self, row: Any) -> bool:
        if self.region is not None:
            if not hasattr(row, "region"):
                raise ExportError("this archive's rows carry no region: --region needs the bodies of the archive")
            if self.region not in (row.region or ""):
                return False
        return (
            (self.body is None or self.body in (row.body or ""))
            and (not self.years or row.year in self.years)
            and (not self.templates or row.template in self.templates)
            and (not self.statuses or row.status in self.statuses)
        )


def select_rows(rows: Iterable, filters: Filters) -> list:
    return [row for row in rows if filters.keep(row)]


def _peeked(rows: Iterable) -> tuple[Any, Iterator]:
    """The first row (None: there is none) and every row, the first included."""
    rows = iter(rows)
    first = next(rows, None)
    return first, rows if first is None else itertools.chain((first,), rows)


class WithReport:
    """A row with further fields of its report (its body's kind and county, whether it changed)."""

    __slots__ = ("_wrapped", "_extra")

    def __init__(self, row: Any, extra: dict[str, Any]):
        self._wrapped, self._extra = row, extra

    def __getattr__(self, name: str) -> Any:
        extra = object.__getattribute__(self, "_extra")
        if name in extra:
            return extra[name]
        return getattr(object.__getattribute__(self, "_wrapped"), name)

    def field_names(self) -> list[str]:
        own = _field_names(self._wrapped)
        return [*own, *(name for name in self._extra if name not in own)]


def _field_names(row: Any) -> list[str]:
    if isinstance(row, WithReport):
        return row.field_names()
    if dataclasses.is_dataclass(row):
        return [f.name for f in dataclasses.fields(row)]
    return list(vars(row))


def long_columns(rows: Sequence) -> tuple[str, ...]:
    """COLUMNS, then every further field the rows carry, in their order."""
    return _columns_of(rows[0] if rows else None)


def _columns_of(first: Any) -> tuple[str, ...]:
    extra: list[str] = []
    if first is not None:
        extra = [name for name in _field_names(first) if name not in COLUMNS and not name.startswith("_")]
    return (*COLUMNS, *extra)


def long_records(rows: Iterable) -> tuple[tuple[str, ...], Iterator[dict[str, Any]]]:
    """The columns (from the first row) and a record per row, made as the rows come."""
    first, rows = _peeked(rows)
    columns = _columns_of(first)
    read = _reader(columns)
    return columns, (dict(zip(columns, read(row))) for row in rows)


def _reader(columns: tuple[str, ...]) -> Callable[[Any], Sequence[Any]]:
    """A row's values in ``columns`` order, as ``getattr(row, name, None)`` gives them.

    Millions of rows: the columns to take from a row and from its report's fields (a
    ``WithReport``) are worked out once per kind of row, then read with one ``attrgetter``.
    """
    plans: dict[tuple, Callable[[Any, dict], Sequence[Any]]] = {}

    def read(row: Any) -> Sequence[Any]:
        if type(row) is WithReport:
            inner, extra = object.__getattribute__(row, "_wrapped"), object.__getattribute__(row, "_extra")
        else:
            inner, extra = row, _NO_FIELDS
        kind = (type(inner), tuple(extra))
        plan = plans.get(kind)
        if plan is None:
            plan = plans[kind] = _plan(columns, inner, extra)
        try:
            return plan(inner, extra)
        except AttributeError:  # a row of the same kind without a field the first one had
            return [getattr(row, name, None) for name in columns]

    return read


_NO_FIELDS: dict[str, Any] = {}


def _plan(columns: tuple[str, ...], inner: Any, extra: dict[str, Any]) -> Callable[[Any, dict], Sequence[Any]]:
    own = [name for name in columns if name not in extra and hasattr(inner, name)]
    if not own:
        return lambda row, extra: [extra.get(name) for name in columns]
    if len(own) == 1:
        get = lambda row, name=own[0]: (getattr(row, name),)  # noqa: E731 (attrgetter of one name gives no tuple)
    else:
        get = operator.attrgetter(*own)
    if own == list(columns):
        return lambda row, extra: get(row)
    at = {name: i for i, name in enumerate(own)}
    picks = tuple((at.get(name), name) for name in columns)
    return lambda row, extra: [
        values[i] if i is not None else extra.get(name) for values in (get(row),) for i, name in picks
    ]


def canonical_key(table: str, row: str, column: str) -> str:
    return f"{table}.{row}.{column}"


def key_columns() -> tuple[str, ...]:
    """Every canonical key of both templates (and of hybrids' 其他处理 rows), in document order."""
    keys: dict[str, None] = {}
    for template in TEMPLATES:
        for others in OTHER_OUTCOMES.values():
            for key in all_keys(template, others):
                keys[canonical_key(*key)] = None
    return tuple(keys)


def wide_records(rows: Iterable) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """One record per report: its own fields, then one column per canonical key."""
    first, rows = _peeked(rows)
    report_fields = tuple(name for name in _columns_of(first) if name not in CELL_FIELDS)
    keys = list(key_columns())
    known = set(keys)
    reports: dict[Any, dict[str, Any]] = {}
    sources: dict[Any, list[str]] = {}
    for row in rows:
        record = reports.get(row.report_id)
        if record is None:
            record = reports[row.report_id] = {name: getattr(row, name, None) for name in report_fields}
            sources[row.report_id] = []
        key = canonical_key(row.table, row.row, row.column)
        if key not in known:
            known.add(key)
            keys.append(key)
        record[key] = row.value
        value_source = getattr(row, "value_source", "published")
        if value_source != "published":
            sources[row.report_id].append(f"{key}={value_source}")
    for report_id, record in reports.items():
        record[WIDE_SOURCES] = " ".join(sources[report_id]) or None
    columns = (*report_fields, WIDE_SOURCES, *keys)
    return columns, [{name: record.get(name) for name in columns} for record in reports.values()]


def records(rows: Iterable, shape: str) -> tuple[tuple[str, ...], Iterable[dict[str, Any]]]:
    if shape not in SHAPES:
        raise ExportError(f"unknown export shape {shape!r}: use one of {', '.join(SHAPES)}")
    return wide_records(rows) if shape == "wide" else long_records(rows)


def export_rows(rows: Iterable, out: IO[str], fmt: str, shape: str = "long") -> int:
    """CSV or JSON lines to a text stream; returns the number of records written."""
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    columns, items = records(rows, shape)
    write = _csv_writer(out, columns) if fmt == "csv" else _jsonl_writer(out)
    count = 0
    for count, record in enumerate(items, 1):
        write({name: _text_value(value) for name, value in record.items()})
    return count


def export_parquet(rows: Iterable, out: str | IO[bytes], shape: str = "long") -> int:
    """Parquet with typed columns: decimals exact (decimal128), integers as integers, times as timestamps."""
    from .parquet import write_records

    columns, items = records(rows, shape)
    return write_records(columns, items, out)


def _text_value(value: Any) -> Any:
    convert = _TEXT.get(type(value))
    if convert is not None:
        return convert(value)
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return list(value)
    return value


_TEXT: dict[type, Callable[[Any], Any]] = {
    Decimal: plain_decimal, datetime: datetime.isoformat, date: date.isoformat, tuple: list, list: list,
}


def _csv_writer(out: IO[str], columns: Sequence[str]):
    """Records whose keys are ``columns`` in order (as ``records`` makes them); None is written empty."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)

    def write(record: dict) -> None:
        writer.writerow([" ".join(v) if type(v) is list else v for v in record.values()])

    return write


def _jsonl_writer(out: IO[str]):
    return lambda record: out.write(json.dumps(record, ensure_ascii=False) + "\n")


def export_records_parquet(columns: Sequence[str], items: Sequence[dict[str, Any]], out: str | IO[bytes]) -> int:
    from .parquet import write_table

    write_table(columns, items, out)
    return len(items)


def current_rows(session, parser_version: str, as_of: datetime | None = None) -> list:
    """The numbers to export: each report's current reading (as the archive knew it at
    ``as_of``), with the archive's corrections applied where it has them."""
    return list(iter_current_rows(session, parser_version, as_of))


REPORTS_PER_BATCH = 500


def iter_current_rows(session, parser_version: str, as_of: datetime | None = None) -> Iterator:
    """``current_rows`` as a stream: a batch of ``REPORTS_PER_BATCH`` reports at a time is read,
    corrected and given its report's fields. Rows come in report order, each report whole."""
    import inspect

    from storage.queries import iter_report_values

    if as_of is None:
        rows = iter_report_values(session, parser_version)
    elif "as_of" in inspect.signature(iter_report_values).parameters:
        rows = iter_report_values(session, parser_version, as_of=as_of)
    else:
        raise ExportError("--as-of needs an archive that keeps reports over time (not available in this version)")
    try:
        from storage.corrections import apply_corrections
    except ImportError:
        apply_corrections = None
    dated = (as_of is not None and apply_corrections is not None
             and "as_of" in inspect.signature(apply_corrections).parameters)
    for batch in report_batches(rows, REPORTS_PER_BATCH):
        # A correction's state depends on its own report's cells only, and a batch has its reports whole.
        if apply_corrections is not None:
            batch = list(apply_corrections(session, batch, as_of=as_of) if dated else apply_corrections(session, batch))
        yield from with_report_fields(session, batch)


def report_batches(rows: Iterable, reports: int) -> Iterator[list]:
    """Consecutive rows in lists of ``reports`` reports (a report's rows are consecutive)."""
    batch: list = []
    seen = 0
    last = None
    for row in rows:
        if row.report_id != last:
            last = row.report_id
            seen += 1
            if seen > reports:
                yield batch
                batch, seen = [], 1
        batch.append(row)
    if batch:
        yield batch


def stream_rows(session, parser_version: str, as_of: datetime | None, filters: Filters) -> tuple[Iterator, set[int]]:
    """The rows to export, filtered, as a stream; and the set of their report ids, filled as the
    stream is read. The first row is read at once, so a filter the archive cannot answer fails
    before anything is written."""
    reports: set[int] = set()

    def noted(rows: Iterable) -> Iterator:
        for row in rows:
            reports.add(row.report_id)
            yield row

    _, rows = _peeked(noted(row for row in iter_current_rows(session, parser_version, as_of) if filters.keep(row)))
    return rows, reports


REPORT_FIELDS = ("body_kind", "county", "region", "editions", "corrections", "changed_after_publication")


def with_report_fields(session, rows: list) -> list:
    """Rows with their report's fields from ``report_requests_v`` (what a study filters on)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from storage.queries import chunks

    wanted = sorted({row.report_id for row in rows})
    found: dict[int, dict[str, Any]] = {}
    try:
        with session.begin_nested():
            for chunk in chunks(wanted, 500):
                query = text(f"SELECT report_id, {', '.join(REPORT_FIELDS)} FROM report_requests_v "
                             f"WHERE report_id IN ({', '.join(str(int(i)) for i in chunk)})")
                for report_id, *values in session.execute(query):
                    found[report_id] = dict(zip(REPORT_FIELDS, values, strict=True))
    except DBAPIError:  # an archive from before the researcher views
        return rows
    empty = dict.fromkeys(REPORT_FIELDS)
    return [WithReport(row, {k: v for k, v in found.get(row.report_id, empty).items()
                             if k != "region" or getattr(row, "region", None) is None}) for row in rows]
