"""How each number was read: printed text or OCR, with OCR's confidence and the printed unit.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_VIEW_BEFORE = """
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
"""
_VIEW_AFTER = """
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


def upgrade() -> None:
    op.execute("DROP VIEW report_values_v")
    with op.batch_alter_table("extracted_values") as batch:
        batch.add_column(
            sa.Column("value_source", sa.String(length=16), server_default="published", nullable=False)
        )
        batch.add_column(sa.Column("confidence", sa.Float(), nullable=True))
        batch.add_column(sa.Column("unit", sa.String(length=16), nullable=True))
    op.execute(f"CREATE VIEW report_values_v AS {_VIEW_AFTER}")


def downgrade() -> None:
    op.execute("DROP VIEW report_values_v")
    with op.batch_alter_table("extracted_values") as batch:
        batch.drop_column("unit")
        batch.drop_column("confidence")
        batch.drop_column("value_source")
    op.execute(f"CREATE VIEW report_values_v AS {_VIEW_BEFORE}")
