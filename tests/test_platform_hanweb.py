"""Hanweb JCMS: the adapter on saved pages, the simulated 澄岭县 portal, and a crawl of it."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from crawler.platforms import ListPage, by_name, detect
from crawler.platforms.hanweb import PLATFORM, proxy_form
from extract.decode import decode
from simportal import PortalServer
from simportal.hanweb_site import (
    COLUMN_ID,
    GROUP_SIZE,
    PER_PAGE,
    PROXY_PATH,
    UNIT_ID,
    WEB_ID,
    build_hanweb_site,
)
from storage.db import open_archive, session_scope
from storage.models import Capture, Document

from .cli_runner import run_cli
from .test_end_to_end import assert_exported_as_built

PAGES = Path(__file__).parent / "pages" / "hanweb"
CASES = sorted(path.name for path in PAGES.iterdir() if path.is_dir())


# ---- the adapter on saved pages --------------------------------------------------------

def saved(case: str) -> tuple[dict, str, dict]:
    folder = PAGES / case
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    (body,) = [path for path in folder.iterdir() if path.name.startswith("body.")]
    text = decode(body.read_bytes(), meta["headers"].get("Content-Type")).text
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return meta, text, expected


def listed(items) -> list[dict]:
    return [{"url": item.url, "title": item.title, "date": item.date} for item in items]


@pytest.mark.parametrize("case", CASES)
def test_saved_page_reads_as_expected(case):
    meta, text, expected = saved(case)
    if meta["kind"] == "detail":
        found = [{"url": link.url, "title": link.title} for link in PLATFORM.attachments(meta["url"], text)]
        assert found == expected["attachments"]
        return
    page = PLATFORM.read_list(meta["url"], text)
    got, want = listed(page.items), expected["items"]
    assert [item["url"] for item in got] == [item["url"] for item in want]
    for got_item, want_item in zip(got, want):
        assert got_item == want_item, got_item["url"]
    assert [{"url": r.url, "method": r.method, "form": [list(f) for f in r.form]} for r in page.more] == expected["more"]
    assert page.announced_total == expected["announced_total"]


def test_saved_column_page_is_detected_as_hanweb_and_a_trs_page_is_not():
    meta, text, _ = saved("column")
    assert detect(meta["url"], text).name == "hanweb"
    assert by_name("hanweb") is PLATFORM
    trs = (Path(__file__).parent / "pages" / "trs_report.html").read_text(encoding="utf-8")
    assert not PLATFORM.matches("http://www.example.gov.cn/xxgk/gknb/202401/t20240115_1234567.html", trs)
    # the column path alone names the platform, before any markup is seen
    assert PLATFORM.matches("http://www.example.gov.cn/col/col88/index.html", "<html></html>")


def test_proxy_fields_from_a_jpage_config_object():
    page = """<html><body><div id="901"><script type="text/xml"><datastore><recordset>
    <record><![CDATA[<li><a href="/art/2024/1/2/art_77_1.html" title="某局2023年政府信息公开工作年度报告">某局...</a><span>2024-01-02</span></li>]]></record>
    </recordset></datastore></script></div>
    <script>$('#901').jpage({ 'perPage': 20, "totalRecord": '45', proxyUrl: '/module/web/jpage/dataproxy.jsp',
      ajaxParam: { webid: 3, columnid: 77, unitid: "901", webname: '某县人民政府', permissiontype: 0 } });</script>
    </body></html>"""
    page_read = PLATFORM.read_list("http://h.example/col/col77/index.html", page)
    assert page_read.announced_total == 45
    assert [r.url for r in page_read.more] == [
        "http://h.example/module/web/jpage/dataproxy.jsp?startrecord=2&endrecord=21&perpage=20",
        "http://h.example/module/web/jpage/dataproxy.jsp?startrecord=22&endrecord=41&perpage=20",
        "http://h.example/module/web/jpage/dataproxy.jsp?startrecord=42&endrecord=45&perpage=20",
    ]
    assert dict(page_read.more[0].form) == {
        "col": "1", "appid": "1", "webid": "3", "path": "/", "columnid": "77", "sourceContentType": "1",
        "unitid": "901", "webname": "某县人民政府", "permissiontype": "0",
    }


def test_proxy_fields_from_hidden_inputs_and_the_column_path():
    page = ('<html><body><input type="hidden" name="unitid" value="33"/><input type="hidden" name="webid" value="5"/>'
            "<script>var x = 1;</script></body></html>")
    assert dict(proxy_form("http://h.example/col/col12/index.html", page)) == {
        "col": "1", "appid": "1", "webid": "5", "path": "/", "columnid": "12", "sourceContentType": "1",
        "unitid": "33", "permissiontype": "0",
    }
    # nothing names the column: no proxy request can be made
    assert proxy_form("http://h.example/list.html", "<html><body></body></html>") == ()


def test_the_xxgk_annual_report_module_page_lists_articles_and_files():
    url = "http://h.example/module/xxgk/xxgkAnnualReport.jsp?area=331023&fbtime=2023"
    page = """<html><body><table class="xxgk_nb"><tr><td>河阳县教育局</td>
    <td><a href="/art/2024/1/26/art_1229440_59002417.html" title="河阳县教育局2023年政府信息公开工作年度报告">查看</a></td>
    <td>2024-01-26</td></tr><tr><td>河阳县财政局</td>
    <td><a href="/module/download/downfile.jsp?classid=0&amp;filename=7b1e40c2.pdf">河阳县财政局2023年政府信息公开工作年度报告</a></td>
    <td>2024-01-12</td></tr></table><a href="/col/col1229438/index.html">信息公开</a></body></html>"""
    assert detect(url, page).name == "hanweb"
    assert listed(PLATFORM.read_list(url, page).items) == [
        {"url": "http://h.example/art/2024/1/26/art_1229440_59002417.html",
         "title": "河阳县教育局2023年政府信息公开工作年度报告", "date": None},
        {"url": "http://h.example/module/download/downfile.jsp?classid=0&filename=7b1e40c2.pdf",
         "title": "河阳县财政局2023年政府信息公开工作年度报告", "date": None},
    ]


def test_a_column_without_a_total_asks_once_for_the_rest():
    records = "".join(f'<record><![CDATA[<li><a href="/art/2024/1/{n}/art_9_{n}.html">t{n}</a></li>]]></record>'
                      for n in range(1, 16))
    page = f'<html><body><script type="text/xml"><datastore><recordset>{records}</recordset></datastore></script></body></html>'
    read = PLATFORM.read_list("http://h.example/col/col9/index.html", page)
    assert len(read.items) == 15 and read.announced_total is None
    assert [r.url for r in read.more] == [
        "http://h.example/module/web/jpage/dataproxy.jsp?startrecord=16&endrecord=315&perpage=15"]


def test_records_without_a_link_still_count_for_the_proxy_range():
    records = ('<record><![CDATA[<li><a href="/art/2024/1/3/art_9_3.html">t3</a></li>]]></record>'
               '<record><![CDATA[<li><a href="javascript:void(0)">栏目说明</a></li>]]></record>'
               '<record><![CDATA[<li><a href="/art/2024/1/1/art_9_1.html">t1</a></li>]]></record>')
    page = (f'<html><body><script type="text/xml"><datastore><recordset>{records}</recordset></datastore></script>'
            "<script>$('#1').jpage({totalRecord: 6, perPage: 3, groupSize: 1});</script></body></html>")
    read = PLATFORM.read_list("http://h.example/col/col9/index.html", page)
    assert [item.title for item in read.items] == ["t3", "t1"]
    assert [r.url for r in read.more] == [
        "http://h.example/module/web/jpage/dataproxy.jsp?startrecord=4&endrecord=6&perpage=3"]


def test_an_absurd_total_stays_bounded_and_a_small_one_asks_nothing():
    record = '<record><![CDATA[<li><a href="/art/2024/1/1/art_9_1.html">t</a></li>]]></record>'
    huge = (f'<html><body><script type="text/xml"><datastore><recordset>{record}</recordset></datastore></script>'
            "<script>$('#1').jpage({totalRecord: 999999999, perPage: 15});</script></body></html>")
    read = PLATFORM.read_list("http://h.example/col/col9/index.html", huge)
    assert read.announced_total == 999999999 and 0 < len(read.more) <= 200
    small = huge.replace("999999999", "1")
    assert PLATFORM.read_list("http://h.example/col/col9/index.html", small).more == ()


def test_records_escaped_instead_of_cdata_and_side_units_of_other_columns():
    side_unit = ('<script type="text/xml"><datastore><recordset><record>&lt;li&gt;&lt;a href="/art/2023/5/4/art_3_8.html"'
                 ' title="最新动态"&gt;最新动态&lt;/a&gt; 2023-05-04&lt;/li&gt;</record></recordset></datastore></script>')
    column = ('<script type="text/xml"><datastore><recordset>'
              '<record><![CDATA[<li><a href="/art/2024/2/1/art_12_5.html" title="X局2023年政府信息公开工作年度报告">X局...</a>'
              "<span>2024-02-01</span></li>]]></record></recordset></datastore></script>")
    read = PLATFORM.read_list("http://h.example/col/col12/index.html", f"<html><body>{side_unit}{column}</body></html>")
    assert listed(read.items) == [{"url": "http://h.example/art/2024/2/1/art_12_5.html",
                                   "title": "X局2023年政府信息公开工作年度报告", "date": "2024-02-01"}]
    alone = PLATFORM.read_list("http://h.example/col/col3/index.html", f"<html><body>{side_unit}</body></html>")
    assert listed(alone.items) == [{"url": "http://h.example/art/2023/5/4/art_3_8.html", "title": "最新动态",
                                    "date": "2023-05-04"}]


@pytest.mark.parametrize("text", ["", "\x00\x01garbage", "<datastore><recordset><record><![CDATA[<li><a", "<html>" * 2000])
def test_broken_input_reads_as_nothing_without_raising(text):
    read = PLATFORM.read_list("http://h.example/module/web/jpage/dataproxy.jsp", text)
    assert isinstance(read, ListPage) and read.items == () and read.more == ()
    assert PLATFORM.attachments("http://h.example/art/2024/1/1/art_1_1.html", text) == ()


# ---- the simulated portal --------------------------------------------------------------

@pytest.fixture(scope="module")
def site():
    return build_hanweb_site()


@pytest.fixture(scope="module")
def server(site):
    with PortalServer(site) as running:
        yield running


def fetch(url: str, form: dict | None = None) -> tuple[int, dict[str, str], bytes]:
    data = urllib.parse.urlencode(form).encode() if form is not None else None

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=data), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def read_column(server) -> tuple[ListPage, list]:
    status, headers, body = fetch(server.start_url)
    assert status == 200
    first = PLATFORM.read_list(server.start_url, decode(body, headers.get("Content-Type")).text)
    answers = []
    for request in first.more:
        assert request.method == "POST"
        status, headers, body = fetch(request.url, dict(request.form))
        assert status == 200 and headers["Content-Type"].startswith("text/xml")
        answers.append(PLATFORM.read_list(request.url, decode(body, headers.get("Content-Type")).text))
    return first, answers


def test_the_column_embeds_one_group_and_the_proxy_serves_the_rest(site, server):
    first, answers = read_column(server)
    listed_paths = [urlsplit(item.url).path for page in (first, *answers) for item in page.items]
    every_item = [report.page_path for report in site.expected] + list(site.non_reports) + [
        path for path in site.dead_links if path.startswith("/art/")]
    assert len(every_item) >= 30
    assert len(first.items) == PER_PAGE * GROUP_SIZE < len(every_item)
    assert sorted(listed_paths) == sorted(every_item)  # each once, none missing
    assert first.announced_total == len(every_item)
    assert all(page.more == () and page.announced_total == len(every_item) for page in answers)
    dates = [item.date for page in (first, *answers) for item in page.items]
    assert dates == sorted(dates, reverse=True) and all(dates)


def test_list_titles_are_cut_but_the_adapter_keeps_the_full_ones(site, server):
    html = fetch(server.start_url)[2].decode("utf-8")
    assert re.search(r'title="([^"]{25,})"[^>]*>[^<]{20,24}\.\.\.</a>', html)
    first, answers = read_column(server)
    titles = {urlsplit(item.url).path: item.title for page in (first, *answers) for item in page.items}
    for report in site.expected:
        assert titles[report.page_path].endswith("年度报告") and "..." not in titles[report.page_path]


def test_the_proxy_answers_by_get_too_and_nothing_for_wrong_fields(server):
    query = (f"startrecord=16&endrecord=20&perpage=5&webid={WEB_ID}&columnid={COLUMN_ID}&unitid={UNIT_ID}")
    status, _, body = fetch(f"{server.url}{PROXY_PATH}?{query}")
    assert status == 200 and len(PLATFORM.read_list(server.url + PROXY_PATH, body.decode()).items) == 5
    for wrong in ("columnid=2730", "unitid=1", "webid=46", "startrecord=x"):
        name = wrong.split("=")[0]
        bad = re.sub(rf"{name}=[^&]*", wrong, query)
        status, _, body = fetch(f"{server.url}{PROXY_PATH}?{bad}")
        answer = PLATFORM.read_list(server.url + PROXY_PATH, body.decode())
        assert status == 200 and answer.items == () and answer.announced_total == 0, wrong


def test_downfile_redirects_to_the_file_and_a_missing_file_is_404(site, server):
    downloads = []
    for report in site.expected:
        page = fetch(server.url + report.page_path)[2]
        downloads += [link.url for link in PLATFORM.attachments(server.url + report.page_path, decode(page).text)
                      if "downfile.jsp" in link.url]
    dead = {server.url + path for path in site.dead_links}
    live = [url for url in downloads if url not in dead]
    assert len(live) >= 5 and len(dead & set(downloads)) == 1
    for url in live:
        status, headers, _ = fetch(url)
        assert status == 302 and headers["Location"].startswith("/attach/0/"), url
        status, headers, body = fetch(server.url + headers["Location"])
        assert status == 200 and body[:4] in (b"%PDF", b"PK\x03\x04"), url
    for url in dead & set(downloads):
        assert fetch(url)[0] == 404


def test_reports_with_tables_only_in_a_file_link_it_from_the_page(site, server):
    kinds = {"downfile": 0, "direct": 0}
    for report in site.expected:
        page = decode(fetch(server.url + report.page_path)[2]).text
        dead = {server.url + path for path in site.dead_links}
        files = [link for link in PLATFORM.attachments(server.url + report.page_path, page) if link.url not in dead]
        if report.tables_in == "page":
            assert files == [], report.page_path
            continue
        assert len(files) == 1, report.page_path
        kinds["downfile" if "downfile.jsp" in files[0].url else "direct"] += 1
    assert kinds["downfile"] >= 3 and kinds["direct"] >= 2


def test_the_portal_is_built_the_same_every_time(site):
    again = build_hanweb_site.__wrapped__()
    assert again.pages.keys() == site.pages.keys()
    assert all(again.pages[path].body == site.pages[path].body for path in site.pages)
    assert [r.values for r in again.expected] == [r.values for r in site.expected]


# ---- a crawl of the simulated portal ---------------------------------------------------

@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("hanweb")
    db = f"sqlite:///{workdir / 'archive.sqlite'}"
    with PortalServer(site) as server:
        crawl = run_cli("crawl", "--url", server.start_url, "--db", db, "--allow-network", "127.0.0.0/8",
                        "--delay", "0", cwd=workdir)
    export = run_cli("export", "--format", "csv", "--out", str(workdir / "numbers.csv"), "--db", db, cwd=workdir)
    runs = run_cli("runs", "--json", "--db", db, cwd=workdir)
    return {"db": db, "workdir": workdir, "crawl": crawl, "export": export, "runs": runs}


def test_a_crawl_finds_every_report_with_every_number(site, crawled):
    assert crawled["crawl"].returncode == 0, crawled["crawl"].stderr[-3000:]
    assert crawled["export"].returncode == 0, crawled["export"].stderr[-3000:]
    assert_exported_as_built(site, crawled["workdir"] / "numbers.csv")


def test_the_archive_keeps_the_redirected_files_with_both_urls_and_stays_in_the_column(site, crawled):
    engine = open_archive(crawled["db"])
    with session_scope(engine) as session:
        captures = session.execute(select(Capture.url, Capture.final_url, Capture.status)).all()
        documents = set(session.scalars(select(Document.url)))
    engine.dispose()
    redirected = [(url, final) for url, final, status in captures if "downfile.jsp" in url and status == 200]
    assert len(redirected) >= 5
    assert all(urlsplit(final).path.startswith("/attach/0/") for _, final in redirected)
    paths = {urlsplit(url).path for url in documents}
    assert {report.page_path for report in site.expected} <= paths
    assert set(site.non_reports) <= paths
    assert not any("/art_2728_" in path for path in paths)  # the notice column is not crawled


@pytest.mark.parametrize("opening", ["<html><body>", "<html><body><script type='text/xml'><datastore><recordset>"])
@pytest.mark.parametrize("junk", ["<record>", "<record><![CDATA[<li><a href='/x'>", "<script>", "a", "columnid=",
                                  "<meta name=ContentStart>", "<datastore>"])
def test_pathological_pages_are_read_in_bounded_time(opening, junk):
    text = opening + junk * (500_000 // len(junk))
    started = time.monotonic()
    PLATFORM.read_list("http://h.example/col/col1/index.html", text)
    PLATFORM.attachments("http://h.example/art/2024/1/1/art_1_1.html", text)
    assert time.monotonic() - started < 10


def test_the_column_is_read_to_its_announced_total_through_the_proxy(site, crawled):
    assert crawled["runs"].returncode == 0, crawled["runs"].stderr[-3000:]
    ((portal,),) = [run["portals"] for run in json.loads(crawled["runs"].stdout)]
    (outcome,) = portal["outcomes"]
    items = len(site.expected) + len(site.non_reports) + sum(path.startswith("/art/") for path in site.dead_links)
    assert (outcome["platform"], outcome["ended"]) == ("hanweb", "complete"), outcome
    assert outcome["announced_total"] == outcome["items_listed"] == items, outcome
    assert outcome["list_pages"] == 1 + -(-(items - PER_PAGE * GROUP_SIZE) // (PER_PAGE * GROUP_SIZE)), outcome
