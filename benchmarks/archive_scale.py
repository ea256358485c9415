"""The archive at scale: export time through the ORM against raw SQL, and the index's size.

    python benchmarks/archive_scale.py                       # 100,000 reports: long, see README
    python benchmarks/archive_scale.py --reports 5000 --db sqlite --json

A synthetic archive of ``--reports`` annual reports is written straight into the tables
(bulk inserts; COPY on PostgreSQL): per report a body (five reports per body), a page
document, its capture, an ``ok`` extraction at parser version "1" with ``--values`` cells,
the ``reports`` row and its ``report_sources`` page. Then, per database:

1. the full export's rows streamed through ``storage.queries.iter_report_values`` (what
   ``disclosure export`` reads, row by row, into its writer), against the same rows of one
   SQL statement streamed through the driver's cursor (a server-side cursor on PostgreSQL),
   both consumed to the last row; ratio ORM / SQL (aim ≤ 1.2), the best of ``--repeat``
   passes of each (also this process's CPU seconds and their ratio: steadier on a shared
   machine; on PostgreSQL the server's share is not in them). An untimed first pass reads
   both side by side and checks every row is the same (the driver's values typed as the
   columns type them: the exact decimal text as a Decimal, times as UTC). The growth of the process's memory over the ORM pass is printed;
2. the database's bytes (SQLite file; PostgreSQL tables and indexes) against the raw bytes
   it indexes: first a realistic mix (``realistic_raw_bytes``: per report a page and a PDF
   attachment, as the portals publish them; aim under 5%), then the labelled corpus's small
   files (``tests/corpus``, each report's payload size taken from them in turn), which
   understate what an archive holds.

PostgreSQL runs in a fresh schema of ``--pg`` (default: the test server), dropped at the end.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import math
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

from sqlalchemy import TypeDecorator, insert, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from storage.db import open_archive  # noqa: E402
from storage.models import Base  # noqa: E402
from storage.queries import iter_report_values  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
PG_URL = os.environ.get("DISCLOSURE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
T0 = datetime(2024, 3, 1, tzinfo=UTC)
REPORTS_PER_BODY = 5
CHUNK = 20_000
ROWS = ("new", "total", "granted", "partly_granted", "refused", "other")

# The same rows as iter_report_values, for archives whose reports each have one page.
EXPORT_SQL = """
SELECT r.id, e.body, e.year, e.template, c.url, c.blob_sha256, v.table_name, v.row_key, v.column_key,
       v.value, v.raw, v.value_source, v.confidence, v.unit, r.body_id, c.fetched_at, c.document_id
FROM report_sources s
JOIN reports r ON r.id = s.report_id
JOIN captures c ON c.document_id = s.document_id AND c.status = 200
 AND NOT EXISTS (SELECT 1 FROM captures n WHERE n.document_id = c.document_id AND n.status = 200
                 AND (n.fetched_at > c.fetched_at OR (n.fetched_at = c.fetched_at AND n.id > c.id)))
