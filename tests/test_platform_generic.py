"""The generic adapter on the simulated generic portal and on small saved pages (no Scrapy)."""

import csv
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.platforms import detect
from crawler.platforms.generic import PLATFORM as GENERIC
from crawler.platforms.generic import announced_total, file_links, paging_links
from simportal.generic_site import LIST_PATH, OTHERS, PDF_STYLES, PER_PAGE, REPORTS, build_generic_site
from simportal import PortalServer
from simportal.model import Request

from .cli_runner import run_cli

HOST = "http://127.0.0.1:8000"
ROOT = Path(__file__).resolve().parents[1]


def list_page(number: int | None) -> tuple[str, str]:
    site = build_generic_site()
    query = {"page": (str(number),)} if number else {}
    resource = site.routes[LIST_PATH](Request(method="GET", path=LIST_PATH, query=query, form={}, headers={}))
    return HOST + LIST_PATH + (f"?page={number}" if number else ""), resource.body.decode("utf-8")


def test_the_generic_portal_is_detected_as_generic():
    url, text = list_page(None)
    assert detect(url, text) is GENERIC


def test_following_its_pages_reaches_every_listed_document_and_the_announced_count():
    site = build_generic_site()
    queue, seen, items = [HOST + LIST_PATH], set(), {}
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        query = dict(part.split("=") for part in urlsplit(url).query.split("&") if part)
        resource = site.routes[LIST_PATH](Request(method="GET", path=LIST_PATH,
                                                  query={k: (v,) for k, v in query.items()}, form={}, headers={}))
        page = GENERIC.read_list(url, resource.body.decode("utf-8"))
        assert len(page.items) <= PER_PAGE
        items.update((item.url, item) for item in page.items)
        queue.extend(r.url for r in page.more)
        assert page.announced_total == len(REPORTS) + len(OTHERS)
    assert len(seen) <= 6  # four pages, and page 1 reached as index.html and ?page=1
    paths = {urlsplit(url).path for url in items}
    dead_pages = {path for path in site.dead_links if path.startswith("/info/")}
    assert {r.page_path for r in site.expected} | set(site.non_reports) | dead_pages == paths
    assert all(item.date and item.title for item in items.values())


def test_next_and_numbered_page_links_but_not_other_lists():
    url, text = list_page(2)
    more = {r.url for r in GENERIC.read_list(url, text).more}
    assert HOST + LIST_PATH + "?page=3" in more and HOST + LIST_PATH + "?page=4" in more
    assert all(urlsplit(u).path == LIST_PATH for u in more)
    html = ('<a href="index_2.html">2</a><a href="index_3.html">3</a><a href="other_2.html">x</a>'
            '<a href="list.jsp?page=2&cat=1">y</a><a href="/elsewhere/index_2.html">z</a>')
    assert paging_links(HOST + "/col/index.html", html) == [HOST + "/col/index_2.html", HOST + "/col/index_3.html"]
    assert paging_links(HOST + "/col/list.jsp?cat=1", html) == [HOST + "/col/list.jsp?page=2&cat=1"]


@pytest.mark.parametrize(
    "markup, expected",
    [
        ('<a href="/u/a.docx">附件：年报.docx</a>', ("/u/a.docx", "附件：年报.docx")),
        ('<iframe src="/u/b.pdf"></iframe>', ("/u/b.pdf", "")),
        ('<embed src="../files/c.pdf" type="application/pdf">', ("/info/files/c.pdf", "")),
        ('<embed src="/show?id=4" type="application/pdf">', ("/show?id=4", "")),
        ('<object data="/u/d.pdf" type="application/pdf"></object>', ("/u/d.pdf", "")),
        ('<a href="/pdfjs/web/viewer.html?file=%2Fu%2Fe%20f.pdf">在线阅读</a>', ("/u/e f.pdf", "在线阅读")),
        ('<iframe src="/pdfjs/web/viewer.html?file=/u/g.pdf#page=2"></iframe>', ("/u/g.pdf", "")),
    ],
)
def test_files_are_found_in_every_kind_of_markup(markup, expected):
    (link,) = file_links(HOST + "/info/1/2.htm", f"<html><body>{markup}<iframe src='/ad.html'></iframe></body></html>")
    assert (link.url.removeprefix(HOST), link.title) == expected


@pytest.mark.parametrize(
    "markup",
    [
        '<a href="/u/A.PDF">大写</a>',
        '<a href="/u/a.p\ndf">换行</a>',
        '<a href="/u/a&#46;pdf">字符引用</a>',
        '<a href="/u/a&period;pdf">实体</a>',
        '<a href="/u/a.p&Tab;df">实体</a>',
        '<a href="/DownFile.do?id=1">下载</a>',
        '<EMBED src="/show?id=4" type="application/pdf">',
        '<iframe src="/pdfjs/web/Viewer.HTML?file=%2Fu%2Fa.pdf"></iframe>',
        '<base href="/downfile/"><a href="7">下载</a>',
    ],
)
def test_a_page_is_read_for_files_whenever_its_markup_may_show_one(markup, monkeypatch):
    import crawler.platforms.generic as generic

    page = f"<html><body><p>年度报告</p>{markup}<a href='/info/3.htm'>下一篇</a></body></html>"
    found = file_links(HOST + "/info/1/2.htm", page)
    assert len(found) == 1
    monkeypatch.setattr(generic, "may_show_files", lambda url, html: True)  # always parsed
    assert file_links(HOST + "/info/1/2.htm", page) == found


