"""Hands every response to the archive, written off the reactor thread in batched transactions."""

from __future__ import annotations

import logging
import time
from dataclasses import fields
from datetime import datetime

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads

from storage.archive import StoredCapture, record_links, record_seen_unchanged, store_captures
from storage.db import database_url, open_archive

from .archive_writer import ArchiveWriter
from .items import CaptureItem
from .revalidate import FROM_ARCHIVE_HEADER, NOT_MODIFIED_HEADER

log = logging.getLogger(__name__)
_FIELDS = fields(CaptureItem)
# The longest a 304 waits to be recorded with others (a slow crawl's come one by one).
_SEEN_SECONDS = 1.0


class ArchivePipeline:
    """Captures go to a writer thread that stores up to ``DISCLOSURE_WRITE_BATCH`` of them per
    transaction (waiting at most ``DISCLOSURE_WRITE_BATCH_SECONDS`` for a batch to fill).

    A batch commits whole or not at all, so a killed crawl leaves whole captures or none. An
    item is done (and counted) only once its transaction committed: Scrapy keeps its response
    in the scraper meanwhile, which bounds what waits to be written
    (``SCRAPER_SLOT_MAX_ACTIVE_SIZE``), and the spider closes only after every write.
    """

    def __init__(self, db_url: str, stats=None, *, batch_size: int = 100, batch_seconds: float = 0.05) -> None:
        self.db_url = db_url
        self.stats = stats
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self.engine = None
        self.writer: ArchiveWriter | None = None
        # 304s not yet handed to the writer: (capture id, seen at, links read, item)
        self._seen: list[tuple[int, datetime, tuple | None, CaptureItem]] = []
        self._seen_since = 0.0

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        return cls(
            database_url(settings.get("DISCLOSURE_DB") or None),
            crawler.stats,
            batch_size=settings.getint("DISCLOSURE_WRITE_BATCH", 100),
            batch_seconds=settings.getfloat("DISCLOSURE_WRITE_BATCH_SECONDS", 0.05),
        )

    def open_spider(self) -> None:
        self.engine = open_archive(self.db_url)
        self.writer = ArchiveWriter(self.engine, batch_size=self.batch_size, batch_seconds=self.batch_seconds)

    async def close_spider(self) -> None:
        if self.writer is None:
            return
        self._record_seen()
        writer, engine = self.writer, self.engine
        self.writer = None

        def finish() -> None:
            try:
                writer.close()
            finally:
                engine.dispose()

        await maybe_deferred_to_future(threads.deferToThread(finish))

    async def process_item(self, item):
        if not isinstance(item, CaptureItem):
            return item
        unchanged = _pop_header(item.headers, NOT_MODIFIED_HEADER)
        fresh = _pop_header(item.headers, FROM_ARCHIVE_HEADER)
        links = item.links
        if fresh is not None:
            # fresh: not asked for this run, so nothing was seen; a stored page read for its
            # links (never recorded before) gets them recorded
            if links is not None:
                capture_id = int(fresh)
                recorded = self.writer.submit(lambda session: record_links(session, capture_id, links))
                await maybe_deferred_to_future(recorded)
            return item
        if unchanged is not None:
            # Nothing new to keep and no body to hold: the crawl goes on, and the 304s are
            # recorded together, a batch at a time (one read and one update for all of them).
            # The spider still closes only after every write; each is counted once written.
            if not self._seen:
                self._seen_since = time.monotonic()
            self._seen.append((int(unchanged), item.fetched_at, links, item))
            if len(self._seen) >= self.batch_size or time.monotonic() - self._seen_since >= _SEEN_SECONDS:
                self._record_seen()
            return item
        # a capture stored again is seen again, never a second capture: safe to repeat. The
        # captures written in one transaction are stored together (a few statements for all).
        values = {field.name: getattr(item, field.name) for field in _FIELDS}  # asdict would copy the body
        stored = await maybe_deferred_to_future(self.writer.submit_grouped(store_captures, values))
        return self._account(stored, item)

    def _record_seen(self) -> None:
        batch, self._seen = self._seen, []
        if not batch:
            return

        def work(session):
            stored = record_seen_unchanged(session, [(capture_id, when) for capture_id, when, _, _ in batch])
            for (capture_id, _, links, _), one in zip(batch, stored, strict=True):
                if links is not None and one is not None:
                    record_links(session, capture_id, links)
            return stored

        written = self.writer.submit(work)
        written.addCallbacks(self._account_seen, self._seen_failed, callbackArgs=(batch,), errbackArgs=(batch,))

    def _account_seen(self, stored: list[StoredCapture | None], batch: list) -> None:
        for one, (_, _, _, item) in zip(stored, batch, strict=True):
            if one is None:  # gone since the frontier was read (verify --repair): asked for again next run
                self._unrecorded(item, "its capture is no longer in the archive")
            else:
                self._account(one, item)

    def _seen_failed(self, failure, batch: list) -> None:
        for _, _, _, item in batch:
            self._unrecorded(item, failure.getErrorMessage())

    def _unrecorded(self, item: CaptureItem, reason: str) -> None:
        self._count("disclosure/not_modified_unrecorded")
        log.error("could not record %s as seen unchanged: %s", item.url, reason)

    def _account(self, stored: StoredCapture, item: CaptureItem) -> CaptureItem:
        self._count("disclosure/captures")
        if stored.is_new_version:
            self._count("disclosure/new_versions")
            self._count("disclosure/new_documents" if stored.is_new_document else "disclosure/changed_documents")
        if stored.withdrawn:
            self._count("disclosure/withdrawn")
            log.warning("%s is withdrawn: it answers %s", item.url, item.status)
        if stored.reinstated:
            self._count("disclosure/reinstated")
        if item.status >= 400:
            self._count("disclosure/http_errors")
            if not stored.withdrawn:
                log.warning("archived %s with status %s", item.url, item.status)
        return item

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


def _pop_header(headers: dict[str, list[str]], name: str) -> str | None:
    for key in list(headers):
        if key.lower() == name.lower():
            values = headers.pop(key)
            return values[0] if values else None
    return None

