"""Reports and bodies as records of their own: one report per body and year, its sources, the body's names and identifiers.

Rule 5 rows (``archive_checks``) now name reports and bodies by id; they are derived and
recomputed by the next extraction, so the table is recreated empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)
EXACT_DECIMAL = sa.String()
BODY_KINDS = ("county_government", "department", "township", "street_office", "other")

_CHECKS_VIEW_BEFORE = """
    SELECT a.parser_version, a.rule, a.body, a.year, a.scope, a.status,
           a.report_id, a.source_url, a.previous_report_id, a.previous_source_url,
           a.cells, CAST(a.difference AS NUMERIC) AS difference, a.checked_at
    FROM archive_checks a
"""
_CHECKS_VIEW_AFTER = """
    SELECT a.id AS check_id, a.parser_version, a.rule, a.body_id, a.body, a.year, a.scope, a.status,
           a.report_id, a.source_url, a.previous_report_id, a.previous_source_url,
           a.cells, CAST(a.difference AS NUMERIC) AS difference, a.checked_at
    FROM archive_checks a
"""


def upgrade() -> None:
    op.create_table(
        "bodies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("normalized_name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("parent_body_id", sa.Integer(), nullable=True),
        sa.Column("region", sa.Text(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("organization_code", sa.String(length=9), nullable=True),
        sa.Column("site_code", sa.String(length=64), nullable=True),
        sa.Column("first_seen_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint("kind IN ('" + "', '".join(BODY_KINDS) + "')", name=op.f("ck_bodies__kind")),
        sa.ForeignKeyConstraint(
            ["parent_body_id"], ["bodies.id"], name=op.f("fk_bodies__parent_body_id__bodies"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bodies")),
    )
    for column in ("normalized_name", "parent_body_id", "credit_code", "organization_code"):
        op.create_index(op.f(f"ix_bodies_{column}"), "bodies", [column])
    op.create_table(
        "body_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("normalized_name", sa.Text(), nullable=False),
        sa.Column("first_seen_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name=op.f("fk_body_aliases__body_id__bodies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_body_aliases")),
        sa.UniqueConstraint("body_id", "name", name=op.f("uq_body_aliases__body_id_name")),
    )
    op.create_index(op.f("ix_body_aliases_body_id"), "body_aliases", ["body_id"])
    op.create_index(op.f("ix_body_aliases_normalized_name"), "body_aliases", ["normalized_name"])
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=True),
        sa.Column("extraction_id", sa.Integer(), nullable=True),
        sa.Column("parser_version", sa.String(length=32), nullable=True),
        sa.Column("template", sa.String(length=16), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("numbers_sha256", sa.String(length=64), nullable=True),
        sa.Column("first_seen_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint(
            "status IN ('current', 'withdrawn', 'superseded')", name=op.f("ck_reports__status")
        ),
        sa.ForeignKeyConstraint(["body_id"], ["bodies.id"], name=op.f("fk_reports__body_id__bodies"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["captures.id"], name=op.f("fk_reports__capture_id__captures"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["extraction_id"], ["extractions.id"], name=op.f("fk_reports__extraction_id__extractions"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index(op.f("ix_reports_body_id"), "reports", ["body_id"])
    op.create_index(op.f("ix_reports_year"), "reports", ["year"])
    op.create_table(
        "report_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("portal", sa.String(length=200), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("first_seen_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint("role IN ('page', 'attachment')", name=op.f("ck_report_sources__role")),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_sources__report_id__reports"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["documents.id"], name=op.f("fk_report_sources__document_id__documents"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_sources")),
        sa.UniqueConstraint("document_id", name=op.f("uq_report_sources__document_id")),
    )
    op.create_index(op.f("ix_report_sources_report_id"), "report_sources", ["report_id"])
    op.execute("DROP VIEW archive_checks_v")
    op.drop_index(op.f("ix_archive_checks_parser_version"), table_name="archive_checks")
    op.drop_table("archive_checks")
    _archive_checks(
        sa.Column("body_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"], ["bodies.id"], name=op.f("fk_archive_checks__body_id__bodies"), ondelete="CASCADE"
        ),
        referred="reports",
    )
    op.create_index(op.f("ix_archive_checks_body_id"), "archive_checks", ["body_id"])
    op.execute(f"CREATE VIEW archive_checks_v AS {_CHECKS_VIEW_AFTER}")


def downgrade() -> None:
    op.execute("DROP VIEW archive_checks_v")
    op.drop_index(op.f("ix_archive_checks_body_id"), table_name="archive_checks")
    op.drop_index(op.f("ix_archive_checks_parser_version"), table_name="archive_checks")
    op.drop_table("archive_checks")
    _archive_checks(referred="documents")
    op.execute(f"CREATE VIEW archive_checks_v AS {_CHECKS_VIEW_BEFORE}")
    op.drop_index(op.f("ix_report_sources_report_id"), table_name="report_sources")
    op.drop_table("report_sources")
    op.drop_index(op.f("ix_reports_year"), table_name="reports")
    op.drop_index(op.f("ix_reports_body_id"), table_name="reports")
    op.drop_table("reports")
    op.drop_index(op.f("ix_body_aliases_normalized_name"), table_name="body_aliases")
    op.drop_index(op.f("ix_body_aliases_body_id"), table_name="body_aliases")
    op.drop_table("body_aliases")
    for column in ("normalized_name", "parent_body_id", "credit_code", "organization_code"):
        op.drop_index(op.f(f"ix_bodies_{column}"), table_name="bodies")
    op.drop_table("bodies")


def _archive_checks(*extra: sa.SchemaItem, referred: str) -> None:
    """Rule 5 rows; ``referred`` is the table their report ids point to."""
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
        sa.CheckConstraint("status IN ('pass', 'fail', 'not_assessable')", name=op.f("ck_archive_checks__status")),
        sa.ForeignKeyConstraint(
            ["report_id"],
            [f"{referred}.id"],
            name=op.f(f"fk_archive_checks__report_id__{referred}"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["previous_report_id"],
            [f"{referred}.id"],
            name=op.f(f"fk_archive_checks__previous_report_id__{referred}"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_checks")),
        *extra,
    )
    op.create_index(op.f("ix_archive_checks_parser_version"), "archive_checks", ["parser_version"])
