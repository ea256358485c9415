"""The export's and the views' typical queries use the archive's indexes (EXPLAIN, both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, text

from storage.db import open_archive
from storage.models import Base

T0 = datetime(2024, 3, 1, tzinfo=UTC)
BODIES, DOCUMENTS, CAPTURES_PER_DOCUMENT, CELLS = 30, 150, 2, 12


def fill(engine) -> None:
    """Enough rows, statistics gathered, for a planner to choose between scanning and seeking."""
    table = Base.metadata.tables
    captures = [
        {"id": d * CAPTURES_PER_DOCUMENT + k + 1, "document_id": d + 1, "blob_sha256": "0" * 64, "url": f"http://x.test/{d}",
         "final_url": f"http://x.test/{d}", "status": 200, "headers": {}, "fetched_at": T0 + timedelta(days=k),
         "last_seen_at": T0 + timedelta(days=k), "times_seen": 1}
        for d in range(DOCUMENTS) for k in range(CAPTURES_PER_DOCUMENT)
    ]
    rows = {
        "blobs": [{"sha256": "0" * 64, "size": 1, "warc_file": "a.warc.gz", "warc_offset": 0, "warc_length": 1}],
        "bodies": [{"id": b + 1, "name": f"body {b}", "normalized_name": f"body {b}", "kind": "township",
                    "first_seen_at": T0, "updated_at": T0} for b in range(BODIES)],
        "documents": [{"id": d + 1, "url": f"http://x.test/{d}", "first_seen_at": T0} for d in range(DOCUMENTS)],
        "captures": captures,
        "extractions": [{"id": c["id"], "capture_id": c["id"], "parser_version": "1", "status": "ok",
                         "is_annual_report": True, "extracted_at": T0} for c in captures],
        "extracted_values": [
            {"extraction_id": c["id"], "table_name": "requests", "row_key": f"row{n}", "column_key": "total", "value": Decimal(n)}
            for c in captures for n in range(CELLS)
        ],
        "reports": [{"id": d + 1, "body_id": d % BODIES + 1, "year": 2015 + d // BODIES, "status": "current",
                     "capture_id": (d + 1) * CAPTURES_PER_DOCUMENT, "extraction_id": (d + 1) * CAPTURES_PER_DOCUMENT,
                     "first_seen_at": T0, "updated_at": T0} for d in range(DOCUMENTS)],
    }
    with engine.begin() as connection:
        for name, values in rows.items():
            connection.execute(insert(table[name]), values)
        connection.execute(text("ANALYZE"))


QUERIES = {
    "a document's newest capture": (
        "SELECT id FROM captures WHERE document_id = 7 ORDER BY fetched_at DESC LIMIT 1",
        {"ix_captures_document_fetched"},
    ),
    "a capture's reading at a version": (
        "SELECT id FROM extractions WHERE capture_id = 9 AND parser_version = '1'",
        {"uq_extractions__capture_id_parser_version", "sqlite_autoindex_extractions_1"},
    ),
    "report_numbers_v of one report": (
        "SELECT key, value FROM report_numbers_v WHERE report_id = 5",
        {"ix_extracted_values_cell", "ix_extracted_values_extraction_id"},
    ),
    "report_requests_v of one report": (
        "SELECT requests_new, granted_share FROM report_requests_v WHERE report_id = 5",
        {"ix_extracted_values_cell"},
    ),
    "coverage_v of one body": (
        "SELECT year, coverage FROM coverage_v WHERE body_id = 3",
        {"ix_reports_body_year"},
    ),
}




def plan(connection, query: str) -> str:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SET enable_seqscan = off"))
        return "\n".join(connection.execute(text(f"EXPLAIN {query}")).scalars())
    return "\n".join(str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {query}")))


def test_every_typical_query_uses_its_index(archive_url):
    engine = open_archive(archive_url)
    try:
        fill(engine)
        with engine.connect() as connection:
            for what, (query, indexes) in QUERIES.items():
                shown = plan(connection, query)
                assert any(name in shown for name in indexes), f"{what} does not use {indexes}:\n{shown}"
                assert connection.execute(text(query)).first() is not None, what
    finally:
        engine.dispose()


def test_without_the_new_indexes_the_plans_change(sqlite_url):
    """The assertion above can fail: with the indexes dropped, the same queries plan otherwise."""
    engine = open_archive(sqlite_url)
    try:
        fill(engine)
        with engine.begin() as connection:
            for name in ("ix_captures_document_fetched", "ix_extracted_values_cell", "ix_reports_body_year"):
                connection.execute(text(f"DROP INDEX {name}"))
        with engine.connect() as connection:
            for what in ("a document's newest capture", "report_requests_v of one report", "coverage_v of one body"):
                query, indexes = QUERIES[what]
                assert not any(name in plan(connection, query) for name in indexes), what
    finally:
        engine.dispose()
