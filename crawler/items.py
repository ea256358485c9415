from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True, kw_only=True)
class CaptureItem:
    """One HTTP response, exactly as received, on its way to the archive."""

    url: str
    final_url: str
    status: int
    headers: dict[str, list[str]]
    body: bytes
    fetched_at: datetime
    content_type: str | None = None
    spider: str | None = None
    portal: str | None = None
    parent_url: str | None = None
    link_text: str | None = None
    role: str = field(default="item")  # "list" | "item" | "attachment"
    # The request as sent, and the URLs it was redirected through: kept in the WARC files.
    method: str = "GET"
    request_headers: dict[str, list[str]] = field(default_factory=dict)
    redirects: tuple[str, ...] = ()
    # For an item page the spider read: the links it followed, ``(url, link text)`` (empty:
    # none, not a report); for a list page, its reading (``crawler.platforms.recorded_reading``).
    # Recorded with the capture so an unchanged page need not be read again. None: not read,
    # or already recorded.
    links: tuple[tuple, ...] | None = None
