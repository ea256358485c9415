"""One crawl shared by several crawler processes through Redis (scrapy-redis).

Each host's crawler keeps its request queue and duplicate filter in Redis under
``<namespace>:<host>:<crawl id>:…``; the namespace names the archive (two teams, two tests
never mix) and the crawl id is chosen by the first process, which alone sends the start
requests: the others take requests from the shared queue. List pages are filtered too (their
requests skip Scrapy's filter, which would otherwise send each once per process), keeping the
fragment a script app's column is named by. The list pages stay with the first process, which
walks every column whole (its bounds, its outcome, what it listed); items and attachments go
to the shared queue. A process that joined walks no column and reports no column outcome.

Politeness across processes: a request takes one of the host's
``CONCURRENT_REQUESTS_PER_DOMAIN`` slots in Redis (each with an expiry, so a killed process
frees its slots) and keeps ``DOWNLOAD_DELAY`` from the host's last request by any process.

The crawl ends when the shared queue is empty and no process has a request in flight
(each marks itself busy, atomically with taking a request, until its engine is idle), for
``DISCLOSURE_REDIS_IDLE_SECONDS`` on end.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import time
import uuid
from collections import deque
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.python import to_unicode
from scrapy_redis import connection
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from twisted.internet import task
from w3lib.url import canonicalize_url

# The crawl's id expires unless a process of it refreshes it: a crawl whose processes all died
# leaves no id behind, and the next process starts a new crawl; what it queued goes in an hour.
CRAWL_KEY_SECONDS = 60
LEFT_KEYS_SECONDS = 3600
BUSY_SECONDS = 60  # a busy mark not refreshed for this long is a dead process's
SLOT_GRACE_SECONDS = 10  # a slot outlives its request's download timeout by this much

_POP_AND_MARK = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0)
if #found == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return found[1]
"""

_TAKE_SLOT = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
local next_at = tonumber(redis.call('GET', KEYS[2]) or '0')
if t < next_at then return 0 end
redis.call('ZADD', KEYS[1], t + tonumber(ARGV[3]), ARGV[1])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3])) + 1)
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', KEYS[2], tostring(t + tonumber(ARGV[4])), 'PX', math.ceil(tonumber(ARGV[4]) * 1000) + 1000)
end
return 1
"""


def redis_settings(redis_url: str, namespace: str, *, idle_seconds: float = 3.0) -> dict:
    """Scrapy settings that put a crawl on the Redis at ``redis_url``, under ``namespace``."""
    return {
        "REDIS_URL": redis_url,
        "DISCLOSURE_REDIS_NAMESPACE": namespace,
        "DISCLOSURE_REDIS_IDLE_SECONDS": idle_seconds,
        "DISCLOSURE_PROCESS_ID": f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}",
        "SCHEDULER": "crawler.distributed.SharedScheduler",
    }


def check_redis(redis_url: str) -> None:
    """A clear error when the Redis cannot be used, before any crawl starts."""
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except (redis.RedisError, ValueError) as error:
        raise ValueError(f"cannot use the Redis at {redis_url}: {error}") from error


def archive_namespace(db_url: str, portal_names: list[str]) -> str:
    """The default namespace: the archive and the portals crawled (never the password)."""
    split = urlsplit(db_url)
    where = split._replace(netloc=split.netloc.rpartition("@")[2]).geturl()
    digest = hashlib.sha1(json.dumps([where, sorted(portal_names)]).encode()).hexdigest()[:12]
    return f"disclosure:{digest}"


def host_key(spider) -> str:
    """The host a crawler serves (one crawler per host): its allowed domains and port."""
    ports = sorted({urlsplit(u).netloc.lower() for c in spider.columns for u in c.start_urls})
    return ",".join(ports) or "-"


class ListAwareDupeFilter(RFPDupeFilter):
    """The shared filter, with the URL's fragment kept (``/gkmlpt/index#123`` is a column)."""

    def request_fingerprint(self, request):
        data = {
            "method": to_unicode(request.method),
            "url": canonicalize_url(request.url, keep_fragments=True),
            "body": (request.body or b"").hex(),
        }
        return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()


