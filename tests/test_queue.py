"""Extraction through an RQ queue on the Redis at 127.0.0.1: `disclosure worker` processes store
exactly what a local run stores, and a worker killed mid-batch loses no capture."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from rq.registry import StartedJobRegistry

from disclosure.queue import (
    QUEUE_NAME_ENV_VAR,
    QueueUnavailable,
    connect,
    enqueue_extraction,
    extraction_queue,
    requeue_abandoned,
    wait_for,
)
from extract import PARSER_VERSION
from extract.limits import DEFAULT_LIMITS
from disclosure.cli import main
from disclosure.extraction import extract_archive
from storage.db import open_archive

from .cli_runner import run_cli
from .test_extract_parallel import fill, stored

REDIS_URL = os.environ.get("DISCLOSURE_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture
def queue(monkeypatch):
    """A queue of its own on the test Redis (workers started by the test inherit its name)."""
    try:
        connection = connect(REDIS_URL)
    except QueueUnavailable as error:
        if os.environ.get("CI"):
            pytest.fail(str(error))  # CI starts Redis: a missing one is a broken run
        pytest.skip(str(error))
    name = f"test-extract-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv(QUEUE_NAME_ENV_VAR, name)
    queue = extraction_queue(connection)
    yield queue
    queue.empty()
    queue.delete(delete_jobs=True)


def start_worker(db_url: str, cwd: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "disclosure", "worker", "--queue", REDIS_URL, "--db", db_url, *extra],
        cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


def test_a_queue_run_stores_row_for_row_what_a_local_run_stores(postgresql_url, queue, tmp_path):
    """A team's set-up: PostgreSQL, two workers (the killed-worker test below covers SQLite)."""
    archive_url = postgresql_url
    engine = open_archive(archive_url)
    count = fill(engine, every_format=False)
    local = extract_archive(engine, jobs=1, parser_version="local")
    workers = [start_worker(archive_url, tmp_path) for _ in range(2)]
    try:
        done = run_cli("extract", "--all", "--queue", REDIS_URL, "--db", archive_url, cwd=tmp_path, timeout=120)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)  # RQ's warm shutdown
            worker.wait(timeout=30)
    assert done.returncode == 0, done.stderr
    assert f"extracted {count} captures with parser {PARSER_VERSION}" in done.stdout
    assert f"{local.failures} failures" in done.stdout
    queued = stored(engine, PARSER_VERSION)
    assert len(queued) == count and queued == stored(engine, "local")
    assert sum(len(cells) for *_, cells, _ in queued.values()) > 5 * 150
    engine.dispose()


def test_a_worker_killed_mid_batch_loses_no_capture(sqlite_url, queue, tmp_path):
    engine = open_archive(sqlite_url)
    count = fill(engine, every_format=False)
    extract_archive(engine, jobs=1, parser_version="local")
    enqueued = enqueue_extraction(engine, queue, parser_version="queued", batch=3)
    assert len(enqueued.job_ids) == 3

    doomed = start_worker(sqlite_url, tmp_path)
    started = StartedJobRegistry(queue=queue)
    deadline = time.monotonic() + 60
    while not started.get_job_ids() and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    (abandoned,) = started.get_job_ids()

    # RQ takes an execution as abandoned once its time to live (timeout + 60 s) has passed
    # without a heartbeat; judging "an hour later" stands for that wait.
    requeue_abandoned(queue, now=time.time() + 3600)
    assert abandoned.split(":")[0] in queue.get_job_ids()
    survivor = start_worker(sqlite_url, tmp_path, "--burst")
    summary = wait_for(queue, enqueued, poll_seconds=0.2)
    assert survivor.wait(timeout=60) == 0, survivor.stderr.read().decode()

    assert summary.captures == count
    assert stored(engine, "queued") == stored(engine, "local")
    engine.dispose()


def test_an_unreachable_queue_is_a_clear_error(sqlite_url, capsys):
    open_archive(sqlite_url).dispose()
    for command in (["extract", "--queue", "redis://127.0.0.2:9/0"], ["worker", "--queue", "redis://127.0.0.2:9/0"]):
        assert main([*command, "--db", sqlite_url]) == 2
        assert "cannot reach the queue at redis://127.0.0.2:9/0" in capsys.readouterr().err


def test_batches_carry_the_wall_limit_as_their_timeout(sqlite_url, queue):
    engine = open_archive(sqlite_url)
    fill(engine, every_format=False)
    enqueued = enqueue_extraction(engine, queue, batch=4, limits=DEFAULT_LIMITS.with_overrides({"wall_seconds": "5"}))
    jobs = [queue.fetch_job(job_id) for job_id in enqueued.job_ids]
    assert [len(job.args[0]) for job in jobs] == [4, 3]
    assert [job.timeout for job in jobs] == [5 * 4 + 120, 5 * 3 + 120]
    assert all(job.retries_left == 3 for job in jobs)
    engine.dispose()
