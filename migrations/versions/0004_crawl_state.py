"""What the crawler knows of each document between runs: revalidation, withdrawals, fetch failures.

Documents keep how they were reached (``role``) and when they were withdrawn; requests that got
no HTTP answer go to ``fetch_failures``. ``latest_captures_v`` shows both new columns.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)

_LATEST_BEFORE = """
    SELECT d.id AS document_id, d.url, d.portal, d.parent_document_id, d.link_text,
           c.id AS capture_id, c.status, c.final_url, c.content_type,
           c.blob_sha256 AS sha256, c.fetched_at, c.last_seen_at, c.times_seen
    FROM documents d
    JOIN captures c ON c.document_id = d.id
    WHERE NOT EXISTS (
        SELECT 1 FROM captures newer
        WHERE newer.document_id = c.document_id
          AND (newer.fetched_at > c.fetched_at
               OR (newer.fetched_at = c.fetched_at AND newer.id > c.id))
    )
"""
_LATEST_AFTER = """
    SELECT d.id AS document_id, d.url, d.portal, d.parent_document_id, d.link_text,
           d.role, d.withdrawn_at,
           c.id AS capture_id, c.status, c.final_url, c.content_type,
           c.blob_sha256 AS sha256, c.fetched_at, c.last_seen_at, c.times_seen
    FROM documents d
    JOIN captures c ON c.document_id = d.id
    WHERE NOT EXISTS (
        SELECT 1 FROM captures newer
        WHERE newer.document_id = c.document_id
          AND (newer.fetched_at > c.fetched_at
               OR (newer.fetched_at = c.fetched_at AND newer.id > c.id))
    )
"""
# Unchanged, but they read ``documents``, which SQLite rebuilds when a column is dropped.
_REPORT_VALUES = """
    SELECT d.id AS document_id, d.parent_document_id, d.portal, d.url,
           c.id AS capture_id, c.final_url, c.fetched_at, c.blob_sha256 AS sha256,
           e.id AS extraction_id, e.parser_version, e.is_annual_report,
           e.body, e.year, e.template,
           v.table_name, v.row_key, v.column_key,
           CAST(v.value AS NUMERIC) AS value, v.value AS value_text, v.raw,
           v.value_source, v.confidence, v.unit
    FROM extracted_values v
    JOIN extractions e ON e.id = v.extraction_id
    JOIN captures c ON c.id = e.capture_id
    JOIN documents d ON d.id = c.document_id
"""
_CHECK_RESULTS = """
    SELECT d.id AS document_id, d.url, c.id AS capture_id, c.blob_sha256 AS sha256,
           e.id AS extraction_id, e.parser_version, e.body, e.year, e.template,
           r.rule, r.scope, r.status, r.cells,
           CAST(r.difference AS NUMERIC) AS difference
    FROM check_results r
    JOIN extractions e ON e.id = r.extraction_id
    JOIN captures c ON c.id = e.capture_id
    JOIN documents d ON d.id = c.document_id
"""


def _drop_views() -> None:
    for name in ("latest_captures_v", "report_values_v", "check_results_v"):
        op.execute(f"DROP VIEW {name}")


def _create_views(latest: str) -> None:
    op.execute(f"CREATE VIEW latest_captures_v AS {latest}")
    op.execute(f"CREATE VIEW report_values_v AS {_REPORT_VALUES}")
    op.execute(f"CREATE VIEW check_results_v AS {_CHECK_RESULTS}")


def upgrade() -> None:
    _drop_views()
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("role", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("withdrawn_at", UTC_DATETIME, nullable=True))
        batch.create_index(batch.f("ix_documents_withdrawn_at"), ["withdrawn_at"])
    op.create_table(
        "fetch_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("failed_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_fetch_failures__document_id__documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fetch_failures")),
    )
    op.create_index(op.f("ix_fetch_failures_document_id"), "fetch_failures", ["document_id"])
    op.create_index(op.f("ix_fetch_failures_failed_at"), "fetch_failures", ["failed_at"])
    _create_views(_LATEST_AFTER)


def downgrade() -> None:
    _drop_views()
    op.drop_index(op.f("ix_fetch_failures_failed_at"), table_name="fetch_failures")
    op.drop_index(op.f("ix_fetch_failures_document_id"), table_name="fetch_failures")
    op.drop_table("fetch_failures")
    with op.batch_alter_table("documents") as batch:
        batch.drop_index(batch.f("ix_documents_withdrawn_at"))
        batch.drop_column("withdrawn_at")
        batch.drop_column("role")
    _create_views(_LATEST_BEFORE)
