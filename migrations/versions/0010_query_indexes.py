"""Indexes for the queries the export and the views run: a document's captures in time
order, one cell of a reading, a body's report for a year.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_captures_document_fetched": ("captures", ["document_id", "fetched_at"]),
    "ix_extracted_values_cell": ("extracted_values", ["extraction_id", "table_name", "row_key", "column_key"]),
    "ix_reports_body_year": ("reports", ["body_id", "year", "status"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in reversed(INDEXES.items()):
        op.drop_index(name, table_name=table)
