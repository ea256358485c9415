"""Opening the archive: database URL, engine, migrations, sessions."""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

import migrations

if TYPE_CHECKING:
    from alembic.config import Config

DEFAULT_URL = "sqlite:///data/disclosure.sqlite"
ENV_VAR = "DISCLOSURE_DB"
CONNECT_TIMEOUT_SECONDS = 5
# How long one write waits for a database server that went away (a restart, a failover).
RECONNECT_SECONDS = 60

T = TypeVar("T")
# Migration files are named after their revision ("0012_capture_links.py"), one after another.
_REVISION_FILE = re.compile(r"^([0-9]{4})_[A-Za-z0-9_]+\.py$")


class ArchiveUnavailable(Exception):
    """The archive database cannot be opened; the message says why in one line."""


def database_url(explicit: str | None) -> str:
    """The URL given, else $DISCLOSURE_DB, else the local SQLite file."""
    return explicit or os.environ.get(ENV_VAR) or DEFAULT_URL


def open_archive(url: str) -> Engine:
    """An engine on an archive migrated to the newest schema."""
    engine = _engine(url)
    try:
        # alembic (imported and run only when there is something to do) costs every command
        # a few tenths of a second; an archive already at the newest revision needs none of it
        if _stored_revision(engine) != head_revision():
            _migrate(engine, _upgrade, "head")
    except BaseException:
        engine.dispose()
        raise
    return engine


@cache
def head_revision() -> str:
    """The newest revision the shipped migrations know (``tests/test_migrations.py`` checks it
    against alembic's own reading of the chain)."""
    found = [m.group(1) for entry in os.listdir(migrations_dir() / "versions") if (m := _REVISION_FILE.match(entry))]
    if not found:
        raise ArchiveUnavailable(f"no migration in {migrations_dir() / 'versions'}")
    return max(found)


def _stored_revision(engine: Engine) -> str | None:
    """The archive's revision, or None when it has none yet or cannot say (the migration then
    reports what is wrong)."""
    with _connect(engine) as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
        except exc.DBAPIError:
            return None


def upgrade(url: str, revision: str = "head") -> None:
    _run_migration(url, _upgrade, revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    _run_migration(url, command.downgrade, revision)


def _upgrade(config: Config, revision: str) -> None:
    from alembic import command

    command.upgrade(config, revision)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with Session(engine) as session, session.begin():
        yield session


def in_transaction(engine: Engine, work: Callable[[Session], T], *, reconnect_seconds: float = RECONNECT_SECONDS) -> T:
    """``work(session)`` in one transaction, done again from the start while the connection to a
    database server is lost (restart, failover), for up to ``reconnect_seconds``.

    ``work`` must be safe to repeat: a commit whose answer was lost may have happened. Errors
    of the statements themselves, and every SQLite error, are raised at once.
    """
    deadline = time.monotonic() + reconnect_seconds
    pause = 0.25
    while True:
        try:
            with session_scope(engine) as session:
                return work(session)
        except exc.DBAPIError as error:
            if not connection_lost(engine, error) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 5.0)


def connection_lost(engine: Engine, error: exc.DBAPIError) -> bool:
    """The server went away or refused to talk (as opposed to a statement that failed)."""
    if error.connection_invalidated:
        return True
    # psycopg's OperationalError: connection refused or cut, server shutting down or starting
    return engine.dialect.name == "postgresql" and isinstance(error, (exc.OperationalError, exc.InterfaceError))


# What a command meets when the database server fails under it (down, restarted, cut off).
DATABASE_FAILURES = (exc.OperationalError, exc.InterfaceError)


def database_failure(error: exc.DBAPIError) -> str:
    """One line for a user: what the database said, and that the run can simply be repeated."""
    said = str(error.orig if error.orig is not None else error).strip().splitlines()
    first = said[0] if said else type(error).__name__
    return f"the archive database failed during the run: {first} (what was stored stays; run the command again)"


def migrations_dir() -> Path:
    """The shipped ``migrations`` folder, wherever the package is installed."""
    # __path__ rather than __file__: an editable install may expose it as a namespace package.
    for entry in migrations.__path__:
        if (Path(entry) / "env.py").is_file():
            return Path(entry)
    raise ArchiveUnavailable(f"migrations not found in {list(migrations.__path__)}")


def _run_migration(url: str, step, revision: str) -> None:
    engine = _engine(url)
    try:
        _migrate(engine, step, revision)
    finally:
        engine.dispose()


def _migrate(engine: Engine, step, revision: str) -> None:
    with _connect(engine) as connection:
        try:
            with connection.begin():
                step(_alembic_config(connection), revision)
        except exc.DBAPIError as error:
            # Reached, but not usable: not a database, read-only, no permission, ...
            raise ArchiveUnavailable(_unavailable(engine.url, error, "cannot migrate")) from error


def _connect(engine: Engine) -> Connection:
    try:
        return engine.connect()
    except exc.DBAPIError as error:
        engine.dispose()
        raise ArchiveUnavailable(_unavailable(engine.url, error)) from error


def _engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise ArchiveUnavailable(f"not a database URL: {url!r} ({error})") from error
    if parsed.drivername in ("postgresql", "postgres"):
        # psycopg (3) is the driver this project installs; SQLAlchemy's default is psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        _create_parent_folder(parsed)
    try:
        # pre-ping: a pooled connection the server dropped (a restart) is replaced, not used
        engine = create_engine(parsed, connect_args=_connect_args(backend), pool_pre_ping=backend == "postgresql")
    except (exc.ArgumentError, exc.NoSuchModuleError, ImportError) as error:
        raise ArchiveUnavailable(
            f"cannot use {parsed.render_as_string(hide_password=True)}: {error}"
        ) from error
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_write_ahead_log)
    return engine


def _sqlite_write_ahead_log(dbapi_connection, _record) -> None:
    """WAL: readers (status, a run's heartbeat) do not block the crawl's writes, and a commit
    is one append to the log rather than a journal round trip. NORMAL: a committed capture
    survives a killed process (only a power cut may lose the last few), which is what one
    transaction per capture is for. A file that refuses (read-only, not a database) is left
    as it is, for the migration to report."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.DatabaseError:
        pass
    finally:
        cursor.close()


def _connect_args(backend: str) -> dict:
    if backend == "postgresql":
        return {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    if backend == "sqlite":
        return {"timeout": 30}
    return {}


def _create_parent_folder(url: URL) -> None:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ArchiveUnavailable(
                f"cannot create the archive folder {folder}: {error}"
            ) from error


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    return config


def _unavailable(url: URL, error: exc.DBAPIError, what: str = "cannot open") -> str:
    reason = str(error.orig).strip().splitlines()
    first = reason[0] if reason else type(error.orig).__name__
    return f"{what} the archive at {url.render_as_string(hide_password=True)}: {first}"
