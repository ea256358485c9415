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
(each marks itself busy, atomically with taking a request, until its engine is idle; both
read at one instant), seen so for ``DISCLOSURE_REDIS_IDLE_SECONDS`` on end.
"""

from __future__ import annotations

import asyncio
import functools
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
from twisted.internet import task
from w3lib.url import canonicalize_url

PLATFORM_META = "column_platform"  # a queued request's column platform, as the first process detected it
# The crawl's id expires unless a process of it refreshes it: a crawl whose processes all died
# leaves no id behind, and the next process starts a new crawl; what it queued goes in an hour.
CRAWL_KEY_SECONDS = 60
LEFT_KEYS_SECONDS = 3600
BUSY_SECONDS = 60  # a busy mark not refreshed for this long is a dead process's
SLOT_GRACE_SECONDS = 10  # a slot outlives its request's download timeout by this much
# The crawl is over once that is seen for this long (each process looks ten times a second).
IDLE_SECONDS = 0.5
WAKE_SECONDS = 0.25  # a request waiting for a slot asks again this often unwoken (a killed holder's slot expires)

_POP_AND_MARK = """
local found = redis.call('ZRANGE', KEYS[1], 0, 0)
if #found == 0 then return false end
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, 0)
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return found[1]
"""

# Queues a request (KEYS[2]: encoded request ARGV[3] at score ARGV[2]) unless the filter (KEYS[1])
# has its fingerprint ARGV[1]: one round trip where scrapy-redis takes two.
_PUSH_UNSEEN = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# Takes one of a host's slots (KEYS[1]: token -> expiry) for token ARGV[1] of process ARGV[5],
# at most ARGV[2] at a time, ARGV[4] seconds after the host's last request (KEYS[2]). While other
# processes wait (KEYS[3]: process -> until), a process holds no more than its share of the slots.
# Returns 1 when taken, 0 when every slot (or the share) is held: wait for one to be given back;
# or minus the milliseconds until the host's delay has passed.
_TAKE_SLOT = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', t)
local held = redis.call('ZRANGE', KEYS[1], 0, -1)
local waiting = redis.call('ZRANGE', KEYS[3], 0, -1)
local others, mine = 0, 0
for _, who in ipairs(waiting) do
  if who ~= ARGV[5] then others = others + 1 end
end
local prefix = ARGV[5] .. '|'
for _, token in ipairs(held) do
  if string.sub(token, 1, #prefix) == prefix then mine = mine + 1 end
end
local share = math.max(1, math.floor(limit / (others + 1)))
if #held >= limit or mine >= share then
  redis.call('ZADD', KEYS[3], t + 1, ARGV[5])
  redis.call('EXPIRE', KEYS[3], 2)
  return 0
end
local next_at = tonumber(redis.call('GET', KEYS[2]) or '0')
if t < next_at then return -math.ceil((next_at - t) * 1000) end
redis.call('ZADD', KEYS[1], t + tonumber(ARGV[3]), ARGV[1])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3])) + 1)
redis.call('ZREM', KEYS[3], ARGV[5])
if tonumber(ARGV[4]) > 0 then
  redis.call('SET', KEYS[2], tostring(t + tonumber(ARGV[4])), 'PX', math.ceil(tonumber(ARGV[4]) * 1000) + 1000)
end
return 1
"""

# Gives a slot back (KEYS[1], token ARGV[1]) and wakes every process waiting for one of the host's
# slots (KEYS[2]): each blocks on its own list, ARGV[2] followed by its id, which keeps one wake.
_GIVE_SLOT = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return 0 end
local now = redis.call('TIME')
local waiting = redis.call('ZRANGEBYSCORE', KEYS[2], tonumber(now[1]) + tonumber(now[2]) / 1000000, '+inf')
for _, who in ipairs(waiting) do
  local wake = ARGV[2] .. who
  redis.call('RPUSH', wake, '1')
  redis.call('LTRIM', wake, -1, -1)
  redis.call('EXPIRE', wake, 5)
