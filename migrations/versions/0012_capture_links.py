"""capture_links: the links the crawler followed from an item page's capture.

Recorded when the page is read, so a re-crawl that finds the page unchanged (304, or seen
within its cadence) asks for the same files again without reading the page back from the
WARC files and parsing it. A capture without a row is read as before.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "capture_links",
        sa.Column("capture_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["capture_id"],
            ["captures.id"],
            name=op.f("fk_capture_links__capture_id__captures"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("capture_id", name=op.f("pk_capture_links")),
    )


def downgrade() -> None:
    op.drop_table("capture_links")