JOIN extractions e ON e.capture_id = c.id AND e.parser_version = '1' AND e.status = 'ok'
JOIN extracted_values v ON v.extraction_id = e.id
ORDER BY r.id, v.id
"""
# The table column each of EXPORT_SQL's columns reads, and the ReportValue field it is.
SQL_COLUMNS = (
    ("reports", "id", "report_id"), ("extractions", "body", "body"), ("extractions", "year", "year"),
    ("extractions", "template", "template"), ("captures", "url", "source_url"), ("captures", "blob_sha256", "sha256"),
    ("extracted_values", "table_name", "table"), ("extracted_values", "row_key", "row"),
    ("extracted_values", "column_key", "column"), ("extracted_values", "value", "value"),
    ("extracted_values", "raw", "raw"), ("extracted_values", "value_source", "value_source"),
    ("extracted_values", "confidence", "confidence"), ("extracted_values", "unit", "unit"),
    ("reports", "body_id", "body_id"), ("captures", "fetched_at", "fetched_at"), ("captures", "document_id", "document_id"),
)
SERVER_CURSOR_ROWS = 20_000  # rows per FETCH of the PostgreSQL server-side cursor


def payload_sizes() -> list[int]:
    sizes = sorted(p.stat().st_size for p in CORPUS.rglob("*") if p.suffix in {".pdf", ".docx", ".doc", ".html", ".xlsx"})
    if not sizes:
        raise SystemExit(f"no report files under {CORPUS}: build the corpus first (python -m tests.corpus.build)")
    return sizes


def realistic_raw_bytes(reports: int) -> int:
    """The raw bytes of ``reports`` reports as a real archive holds them: per report its page
    (50-200 KB, uniform) and a PDF attachment (100 KB-2 MB, log-uniform: most are small)."""
    draw = random.Random(0)
    return sum(
        int(draw.uniform(50_000, 200_000) + math.exp(draw.uniform(math.log(100_000), math.log(2_000_000))))
        for _ in range(reports)
    )


def rows_of(table: str, reports: int, values: int, sizes: list[int]):
    """The rows of one table, in chunks of dicts."""
    def chunked(make, count):
        for start in range(0, count, CHUNK):
            yield [make(i) for i in range(start, min(count, start + CHUNK))]

    bodies = (reports + REPORTS_PER_BODY - 1) // REPORTS_PER_BODY
    sha = lambda i: f"{i:064x}"  # noqa: E731
    url = lambda i: f"http://county{i % 3000}.test/xxgk/gknb/{i}.html"  # noqa: E731
    makers = {
        "bodies": (bodies, lambda i: {"id": i + 1, "name": f"第{i}镇人民政府", "normalized_name": f"第{i}镇人民政府",
                                      "kind": "township", "first_seen_at": T0, "updated_at": T0}),
        "blobs": (reports, lambda i: {"sha256": sha(i), "size": sizes[i % len(sizes)], "warc_file": f"a-{i // 5000}.warc.gz",
                                      "warc_offset": i * 4096, "warc_length": sizes[i % len(sizes)]}),
        "documents": (reports, lambda i: {"id": i + 1, "url": url(i), "first_seen_at": T0, "role": "item"}),
        "captures": (reports, lambda i: {"id": i + 1, "document_id": i + 1, "blob_sha256": sha(i), "url": url(i),
                                         "final_url": url(i), "status": 200, "headers": {"Content-Type": "text/html"},
                                         "content_type": "text/html", "fetched_at": T0 + timedelta(seconds=i),
                                         "last_seen_at": T0 + timedelta(seconds=i), "times_seen": 1}),
        "extractions": (reports, lambda i: {"id": i + 1, "capture_id": i + 1, "parser_version": "1", "status": "ok",
                                            "is_annual_report": True, "body": f"第{i // REPORTS_PER_BODY}镇人民政府",
                                            "year": 2019 + i % REPORTS_PER_BODY, "template": "v2021",
                                            "title": "政府信息公开工作年度报告", "extracted_at": T0}),
        "extracted_values": (reports * values, lambda i: {
            "id": i + 1, "extraction_id": i // values + 1, "table_name": "requests",
            "row_key": ROWS[i % values % len(ROWS)], "column_key": f"c{i % values // len(ROWS)}",
            "value": Decimal(i % 997), "raw": str(i % 997), "value_source": "published"}),
        "reports": (reports, lambda i: {"id": i + 1, "body_id": i // REPORTS_PER_BODY + 1, "year": 2019 + i % REPORTS_PER_BODY,
                                        "status": "current", "capture_id": i + 1, "extraction_id": i + 1,
                                        "parser_version": "1", "template": "v2021", "first_seen_at": T0, "updated_at": T0}),
        "report_sources": (reports, lambda i: {"id": i + 1, "report_id": i + 1, "document_id": i + 1, "role": "page",
                                               "is_current": True, "first_seen_at": T0}),
    }
    count, make = makers[table]
    return chunked(make, count)


TABLES = ("bodies", "blobs", "documents", "captures", "extractions", "extracted_values", "reports", "report_sources")


def generate(engine, reports: int, values: int, sizes: list[int]) -> None:
    with engine.begin() as connection:
        for name in TABLES:
            table = Base.metadata.tables[name]
            for chunk in rows_of(name, reports, values, sizes):
                if connection.dialect.name == "postgresql":
                    _copy(connection, table, chunk)
                else:
                    connection.execute(insert(table), chunk)
        connection.execute(text("ANALYZE"))


def _copy(connection, table, chunk: list[dict]) -> None:
    """COPY through psycopg, each value bound as the column type binds it."""
    columns = list(chunk[0])
    processors = {c: table.c[c].type.bind_processor(connection.dialect) for c in columns}
    raw = connection.connection.driver_connection
    with raw.cursor().copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in chunk:
            bound = [processors[c](row[c]) if processors[c] else row[c] for c in columns]
            copy.write_row([json.dumps(v) if isinstance(v, dict | list) else v for v in bound])


def timed(work) -> tuple[float, object]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def cpu_timed(work) -> tuple[float, float, object]:
    """Wall-clock seconds, this process's CPU seconds, and the result. On a shared machine the
    CPU seconds move less with what else runs; on SQLite they are all the work, on PostgreSQL
    the client's part only (the server's is not in them)."""
    cpu = time.process_time()
    seconds, result = timed(work)
    return seconds, time.process_time() - cpu, result


def _rss() -> int:
    """The process's resident memory now, in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def export_orm(engine) -> tuple[int, int]:
    """Every row of the export, streamed as the export reads them; (rows, growth of memory)."""
    with Session(engine) as session:
        start = peak = _rss()
        rows = 0
        for rows, _ in enumerate(iter_report_values(session, "1"), 1):
            if not rows & 0xFFFF:
                peak = max(peak, _rss())
        return rows, max(peak, _rss()) - start


