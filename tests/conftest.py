"""Database fixtures: a fresh SQLite file per test; PostgreSQL in a fresh schema when reachable."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from extract.records import Check, Document, Identity, Value
from storage.archive import StoredCapture, store_capture
from storage.db import open_archive

# Point DISCLOSURE_TEST_PG elsewhere (or at a closed port, to see the skip) if needed.
PG_SERVER_URL = os.environ.get(
    "DISCLOSURE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def _pg_dsn() -> str:
    return PG_SERVER_URL.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def pg_server() -> str:
    try:
        import psycopg

        psycopg.connect(_pg_dsn(), connect_timeout=3).close()
    except Exception as error:  # any reason at all means: no server to test against
        reason = f"PostgreSQL not reachable at {PG_SERVER_URL}: {str(error).strip()[:200]}"
        if os.environ.get("CI"):
            # CI starts the server (.ci/run): a missing one there is a broken run, not a skip.
            pytest.fail(reason)
        pytest.skip(reason)
    return PG_SERVER_URL


@pytest.fixture
def postgresql_url(pg_server: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A URL whose connections live in a fresh schema, dropped after the test; its WARC
    files in the test's own folder (crawl subprocesses inherit the variable)."""
    import psycopg

    monkeypatch.setenv("DISCLOSURE_WARC_DIR", str(tmp_path / "pg-warc"))
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_pg_dsn(), autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    yield f"{pg_server}?options=-csearch_path%3D{schema}"
    with psycopg.connect(_pg_dsn(), autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'archive.sqlite'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def archive_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def engine(archive_url: str) -> Iterator[Engine]:
    engine = open_archive(archive_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def add_capture(session: Session) -> Callable[..., StoredCapture]:
    """Store a response with sensible defaults; keywords override any of them."""

    def add(url: str, body: bytes = b"<html>page</html>", **fields) -> StoredCapture:
        fields = {
            "final_url": url,
            "status": 200,
            "headers": {"Content-Type": "text/html; charset=utf-8"},
            "fetched_at": T0,
            "spider": "portal",
            "portal": "testcounty",
            **fields,
        }
        return store_capture(session, url=url, body=body, **fields)

    return add


def report_document(
    sha256: str,
    *,
    values: dict[tuple[str, str, str], str | None] | None = None,
    body: str | None = "留车镇人民政府",
    year: int | None = 2023,
    template: str | None = "v2021",
    is_annual_report: bool = True,
    parser_version: str = "1",
    checks: tuple[Check, ...] = (),
) -> Document:
    """An extraction record with the given cells (None: the report gave no number)."""
    cells = values or {}
    return Document(
        sha256=sha256,
        parser_version=parser_version,
        title=f"{body or ''}{year or ''}年政府信息公开工作年度报告",
        text="一、总体情况",
        metadata=(("索引号", "000014349/2024-00001"), ("发布机构", body or "")),
        published="2024-01-15",
        is_annual_report=is_annual_report,
        reason="title" if is_annual_report else "not a report",
        identity=Identity(body=body, year=year, year_source="title", title=None),
        template=template,
        values=tuple(
            Value(table=t, row=r, column=c, value=None if v is None else Decimal(v), raw=v or "—")
            for (t, r, c), v in cells.items()
        ),
        checks=checks,
        warnings=("a warning",),
    )


@pytest.fixture
def make_report() -> Callable[..., Document]:
    return report_document


# Modules whose tests leave figures (a SUMMARY list of lines) to print after the run.
SUMMARIES = ("tests.test_corpus_accuracy", "tests.test_hostile", "tests.test_faults")


def pytest_terminal_summary(terminalreporter) -> None:
    import sys

    for module in SUMMARIES:
        lines = getattr(sys.modules.get(module), "SUMMARY", ())
        if lines:
            terminalreporter.write_sep("-", lines[0])
            for line in lines[1:]:
                terminalreporter.write_line(line)