class SharedScheduler:
    """scrapy-redis's priority queue and filter, keyed per namespace, host and crawl."""

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.server = connection.from_settings(settings)
        self.server.ping()
        self.namespace = settings.get("DISCLOSURE_REDIS_NAMESPACE") or "disclosure:default"
        self.process_id = settings.get("DISCLOSURE_PROCESS_ID") or uuid.uuid4().hex
        self.seeder = False
        self.lists: deque = deque()  # the first process's list requests, walked by it alone
        self._pop = self.server.register_script(_POP_AND_MARK)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open(self, spider):
        self.spider = spider
        host_prefix = f"{self.namespace}:{host_key(spider)}"
        self.crawl_key = f"{host_prefix}:crawl"
        crawl_id, under_way = uuid.uuid4().hex[:12], None
        while under_way is None:  # a crawl under way, or a new one of ours (one that ended meanwhile: again)
            self.seeder = bool(self.server.set(self.crawl_key, crawl_id, nx=True, ex=CRAWL_KEY_SECONDS))
            under_way = crawl_id if self.seeder else self.server.get(self.crawl_key)
        self.crawl_id = to_unicode(under_way)
        if not self.seeder:
            spider.column_outcomes = {}  # its walks read no list page: the first process says how columns ended
        prefix = f"{host_prefix}:{self.crawl_id}"
        self.busy_key = f"{prefix}:busy"
        self.members_key = f"{prefix}:processes"  # who takes part, for whoever looks
        self.server.sadd(self.members_key, self.process_id)
        if self.seeder:
            self.mark_busy(True)  # until its engine is idle: a process that joins meanwhile waits for the seeds
        self.queue = PriorityQueue(server=self.server, spider=spider, key=f"{prefix}:requests")
        self.df = ListAwareDupeFilter(self.server, key=f"{prefix}:dupefilter", debug=False)
        spider.logger.info("crawl %s on Redis (%s)", prefix, "seeding" if self.seeder else "joining")
        self.crawler.stats.set_value("disclosure/redis_seeder", self.seeder)

    def close(self, reason):
        return None

    def finish(self) -> None:
        """The crawl is over for every process: its keys go, the next crawl starts afresh."""
        self.server.delete(self.queue.key, self.df.key, self.members_key)
        self.server.expire(self.busy_key, BUSY_SECONDS)
        if to_unicode(self.server.get(self.crawl_key) or "") == self.crawl_id:
            self.server.delete(self.crawl_key)

    def enqueue_request(self, request) -> bool:
        if request.meta.get("is_start_request") and not self.seeder:
            return False  # the first process sent them
        filtered = not request.dont_filter or (
            request.meta.get("role") == "list" and not request.meta.get("retry_times")
        )
        if filtered and self.df.request_seen(request):
            return False
        if request.meta.get("role") == "list" and self.seeder:
            self.lists.append(request)
            return True
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        if self.lists:
            self.mark_busy(True)
            return self.lists.popleft()
        encoded = self._pop(keys=[self.queue.key, self.busy_key], args=[self.process_id, time.time() + BUSY_SECONDS])
        if not encoded:
            return None
        self.stats.inc_value("scheduler/dequeued/redis")
        return self.queue._decode_request(encoded)

    def has_pending_requests(self) -> bool:
        return bool(self.lists) or len(self.queue) > 0

    def keep_alive(self) -> None:
        with self.server.pipeline(transaction=False) as pipe:
            pipe.expire(self.crawl_key, CRAWL_KEY_SECONDS)
            for key in (self.queue.key, self.df.key, self.busy_key, self.members_key):
                pipe.expire(key, LEFT_KEYS_SECONDS)
            pipe.execute()

    def others_busy(self) -> bool:
        now = time.time()
        marks = self.server.hgetall(self.busy_key)
        return any(to_unicode(who) != self.process_id and float(until) > now for who, until in marks.items())

    def mark_busy(self, busy: bool) -> None:
        if busy:
            self.server.hset(self.busy_key, self.process_id, time.time() + BUSY_SECONDS)
        else:
            self.server.hdel(self.busy_key, self.process_id)


