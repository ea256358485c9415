"""The TRS WCM adapter on saved list and detail pages (no Scrapy)."""

from crawler.platforms import by_name, detect
from crawler.platforms.trs import PLATFORM as TRS
from crawler.platforms.trs import dynamic_list
from simportal import build_site
from simportal.traps import DYNAMIC, build_trap_site

HOST = "http://127.0.0.1:8000"


def _text(resource) -> str:
    return resource.body.decode("utf-8")


def test_paged_list_of_the_simulated_portal_is_read_whole():
    site = build_site("demo")
    url = HOST + site.column_path + "index.html"
    text = _text(site.pages[site.column_path + "index.html"])
    assert detect(url, text) is TRS and by_name("trs") is TRS
    page = TRS.read_list(url, text)
    count = len([p for p in site.pages if p.startswith(site.column_path + "index")])
    assert [r.url for r in page.more][:count] == [HOST + site.column_path + "index.html"] + [
        f"{HOST}{site.column_path}index_{n}.html" for n in range(1, count)
    ]
    assert all(r.method == "GET" and not r.form for r in page.more)
    assert len(page.items) == 8 and page.announced_total is None
    assert all(item.url.startswith(HOST + site.column_path) for item in page.items)
    assert all(item.date and item.title and not item.title.endswith("...") for item in page.items)


def test_every_listed_document_of_the_simulated_portal_is_found_on_its_pages():
    site = build_site("demo")
    found = set()
    for path in (p for p in site.pages if p.startswith(site.column_path + "index")):
        found |= {item.url.removeprefix(HOST) for item in TRS.read_list(HOST + path, _text(site.pages[path])).items}
    assert {report.page_path for report in site.expected} <= found
    assert set(site.non_reports) <= found and set(site.dead_links) & found


def test_dynamic_list_announces_more_than_its_static_page_shows():
    site = build_trap_site()
    text = _text(site.pages[DYNAMIC])
    assert dynamic_list(text) == (1, 20)
    page = TRS.read_list(HOST + DYNAMIC, text)
    assert detect(HOST + DYNAMIC, text) is TRS
    assert page.announced_total == 20 and len(page.items) == 10
    assert [r.url for r in page.more] == [HOST + DYNAMIC]  # the one static page


def test_dynamic_list_with_several_static_pages_and_an_unquoted_count():
    text = "<script>listModel({maxStaticIndex: 3, pagebar: {prepage: 15, recordCount: 96}})</script>"
    page = TRS.read_list(HOST + "/col/index.shtml", text)
    assert page.announced_total == 96
    assert [r.url for r in page.more] == [HOST + "/col/index.shtml", HOST + "/col/index_1.shtml", HOST + "/col/index_2.shtml"]


def test_detail_page_attachments_are_resolved_next_to_the_page():
    site = build_site("demo")
    with_files = [r for r in site.expected if r.tables_in in ("attachment", "both")]
    assert with_files
    for report in with_files:
        resource = site.pages[report.page_path]
        text = resource.body.decode("utf-8", "replace")
        files = TRS.attachments(HOST + report.page_path, text)
        folder = report.page_path.rsplit("/", 1)[0] + "/"
        assert files and all(f.url.startswith(HOST + folder + "P0") for f in files)
        assert all(f.url.removeprefix(HOST) in site.pages for f in files)


def test_pages_of_other_platforms_are_not_taken_for_trs():
    assert not TRS.matches(HOST + "/list.htm", '<ul><li><a href="/info/1021/3345.htm">报告</a></li></ul><a href="?page=2">下一页</a>')
    assert TRS.read_list(HOST + "/x/index.html", "").items == ()
