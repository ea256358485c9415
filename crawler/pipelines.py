"""Hands every response to the archive, written off the reactor thread in batched transactions."""

from __future__ import annotations

import logging
from dataclasses import fields

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import threads

from storage.archive import StoredCapture, record_links, record_not_modified, store_capture
from storage.db import database_url, open_archive

from .archive_writer import ArchiveWriter
from .items import CaptureItem
from .revalidate import FROM_ARCHIVE_HEADER, NOT_MODIFIED_HEADER

log = logging.getLogger(__name__)
_FIELDS = fields(CaptureItem)


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
            seen, when = int(unchanged), item.fetched_at

            def work(session):
                stored = record_not_modified(session, seen, when)
                if links is not None:
                    record_links(session, seen, links)
                return stored
        else:
            # a capture stored again is seen again, never a second capture: safe to repeat
            values = {field.name: getattr(item, field.name) for field in _FIELDS}  # asdict would copy the body
            work = lambda session: store_capture(session, **values)  # noqa: E731
        stored = await maybe_deferred_to_future(self.writer.submit(work))
        return self._account(stored, item)

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

