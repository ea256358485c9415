"""Hands every response to the archive, in its own transaction."""

from __future__ import annotations

import logging
from dataclasses import asdict

from storage.db import database_url, open_archive, session_scope
from storage.archive import store_capture

from .items import CaptureItem

log = logging.getLogger(__name__)


class ArchivePipeline:
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
        fields = asdict(item)
        fields.pop("role")
        with session_scope(self.engine) as session:
            stored = store_capture(session, **fields)
        self._count("disclosure/captures")
        if stored.is_new_version:
            self._count("disclosure/new_versions")
        if item.status >= 400:
            self._count("disclosure/http_errors")
            log.warning("archived %s with status %s", item.url, item.status)
        return item

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
