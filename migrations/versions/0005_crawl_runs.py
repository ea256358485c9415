"""Crawl runs and their per-portal outcomes; the scheduler's lock.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
_COUNTS = (
    "requests",
    "not_modified",
    "responses",
    "new_documents",
    "changed_documents",
    "withdrawn_documents",
    "new_reports",
    "http_errors",
    "failed_fetches",
    "refused",
)


def upgrade() -> None:
    op.create_table(
        "crawl_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.Column("heartbeat_at", UTC_DATETIME, nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("extraction", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'finished', 'failed', 'interrupted')", name=op.f("ck_crawl_runs__status")
        ),
        sa.CheckConstraint("trigger IN ('cli', 'schedule')", name=op.f("ck_crawl_runs__trigger")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_runs")),
    )
    op.create_index(op.f("ix_crawl_runs_status"), "crawl_runs", ["status"])
    op.create_table(
        "crawl_run_portals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("portal", sa.String(length=200), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS),
        sa.Column("bytes_received", sa.BigInteger(), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=True),
        sa.Column("health", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["crawl_runs.id"],
            name=op.f("fk_crawl_run_portals__run_id__crawl_runs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crawl_run_portals")),
        sa.UniqueConstraint("run_id", "portal", name=op.f("uq_crawl_run_portals__run_id_portal")),
    )
    op.create_index(op.f("ix_crawl_run_portals_run_id"), "crawl_run_portals", ["run_id"])
    op.create_index(op.f("ix_crawl_run_portals_portal"), "crawl_run_portals", ["portal"])
    op.create_table(
        "run_locks",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder_host", sa.String(length=255), nullable=False),
        sa.Column("holder_pid", sa.Integer(), nullable=False),
        sa.Column("acquired_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_run_locks")),
    )


def downgrade() -> None:
    op.drop_table("run_locks")
    op.drop_index(op.f("ix_crawl_run_portals_portal"), table_name="crawl_run_portals")
    op.drop_index(op.f("ix_crawl_run_portals_run_id"), table_name="crawl_run_portals")
    op.drop_table("crawl_run_portals")
    op.drop_index(op.f("ix_crawl_runs_status"), table_name="crawl_runs")
    op.drop_table("crawl_runs")