def sql_rows(engine):
    """EXPORT_SQL's rows as the driver gives them, streamed."""
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            cursor = raw.driver_connection.cursor(name="export")  # server-side: rows arrive as read
            cursor.itersize = SERVER_CURSOR_ROWS
        else:
            cursor = raw.cursor()
        cursor.execute(EXPORT_SQL)
        yield from cursor
        cursor.close()
    finally:
        raw.close()


def export_sql(engine) -> int:
    rows = 0
    for rows, _ in enumerate(sql_rows(engine), 1):
        pass
    return rows


def check_same_rows(engine) -> int:
    """Reads both sides together and stops at the first row that differs; returns the rows compared."""
    dialect = engine.dialect
    columns = [Base.metadata.tables[table].c[column] for table, column, _ in SQL_COLUMNS]
    # The project's own types (the exact decimal text, UTC times) convert what the driver gives;
    # every other column comes from the driver as the export has it.
    processors = [(c.type.dialect_impl(dialect).result_processor(dialect, None) if isinstance(c.type, TypeDecorator)
                   else None) or (lambda v: v) for c in columns]
    fields = [field for _, _, field in SQL_COLUMNS]
    compared = 0
    with Session(engine) as session:
        orm = iter_report_values(session, "1")
        for compared, (ours, theirs) in enumerate(itertools.zip_longest(orm, sql_rows(engine)), 1):
            if ours is None or theirs is None:
                raise SystemExit(f"row {compared}: one side ended first (ORM {ours!r}, SQL {theirs!r})")
            typed = [process(value) for process, value in zip(processors, theirs, strict=True)]
            mine = [getattr(ours, field) for field in fields]
            if mine != typed:
                raise SystemExit(f"row {compared} differs:\n ORM {mine}\n SQL {typed}")
    return compared


def database_bytes(engine, path: Path | None) -> int:
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return path.stat().st_size
        return int(connection.execute(text(
            "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
        )).scalar())


