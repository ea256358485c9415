"""Models and migrations agree; one head; upgrade, downgrade and upgrade again with data in."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.orm import Session

from storage.archive import record_extraction, store_capture
from storage.db import downgrade, head_revision, migrations_dir, open_archive, upgrade
from storage.models import Base
from storage.queries import report_values

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return ScriptDirectory.from_config(config)


def test_there_is_one_head():
    assert len(script_directory().get_heads()) == 1


def test_the_head_read_from_file_names_is_alembics_and_each_file_names_its_revision():
    """``open_archive`` skips alembic for an archive at ``head_revision()``, read from the file
    names: they must name the revisions they hold, the newest last."""
    scripts = script_directory()
    assert head_revision() == scripts.get_current_head()
    for script in scripts.walk_revisions():
        assert script.path.rsplit("/", 1)[-1].startswith(f"{script.revision}_"), script.path


def test_opening_an_archive_left_at_an_earlier_revision_brings_it_to_the_head(archive_url):
    upgrade(archive_url, "0011")
    open_archive(archive_url).dispose()
    engine = create_engine(archive_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
        assert "capture_links" in inspect(connection).get_table_names()
    engine.dispose()


def test_models_and_migrations_agree(archive_url):
    open_archive(archive_url).dispose()
    engine = create_engine(archive_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_constraints_have_conventional_names(archive_url):
    open_archive(archive_url).dispose()
    engine = create_engine(archive_url)
    try:
        inspector = inspect(engine)
        assert {fk["name"] for fk in inspector.get_foreign_keys("captures")} == {
            "fk_captures__document_id__documents",
            "fk_captures__blob_sha256__blobs",
        }
        assert {uq["name"] for uq in inspector.get_unique_constraints("extractions")} == {
            "uq_extractions__capture_id_parser_version"
        }
        assert "ix_captures_document_id" in {ix["name"] for ix in inspector.get_indexes("captures")}
    finally:
        engine.dispose()


def store_report(session: Session, make_report) -> None:
    stored = store_capture(
        session,
        url="http://county.test/a.html",
        final_url="http://county.test/a.html",
        status=200,
        headers={"Content-Type": "text/html"},
        body=b"<html>report</html>",
        fetched_at=T0,
    )
    values = {
        ("proactive", "fees", "amount_10k_yuan"): "12.3456",
        ("proactive", "licensing", "change"): "-3",
    }
    record_extraction(session, stored.capture_id, make_report(stored.sha256, values=values))


def test_upgrade_downgrade_upgrade_with_data(archive_url, make_report):
    engine = open_archive(archive_url)
    with Session(engine) as session:
        store_report(session, make_report)
        session.commit()
        assert len(report_values(session, "1")) == 2
    engine.dispose()

    downgrade(archive_url, "base")
    engine = create_engine(archive_url)
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        assert tables <= {"alembic_version"}
        assert inspect(connection).get_view_names() == []
    engine.dispose()

    upgrade(archive_url)
    engine = open_archive(archive_url)
    with Session(engine) as session:
        assert report_values(session, "1") == []
        store_report(session, make_report)
        session.commit()
        assert {r.value for r in report_values(session, "1")} == {Decimal("12.3456"), Decimal("-3")}
    engine.dispose()


def test_views_answer_on_every_backend(engine, make_report):
    with Session(engine) as session:
        store_report(session, make_report)
        session.commit()
        rows = session.execute(
            text(
                "SELECT url, sha256, parser_version, body, year, table_name, row_key, column_key,"
                " value_text, value FROM report_values_v ORDER BY column_key"
            )
        ).all()
        latest = session.execute(
            text("SELECT url, status, times_seen FROM latest_captures_v")
        ).all()
    assert [(r.column_key, r.value_text) for r in rows] == [
        ("amount_10k_yuan", "12.3456"),
        ("change", "-3"),
    ]
    assert {(r.url, r.parser_version, r.body, r.year) for r in rows} == {
        ("http://county.test/a.html", "1", "留车镇人民政府", 2023)
    }
    assert [Decimal(str(r.value)) for r in rows] == [Decimal("12.3456"), Decimal("-3")]
    assert latest == [("http://county.test/a.html", 200, 1)]


EARLIER = [script.revision for script in reversed(list(script_directory().walk_revisions()))][:-1]
PAYLOAD = b"<html>report of an earlier archive</html>"


def store_at_revision(url: str, revision: str) -> None:
    """One document, capture and payload, written as the schema of ``revision`` holds them."""
    import hashlib

    import sqlalchemy as sa

    sha256 = hashlib.sha256(PAYLOAD).hexdigest()
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            blob_columns = {c["name"] for c in inspect(connection).get_columns("blobs")}
            if "content" not in blob_columns:  # the bytes live in WARC files from 0008 on
                with Session(connection) as session:
                    store_capture(session, url="http://county.test/old.html", final_url="http://county.test/old.html",
                                  status=200, headers={"Content-Type": "text/html"}, body=PAYLOAD, fetched_at=T0)
                    session.flush()
                return
            blobs = sa.table("blobs", sa.column("sha256"), sa.column("size"), sa.column("content", sa.LargeBinary))
            documents = sa.table("documents", sa.column("id"), sa.column("url"), sa.column("first_seen_at"))
            captures = sa.table(
                "captures", *(sa.column(name) for name in (
                    "id", "document_id", "blob_sha256", "url", "final_url", "status", "content_type",
                    "fetched_at", "last_seen_at", "times_seen")), sa.column("headers", sa.JSON),
            )
            stamp = "2024-03-01 08:00:00.000000" if connection.dialect.name == "sqlite" else T0
            connection.execute(blobs.insert().values(sha256=sha256, size=len(PAYLOAD), content=PAYLOAD))
            connection.execute(documents.insert().values(id=1, url="http://county.test/old.html", first_seen_at=stamp))
            connection.execute(captures.insert().values(
                id=1, document_id=1, blob_sha256=sha256, url="http://county.test/old.html",
                final_url="http://county.test/old.html", status=200, content_type="text/html",
                headers={"Content-Type": "text/html"}, fetched_at=stamp, last_seen_at=stamp, times_seen=1,
            ))
    finally:
        engine.dispose()


def assert_payload_kept(url: str) -> None:
    from storage.archive import load_blob
    from storage.models import Capture

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            (capture,) = session.query(Capture).all()
            assert capture.url == "http://county.test/old.html"
            assert load_blob(session, capture.blob_sha256) == PAYLOAD
    finally:
        engine.dispose()


def test_every_earlier_revision_upgrades_with_its_data(archive_url):
    assert EARLIER[0] == "0001" and len(EARLIER) >= 9
    for revision in EARLIER:
        downgrade(archive_url, "base")  # a fresh archive at each revision
        upgrade(archive_url, revision)
        store_at_revision(archive_url, revision)
        upgrade(archive_url)
        assert_payload_kept(archive_url)


def test_the_newest_revisions_downgrade_one_step_at_a_time_with_data(archive_url):
    from storage.archive import record_links

    upgrade(archive_url)
    store_at_revision(archive_url, "head")
    engine = create_engine(archive_url)
    try:
        with Session(engine) as session:
            record_links(session, 1, [("http://county.test/old.pdf", "附件")])
            session.commit()
            assert session.execute(text("SELECT capture_id FROM capture_links")).all() == [(1,)]
    finally:
        engine.dispose()

    downgrade(archive_url, "0011")  # 0012: the recorded links go, the captures stay
    engine = create_engine(archive_url)
    try:
        assert "capture_links" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    assert_payload_kept(archive_url)

    downgrade(archive_url, "0010")
    engine = create_engine(archive_url)
    try:
        indexes = {ix["name"] for ix in inspect(engine).get_indexes("extracted_values")}
        assert "ix_extracted_values_extraction_id" in indexes and "ix_extracted_values_cell" in indexes
    finally:
        engine.dispose()
    assert_payload_kept(archive_url)
    upgrade(archive_url)
    assert_payload_kept(archive_url)
