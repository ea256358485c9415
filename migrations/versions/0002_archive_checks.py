"""Checks across reports (a year's carried-in requests against the previous year's carried-out).

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
EXACT_DECIMAL = sa.String()

VIEW = """
    SELECT a.parser_version, a.rule, a.body, a.year, a.scope, a.status,
           a.report_id, a.source_url, a.previous_report_id, a.previous_source_url,
           a.cells, CAST(a.difference AS NUMERIC) AS difference, a.checked_at
    FROM archive_checks a
"""


def upgrade() -> None:
    op.create_table(
        "archive_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parser_version", sa.String(length=32), nullable=False),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=False),
        sa.Column("previous_report_id", sa.Integer(), nullable=False),
        sa.Column("previous_source_url", sa.Text(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=True),
        sa.Column("difference", EXACT_DECIMAL, nullable=True),
        sa.Column("checked_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "status IN ('pass', 'fail', 'not_assessable')", name=op.f("ck_archive_checks__status")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["documents.id"],
            name=op.f("fk_archive_checks__report_id__documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["previous_report_id"],
            ["documents.id"],
            name=op.f("fk_archive_checks__previous_report_id__documents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_checks")),
    )
    op.create_index(op.f("ix_archive_checks_parser_version"), "archive_checks", ["parser_version"])
    op.execute(f"CREATE VIEW archive_checks_v AS {VIEW}")


def downgrade() -> None:
    op.execute("DROP VIEW archive_checks_v")
    op.drop_index(op.f("ix_archive_checks_parser_version"), table_name="archive_checks")
    op.drop_table("archive_checks")
