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
from storage.db import downgrade, migrations_dir, open_archive, upgrade
from storage.models import Base
from storage.queries import report_values

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def script_directory() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return ScriptDirectory.from_config(config)


def test_there_is_one_head():
    assert len(script_directory().get_heads()) == 1


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
