"""Two crawler processes share one crawl through Redis: one PostgreSQL archive, one WARC folder,
every document archived once, none missed, the host's limit held across both."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from crawler import settings
from simportal import PortalServer, build_site
from storage.models import Capture, CrawlRun, CrawlRunPortal, Document

from .cli_runner import run_cli
from .slow_portal import slow_site

REDIS_URL = os.environ.get("DISCLOSURE_TEST_REDIS", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_server() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as error:  # any reason at all means: no server to test against
        reason = f"Redis not reachable at {REDIS_URL}: {str(error).strip()[:200]}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return REDIS_URL


def crawl_command(start_url: str, db: str, namespace: str) -> list[str]:
    return [
        sys.executable, "-m", "disclosure", "crawl", "--url", start_url, "--db", db,
        "--allow-network", "127.0.0.0/8", "--delay", "0", "--no-extract",
        "--redis", REDIS_URL, "--redis-namespace", namespace,
    ]


def warc_records(folder: Path) -> tuple[Counter[str], Counter[str], set[str]]:
    """Response records per payload digest, response and revisit records per URL, files written."""
    payloads: Counter[str] = Counter()  # a payload's bytes are written once: a response record
    records: Counter[str] = Counter()  # a fetch is one record: its response, or a revisit of a held payload
    writers = set()
    for path in folder.rglob("*.warc.gz"):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type in ("response", "revisit"):
                    records[record.rec_headers.get_header("WARC-Target-URI")] += 1
                    writers.add(path.name)
                if record.rec_type == "response":
                    payloads[record.rec_headers.get_header("WARC-Payload-Digest")] += 1
    return payloads, records, writers


def documents(db: str) -> set[str]:
    engine = create_engine(db)
    try:
        with Session(engine) as session:
            return set(session.scalars(select(Document.url)))
    finally:
        engine.dispose()


def test_two_processes_archive_every_document_once_within_the_host_limit(redis_server, postgresql_url, tmp_path):
    import redis

    site, in_flight = slow_site(build_site("demo"), 0.1)
    both_in = threading.Event()  # the portal answers once both processes take part: the crawl is shared
    site = replace(site, routes={
        path: lambda request, route=route: (both_in.wait(120), route(request))[1] for path, route in site.routes.items()
    })
    namespace = f"disclosure-test:{uuid.uuid4().hex[:8]}"
    warc_folder = Path(os.environ["DISCLOSURE_WARC_DIR"])
    assert run_cli("db", "upgrade", "--db", postgresql_url, cwd=tmp_path).returncode == 0
    with PortalServer(site) as server:
        command = crawl_command(server.start_url, postgresql_url, namespace)
        processes = [
            subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        members = redis.Redis.from_url(REDIS_URL)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not any(
            members.scard(key) == 2 for key in members.keys(f"{namespace}:*:processes")
        ):
            time.sleep(0.1)
        both_in.set()
        outputs = [process.communicate(timeout=240) for process in processes]
        for process, (out, err) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, err[-2000:]
        shared_max = in_flight.max_in_flight
        payloads, records, writers = warc_records(warc_folder)
        shared_documents = documents(postgresql_url)
        # the crawl's keys went with it: the same command starts a new crawl, which revalidates
        again = run_cli(*command[3:], cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]

    assert shared_max == settings.CONCURRENT_REQUESTS_PER_DOMAIN
    engine = create_engine(postgresql_url)
    try:
        with Session(engine) as session:
            per_document = Counter(
                dict(session.execute(select(Document.url, func.count(Capture.id)).join(Capture).group_by(Document.url)).all())
            )
            runs = session.execute(select(CrawlRun.status, CrawlRun.pid).order_by(CrawlRun.id)).all()
            shared_runs = select(CrawlRun.id).order_by(CrawlRun.id).limit(2).scalar_subquery()
            columns = [
                column
                for (listed,) in session.execute(select(CrawlRunPortal.outcomes).where(CrawlRunPortal.run_id.in_(shared_runs)))
                for column in listed or ()
            ]
            revalidated = session.execute(
                select(CrawlRunPortal.requests, CrawlRunPortal.not_modified, CrawlRunPortal.new_documents)
                .join(CrawlRun).order_by(CrawlRun.id.desc()).limit(1)
            ).one()
    finally:
        engine.dispose()
    assert per_document and set(per_document.values()) == {1}, per_document.most_common(3)
    archived_paths = {url.removeprefix(server.url) for url in shared_documents}
    assert {report.page_path for report in site.expected} <= archived_paths
    assert {path for path in site.pages if path.startswith(site.column_path)} <= archived_paths
    assert [status for status, _ in runs] == ["finished"] * 3 and len({pid for _, pid in runs[:2]}) == 2
    requests, not_modified, new_documents = revalidated
    assert requests > 0 and not_modified > 0 and new_documents == 0, set(per_document) - shared_documents
    # the first process walked the column whole; the one that joined reports no column of its own
    assert [column["ended"] for column in columns] == ["complete"]
    assert columns[0]["list_pages"] == len([p for p in site.pages if p.startswith(site.column_path + "index")])

    assert set(payloads.values()) == {1}
    assert records == per_document
    assert len(writers) >= 2, "one process did all the work: the crawl was not shared"
    # the crawl's keys are gone once it ended: the next crawl starts afresh
    assert not redis.Redis.from_url(REDIS_URL).keys(f"{namespace}:*:requests")


def slot_middleware(process_id: str, limit: int):
    from scrapy.utils.test import get_crawler

    from crawler.distributed import SharedHostSlots

    crawler = get_crawler(settings_dict={
        "REDIS_URL": REDIS_URL, "DISCLOSURE_PROCESS_ID": process_id, "CONCURRENT_REQUESTS_PER_DOMAIN": limit,
        "DOWNLOAD_DELAY": 0, "DOWNLOAD_TIMEOUT": 30,
    })
    return SharedHostSlots.from_crawler(crawler)


def test_a_slot_given_back_wakes_a_request_of_another_process_at_once(redis_server, monkeypatch):
    import asyncio

    from scrapy import Request

    from crawler import distributed

    monkeypatch.setattr(distributed, "WAKE_SECONDS", 30)  # unwoken, a waiter would ask again only after this
    host = f"slots-{uuid.uuid4().hex[:8]}.test"
    first, second = slot_middleware("first", 1), slot_middleware("second", 1)
    held, waiting = Request(f"http://{host}/a"), Request(f"http://{host}/b")

    async def scenario() -> float:
        await first.process_request(held)
        asking = asyncio.ensure_future(second.process_request(waiting))
        await asyncio.sleep(0.5)
        assert not asking.done()
        given = time.monotonic()
        await first.process_response(held, None)
        await asking
        woken = time.monotonic() - given
        await second.process_response(waiting, None)
        await first.closed(None, "finished")
        await second.closed(None, "finished")
        return woken

    woken = asyncio.run(scenario())
    assert woken < 5, woken  # woken by the slot given back
    assert second.stats.get_value("disclosure/redis_slot_waits") == 1
    import redis

    assert not redis.Redis.from_url(REDIS_URL).zcard(f"disclosure:host:{host}:slots")  # both given back


def test_a_process_holds_no_more_than_its_share_while_another_waits(redis_server):
    import redis

    from crawler.distributed import _TAKE_SLOT

    server = redis.Redis.from_url(REDIS_URL)
    take = server.register_script(_TAKE_SLOT)
    prefix = f"disclosure:host:share-{uuid.uuid4().hex[:8]}.test:"
    keys = [prefix + "slots", prefix + "next", prefix + "waiting"]
    try:
        assert take(keys=keys, args=["a|1", 2, 30, 0, "a"]) == 1
        assert take(keys=keys, args=["a|2", 2, 30, 0, "a"]) == 1
        assert take(keys=keys, args=["b|1", 2, 30, 0, "b"]) == 0  # both held: b waits
        server.zrem(keys[0], "a|2")
        # one slot free, but b waits and a holds its share of two slots between two processes
        assert take(keys=keys, args=["a|3", 2, 30, 0, "a"]) == 0
        assert take(keys=keys, args=["b|2", 2, 30, 0, "b"]) == 1
        assert server.zcard(keys[0]) == 2  # never more than the host's limit
        server.zrem(keys[0], "a|1")
        assert take(keys=keys, args=["a|4", 2, 30, 0, "a"]) == 1
        # alone, a process may take every slot; a slot whose holder died expires
        assert take(keys=keys, args=["c|1", 1, 0.2, 0, "c"]) == 0
        server.delete(keys[0], keys[2])
        assert take(keys=keys, args=["c|2", 2, 0.2, 0, "c"]) == 1
        assert take(keys=keys, args=["c|3", 2, 0.2, 0, "c"]) == 1
        assert take(keys=keys, args=["d|1", 2, 30, 0, "d"]) == 0
        time.sleep(0.3)
        assert take(keys=keys, args=["d|2", 2, 30, 0, "d"]) == 1
        # the host's delay since the last request by any process: the milliseconds left to wait
        assert take(keys=keys, args=["d|3", 3, 30, 0.5, "d"]) == 1
        left = take(keys=keys, args=["d|4", 3, 30, 0.5, "d"])
        assert -500 <= left < -300, left
    finally:
        server.delete(*keys)


def test_the_crawl_is_over_only_when_its_queue_is_empty_and_no_other_process_is_busy(redis_server):
    import redis

    from crawler.distributed import _CRAWL_OVER

    server = redis.Redis.from_url(REDIS_URL)
    over = server.register_script(_CRAWL_OVER)
    prefix = f"disclosure-test:{uuid.uuid4().hex[:8]}"
    queue, busy = f"{prefix}:requests", f"{prefix}:busy"
    now = time.time()
    try:
        assert over(keys=[queue, busy], args=["me", now]) == 1
        server.hset(busy, "me", now + 60)  # its own mark: it asks when its engine is idle
        assert over(keys=[queue, busy], args=["me", now]) == 1
        server.hset(busy, "dead", now - 1)  # a mark not refreshed: a killed process
        assert over(keys=[queue, busy], args=["me", now]) == 1
        server.hset(busy, "other", now + 60)
        assert over(keys=[queue, busy], args=["me", now]) == 0
        server.hdel(busy, "other")
        server.zadd(queue, {b"a request": 0})
        assert over(keys=[queue, busy], args=["me", now]) == 0
    finally:
        server.delete(queue, busy)


def test_a_process_that_joined_reads_items_with_the_platform_the_first_detected(redis_server):
    import logging
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.distributed import SharedScheduler
    from crawler.platforms import by_name

    namespace = f"disclosure-test:{uuid.uuid4().hex[:8]}"

    def process(name: str):
        crawler = get_crawler(settings_dict={
            "REDIS_URL": REDIS_URL, "DISCLOSURE_REDIS_NAMESPACE": namespace, "DISCLOSURE_PROCESS_ID": name,
        })
        spider = SimpleNamespace(
            columns=[SimpleNamespace(start_urls=("http://platform.test/xxgk/index.html",))],
            walks={"column": SimpleNamespace(platform=None)}, logger=logging.getLogger(name), name="portal",
        )
        scheduler = SharedScheduler(crawler)
        scheduler.open(spider)
        return scheduler, spider

    first, first_spider = process("first")
    joined, joined_spider = process("joined")
    try:
        assert first.seeder and not joined.seeder
        first_spider.walks["column"].platform = by_name("trs")  # read on the column's first list page
        assert first.enqueue_request(Request("http://platform.test/xxgk/t1.html", meta={"role": "item", "column": "column"}))
        taken = joined.next_request()
        assert taken.url == "http://platform.test/xxgk/t1.html"
        assert joined_spider.walks["column"].platform is by_name("trs")
        # the filter holds for every process: the same item is not queued twice
        assert not joined.enqueue_request(Request("http://platform.test/xxgk/t1.html", meta={"role": "item"}))
    finally:
        first.finish()