def measure(name: str, url: str, path: Path | None, reports: int, values: int, sizes: list[int], repeat: int) -> dict:
    engine = open_archive(url)
    try:
        generating, _ = timed(lambda: generate(engine, reports, values, sizes))
        checked = check_same_rows(engine)  # also warms caches alike
        if checked != reports * values:
            raise SystemExit(f"{name}: {checked} rows compared, expected {reports * values}")
        orm_times, sql_times, orm_cpus, sql_cpus, growth = [], [], [], [], 0
        for _ in range(repeat):
            orm_seconds, orm_cpu, (orm_rows, grown) = cpu_timed(lambda: export_orm(engine))
            sql_seconds, sql_cpu, sql_count = cpu_timed(lambda: export_sql(engine))
            if orm_rows != checked or sql_count != checked:
                raise SystemExit(f"{name}: ORM {orm_rows} rows, SQL {sql_count}, expected {checked}")
            orm_times.append(orm_seconds), sql_times.append(sql_seconds)
            orm_cpus.append(orm_cpu), sql_cpus.append(sql_cpu)
            growth = max(growth, grown)
        orm_seconds, sql_seconds = min(orm_times), min(sql_times)
        with engine.connect() as connection:
            raw = int(connection.execute(text("SELECT SUM(size) FROM blobs")).scalar())
        size = database_bytes(engine, path)
    finally:
        engine.dispose()
    return {
        "database": name, "reports": reports, "values": reports * values, "generate_seconds": round(generating, 1),
        "orm_seconds": round(orm_seconds, 2), "sql_seconds": round(sql_seconds, 2),
        "orm_over_sql": round(orm_seconds / sql_seconds, 2),
        "orm_seconds_each": [round(t, 2) for t in orm_times], "sql_seconds_each": [round(t, 2) for t in sql_times],
        "orm_cpu_seconds": round(min(orm_cpus), 2), "sql_cpu_seconds": round(min(sql_cpus), 2),
        "orm_over_sql_cpu": round(min(orm_cpus) / min(sql_cpus), 2),
        "orm_memory_growth_bytes": growth, "rows_checked_identical": checked,
        "database_bytes": size,
        "realistic_raw_bytes": (realistic := realistic_raw_bytes(reports)),
        "realistic_index_share": round(size / realistic, 4),
        "corpus_raw_bytes": raw, "corpus_index_share": round(size / raw, 4),
    }


def show(r: dict) -> dict:
    print(
        f"{r['database']}: export of {r['values']:,} numbers (every row the same on both sides), streamed: "
        f"ORM {r['orm_seconds']} s, SQL {r['sql_seconds']} s (best of {r['orm_seconds_each']} / {r['sql_seconds_each']}), "
        f"ratio {r['orm_over_sql']} (aim ≤ 1.2); this process's CPU: ORM {r['orm_cpu_seconds']} s, SQL "
        f"{r['sql_cpu_seconds']} s, ratio {r['orm_over_sql_cpu']}; "
        f"memory +{r['orm_memory_growth_bytes'] / 2**20:,.0f} MiB over the ORM pass; "
        f"database {r['database_bytes'] / 2**20:,.1f} MiB: {r['realistic_index_share']:.2%} of the "
        f"{r['realistic_raw_bytes'] / 2**30:,.2f} GiB of a realistic mix of pages and PDFs (aim < 5%), "
        f"{r['corpus_index_share']:.2%} of the {r['corpus_raw_bytes'] / 2**30:,.2f} GiB of the corpus's small files; "
        f"generated in {r['generate_seconds']} s",
        flush=True,
    )
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--values", type=int, default=150, help="cells per report (the corpus's reports have 150-200)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg", default=PG_URL, help="PostgreSQL server to use (a fresh schema, dropped after)")
    parser.add_argument("--repeat", type=int, default=2, help="timed passes of each side (the best counts)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line last")
    args = parser.parse_args()
    sizes = payload_sizes()
    print(f"load average at start: {os.getloadavg()[0]:.2f}; {args.reports:,} reports of {args.values} cells")
    results = []
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "scale.sqlite"
            results.append(show(measure("sqlite", f"sqlite:///{path}", path, args.reports, args.values, sizes, args.repeat)))
    if args.db in ("postgresql", "both"):
        import psycopg

        dsn = args.pg.replace("postgresql+psycopg://", "postgresql://")
        schema = f"scale_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        try:
            url = f"{args.pg}?options=-csearch_path%3D{schema}"
            results.append(show(measure("postgresql", url, None, args.reports, args.values, sizes, args.repeat)))
        finally:
            with psycopg.connect(dsn, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
