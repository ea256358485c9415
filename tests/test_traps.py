"""Every pager is bounded: the column walk on its own, then a crawl of the trap portal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.column_walk import ColumnWalk
from crawler.columns import COMPLETE, INCOMPLETE, LIST_UNREADABLE, PAGINATION_LIMIT, Column
from crawler.platforms import ListedItem, ListPage, ListRequest
from simportal import PortalServer
from simportal.traps import DYNAMIC, EVERY_PAGE, NEXT_CHAIN, OVERSIZED, build_trap_site

ROOT = Path(__file__).resolve().parents[1]
LIST = "http://127.0.0.1:1/col/index.html"
REPORT = "城关镇人民政府2023年政府信息公开工作年度报告"


def walk(**kwargs) -> ColumnWalk:
    limits = {"max_list_pages": 10, "max_barren_pages": 3, **kwargs}
    return ColumnWalk(Column(portal="p", start_urls=(LIST,)), **limits)


def page(n: int, *, titles=("通知",), more=1) -> ListPage:
    items = tuple(ListedItem(url=f"http://127.0.0.1:1/col/{n}_{k}.html", title=t) for k, t in enumerate(titles))
    return ListPage(items=items, more=tuple(ListRequest(url=f"{LIST}?page={n + m}") for m in range(1, more + 1)))


def test_a_column_read_to_its_end_is_complete():
    column = walk()
    assert [r.url for r in column.start()] == [LIST]
    items, more = column.read(page(1, titles=(REPORT, "指南")))
    assert len(items) == 2 and [r.url for r in more] == [LIST + "?page=2"]
    items, more = column.read(ListPage(items=page(1).items))  # the last page: nothing new
    assert items == [] and more == []
    outcome = column.finish()
    assert (outcome.ended, outcome.list_pages, outcome.items_listed) == (COMPLETE, 2, 2)


def test_list_pages_without_new_reports_stop_the_column():
    column = walk(max_barren_pages=3)
    column.start()
    column.read(page(1, titles=(REPORT,)))
    sent = [column.read(page(n)) for n in range(2, 6)]
    assert [len(more) for _, more in sent] == [1, 1, 0, 0]  # the third barren page asks for nothing more
    outcome = column.finish()
    assert outcome.ended == PAGINATION_LIMIT and "3 list pages in a row" in outcome.detail


def test_list_requests_never_pass_the_bound():
    column = walk(max_list_pages=4, max_barren_pages=100)
    requests = column.start()
    n = 1
    while requests:
        requests = column.read(page(n, titles=(f"{REPORT}（{n}）",), more=3))[1]
        n += 1
    assert column.list_requests == 4
    outcome = column.finish()
    assert outcome.ended == PAGINATION_LIMIT and "bound of 4 list requests" in outcome.detail


def test_a_repeated_request_is_sent_once_and_a_post_differs_by_its_form():
    column = walk()
    column.start()
    proxy = ListRequest(url="http://127.0.0.1:1/proxy.jsp", method="POST", form=(("startrecord", "1"),))
    other = ListRequest(url="http://127.0.0.1:1/proxy.jsp", method="POST", form=(("startrecord", "46"),))
    _, more = column.read(ListPage(items=page(1, titles=(REPORT,)).items, more=(proxy, proxy, other, ListRequest(url=LIST))))
    assert more == [proxy, other]


def test_fewer_items_than_announced_is_incomplete_with_both_counts():
    column = walk()
    column.start()
    column.read(ListPage(items=page(1, titles=(REPORT, "指南")).items, announced_total=20))
    outcome = column.finish()
    assert (outcome.ended, outcome.announced_total, outcome.items_listed) == (INCOMPLETE, 20, 2)
    assert outcome.detail.startswith("20 announced, 2 reached")


def test_unreadable_lists_say_why():
    column = walk()
    column.start()
    column.list_failed(f"{LIST}: Received 6000000 bytes which is larger than download max size (5242880)")
    outcome = column.finish()
    assert outcome.ended == LIST_UNREADABLE and "max size" in outcome.detail
    empty = walk()
    empty.read(ListPage())
    assert empty.finish().ended == LIST_UNREADABLE


def test_an_unknown_platform_is_refused():
    with pytest.raises(KeyError, match="unknown platform"):
        ColumnWalk(Column(portal="p", start_urls=(LIST,), platform="nope"), max_list_pages=1, max_barren_pages=1)


@pytest.fixture(scope="module")
def trap_crawl(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("traps")
    settings = {"DISCLOSURE_MAX_LIST_PAGES": 12, "DISCLOSURE_MAX_BARREN_LIST_PAGES": 5,
                "DISCLOSURE_LIST_MAXSIZE": 100_000}
    with PortalServer(build_trap_site()) as server:
        columns = [f"{name}={server.url}{path}" for name, path in
                   (("chain", NEXT_CHAIN), ("every", EVERY_PAGE), ("dynamic", DYNAMIC), ("big", OVERSIZED))]
        done = subprocess.run(
            [sys.executable, "-m", "tests.crawl_columns", f"sqlite:///{workdir / 'a.sqlite'}", json.dumps(settings),
             *columns],
            cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120,
        )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {outcome["portal"]: outcome for outcome in result["outcomes"].values()}, result["stats"]


@pytest.mark.parametrize("portal", ["chain", "every"])
def test_endless_pagers_end_on_their_own_within_the_bound(trap_crawl, portal):
    outcomes, _ = trap_crawl
    outcome = outcomes[portal]
    assert outcome["platform"] == "generic"
    assert outcome["ended"] == PAGINATION_LIMIT, outcome
    assert 5 <= outcome["list_pages"] <= 12
    assert "no new report-like item" in outcome["detail"]


def test_a_dynamic_trs_list_is_recorded_incomplete(trap_crawl):
    outcome = trap_crawl[0]["dynamic"]
    assert outcome["platform"] == "trs"
    assert (outcome["ended"], outcome["announced_total"], outcome["items_listed"]) == (INCOMPLETE, 20, 10)
    assert outcome["detail"].startswith("20 announced, 10 reached")


def test_an_oversized_list_is_a_failed_fetch_with_its_reason(trap_crawl):
    outcomes, stats = trap_crawl
    assert outcomes["big"]["ended"] == LIST_UNREADABLE
    assert "max size (100000)" in outcomes["big"]["detail"]
    assert stats["disclosure/fetch_too_large"] == 1 and stats["disclosure/columns/pagination limit"] == 2