end
return 1
"""

# The crawl is over: its queue (KEYS[1]) is empty and no process but ARGV[1] is busy (KEYS[2]:
# process -> busy until ARGV[2]), seen at one instant.
_CRAWL_OVER = """
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
local marks = redis.call('HGETALL', KEYS[2])
for i = 1, #marks, 2 do
  if marks[i] ~= ARGV[1] and tonumber(marks[i + 1]) > tonumber(ARGV[2]) then return 0 end
end
return 1
"""


def redis_settings(redis_url: str, namespace: str, *, idle_seconds: float = IDLE_SECONDS) -> dict:
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


@functools.cache
def list_aware_dupefilter() -> type:
    """scrapy-redis's filter with the URL's fragment kept (``/gkmlpt/index#123`` is a column);
    made on first use: a crawl on one machine never loads scrapy-redis."""
    from scrapy_redis.dupefilter import RFPDupeFilter

    class ListAwareDupeFilter(RFPDupeFilter):
        def request_fingerprint(self, request):
            data = {
                "method": to_unicode(request.method),
                "url": canonicalize_url(request.url, keep_fragments=True),
                "body": (request.body or b"").hex(),
            }
            return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()

    return ListAwareDupeFilter


class SharedScheduler:
    """scrapy-redis's priority queue and filter, keyed per namespace, host and crawl."""

    def __init__(self, crawler) -> None:
        from scrapy_redis import connection

        settings = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.server = connection.from_settings(settings)
        self.server.ping()
        self.namespace = settings.get("DISCLOSURE_REDIS_NAMESPACE") or "disclosure:default"
        self.process_id = settings.get("DISCLOSURE_PROCESS_ID") or uuid.uuid4().hex
        self.seeder = False
        self.lists: deque = deque()  # the first process's list requests, walked by it alone
        self.marked_until = 0.0  # when the busy mark this process last set runs out (0: none set)
        self._pop = self.server.register_script(_POP_AND_MARK)
        self._over = self.server.register_script(_CRAWL_OVER)
        self._push_unseen = self.server.register_script(_PUSH_UNSEEN)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open(self, spider):
        self.spider = spider
        host_prefix = f"{self.namespace}:{host_key(spider)}"
        self.crawl_key = f"{host_prefix}:crawl"
        crawl_id, under_way = uuid.uuid4().hex[:12], None
        # busy before the crawl is known, until its engine is idle: a process that joins meanwhile waits for the seeds
        self.busy_key = f"{host_prefix}:{crawl_id}:busy"
        self.mark_busy(True)
        while under_way is None:  # a crawl under way, or a new one of ours (one that ended meanwhile: again)
            self.seeder = bool(self.server.set(self.crawl_key, crawl_id, nx=True, ex=CRAWL_KEY_SECONDS))
            under_way = crawl_id if self.seeder else self.server.get(self.crawl_key)
        if not self.seeder:
            self.mark_busy(False)
        self.crawl_id = to_unicode(under_way)
        if not self.seeder:
            spider.column_outcomes = {}  # its walks read no list page: the first process says how columns ended
        prefix = f"{host_prefix}:{self.crawl_id}"
        self.busy_key = f"{prefix}:busy"
        self.members_key = f"{prefix}:processes"  # who takes part, for whoever looks
        self.server.sadd(self.members_key, self.process_id)
        from scrapy_redis.queue import PriorityQueue

        self.queue = PriorityQueue(server=self.server, spider=spider, key=f"{prefix}:requests")
        self.df = list_aware_dupefilter()(self.server, key=f"{prefix}:dupefilter", debug=False)
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
        if request.meta.get("role") == "list" and self.seeder:
            if filtered and self.df.request_seen(request):
                return False
            self.lists.append(request)
            return True
        if self.seeder and (walk := self._walk_of(request)) is not None and walk.platform is not None:
            request.meta.setdefault(PLATFORM_META, walk.platform.name)  # for a process that reads no list page
        if filtered:
            fingerprint = self.df.request_fingerprint(request)
            encoded = self.queue._encode_request(request)
            keys = [self.df.key, self.queue.key]
            if not self._push_unseen(keys=keys, args=[fingerprint, -request.priority, encoded]):
                return False
        else:
            self.queue.push(request)
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self):
        if self.lists:
            self.mark_busy(True)
            return self.lists.popleft()
        until = time.time() + BUSY_SECONDS
        encoded = self._pop(keys=[self.queue.key, self.busy_key], args=[self.process_id, until])
        if not encoded:
            return None
        self.marked_until = until
        self.stats.inc_value("scheduler/dequeued/redis")
        request = self.queue._decode_request(encoded)
        walk = self._walk_of(request)
        if walk is not None and walk.platform is None and request.meta.get(PLATFORM_META):
            # the column's platform as the first process detected it on a list page: a process that
            # joined reads its items the same way, without detecting the platform on each of them
            from crawler.platforms import by_name

            walk.platform = by_name(request.meta[PLATFORM_META])
        return request

    def _walk_of(self, request):
        walks = getattr(self.spider, "walks", None) or {}
        walk = walks.get(request.meta.get("column"))
        if walk is None and len(walks) == 1:
            walk = next(iter(walks.values()))
        return walk

    def has_pending_requests(self) -> bool:
        return bool(self.lists) or len(self.queue) > 0

    def keep_alive(self) -> None:
        with self.server.pipeline(transaction=False) as pipe:
            pipe.expire(self.crawl_key, CRAWL_KEY_SECONDS)
            for key in (self.queue.key, self.df.key, self.busy_key, self.members_key):
                pipe.expire(key, LEFT_KEYS_SECONDS)
            pipe.execute()

    def crawl_over(self) -> bool:
        """Nothing left for any process: the shared queue is empty and no other process is busy, at one
        instant. A process is marked busy atomically with taking a request, and its mark goes only once
        its engine is idle, so whatever it queues from a request is in the queue before the mark goes."""
        if self.lists:
            return False
        return bool(self._over(keys=[self.queue.key, self.busy_key], args=[self.process_id, time.time()]))

    def mark_busy(self, busy: bool, *, always: bool = False) -> None:
        """Set or clear this process's busy mark; a mark set is renewed once a sixth of its time has gone."""
        now = time.time()
        if busy and (always or self.marked_until - now < BUSY_SECONDS * 5 / 6):
            self.marked_until = now + BUSY_SECONDS
            self.server.hset(self.busy_key, self.process_id, self.marked_until)
        elif not busy and (always or self.marked_until):
            self.marked_until = 0.0
            self.server.hdel(self.busy_key, self.process_id)


