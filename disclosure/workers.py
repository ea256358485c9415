"""Worker processes that read captures under the extraction limits (pebble process pool).

Each capture is one task with its own wall-time limit; each worker holds at most
``memory_bytes`` of data memory. A capture over a limit, or one that kills its worker,
becomes a failure naming the limit, the worker is replaced, and the other captures in
flight are not affected.
"""

from __future__ import annotations

import multiprocessing
import pickle
import resource
import signal
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import pebble

from extract.limits import Limits
from extract.records import Document

if TYPE_CHECKING:  # a worker process never imports storage (SQLAlchemy, alembic): it starts sooner
    from storage.archive import CaptureRef

# extract_document's signature: (content, *, url, content_type, fetched_at, limits) -> Document
Extractor = Callable[..., Document]

# Captures in flight per worker: enough to keep each busy, few enough to bound memory.
IN_FLIGHT_PER_WORKER = 2
# Results are taken in capture order: a worker whose captures are done waits behind a slow
# one (a long PDF) unless enough more are queued for it.
QUEUED_PER_WORKER = 8
WORKER_DIED = "WorkerDied: the process reading this capture ended abruptly"


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    document: Document | None = None
    error: str | None = None


def extract_one(extractor: Extractor, ref: CaptureRef, content: bytes | None, limits: Limits | None) -> Outcome:
    """One capture through the extractor; every error becomes the capture's failure."""
    return _extract(extractor, _capture(ref), content, limits)


# What a worker is told of a capture: plain values, so that it needs no storage class to read them.
Capture = tuple[str, str, str | None, datetime]  # sha256, URL, content type, fetch time


def _capture(ref: CaptureRef) -> Capture:
    return (ref.sha256, ref.final_url or ref.url, ref.content_type, ref.fetched_at)


def _extract(extractor: Extractor, capture: Capture, content: bytes | None, limits: Limits | None) -> Outcome:
    sha256, url, content_type, fetched_at = capture
    if content is None:
        return Outcome(error=f"KeyError: the archive has no bytes with sha256 {sha256}")
    context = {"url": url, "content_type": content_type, "fetched_at": fetched_at}
    if limits is not None:
        context["limits"] = limits
    try:
        return Outcome(document=extractor(content, **context))
    except MemoryError:
        return Outcome(error=_memory_error(limits))
    except Exception as error:  # one bad capture must not stop the run
        return Outcome(error=one_line(error))


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _memory_error(limits: Limits | None) -> str:
    if limits is None:
        return "MemoryError: out of memory"
    return f"limit exceeded: memory_bytes (the reading needed more than {limits.memory_bytes:,} bytes)"


class LimitedWorkers:
    """A pool of ``workers`` processes reading captures under ``limits``; a context manager."""

    def __init__(self, workers: int, extractor: Extractor, limits: Limits) -> None:
        try:
            pickle.dumps(extractor)
        except (pickle.PicklingError, AttributeError, TypeError) as error:
            raise ValueError(f"worker processes cannot import the extractor {extractor!r}: {error}") from None
        self.workers = workers
        self.limits = limits
        # spawn, not fork: the parent holds database connections a fork would share
        self._pool = pebble.ProcessPool(
            max_workers=workers,
            initializer=_init_worker,
            initargs=(extractor, limits),
            context=multiprocessing.get_context("spawn"),
        )

    def __enter__(self) -> LimitedWorkers:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._pool.stop()
        self._pool.join()

    def submit(self, ref: CaptureRef, content: bytes | None) -> Future:
        return self._pool.schedule(_extract_in_worker, args=(_capture(ref), content), timeout=self.limits.wall_seconds)

    def outcome(self, future: Future) -> Outcome:
        """What a submitted capture came to, its limits named when it hit one."""
        error = future.exception()
        if error is None:
            return future.result()
        if isinstance(error, TimeoutError):
            return Outcome(error=f"limit exceeded: wall_seconds (still reading after {self.limits.wall_seconds:g} s)")
        if isinstance(error, pebble.ProcessExpired):
            return Outcome(error=self._death(error.exitcode))
        return Outcome(error=one_line(error))  # e.g. a record that could not be sent back

    def outcomes(
        self, contents: Iterator[tuple[CaptureRef, bytes | None]], *, then_stop: bool = False
    ) -> Iterator[tuple[CaptureRef, Outcome]]:
        """Outcomes in the order of ``contents``, at most a few per worker in flight.

        ``then_stop``: the workers are told to stop as soon as the last outcome is in, so that
        they wind down while the caller writes it (``close`` still waits for them).
        """
        window: deque[tuple[CaptureRef, Future]] = deque()
        limit = self.workers * QUEUED_PER_WORKER
        for ref, content in contents:
            window.append((ref, self.submit(ref, content)))
            if len(window) >= limit:
                ref, future = window.popleft()
                yield ref, self.outcome(future)
        while window:
            ref, future = window.popleft()
            outcome = self.outcome(future)
            if then_stop and not window:
                self._pool.stop()
            yield ref, outcome

    def _death(self, exitcode: int | None) -> str:
        how = f"exit status {exitcode}"
        if exitcode is not None and exitcode < 0:
            try:
                how = signal.Signals(-exitcode).name
            except ValueError:
                how = f"signal {-exitcode}"
        return (
            f"{WORKER_DIED} ({how}): a crash, or the reading went over memory_bytes "
            f"({self.limits.memory_bytes:,} bytes)"
        )


def extract_limited(
    content: bytes,
    *,
    url: str,
    content_type: str | None,
    fetched_at: datetime,
    limits: Limits,
    extractor: Extractor | None = None,
) -> Outcome:
    """One file read in a worker process under ``limits`` (``disclosure parse``)."""
    from storage.archive import CaptureRef

    if extractor is None:
        from extract import extract_document as extractor
    ref = CaptureRef(capture_id=0, sha256="", url=url, final_url=url, content_type=content_type, fetched_at=fetched_at)
    with LimitedWorkers(1, extractor, limits) as pool:
        return pool.outcome(pool.submit(ref, content))


# -- inside a worker ---------------------------------------------------------------

_worker: tuple[Extractor, Limits] | None = None


def _init_worker(extractor: Extractor, limits: Limits) -> None:
    global _worker
    _worker = (extractor, limits)
    # Data memory (heap and anonymous mappings): what a decompression bomb grows.
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    wanted = limits.memory_bytes if hard == resource.RLIM_INFINITY else min(limits.memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))


def _extract_in_worker(capture: Capture, content: bytes | None) -> Outcome:
    assert _worker is not None, "worker started without an extractor"
    extractor, limits = _worker
    return _extract(extractor, capture, content, limits)
