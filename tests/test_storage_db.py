"""Opening the archive: URL choice, migrating an empty database, failing fast when unreachable."""

from __future__ import annotations

import time

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from storage import ArchiveUnavailable
from storage.db import DEFAULT_URL, database_url, migrations_dir, open_archive, session_scope
from storage.models import Blob

TABLES = {"blobs", "documents", "captures", "extractions", "extracted_values", "check_results"}


def test_database_url_prefers_explicit_then_environment_then_default(monkeypatch):
    monkeypatch.setenv("DISCLOSURE_DB", "sqlite:///from-env.sqlite")
    assert database_url("sqlite:///explicit.sqlite") == "sqlite:///explicit.sqlite"
    assert database_url(None) == "sqlite:///from-env.sqlite"
    monkeypatch.delenv("DISCLOSURE_DB")
    assert database_url(None) == DEFAULT_URL


def test_open_archive_migrates_an_empty_database(archive_url):
    engine = open_archive(archive_url)
    try:
        inspector = inspect(engine)
        assert set(inspector.get_table_names()) >= TABLES
        assert {"report_values_v", "latest_captures_v", "check_results_v"} <= set(
            inspector.get_view_names()
        )
        with engine.connect() as connection:
            head = connection.scalar(text("SELECT version_num FROM alembic_version"))
        assert head == ScriptDirectory.from_config(_config()).get_current_head()
    finally:
        engine.dispose()


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return config


def test_opening_twice_keeps_the_data(archive_url):
    engine = open_archive(archive_url)
    with session_scope(engine) as session:
        session.add(Blob(sha256="a" * 64, size=1, warc_file="a.warc.gz", warc_offset=0, warc_length=1))
    engine.dispose()

    engine = open_archive(archive_url)
    with session_scope(engine) as session:
        assert session.get(Blob, "a" * 64).warc_file == "a.warc.gz"
    engine.dispose()


def test_session_scope_rolls_back_on_error(archive_url):
    engine = open_archive(archive_url)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.add(Blob(sha256="b" * 64, size=1, warc_file="b.warc.gz", warc_offset=0, warc_length=1))
        session.flush()
        raise RuntimeError("stop")
    with session_scope(engine) as session:
        assert session.get(Blob, "b" * 64) is None
    engine.dispose()


def test_open_archive_creates_the_folder_of_a_sqlite_file(tmp_path):
    path = tmp_path / "nested" / "deeper" / "archive.sqlite"
    engine = open_archive(f"sqlite:///{path}")
    engine.dispose()
    assert path.is_file()


def test_unreachable_postgresql_fails_fast_with_one_line():
    started = time.monotonic()
    with pytest.raises(ArchiveUnavailable) as raised:
        open_archive("postgresql+psycopg://postgres:secret@127.0.0.1:1/nothing")
    assert time.monotonic() - started < 10
    message = str(raised.value)
    assert "\n" not in message
    assert "127.0.0.1:1" in message
    assert "secret" not in message


def test_a_url_that_is_not_a_database_url_is_unavailable():
    with pytest.raises(ArchiveUnavailable, match="not a database URL"):
        open_archive("not a url")


def test_a_plain_postgresql_url_uses_psycopg():
    # Without the rewrite SQLAlchemy would look for psycopg2, which the project does not install.
    with pytest.raises(ArchiveUnavailable) as raised:
        open_archive("postgresql://postgres@127.0.0.1:1/nothing")
    assert "psycopg2" not in str(raised.value)
    assert "127.0.0.1:1" in str(raised.value)


def test_a_file_that_is_not_a_database_is_unavailable(tmp_path):
    path = tmp_path / "archive.sqlite"
    path.write_bytes(b"this is not an SQLite database, just some text " * 100)
    with pytest.raises(ArchiveUnavailable) as raised:
        open_archive(f"sqlite:///{path}")
    assert "\n" not in str(raised.value)
    assert str(path) in str(raised.value)
