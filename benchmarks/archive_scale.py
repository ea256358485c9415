"""The archive at scale: export time through the ORM against raw SQL, and the index's size.

    python benchmarks/archive_scale.py                       # 100,000 reports: long, see README
    python benchmarks/archive_scale.py --reports 5000 --db sqlite --json

A synthetic archive of ``--reports`` annual reports is written straight into the tables
(bulk inserts; COPY on PostgreSQL): per report a body (five reports per body), a page
document, its capture, an ``ok`` extraction at parser version "1" with ``--values`` cells,
the ``reports`` row and its ``report_sources`` page. Then, per database:

1. the full export's rows through ``storage.queries.report_values`` (the ORM path the
   export takes), against the same rows selected by one SQL statement through the driver;
   ratio ORM / SQL (aim ≤ 1.2). Both return the same number of rows (checked);
2. the database's bytes (SQLite file; PostgreSQL tables and indexes) against the raw bytes
   the archive indexes, taking each report's payload size from the files of the labelled
   corpus (``tests/corpus``) in turn; ratio (aim under 5%). The same database against a
   realistic mix (``realistic_raw_bytes``: a page and a PDF per report) is printed beside it.

PostgreSQL runs in a fresh schema of ``--pg`` (default: the test server), dropped at the end.
"""

from __future__ import annotations

import argparse
import io
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

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from storage.db import open_archive  # noqa: E402
from storage.models import Base  # noqa: E402
from storage.queries import report_values  # noqa: E402

CORPUS = ROOT / "tests" / "corpus"
PG_URL = os.environ.get("DISCLOSURE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
T0 = datetime(2024, 3, 1, tzinfo=UTC)
REPORTS_PER_BODY = 5
CHUNK = 20_000
ROWS = ("new", "total", "granted", "partly_granted", "refused", "other")

# The same rows as report_values, for archives whose reports each have one page.
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


def export_orm(engine) -> int:
    with Session(engine) as session:
        return len(report_values(session, "1"))


def export_sql(engine) -> int:
    with engine.connect() as connection:
        return len(connection.exec_driver_sql(EXPORT_SQL).fetchall())


def database_bytes(engine, path: Path | None) -> int:
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return path.stat().st_size
        return int(connection.execute(text(
            "SELECT SUM(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
        )).scalar())


def measure(name: str, url: str, path: Path | None, reports: int, values: int, sizes: list[int]) -> dict:
    engine = open_archive(url)
    try:
        generating, _ = timed(lambda: generate(engine, reports, values, sizes))
        export_orm(engine), export_sql(engine)  # warm caches alike
        orm_seconds, orm_rows = timed(lambda: export_orm(engine))
        sql_seconds, sql_rows = timed(lambda: export_sql(engine))
        if orm_rows != sql_rows or orm_rows != reports * values:
            raise SystemExit(f"{name}: ORM {orm_rows} rows, SQL {sql_rows}, expected {reports * values}")
        with engine.connect() as connection:
            raw = int(connection.execute(text("SELECT SUM(size) FROM blobs")).scalar())
        size = database_bytes(engine, path)
    finally:
        engine.dispose()
    return {
        "database": name, "reports": reports, "values": reports * values, "generate_seconds": round(generating, 1),
        "orm_seconds": round(orm_seconds, 2), "sql_seconds": round(sql_seconds, 2),
        "orm_over_sql": round(orm_seconds / sql_seconds, 2),
        "database_bytes": size, "raw_bytes": raw, "index_share": round(size / raw, 4),
        "realistic_raw_bytes": (realistic := realistic_raw_bytes(reports)),
        "realistic_index_share": round(size / realistic, 4),
    }


def show(r: dict) -> dict:
    print(
        f"{r['database']}: export of {r['values']:,} numbers: ORM {r['orm_seconds']} s, SQL {r['sql_seconds']} s, "
        f"ratio {r['orm_over_sql']} (aim ≤ 1.2); database {r['database_bytes'] / 2**20:,.1f} MiB for "
        f"{r['raw_bytes'] / 2**30:,.2f} GiB of raw bytes: {r['index_share']:.2%} (aim < 5%), "
        f"for the {r['realistic_raw_bytes'] / 2**30:,.2f} GiB of a realistic mix: {r['realistic_index_share']:.2%}; "
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
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line last")
    args = parser.parse_args()
    sizes = payload_sizes()
    print(f"load average at start: {os.getloadavg()[0]:.2f}; {args.reports:,} reports of {args.values} cells")
    results = []
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "scale.sqlite"
            results.append(show(measure("sqlite", f"sqlite:///{path}", path, args.reports, args.values, sizes)))
    if args.db in ("postgresql", "both"):
        import psycopg

        dsn = args.pg.replace("postgresql+psycopg://", "postgresql://")
        schema = f"scale_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        try:
            url = f"{args.pg}?options=-csearch_path%3D{schema}"
            results.append(show(measure("postgresql", url, None, args.reports, args.values, sizes)))
        finally:
            with psycopg.connect(dsn, autocommit=True) as connection:
                connection.execute(f"DROP SCHEMA {schema} CASCADE")
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
