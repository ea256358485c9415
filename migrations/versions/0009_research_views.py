"""Views for researchers: each report's current numbers, its request figures, and coverage.

``report_numbers_v``: one row per current number of every report (the reading the export
takes), with body, county, region and provenance. ``report_requests_v``: one row per report
with the request figures, the share granted and whether the report changed after it was
first archived. ``coverage_v``: bodies × years, archived / late / missing / withdrawn.
The SQL is the same on SQLite and PostgreSQL.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REPORT_NUMBERS = """
    SELECT r.id AS report_id, r.body_id, b.name AS body, b.kind AS body_kind,
           COALESCE(county.name, CASE WHEN b.kind = 'county_government' THEN b.name END) AS county, b.region, r.year, r.template, r.status, r.parser_version,
           c.url AS source_url, c.blob_sha256 AS sha256, c.fetched_at,
           v.table_name, v.row_key, v.column_key,
           v.table_name || '.' || v.row_key || '.' || v.column_key AS key,
           CAST(v.value AS NUMERIC) AS value, v.value AS value_text, v.value_source, v.unit
    FROM reports r
    JOIN extracted_values v ON v.extraction_id = r.extraction_id
    LEFT JOIN bodies b ON b.id = r.body_id
    LEFT JOIN bodies county ON county.id = b.parent_body_id
    LEFT JOIN captures c ON c.id = r.capture_id
"""


def _cell(alias: str, row: str) -> str:
    return (
        f"LEFT JOIN extracted_values {alias} ON {alias}.extraction_id = r.extraction_id"
        f" AND {alias}.table_name = 'requests' AND {alias}.row_key = '{row}' AND {alias}.column_key = 'total'"
    )


_REPORT_REQUESTS = f"""
    SELECT r.id AS report_id, r.body_id, b.name AS body, b.kind AS body_kind,
           COALESCE(county.name, CASE WHEN b.kind = 'county_government' THEN b.name END) AS county, b.region, r.year, r.template, r.status,
           CAST(new.value AS NUMERIC) AS requests_new,
           CAST(processed.value AS NUMERIC) AS requests_processed,
           CAST(granted.value AS NUMERIC) AS granted,
           CAST(partly.value AS NUMERIC) AS partly_granted,
           CASE WHEN CAST(processed.value AS NUMERIC) > 0
                THEN ROUND(CAST(granted.value AS NUMERIC) * 1.0 / CAST(processed.value AS NUMERIC), 4)
           END AS granted_share,
           COALESCE(editions.editions, 0) AS editions,
           COALESCE(fixes.corrections, 0) AS corrections,
           CASE WHEN COALESCE(editions.editions, 0) > 1 OR r.status <> 'current'
                THEN 1 ELSE 0 END AS changed_after_publication,
           c.url AS source_url, c.blob_sha256 AS sha256, r.parser_version
    FROM reports r
    LEFT JOIN bodies b ON b.id = r.body_id
    LEFT JOIN bodies county ON county.id = b.parent_body_id
    LEFT JOIN captures c ON c.id = r.capture_id
    {_cell("new", "new")}
    {_cell("processed", "total")}
    {_cell("granted", "granted")}
    {_cell("partly", "partly_granted")}
    LEFT JOIN (
        SELECT per_document.report_id, MAX(per_document.editions) AS editions
        FROM (
            SELECT s.report_id, s.document_id, COUNT(DISTINCT k.blob_sha256) AS editions
            FROM report_sources s
            JOIN captures k ON k.document_id = s.document_id AND k.status = 200
            GROUP BY s.report_id, s.document_id
        ) per_document
        GROUP BY per_document.report_id
    ) editions ON editions.report_id = r.id
    LEFT JOIN (
        SELECT report_id, COUNT(*) AS corrections FROM corrections GROUP BY report_id
    ) fixes ON fixes.report_id = r.id
"""

# A year is "late" when the report prints a publication date after 31 March of the next year.
_COVERAGE = """
    SELECT b.id AS body_id, b.name AS body, b.kind AS body_kind, COALESCE(county.name, CASE WHEN b.kind = 'county_government' THEN b.name END) AS county, b.region,
           y.year, r.id AS report_id, e.published,
           CASE
               WHEN r.id IS NULL THEN 'missing'
               WHEN r.status = 'withdrawn' THEN 'withdrawn'
               WHEN e.published > CAST(y.year + 1 AS VARCHAR(4)) || '-03-31' THEN 'late'
               ELSE 'archived'
           END AS coverage
    FROM bodies b
    CROSS JOIN (SELECT DISTINCT year FROM reports WHERE year IS NOT NULL) y
    LEFT JOIN bodies county ON county.id = b.parent_body_id
    LEFT JOIN reports r ON r.id = (
        SELECT MIN(best.id) FROM reports best
        WHERE best.body_id = b.id AND best.year = y.year
          AND best.status = (
              SELECT MIN(s.status) FROM reports s WHERE s.body_id = b.id AND s.year = y.year
          )
    )
    LEFT JOIN extractions e ON e.id = r.extraction_id
    WHERE EXISTS (SELECT 1 FROM reports any_report WHERE any_report.body_id = b.id)
"""

VIEWS = {
    "report_numbers_v": _REPORT_NUMBERS,
    "report_requests_v": _REPORT_REQUESTS,
    "coverage_v": _COVERAGE,
}


def upgrade() -> None:
    for name, query in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {query}")


def downgrade() -> None:
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW {name}")