def test_a_page_that_cannot_show_a_file_is_not_parsed(monkeypatch):
    from crawler import listing

    parsed = []
    parse = listing.parse
    monkeypatch.setattr(listing, "parse", lambda html: parsed.append(html) or parse(html))
    page = "<html><body><a href='/info/3.htm'>下一篇</a><table><tr><td>1.5</td></tr></table></body></html>"
    assert file_links(HOST + "/info/1/2.htm", page) == () and parsed == []
    # the page's own URL is the base of its relative links: a download script's folder
    (link,) = file_links(HOST + "/downfile/2.htm", page.replace("/info/3.htm", "3"))
    assert link.url == HOST + "/downfile/3" and len(parsed) == 1


def test_every_report_file_of_the_generic_portal_is_found_whatever_shows_it():
    site = build_generic_site()
    found = {}
    for report in site.expected:
        raw = site.pages[report.page_path].body
        text = raw.decode("utf-8") if raw.isascii() or b"charset=UTF-8" in raw else raw.decode("gbk")
        for link in GENERIC.attachments(HOST + report.page_path, text):
            found[link.url.removeprefix(HOST)] = report
    files = {path for path in site.pages if path.startswith("/uploads/")}
    assert files <= set(found)
    assert set(found) - files <= set(site.dead_links)
    assert len([r for r in site.expected if r.tables_in == "attachment"]) >= len(PDF_STYLES)


def test_record_count_and_broken_pages():
    assert announced_total("<div>共 37 条记录 1/4页</div>") == 37
    assert announced_total("<div>共4页</div>") is None
    assert GENERIC.read_list(HOST + "/x.htm", "\x00").items == ()
    assert file_links(HOST + "/x.htm", "") == ()


@pytest.fixture(scope="module")
def generic_crawl(tmp_path_factory):
    """One crawl of the generic portal (its platform detected), then extraction and export."""
    workdir = tmp_path_factory.mktemp("generic")
    db = f"sqlite:///{workdir / 'archive.sqlite'}"
    site = build_generic_site()
    with PortalServer(site) as server:
        done = subprocess.run(
            [sys.executable, "-m", "tests.crawl_columns", db, "{}", f"meichuan={server.start_url}"],
            cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=120,
        )
        host = server.url
    assert done.returncode == 0, done.stderr[-3000:]
    extracted = run_cli("extract", "--db", db, "--no-progress", cwd=workdir)
    assert extracted.returncode == 0, extracted.stderr[-3000:]
    exported = run_cli("export", "--format", "csv", "--out", str(workdir / "numbers.csv"), "--db", db, cwd=workdir)
    assert exported.returncode == 0, exported.stderr[-3000:]
    with open(workdir / "numbers.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    (outcome,) = json.loads(done.stdout.strip().splitlines()[-1])["outcomes"].values()
    return site, host, outcome, rows


def test_a_crawl_of_the_generic_portal_reads_its_column_to_the_end(generic_crawl):
    _, _, outcome, _ = generic_crawl
    assert (outcome["platform"], outcome["ended"]) == ("generic", "complete"), outcome
    assert outcome["items_listed"] == outcome["announced_total"] == len(REPORTS) + len(OTHERS)
    assert outcome["list_pages"] <= 6


def test_a_crawl_of_the_generic_portal_finds_every_report_wherever_its_tables_are(generic_crawl):
    site, host, _, rows = generic_crawl
    found: dict[tuple[str, int], set[str]] = {}
    for row in rows:
        found.setdefault((row["body"], int(row["year"])), set()).add(row["source_url"])
    assert set(found) == {(report.body, report.year) for report in site.expected}
    for report in site.expected:
        (source,) = found[(report.body, report.year)]
        if report.tables_in == "attachment":
            assert source.startswith(host + "/uploads/files/")  # read from the iframe's, embed's … file
        else:
            assert source == host + report.page_path
    values = {(row["body"], int(row["year"]), row["table"], row["row"], row["column"]): row["value"] for row in rows}
    for report in site.expected:
        for (table, row, column), value in report.values.items():
            key = (report.body, report.year, table, row, column)
            if key in values:
                assert values[key] == ("" if value is None else str(value)), key


def test_the_demo_names_the_platforms_it_can_serve(tmp_path, capsys):
    from disclosure.cli import main

    assert main(["demo", "--platform", "wordpress", "--db", f"sqlite:///{tmp_path / 'a.sqlite'}"]) == 2
    error = capsys.readouterr().err
    assert "no simulated portal for platform 'wordpress'" in error and "generic" in error and "trs" in error


_HINT_PIECES = st.sampled_from(["<", ".", "&", "d", "v", "pdf", "doc", "PDF", "ownfile", "iewer.htm", "embed", "OBJECT",
                                "#", "period;", "tab;", "\t", "\n", "报告", "a", " "])


@settings(max_examples=300, deadline=None)
@given(st.lists(_HINT_PIECES, max_size=12).map("".join), st.lists(_HINT_PIECES, max_size=40).map("".join))
def test_the_quick_look_for_files_agrees_with_looking_for_each_hint(url, html):
    from crawler.platforms.generic import _FILE_HINTS, may_show_files

    def each_hint(text: str) -> bool:
        markup = text.encode("utf-8", "surrogatepass").translate(None, b"\t\r\n").lower()
        return any(hint in markup for hint in _FILE_HINTS)

    assert may_show_files(url, html) == (each_hint(url) or each_hint(html))
