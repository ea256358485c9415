"""A thread that does the archive's writes in batched transactions, off Scrapy's reactor."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from twisted.internet import defer, reactor
from twisted.python.failure import Failure

from storage.db import in_transaction

log = logging.getLogger(__name__)

Work = Callable[[Session], Any]
_STOP = object()


class _Grouped:
    """One value for ``group(session, values) -> results``, called once for the values queued
    together (see ``ArchiveWriter.submit_grouped``)."""

    __slots__ = ("group", "value")

    def __init__(self, group: Callable[[Session, list], list], value: Any) -> None:
        self.group, self.value = group, value


class ArchiveWriter:
    """``submit(work)`` queues ``work(session)`` and returns a Deferred that fires in the reactor
    thread with its result once its transaction committed.

    Works queued together share one transaction (up to ``batch_size``, gathered for at most
    ``batch_seconds``). Each must be safe to repeat: when a batch fails, its works are done
    again one per transaction, so one bad capture fails alone and the others are kept.

    ``submit_grouped(group, value)`` does the same for ``value``, but the values of one ``group``
    queued one after another share a single call ``group(session, values)``, which returns
    their results in order (several rows written with one statement).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        batch_size: int = 100,
        batch_seconds: float = 0.05,
        call_in_reactor: Callable[..., Any] | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.engine = engine
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.batches = 0
        self._call_in_reactor = call_in_reactor or reactor.callFromThread
        self._queue: queue.Queue = queue.Queue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="archive-writer", daemon=True)
        self._thread.start()

    def submit(self, work: Work) -> defer.Deferred:
        if self._closed:
            raise RuntimeError("the archive writer is closed")
        done: defer.Deferred = defer.Deferred()
        self._queue.put((work, done))
        return done

    def submit_grouped(self, group: Callable[[Session, list], list], value: Any) -> defer.Deferred:
        return self.submit(_Grouped(group, value))

    def close(self) -> None:
        """Wait until every queued work is written, then end the thread (call off the reactor)."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch, stopping = self._gather()
            if batch:
                self._write(batch)

    def _gather(self) -> tuple[list, bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        deadline = time.monotonic() + self.batch_seconds
        while len(batch) < self.batch_size:
            try:
                entry = self._queue.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                break
            if entry is _STOP:
                return batch, True
            batch.append(entry)
        return batch, False

    def _write(self, batch: list) -> None:
        try:
            results = in_transaction(self.engine, lambda session: _run_works(session, [work for work, _ in batch]))
        except Exception:
            if len(batch) == 1:
                self._settle(batch[0][1], Failure())
                return
            log.debug("a batch of %d archive writes failed; writing them one by one", len(batch), exc_info=True)
            for entry in batch:
                self._write([entry])
            return
        self.batches += 1
        for (_, done), result in zip(batch, results, strict=True):
            self._settle(done, result)

    def _settle(self, done: defer.Deferred, outcome: Any) -> None:
        if isinstance(outcome, Failure):
            self._call_in_reactor(done.errback, outcome)
        else:
            self._call_in_reactor(done.callback, outcome)


def _run_works(session: Session, works: list) -> list:
    """Each work's result, in order; consecutive values of one group handed to it at once."""
    results: list = []
    start = 0
    while start < len(works):
        work = works[start]
        if not isinstance(work, _Grouped):
            results.append(work(session))
            start += 1
            continue
        end = start + 1
        while end < len(works) and isinstance(works[end], _Grouped) and works[end].group is work.group:
            end += 1
        values = [one.value for one in works[start:end]]
        done = work.group(session, values)
        if len(done) != len(values):
            raise RuntimeError(f"{work.group!r} gave {len(done)} results for {len(values)} values")
        results.extend(done)
        start = end
    return results
