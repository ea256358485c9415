"""Worker processes that read captures under the extraction limits (pebble process pool).

Each capture is one task with its own wall-time limit; each worker holds at most
``memory_bytes`` of data memory. A capture over a limit, or one that kills its worker,
becomes a failure naming the limit, the worker is replaced, and the other captures in
flight are not affected.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import pickle
import resource
import signal
import sys
import types
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import fields, replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import pebble

from extract.limits import Limits
from extract.records import Check, Document, Value

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
# What the workers' fork server imports before its first fork: the readers, warmed
# (extract.preload); this module, what it reads WARC records with; and the main module of this
# process (from Python 3.12; see _main_script_imports), which a worker runs again otherwise.
FORK_SERVER_PRELOAD = ("__main__", "extract.preload", "disclosure.workers", "warcio.archiveiterator")


# A record's values and checks as plain tuples, in the order of their fields: a worker sends them
# so (a slotted dataclass per cell takes several times longer to pickle and unpickle), and the
# rows written for them are built from these.
ValueRow = tuple[str, str, str, Decimal | None, str, str, float | None, str | None]
CheckRow = tuple[str, str, str, tuple[str, ...], Decimal | None]
VALUE_FIELDS = tuple(f.name for f in fields(Value))
CHECK_FIELDS = tuple(f.name for f in fields(Check))


class Outcome:
    """What reading one capture came to: its record, or the error that stopped it.

    ``packed``: the record as a worker sends it back, the document without its values and checks
    and those as tuples; ``document`` is built whole from it when first asked for.
    """

    __slots__ = ("_document", "_packed", "error")

    def __init__(
        self,
        *,
        document: Document | None = None,
        error: str | None = None,
        packed: tuple[Document, tuple[ValueRow, ...], tuple[CheckRow, ...]] | None = None,
    ) -> None:
        self._document = document
        self._packed = packed
        self.error = error

    @property
    def document(self) -> Document | None:
        if self._document is None and self._packed is not None:
            head, values, checks = self._packed
            self._document = replace(
                head,
                values=tuple(Value(**dict(zip(VALUE_FIELDS, row, strict=True))) for row in values),
                checks=tuple(Check(**dict(zip(CHECK_FIELDS, row, strict=True))) for row in checks),
            )
        return self._document

    def rows(self) -> tuple[Document, tuple[ValueRow, ...], tuple[CheckRow, ...]] | None:
        """The record as (document, values, checks), values and checks as tuples; None if none."""
        if self._packed is None:
            if self._document is None:
                return None
            self._packed = pack(self._document)
        return self._packed

    def __reduce__(self):
        return (_outcome, (self._document, self.error, self._packed))

    def __repr__(self) -> str:
        return f"Outcome(document={self.document!r}, error={self.error!r})"


def _outcome(document: Document | None, error: str | None, packed) -> Outcome:
    return Outcome(document=document, error=error, packed=packed)


def pack(document: Document) -> tuple[Document, tuple[ValueRow, ...], tuple[CheckRow, ...]]:
    values = tuple((v.table, v.row, v.column, v.value, v.raw, v.source, v.confidence, v.unit) for v in document.values)
    checks = tuple((c.rule, c.scope, c.status, c.cells, c.difference) for c in document.checks)
    return replace(document, values=(), checks=()), values, checks


def extract_one(extractor: Extractor, ref: CaptureRef, content: bytes | None, limits: Limits | None) -> Outcome:
    """One capture through the extractor; every error becomes the capture's failure."""
    return _extract(extractor, _capture(ref), content, limits)


# What a worker is told of a capture: plain values, so that it needs no storage class to read them.
Capture = tuple[str, str, str | None, datetime]  # sha256, URL, content type, fetch time


def _capture(ref: CaptureRef) -> Capture:
    return (ref.sha256, ref.final_url or ref.url, ref.content_type, ref.fetched_at)


# Where a capture's bytes lie, for a worker to read them itself: the WARC file (absolute path),
# the offset and length of the gzip member holding the record, the payload's size.
Stored = tuple[str, int, int, int]


