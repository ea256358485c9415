"""Drop ix_extracted_values_extraction_id: ix_extracted_values_cell leads with the same column
and serves every lookup by extraction (the export, the views, ON DELETE CASCADE); the second
index was about an eighth of the database.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_extracted_values_extraction_id", table_name="extracted_values")


def downgrade() -> None:
    op.create_index("ix_extracted_values_extraction_id", "extracted_values", ["extraction_id"])
