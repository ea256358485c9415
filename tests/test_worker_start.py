"""Extraction workers start warm: forked from a server that loaded the readers, never from this
process, and a replacement for a worker that died is forked warm too."""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime

from disclosure.workers import WORKER_DIED, LimitedWorkers, _main_script_imports
from extract.limits import Limits
from extract.preload import READER_MODULES
from storage.archive import CaptureRef

LIMITS = Limits(wall_seconds=30)


def ref(name: str) -> CaptureRef:
    url = f"http://127.0.0.1:1/{name}"
    return CaptureRef(capture_id=0, sha256="", url=url, final_url=url, content_type="text/html",
                      fetched_at=datetime(2024, 3, 1, tzinfo=UTC))


def reporting(content, *, url, **context):
    """An extractor that tells, as its error, where the worker's readers were loaded; dies on ``die``."""
    if url.endswith("die"):
        os._exit(3)
    preload = sys.modules.get("extract.preload")
    missing = [name for name in READER_MODULES if name not in sys.modules]
    raise LookupError(f"pid={os.getpid()} parent={os.getppid()} "
                      f"loaded_by={getattr(preload, 'LOADED_BY', None)} missing={','.join(missing) or '-'}")


def told(error: str) -> dict[str, str]:
    assert error.startswith("LookupError: "), error
    return dict(part.split("=", 1) for part in error.removeprefix("LookupError: ").split())


def ask(pool: LimitedWorkers, name: str = "ask") -> dict[str, str]:
    return told(pool.outcome(pool.submit(ref(name), b"x")).error)


def test_a_worker_has_the_readers_loaded_by_its_server_before_its_first_capture():
    with LimitedWorkers(2, reporting, LIMITS) as pool:
        first = ask(pool)
    assert first["missing"] == "-"
    # loaded in the fork server, not in the worker; and the server is not this process
    assert first["loaded_by"] == first["parent"] != first["pid"]
    assert int(first["parent"]) != os.getpid()


def test_a_replacement_for_a_worker_that_died_is_forked_warm():
    with LimitedWorkers(1, reporting, LIMITS) as pool:
        before = ask(pool)
        died = pool.outcome(pool.submit(ref("die"), b"x"))
        started = time.monotonic()
        after = ask(pool)
        seconds = time.monotonic() - started
    assert died.error.startswith(WORKER_DIED + " (exit status 3)")
    assert after["pid"] != before["pid"]
    assert after["missing"] == "-" and after["loaded_by"] == after["parent"] == before["parent"]
    assert seconds < 5  # a worker importing the readers itself takes ~1 s of CPU; forked, milliseconds


def test_the_next_pool_uses_the_same_warm_server():
    with LimitedWorkers(1, reporting, LIMITS) as pool:
        first = ask(pool)
    with LimitedWorkers(1, reporting, LIMITS) as pool:
        second = ask(pool)
    assert first["pid"] != second["pid"] and first["parent"] == second["parent"]


def test_the_main_scripts_imports_are_loaded_before_a_worker_runs_it_again(monkeypatch):
    script = type(sys)("__main__")
    script.__file__, script.__spec__ = "/usr/bin/disclosure", None
    script.sys, script.main, script.Limits = sys, ask, Limits
    monkeypatch.setitem(sys.modules, "__main__", script)
    assert _main_script_imports() == ["extract.limits", "sys", "tests.test_worker_start"]
    script.__spec__ = object()  # run with -m: a worker does not run it again
    assert _main_script_imports() == []