def _extract(
    extractor: Extractor, capture: Capture, content: bytes | Stored | None, limits: Limits | None
) -> Outcome:
    sha256, url, content_type, fetched_at = capture
    context = {"url": url, "content_type": content_type, "fetched_at": fetched_at}
    if limits is not None:
        context["limits"] = limits
    try:
        if isinstance(content, tuple):
            content = read_stored(content, sha256)
        if content is None:
            return Outcome(error=f"KeyError: the archive has no bytes with sha256 {sha256}")
        return Outcome(document=extractor(content, **context))
    except MemoryError:
        return Outcome(error=_memory_error(limits))
    except Exception as error:  # one bad capture must not stop the run
        return Outcome(error=one_line(error))


def read_stored(stored: Stored, sha256: str) -> bytes | None:
    """The payload of the WARC record at ``stored`` if it holds the bytes of ``sha256``, else None
    (what ``storage.archive.load_payload`` reads, without importing storage)."""
    from warcio.archiveiterator import ArchiveIterator

    path, offset, length, size = stored
    try:
        with open(path, "rb") as stream:
            stream.seek(offset)
            member = stream.read(length)
        record = next(iter(ArchiveIterator(io.BytesIO(member), no_record_parse=False)))
        content = record.raw_stream.read()
    except MemoryError:
        raise
    except Exception:  # no file, no record, a damaged one: warcio raises several kinds
        return None
    if len(content) != size or hashlib.sha256(content).hexdigest() != sha256:
        return None
    return content


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
        self._pool = pebble.ProcessPool(
            max_workers=workers,
            initializer=_init_worker,
            initargs=(extractor, limits),
            context=_fork_server(),
        )

    def __enter__(self) -> LimitedWorkers:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._pool.stop()
        self._pool.join()

    def submit(self, ref: CaptureRef, content: bytes | Stored | None) -> Future:
        """``content``: the capture's bytes, or where they lie for the worker to read them."""
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
        self, contents: Iterator[tuple[CaptureRef, bytes | Stored | None]], *, then_stop: bool = False
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


def _fork_server() -> multiprocessing.context.ForkServerContext:
    """Workers forked from one server per process, which loaded the readers before its first fork.

    The server is started (once, on first use) from a fresh interpreter, not forked from this
    process, so no worker holds this process's database connections or threads. It outlives the
    pool: a replacement worker, or the next pool, is forked warm in milliseconds.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*FORK_SERVER_PRELOAD, *_main_script_imports()])
    return context


def _main_script_imports() -> list[str]:
    """The modules the main script of this process imports (``disclosure.cli`` for the command).

    Before its first task a worker runs that script again, and Python 3.11's fork server does not
    load it beforehand despite ``__main__`` in its preload list: loaded there, its imports cost the
    worker nothing (otherwise ~0.9 s for the command's).
    """
    main = sys.modules.get("__main__")
    if getattr(main, "__spec__", None) is not None or not getattr(main, "__file__", None):
        return []  # run with -m, or interactive: a worker does not run it again
    names = set()
    for value in vars(main).values():
        if isinstance(value, types.ModuleType):
            names.add(value.__name__)
        elif isinstance(value, (types.FunctionType, type)) and value.__module__ != main.__name__:
            names.add(value.__module__)
    return sorted(names)


# -- inside a worker ---------------------------------------------------------------

_worker: tuple[Extractor, Limits] | None = None


def _init_worker(extractor: Extractor, limits: Limits) -> None:
    global _worker
    _worker = (extractor, limits)
    # Data memory (heap and anonymous mappings): what a decompression bomb grows.
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    wanted = limits.memory_bytes if hard == resource.RLIM_INFINITY else min(limits.memory_bytes, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (wanted, hard))


def _extract_in_worker(capture: Capture, content: bytes | Stored | None) -> Outcome:
    assert _worker is not None, "worker started without an extractor"
    extractor, limits = _worker
    outcome = _extract(extractor, capture, content, limits)
    if outcome.document is None:
        return outcome
    try:
        return Outcome(packed=pack(outcome.document))  # sent back as tuples, not a dataclass per cell
    except MemoryError:
        return Outcome(error=_memory_error(limits))
