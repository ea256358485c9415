"""Hands every response to the archive, in its own transaction."""

from __future__ import annotations

import logging
from dataclasses import asdict

from storage.archive import record_not_modified, store_capture
from storage.db import database_url, in_transaction, open_archive

from .items import CaptureItem
from .revalidate import FROM_ARCHIVE_HEADER, NOT_MODIFIED_HEADER

log = logging.getLogger(__name__)


class ArchivePipeline:
    """Each capture is one transaction: a killed crawl leaves whole captures or none."""

    def __init__(self, db_url: str, stats=None) -> None:
        self.db_url = db_url
        self.stats = stats
        self.engine = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(database_url(crawler.settings.get("DISCLOSURE_DB") or None), crawler.stats)

    def open_spider(self) -> None:
        self.engine = open_archive(self.db_url)

    def close_spider(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def process_item(self, item):
        if not isinstance(item, CaptureItem):
            return item
        unchanged = _pop_header(item.headers, NOT_MODIFIED_HEADER)
        if _pop_header(item.headers, FROM_ARCHIVE_HEADER) is not None:
            return item  # fresh: not asked for this run, so nothing was seen
        if unchanged is not None:
            seen = int(unchanged)
            stored = in_transaction(self.engine, lambda session: record_not_modified(session, seen, item.fetched_at))
        else:
            # a capture stored again is seen again, never a second capture: safe to repeat
            stored = in_transaction(self.engine, lambda session: store_capture(session, **asdict(item)))
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
