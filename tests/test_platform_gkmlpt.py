"""The gkmlpt adapter on saved pages and on the simulated gkmlpt portal, and a crawl of that
portal that finds every report with every number."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

import pytest

from crawler.column_walk import ColumnWalk
from crawler.columns import Column
from crawler.platforms import ListedItem
from crawler.platforms.gkmlpt import MAX_API_PAGES, PLATFORM
from simportal import PortalServer
from simportal.gkmlpt_site import ANNUAL_CAT, NOTICE_CAT, PAGE_SIZE, SID, build_gkmlpt_site

from .cli_runner import run_cli
from .test_end_to_end import assert_exported_as_built

PAGES = Path(__file__).parent / "pages" / "gkmlpt"
CASES = sorted(path.name for path in PAGES.iterdir() if path.is_dir())


def _case(name: str) -> tuple[str, str, dict]:
    folder = PAGES / name
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    body = next(folder.glob("body.*")).read_text(encoding="utf-8")
    return meta["url"], body, json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def _item(item: ListedItem) -> dict:
    return {"url": item.url, "title": item.title, "date": item.date, "parent_url": item.parent_url}


def _fields() -> list[tuple[str, str]]:
    return [(name, field) for name in CASES for field in _case(name)[2]]


@pytest.mark.parametrize(("case", "field"), _fields())
def test_saved_pages_read_as_expected(case, field):
    url, body, expected = _case(case)
    if field == "attachments":
        got = [{"url": a.url, "title": a.title} for a in PLATFORM.attachments(url, body)]
        assert all(a.parent_url == url for a in PLATFORM.attachments(url, body))
    else:
        page = PLATFORM.read_list(url, body)
        got = {
            "items": [_item(item) for item in page.items],
            "more": [request.url for request in page.more],
            "announced_total": page.announced_total,
        }[field]
        assert all(request.method == "GET" for request in page.more)
    assert got == expected[field]


def test_matches_the_index_the_api_and_detail_pages_only():
    index_url, index, _ = _case("index")
    api_url, api, _ = _case("api_first_page")
    detail_url, detail, _ = _case("detail")
    assert PLATFORM.matches(index_url, index)
    assert PLATFORM.matches("http://portal.example/xxgk/index.html", index)  # by _CONFIG and TREE
    assert PLATFORM.matches("http://portal.example/list?page=1", api)  # by the API's answer
    assert PLATFORM.matches(detail_url, detail)
    trs = (Path(__file__).parent / "pages" / "trs_report.html").read_text(encoding="utf-8")
    assert not PLATFORM.matches("http://portal.example/xxgk/gknb/202301/t20230110_1.html", trs)
    assert not PLATFORM.matches("http://portal.example/a.json", '{"data": [], "total": 3}')


def _answer(articles, **extra) -> str:
    return json.dumps({"articles": articles, **extra}, ensure_ascii=False)


API = "http://portal.example/gkmlpt/api/all/5?page=1&sid=1"


@pytest.mark.parametrize(("total", "pages"), [
    (10**12, MAX_API_PAGES),  # a bogus total stays bounded in memory
    ("45", 3),  # digits as a string
    ("４５", 1),  # full-width digits are not a count
    (-3, 1),
    (None, 1),
])
def test_following_pages_come_from_the_total_over_the_first_page_size(total, pages):
    articles = [{"id": i, "title": f"t{i}", "url": f"/gkmlpt/content/0/{i}/post_{i}.html"} for i in range(20)]
    page = PLATFORM.read_list(API, _answer(articles, total=total))
    assert len(page.more) == pages - 1
    if page.more:
        assert parse_qs(urlsplit(page.more[-1].url).query) == {"page": [str(pages)], "sid": ["1"]}


def test_a_page_size_the_api_states_wins_and_later_pages_name_no_more():
    articles = [{"id": 1, "title": "a", "url": "/gkmlpt/content/0/0/post_1.html"}]
    assert len(PLATFORM.read_list(API, _answer(articles, total=30, page_size=10)).more) == 2
    assert PLATFORM.read_list(API.replace("page=1", "page=2"), _answer(articles, total=30)).more == ()


def test_malformed_articles_are_left_out_and_odd_dates_give_none():
    articles = [
        "not an article", {"title": "no url"}, {"url": "  "},
        {"url": "/p/1.html", "title": 7, "first_publish_time": 10**30},
        {"url": "/p/2.html", "title": "<span>A</span> title", "date": "2023-02-28 10:00:00",
         "attachment": ["x", {"name": "f"}, {"url": "/attachment/1.pdf"}]},
        {"url": "/p/3.html", "title": "b", "first_publish_time": "１７０６６６２８００"},
    ]
    page = PLATFORM.read_list(API, _answer(articles, total=6))
    assert [_item(item) for item in page.items] == [
        {"url": "http://portal.example/p/1.html", "title": "", "date": None, "parent_url": None},
        {"url": "http://portal.example/p/2.html", "title": "A title", "date": "2023-02-28", "parent_url": None},
        {"url": "http://portal.example/attachment/1.pdf", "title": "", "date": "2023-02-28",
         "parent_url": "http://portal.example/p/2.html"},
        {"url": "http://portal.example/p/3.html", "title": "b", "date": None, "parent_url": None},
    ]


@pytest.mark.parametrize("html", [
    "<html><body><div id='app'></div></body></html>",  # no _CONFIG
    "<script>window._CONFIG = { SID: '1', TREE: [{\"id\": 2, \"name\": \"政府信息公开年报\", </script>",  # cut short
    "<script>window._CONFIG = { SID: '1', TREE: [{\"id\": \"２\", \"name\": \"政府信息公开年报\"}] };</script>",
    "<script>window._CONFIG = { SID: '1', TREE: [{\"id\": 9, \"name\": \"统计年报\"}] };</script>",
])
def test_an_index_without_a_readable_report_column_asks_for_nothing(html):
    assert PLATFORM.read_list("http://portal.example/gkmlpt/index", html).more == ()


def test_an_explicit_cat_must_be_ascii_digits():
    url, body, expected = _case("index")
    page = PLATFORM.read_list(url + "#２８１４", body)
    assert [request.url for request in page.more] == expected["more"]
    query = PLATFORM.read_list(url + "?cat=2815", body)
    assert [request.url for request in query.more] == [expected["more"][0].replace("/2812?", "/2815?")]


def test_files_an_api_lists_are_followed_but_not_counted_as_the_columns_items():
    url, body, expected = _case("api_first_page")
    walk = ColumnWalk(Column(portal="nanxi", start_urls=(url,), platform="gkmlpt"),
                      max_list_pages=10, max_barren_pages=5)
    followed, more = walk.read(PLATFORM.read_list(url, body))
    assert len(followed) == len(expected["items"]) == 24 and len(more) == 2
    assert walk.outcome.items_listed == 20
    outcome = walk.finish()  # pages 2 and 3 never answered
    assert (outcome.ended, outcome.announced_total, outcome.items_listed) == ("incomplete", 47, 20)


def test_answers_nested_deeper_than_the_json_parser_are_no_list():
    deep = '{"articles": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert not PLATFORM.matches("http://portal.example/x", deep)
    index = "<script>window._CONFIG = { SID: '1', TREE: " + "[" * 100_000 + " };</script>"
    assert PLATFORM.read_list("http://portal.example/gkmlpt/index", index).more == ()


def test_a_page_that_is_not_html_has_no_attachments():
    assert PLATFORM.attachments("http://portal.example/gkmlpt/content/0/0/post_1.html", "   ") == ()


# ---- the simulated gkmlpt portal -----------------------------------------------------------

@pytest.fixture(scope="module")
def site():
    return build_gkmlpt_site()


@pytest.fixture(scope="module")
def server(site):
    with PortalServer(site) as running:
        yield running


def _get(url: str) -> str:
    with urlopen(url, timeout=10) as response:  # the portal serves on 127.0.0.1 only
        return response.read().decode("utf-8")


def test_the_portal_api_pages_the_column_and_wants_its_site_id(site, server):
    api = f"{server.url}/gkmlpt/api/all/{ANNUAL_CAT}"
    pages = [json.loads(_get(f"{api}?page={n}&sid={SID}")) for n in (1, 2, 3, 4)]
    total = len(site.expected) + 6
    assert total >= 25 and [p["total"] for p in pages] == [total] * 4
    assert [len(p["articles"]) for p in pages] == [PAGE_SIZE, PAGE_SIZE, total - 2 * PAGE_SIZE, 0]
    ids = [a["id"] for p in pages for a in p["articles"]]
    assert len(set(ids)) == total
    assert all(a["url"].startswith(server.url + "/gkmlpt/content/") for p in pages for a in p["articles"])
    assert json.loads(_get(f"{api}?page=1&sid=999"))["articles"] == []
    assert json.loads(_get(f"{api}?page=x&sid={SID}"))["articles"] == pages[0]["articles"]


def test_the_adapter_alone_reaches_every_report_of_the_portal(site, server):
    """Index → API pages → detail pages → files, by the adapter and plain HTTP, no spider."""
    index = PLATFORM.read_list(server.start_url, _get(server.start_url))
    assert [urlsplit(r.url).path for r in index.more] == [f"/gkmlpt/api/all/{ANNUAL_CAT}"]
    items: list[ListedItem] = []
    queue, asked = list(index.more), 0
    while queue:
        request = queue.pop(0)
        asked += 1
        page = PLATFORM.read_list(request.url, _get(request.url))
        assert page.announced_total == len(site.expected) + 6
        items.extend(page.items)
        queue.extend(page.more)
    assert asked == 3
    pages = {item.url for item in items if item.parent_url is None}
    files = {item.url: item.parent_url for item in items if item.parent_url}
    for path in site.dead_links:
        assert server.url + path in pages | set(files)
    for report in site.expected:
        page_url = server.url + report.page_path
        assert page_url in pages, report.body
        if report.tables_in != "page":
            listed = {url for url, parent in files.items() if parent == page_url}
            on_page = {a.url for a in PLATFORM.attachments(page_url, _get(page_url))}
            assert listed, (report.body, report.year)
            assert on_page <= listed
    notices = json.loads(_get(f"{server.url}/gkmlpt/api/all/{NOTICE_CAT}?page=1&sid={SID}"))["articles"]
    assert notices and not {a["url"] for a in notices} & pages


def test_a_crawl_of_the_portal_finds_every_report_with_its_numbers(site, tmp_path):
    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    with PortalServer(site) as running:
        crawl = run_cli("crawl", "--url", running.start_url, "--db", db, "--allow-network", "127.0.0.0/8",
                        "--delay", "0", cwd=tmp_path)
    assert crawl.returncode == 0, crawl.stdout[-2000:] + crawl.stderr[-2000:]
    runs = run_cli("runs", "--json", "--db", db, cwd=tmp_path)
    (outcome,) = json.loads(runs.stdout)[0]["portals"][0]["outcomes"]
    articles = len(site.expected) + 6
    assert (outcome["platform"], outcome["ended"]) == ("gkmlpt", "complete"), outcome
    assert (outcome["announced_total"], outcome["items_listed"], outcome["list_pages"]) == (articles, articles, 4)
    export = run_cli("export", "--format", "csv", "--out", str(tmp_path / "numbers.csv"), "--db", db, cwd=tmp_path)
    assert export.returncode == 0, export.stderr[-2000:]
    assert_exported_as_built(site, tmp_path / "numbers.csv")


def test_a_crawl_from_an_index_url_naming_another_column_stays_in_it(site, tmp_path):
    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    with PortalServer(site) as running:
        crawl = run_cli("crawl", "--url", f"{running.start_url}#{NOTICE_CAT}", "--db", db, "--allow-network",
                        "127.0.0.0/8", "--delay", "0", "--no-extract", cwd=tmp_path)
    assert crawl.returncode == 0, crawl.stdout[-2000:] + crawl.stderr[-2000:]
    runs = json.loads(run_cli("runs", "--json", "--db", db, cwd=tmp_path).stdout)
    (outcome,) = runs[0]["portals"][0]["outcomes"]
    assert (outcome["ended"], outcome["announced_total"], outcome["items_listed"]) == ("complete", 2, 2)
