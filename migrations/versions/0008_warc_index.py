"""Raw bytes in WARC files: the database keeps where each payload lies.

Every blob's bytes are written to the archive's WARC folder (a response record built from
its earliest capture, or a resource record for bytes no capture names), its file, offset
and length recorded, and the ``content`` column dropped. Downgrading reads them back.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from storage.warc import Fetch, Location, PayloadMissing, store_for

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

blobs = sa.table(
    "blobs",
    sa.column("sha256", sa.String),
    sa.column("size", sa.BigInteger),
    sa.column("content", sa.LargeBinary),
    sa.column("warc_file", sa.String),
    sa.column("warc_offset", sa.BigInteger),
    sa.column("warc_length", sa.BigInteger),
)
captures = sa.table(
    "captures",
    sa.column("id", sa.Integer),
    sa.column("blob_sha256", sa.String),
    sa.column("url", sa.Text),
    sa.column("final_url", sa.Text),
    sa.column("status", sa.Integer),
    sa.column("headers", sa.JSON),
    sa.column("fetched_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("blobs") as batch:
        batch.add_column(sa.Column("warc_file", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("warc_offset", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("warc_length", sa.BigInteger(), nullable=True))
    connection = op.get_bind()
    store = store_for(connection)
    for sha256 in connection.scalars(sa.select(blobs.c.sha256).order_by(blobs.c.sha256)).all():
        # one blob in memory at a time
        content = bytes(connection.scalar(sa.select(blobs.c.content).where(blobs.c.sha256 == sha256)))
        first = connection.execute(
            sa.select(captures)
            .where(captures.c.blob_sha256 == sha256)
            .order_by(captures.c.fetched_at, captures.c.id)
            .limit(1)
        ).first()
        if first is None:
            location = store.write_resource(f"urn:sha256:{sha256}", content, sha256, datetime.now(UTC))
        else:
            fetch = Fetch(
                url=first.url,
                final_url=first.final_url,
                status=first.status,
                headers={name: _values(values) for name, values in (first.headers or {}).items()},
                body=content,
                fetched_at=_aware(first.fetched_at),
            )
            location = store.write_fetch(fetch, sha256)
        connection.execute(
            blobs.update()
            .where(blobs.c.sha256 == sha256)
            .values(warc_file=location.file, warc_offset=location.offset, warc_length=location.length)
        )
    with op.batch_alter_table("blobs") as batch:
        batch.alter_column("warc_file", existing_type=sa.String(length=255), nullable=False)
        batch.alter_column("warc_offset", existing_type=sa.BigInteger(), nullable=False)
        batch.alter_column("warc_length", existing_type=sa.BigInteger(), nullable=False)
        batch.drop_column("content")


def downgrade() -> None:
    with op.batch_alter_table("blobs") as batch:
        batch.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))
    connection = op.get_bind()
    store = store_for(connection)
    rows = connection.execute(
        sa.select(blobs.c.sha256, blobs.c.warc_file, blobs.c.warc_offset, blobs.c.warc_length)
        .order_by(blobs.c.warc_file, blobs.c.warc_offset)
    ).all()
    for row in rows:
        location = Location(file=row.warc_file, offset=row.warc_offset, length=row.warc_length)
        try:
            content = store.read_payload(location)
        except PayloadMissing as error:
            raise RuntimeError(f"cannot put blob {row.sha256} back into the database: {error}") from error
        connection.execute(blobs.update().where(blobs.c.sha256 == row.sha256).values(content=content))
    with op.batch_alter_table("blobs") as batch:
        batch.alter_column("content", existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column("warc_length")
        batch.drop_column("warc_offset")
        batch.drop_column("warc_file")


def _values(values) -> list[str]:
    return [str(v) for v in values] if isinstance(values, list) else [str(values)]


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
