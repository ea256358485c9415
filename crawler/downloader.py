"""Scrapy's downloader, with each host's concurrency limit kept when requests come in a burst.

Under the asyncio reactor Scrapy (seen in 2.19) starts a slot's downloads as tasks that
mark themselves "transferring" only once they run, so every request queued for a host in
one tick passes the slot's free-slot check: with no download delay, a host gets up to
CONCURRENT_REQUESTS requests at a time instead of CONCURRENT_REQUESTS_PER_DOMAIN. Here a
request is marked transferring when it is handed over; the download removes the mark
when it ends, as before. ``tests/test_runs.py`` counts the requests a host sees at once.
"""

from __future__ import annotations

from time import monotonic

from scrapy.core.downloader import Downloader, Slot
from scrapy.utils.defer import _schedule_coro


class PoliteDownloader(Downloader):
    def _process_queue(self, slot: Slot) -> None:
        if slot.latercall or slot.download_delay():
            super()._process_queue(slot)  # with a delay Scrapy hands over one request at a time
            return
        while slot.queue and slot.free_transfer_slots() > 0:
            slot.lastseen = monotonic()
            request, queue_dfd = slot.queue.popleft()
            slot.transferring.add(request)
            _schedule_coro(self._wait_for_download(slot, request, queue_dfd))
