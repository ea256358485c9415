"""`disclosure browse`: datasette on a SQLite archive, bound to 127.0.0.1, with the data
dictionary as metadata, the canned queries and the pages of pictures."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import open_archive

from .datasette import metadata, pages

HOST = "127.0.0.1"


class BrowseError(Exception):
    """The archive cannot be browsed as asked; the message says why and what to do."""


def sqlite_path(db_url: str) -> Path:
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite":
        raise BrowseError(
            f"browse needs a SQLite archive; {url.get_backend_name()} is not one "
            "(datasette reads SQLite files only: point --db at one, sqlite:///PATH; a PostgreSQL archive's numbers go out with `disclosure export --format parquet`)"
        )
    if not url.database or url.database == ":memory:":
        raise BrowseError("browse needs a SQLite archive file: --db sqlite:///PATH")
    path = Path(url.database)
    if not path.is_file():
        raise BrowseError(f"no archive at {path}: make one with `disclosure demo` or `disclosure crawl`")
    return path


def command(db_url: str, port: int, folder: Path) -> list[str]:
    """The datasette command line for the archive, its metadata and pages written into ``folder``."""
    path = sqlite_path(db_url)
    open_archive(db_url).dispose()  # migrated to the views the queries read
    database = path.stem
    meta = folder / "metadata.json"
    meta.write_text(json.dumps(metadata(database), ensure_ascii=False, indent=1), encoding="utf-8")
    templates = pages(database, folder / "templates")
    return [
        sys.executable, "-m", "datasette", "serve", str(path),
        "--host", HOST, "--port", str(port),
        "--metadata", str(meta), "--template-dir", str(templates),
        "--setting", "sql_time_limit_ms", "5000",
    ]


def browse(db_url: str, port: int) -> int:
    """Serve until interrupted; returns datasette's exit status."""
    with tempfile.TemporaryDirectory(prefix="disclosure-browse-") as folder:
        argv = command(db_url, port, Path(folder))
        print(f"browse the archive at http://{HOST}:{port}/ (charts: /chart, /coverage); Ctrl-C stops",
              file=sys.stderr)
        process = subprocess.Popen(argv)
        # stopped by a service manager (SIGTERM) as by Ctrl-C: datasette must not outlive us
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.terminate()
            process.wait()
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
