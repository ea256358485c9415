"""Migration 0008 moves an archive's bytes out of the database into WARC files, and back."""

from __future__ import annotations

import hashlib
import os

import sqlalchemy as sa
from sqlalchemy import create_engine, inspect
from sqlalchemy.orm import Session

from storage.archive import load_blob
from storage.db import downgrade, open_archive, upgrade
from storage.models import Blob, UTCDateTime
from tests.conftest import T0

PAYLOADS = {
    "page": b"<html><body>\xe5\xb9\xb4\xe5\xba\xa6\xe6\x8a\xa5\xe5\x91\x8a</body></html>",
    "empty": b"",
    "every byte": bytes(range(256)) * 3,
    "large": os.urandom(600_000),
    "orphan": b"bytes that no capture names",
}

blobs = sa.table("blobs", sa.column("sha256"), sa.column("size"), sa.column("content", sa.LargeBinary))
documents = sa.table("documents", sa.column("id"), sa.column("url"), sa.column("first_seen_at", UTCDateTime()))
captures = sa.table(
    "captures",
    *(sa.column(name) for name in ("id", "document_id", "blob_sha256", "url", "final_url", "status",
                                    "content_type", "spider", "times_seen")),
    sa.column("headers", sa.JSON), sa.column("fetched_at", UTCDateTime()), sa.column("last_seen_at", UTCDateTime()),
)


def _fill_at_0007(url: str) -> dict[str, bytes]:
    """An archive at revision 0007 with its bytes in ``blobs.content``, written as that schema was."""
    upgrade(url, "0007")
    engine = create_engine(url)
    stored = {}
    with engine.begin() as connection:
        for number, (name, body) in enumerate(PAYLOADS.items(), start=1):
            sha256 = hashlib.sha256(body).hexdigest()
            stored[sha256] = body
            connection.execute(blobs.insert().values(sha256=sha256, size=len(body), content=body))
            if name == "orphan":
                continue
            connection.execute(documents.insert().values(id=number, url=f"http://127.0.0.1:1/{number}.html",
                                                         first_seen_at=T0))
            # two captures of one payload: one record holds it
            for capture in (2 * number, 2 * number + 1):
                connection.execute(captures.insert().values(
                    id=capture, document_id=number, blob_sha256=sha256, url=f"http://127.0.0.1:1/{number}.html",
                    final_url=f"http://127.0.0.1:1/r/{number}.html", status=200,
                    headers={"Content-Type": ["text/html"], "Content-Encoding": ["gzip"]},
                    content_type="text/html", spider="portal", fetched_at=T0, last_seen_at=T0, times_seen=1,
                ))
    engine.dispose()
    return stored


def test_upgrade_moves_every_payload_to_warc_and_downgrade_puts_it_back(archive_url):
    stored = _fill_at_0007(archive_url)

    upgrade(archive_url, "0008")
    engine = open_archive(archive_url)
    try:
        assert "content" not in {c["name"] for c in inspect(engine).get_columns("blobs")}
        with Session(engine) as session:
            for sha256, body in stored.items():
                assert load_blob(session, sha256) == body
            rows = session.scalars(sa.select(Blob)).all()
            assert len({(b.warc_file, b.warc_offset) for b in rows}) == len(stored)
    finally:
        engine.dispose()

    downgrade(archive_url, "0007")
    engine = create_engine(archive_url)
    try:
        with engine.connect() as connection:
            back = dict(connection.execute(sa.select(blobs.c.sha256, blobs.c.content)).all())
            assert "warc_file" not in {c["name"] for c in inspect(connection).get_columns("blobs")}
    finally:
        engine.dispose()
    assert {sha256: bytes(content) for sha256, content in back.items()} == stored