class SharedCrawlEnd:
    """Keeps a process's crawler open while any process of its crawl still works, and wakes its
    engine while it is idle (Scrapy looks at its queue, and asks whether to close, only every five
    seconds when idle)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.idle_seconds = crawler.settings.getfloat("DISCLOSURE_REDIS_IDLE_SECONDS", 3.0)
        self.idle_since: float | None = None
        self.kept_alive = 0.0
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("SCHEDULER", "").endswith("SharedScheduler"):
            raise NotConfigured  # without a message: Scrapy logs no warning for a crawl on one machine
        extension = cls(crawler)
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    @property
    def scheduler(self) -> SharedScheduler:
        return self.crawler.engine._slot.scheduler

    def opened(self, spider) -> None:
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(0.1, now=False)

    def tick(self) -> None:
        engine = self.crawler.engine
        if engine is None or engine._slot is None:
            return
        working = engine.downloader.active or not engine.scraper.slot.is_idle() or engine._start is not None
        self.scheduler.mark_busy(bool(working))
        if time.monotonic() - self.kept_alive >= 1:
            self.kept_alive = time.monotonic()
            self.scheduler.keep_alive()
        if not working:  # take what others queued, or see sooner that the crawl is over
            engine._slot.nextcall.schedule()

    def idle(self, spider) -> None:
        scheduler = self.scheduler
        if scheduler.has_pending_requests() or scheduler.others_busy():
            self.idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
        if now - self.idle_since < self.idle_seconds:
            raise DontCloseSpider
        scheduler.finish()

    def closed(self, spider, reason) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        try:
            self.scheduler.mark_busy(False)
        except Exception:  # noqa: BLE001 - Redis gone at the end: the busy mark expires
            pass


class SharedHostSlots:
    """A request to a host waits for one of its slots in Redis, shared by every process."""

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        self.server = connection.from_settings(settings)
        self.limit = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or settings.getint("CONCURRENT_REQUESTS")
        self.delay = settings.getfloat("DOWNLOAD_DELAY")
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.process_id = settings.get("DISCLOSURE_PROCESS_ID") or uuid.uuid4().hex
        self.stats = crawler.stats
        self._take = self.server.register_script(_TAKE_SLOT)
        self._count = 0
        self._waiting: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured  # without a message: Scrapy logs no warning for a crawl on one machine
        return cls(crawler)

    async def process_request(self, request):
        host = (urlsplit(request.url).netloc or "").lower()
        self._count += 1
        token = f"{self.process_id}:{self._count}"
        hold = float(request.meta.get("download_timeout") or self.timeout) + SLOT_GRACE_SECONDS
        keys = [f"disclosure:host:{host}:slots", f"disclosure:host:{host}:next"]
        waited = False
        async with self._waiting.setdefault(host, asyncio.Lock()):  # one request of a process asks at a time
            while not self._take(keys=keys, args=[token, self.limit, hold, self.delay]):
                waited = True
                await asyncio.sleep(0.005)
        if waited:
            self.stats.inc_value("disclosure/redis_slot_waits")
        request.meta["redis_slot"] = (keys[0], token)
        return None

    def process_response(self, request, response):
        self._release(request)
        return response

    def process_exception(self, request, exception):
        self._release(request)
        return None

    def _release(self, request) -> None:
        slot = request.meta.pop("redis_slot", None)
        if slot is not None:
            self.server.zrem(*slot)
