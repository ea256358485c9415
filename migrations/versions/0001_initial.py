"""The archive: blobs, documents, captures, extractions, values, checks, and researcher views.

Revision ID: 0001
Revises:
Create Date: 2025-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Plain types on purpose: a migration must not change when the models do. Timestamps are
# UTC (naive on SQLite); exact decimals are text.
UTC_DATETIME = sa.DateTime(timezone=True)
EXACT_DECIMAL = sa.String()

# Views for researchers, in plain SQL that SQLite and PostgreSQL both read. On SQLite, a later
# migration that rebuilds one of these tables in batch mode must drop and recreate the views.
VIEWS = {
    "latest_captures_v": """
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
    """,
    "report_values_v": """
        SELECT d.id AS document_id, d.parent_document_id, d.portal, d.url,
               c.id AS capture_id, c.final_url, c.fetched_at, c.blob_sha256 AS sha256,
               e.id AS extraction_id, e.parser_version, e.is_annual_report,
               e.body, e.year, e.template,
               v.table_name, v.row_key, v.column_key,
               CAST(v.value AS NUMERIC) AS value, v.value AS value_text, v.raw
        FROM extracted_values v
        JOIN extractions e ON e.id = v.extraction_id
        JOIN captures c ON c.id = e.capture_id
        JOIN documents d ON d.id = c.document_id
    """,
    "check_results_v": """
        SELECT d.id AS document_id, d.url, c.id AS capture_id, c.blob_sha256 AS sha256,
               e.id AS extraction_id, e.parser_version, e.body, e.year, e.template,
               r.rule, r.scope, r.status, r.cells,
               CAST(r.difference AS NUMERIC) AS difference
        FROM check_results r
        JOIN extractions e ON e.id = r.extraction_id
        JOIN captures c ON c.id = e.capture_id
        JOIN documents d ON d.id = c.document_id
    """,
}


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blobs")),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("portal", sa.String(length=200), nullable=True),
        sa.Column("parent_document_id", sa.Integer(), nullable=True),
        sa.Column("link_text", sa.Text(), nullable=True),
        sa.Column("first_seen_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_document_id"],
            ["documents.id"],
            name=op.f("fk_documents__parent_document_id__documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents")),
        sa.UniqueConstraint("url", name=op.f("uq_documents__url")),
    )
    op.create_index(op.f("ix_documents_parent_document_id"), "documents", ["parent_document_id"])
    op.create_table(
        "captures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("spider", sa.String(length=100), nullable=True),
        sa.Column("fetched_at", UTC_DATETIME, nullable=False),
        sa.Column("last_seen_at", UTC_DATETIME, nullable=False),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["blob_sha256"], ["blobs.sha256"], name=op.f("fk_captures__blob_sha256__blobs")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_captures__document_id__documents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_captures")),
    )
    op.create_index(op.f("ix_captures_blob_sha256"), "captures", ["blob_sha256"])
    op.create_index(op.f("ix_captures_document_id"), "captures", ["document_id"])
    op.create_table(
        "extractions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("parser_version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("is_annual_report", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("template", sa.String(length=16), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("published", sa.String(length=32), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("extracted_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint("status IN ('ok', 'failed')", name=op.f("ck_extractions__status")),
        sa.ForeignKeyConstraint(
            ["capture_id"],
            ["captures.id"],
            name=op.f("fk_extractions__capture_id__captures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extractions")),
        sa.UniqueConstraint(
            "capture_id", "parser_version", name=op.f("uq_extractions__capture_id_parser_version")
        ),
    )
    op.create_index(op.f("ix_extractions_parser_version"), "extractions", ["parser_version"])
    op.create_table(
        "extracted_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("extraction_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("row_key", sa.String(length=64), nullable=False),
        sa.Column("column_key", sa.String(length=64), nullable=False),
        sa.Column("value", EXACT_DECIMAL, nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["extraction_id"],
            ["extractions.id"],
            name=op.f("fk_extracted_values__extraction_id__extractions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extracted_values")),
    )
    op.create_index(
        op.f("ix_extracted_values_extraction_id"), "extracted_values", ["extraction_id"]
    )
    op.create_table(
        "check_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("extraction_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=True),
        sa.Column("difference", EXACT_DECIMAL, nullable=True),
        sa.ForeignKeyConstraint(
            ["extraction_id"],
            ["extractions.id"],
            name=op.f("fk_check_results__extraction_id__extractions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_results")),
    )
    op.create_index(op.f("ix_check_results_extraction_id"), "check_results", ["extraction_id"])
    for name, query in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {query}")


def downgrade() -> None:
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW {name}")
    op.drop_table("check_results")
    op.drop_table("extracted_values")
    op.drop_table("extractions")
    op.drop_table("captures")
    op.drop_table("documents")
    op.drop_table("blobs")