class SharedCrawlEnd:
    """Keeps a process's crawler open while any process of its crawl still works, and wakes its
    engine while it is idle (Scrapy looks at its queue, and asks whether to close, only every five
    seconds when idle)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.idle_seconds = crawler.settings.getfloat("DISCLOSURE_REDIS_IDLE_SECONDS", IDLE_SECONDS)
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
        working = (
            engine.downloader.active or engine._slot.inprogress or not engine.scraper.slot.is_idle()
            or engine._start is not None or self.scheduler.lists
        )
        self.scheduler.mark_busy(bool(working))
        if time.monotonic() - self.kept_alive >= 1:
            self.kept_alive = time.monotonic()
            self.scheduler.keep_alive()
        if not working:  # take what others queued, or see sooner that the crawl is over
            engine._slot.nextcall.schedule()

    def idle(self, spider) -> None:
        scheduler = self.scheduler
        if not scheduler.crawl_over():
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
            self.scheduler.mark_busy(False, always=True)
        except Exception:  # noqa: BLE001 - Redis gone at the end: the busy mark expires
            pass


class SharedHostSlots:
    """A request to a host waits for one of its slots in Redis, shared by every process.

    A request that finds every slot held (or, while other processes wait, its process holding its
    share of them) blocks until a slot is given back: the process giving it wakes the waiting ones
    at once through Redis, so a freed slot does not stay unused while the portal answers fast. A
    killed process wakes nobody; its slots expire, and a waiter asks again every quarter second.
    A request whose own process holds every slot waits for that process to give one back, without
    asking Redis. Slots are taken and given back with an asyncio client: the process goes on with
    its responses while Redis answers.
    """

    def __init__(self, crawler) -> None:
        settings = crawler.settings
        self.limit = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or settings.getint("CONCURRENT_REQUESTS")
        self.delay = settings.getfloat("DOWNLOAD_DELAY")
        self.timeout = settings.getfloat("DOWNLOAD_TIMEOUT")
        self.process_id = settings.get("DISCLOSURE_PROCESS_ID") or uuid.uuid4().hex
        self.stats = crawler.stats
        self.redis_url = settings.get("REDIS_URL")
        self._count = 0
        self._asking: dict[str, asyncio.Lock] = {}  # per host: one request of a process asks at a time
        self._held: dict[str, int] = {}  # per host: the slots this process holds
        self._given_back: dict[str, asyncio.Event] = {}
        self._redis = None  # an asyncio Redis client, made in the running loop
        self._take = self._give = None

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.get("REDIS_URL"):
            raise NotConfigured  # without a message: Scrapy logs no warning for a crawl on one machine
        middleware = cls(crawler)
        crawler.signals.connect(middleware.closed, signal=signals.spider_closed)
        return middleware

    def _client(self):
        if self._redis is None:
            from redis.asyncio import Redis

            self._redis = Redis.from_url(self.redis_url)
            self._take = self._redis.register_script(_TAKE_SLOT)
            self._give = self._redis.register_script(_GIVE_SLOT)
        return self._redis

    async def process_request(self, request):
        host = (urlsplit(request.url).netloc or "").lower()
        self._count += 1
        token = f"{self.process_id}|{self._count}"
        hold = float(request.meta.get("download_timeout") or self.timeout) + SLOT_GRACE_SECONDS
        prefix = f"disclosure:host:{host}:"
        keys = [prefix + "slots", prefix + "next", prefix + "waiting"]
        client = self._client()
        given_back = self._given_back.setdefault(host, asyncio.Event())
        waited = 0.0
        async with self._asking.setdefault(host, asyncio.Lock()):
            while True:
                began = time.monotonic()
                if self._held.get(host, 0) >= self.limit:  # its own requests hold every slot
                    given_back.clear()
                    await given_back.wait()
                    waited += time.monotonic() - began
                    continue
                taken = await self._take(keys=keys, args=[token, self.limit, hold, self.delay, self.process_id])
                if taken == 1:
                    break
                if taken < 0:  # the host's delay since its last request by any process
                    await asyncio.sleep(-taken / 1000)
                else:
                    await client.blpop([prefix + "wake:" + self.process_id], timeout=WAKE_SECONDS)
                waited += time.monotonic() - began
            self._held[host] = self._held.get(host, 0) + 1
        if waited:
            self.stats.inc_value("disclosure/redis_slot_waits")
            self.stats.inc_value("disclosure/redis_slot_wait_ms", round(waited * 1000))
        request.meta["redis_slot"] = (host, token)
        return None

    async def process_response(self, request, response):
        await self._release(request)
        return response

    async def process_exception(self, request, exception):
        await self._release(request)
        return None

    async def _release(self, request) -> None:
        slot = request.meta.pop("redis_slot", None)
        if slot is None:
            return
        host, token = slot
        prefix = f"disclosure:host:{host}:"
        try:
            await self._give(keys=[prefix + "slots", prefix + "waiting"], args=[token, prefix + "wake:"])
        finally:  # given back in Redis first: the process's next request then finds it free
            self._held[host] -= 1
            self._given_back[host].set()

    async def closed(self, spider, reason) -> None:
        if self._redis is not None:
            await self._redis.aclose()
