import asyncio
import json

import pytest
import scrapy
from scrapy.exceptions import DownloadCancelledError
from scrapy.http import FormRequest, HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler
from hypothesis import given, settings
from hypothesis import strategies as st
from twisted.python.failure import Failure

from crawler.columns import Column
from crawler.items import CaptureItem
from crawler.platforms import ListedItem, ListPage, ListRequest, reading_from_record, recorded_reading
from crawler.revalidate import READ_STORED_PAGE, RECORDED_LINKS
from crawler.spiders.portal import PortalColumnSpider

BASE = "http://127.0.0.1:8000/xxgk/gknb/"
LIST_PAGE = """<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>
<ul><li><a href="./202301/t20230115_1.html" title="城关镇人民政府2022年政府信息公开工作年度报告">城关镇…</a></li>
<li><a href="./202301/t20230116_2.html">政府信息公开指南</a></li>
<li><a href="./202301/P020230116.pdf">县财政局2022年政府信息公开工作年度报告</a></li></ul>
<script>createPageHTML(3, 0, "index", "html");</script></body></html>"""
REPORT_PAGE = """<html><head><title>城关镇人民政府2022年政府信息公开工作年度报告_某县人民政府</title></head>
<body><h1>城关镇人民政府2022年政府信息公开工作年度报告</h1><div class="TRS_Editor"><p>详见附件。</p>
<a href="./P020230115000001.docx">附件：年度报告</a><a href="/xxgk/gknb/index.html">返回</a></div></body></html>"""


def make_spider(**kwargs):
    crawler = get_crawler(PortalColumnSpider, settings_dict={"DISCLOSURE_MAX_LIST_PAGES": 200})
    return PortalColumnSpider.from_crawler(crawler, url=BASE + "index.html", **kwargs)


def respond(url, body, *, encoding="utf-8", headers=None, meta=None, status=200):
    request = Request(url, meta=meta or {})
    raw = body.encode(encoding) if isinstance(body, str) else body
    return HtmlResponse(url, body=raw, headers=headers or {"Content-Type": "text/html"}, request=request, status=status)


def split(results):
    results = list(results)
    return (
        [r for r in results if isinstance(r, CaptureItem)],
        [r for r in results if isinstance(r, scrapy.Request)],
    )


def test_list_page_is_archived_and_its_pages_and_items_followed():
    spider = make_spider(portal="demo")
    captures, requests = split(spider.parse_list(respond(BASE + "index.html", LIST_PAGE)))
    assert len(captures) == 1
    capture = captures[0]
    assert (capture.role, capture.status, capture.portal, capture.url) == ("list", 200, "demo", BASE + "index.html")
    assert capture.body == LIST_PAGE.encode() and capture.fetched_at.tzinfo is not None
    urls = [r.url for r in requests]
    assert urls[:3] == [BASE + "index.html", BASE + "index_1.html", BASE + "index_2.html"]
    items = {r.url: r for r in requests[3:]}
    assert set(items) == {BASE + "202301/t20230115_1.html", BASE + "202301/t20230116_2.html", BASE + "202301/P020230116.pdf"}
    assert items[BASE + "202301/P020230116.pdf"].callback == spider.parse_attachment
    assert items[BASE + "202301/t20230115_1.html"].meta["link_text"].startswith("城关镇人民政府2022年")


def test_report_items_have_their_attachments_followed_with_the_page_as_parent():
    spider = make_spider()
    url = BASE + "202301/t20230115_1.html"
    captures, requests = split(spider.parse_item(respond(url, REPORT_PAGE, meta={"link_text": "城关镇…"})))
    assert [c.role for c in captures] == ["item"]
    assert [r.url for r in requests] == [BASE + "202301/P020230115000001.docx"]
    assert requests[0].meta["parent_url"] == url


def test_an_item_page_is_parsed_once_when_its_link_names_a_report(monkeypatch):
    import crawler.spiders.portal as portal
    from crawler import listing
    from extract.html import parse_html

    parsed = []

    def counting(text, *args, **kwargs):
        parsed.append(text)
        return parse_html(text, *args, **kwargs)

    monkeypatch.setattr(portal, "parse_html", counting)
    monkeypatch.setattr(listing, "parse_html", counting)  # the platform's reading of the page
    spider = make_spider(platform="trs")
    url = BASE + "202301/t20230115_1.html"
    named = {"link_text": "城关镇人民政府2022年政府信息公开工作年度报告"}
    _, requests = split(spider.parse_item(respond(url, REPORT_PAGE, meta=named)))
    assert [r.url for r in requests] == [BASE + "202301/P020230115000001.docx"] and len(parsed) == 1
    parsed.clear()  # a link that does not tell: the title is read from the page as well
    _, requests = split(spider.parse_item(respond(url, REPORT_PAGE, meta={"link_text": "城关镇…"})))
    assert len(requests) == 1 and len(parsed) == 2


def test_a_listed_document_fresh_in_the_archive_is_not_asked_for_only_what_it_leads_to(monkeypatch):
    from datetime import UTC, datetime, timedelta

    from storage.frontier import KnownDocument

    def known(url, role, *, links=None, days_ago=0.1):
        seen = datetime.now(UTC) - timedelta(days=days_ago)
        return KnownDocument(url=url, portal="demo", role=role, parent_url=None, link_text=None, withdrawn_at=None,
                             capture_id=1, status=200, sha256="ab" * 32, last_seen_at=seen, links=links)

    report, guide, pdf = BASE + "202301/t20230115_1.html", BASE + "202301/t20230116_2.html", BASE + "202301/P020230116.pdf"
    files = ((BASE + "202301/P1.pdf", "附件1"), (BASE + "202301/P2.pdf", "附件2"))
    spider = make_spider(portal="demo")
    spider.frontier = {
        report: known(report, "item", links=files),  # fresh, its links recorded
        files[0][0]: known(files[0][0], "attachment"),  # fresh
        files[1][0]: known(files[1][0], "attachment", days_ago=3),  # due again
        guide: known(guide, "item"),  # fresh, but its links never recorded: read from the archive
        pdf: known(pdf, "attachment", days_ago=3),
    }
    spider.cadence = {"demo": 1}
    _, requests = split(spider.parse_list(respond(BASE + "index.html", LIST_PAGE)))
    documents = {r.url: r for r in requests[3:]}
    assert set(documents) == {guide, pdf, files[1][0]}
    assert documents[files[1][0]].meta["parent_url"] == report
    assert documents[files[1][0]].meta["link_text"] == "附件2"
    assert documents[files[1][0]].callback == spider.parse_attachment
    assert spider.crawler.stats.get_value("disclosure/not_requested") == 2  # the report page and one file
    walk = next(iter(spider.walks.values()))
    assert list(spider.listed(ListedItem(url=report, title="城关镇…"), walk)) == []  # listed again: left once
    assert spider.crawler.stats.get_value("disclosure/not_requested") == 2
    spider.cadence = {"demo": 0}  # every run: everything is asked for
    assert [r.url for r in spider.listed(ListedItem(url=report, title="城关镇…"), walk)] == [report]


def test_non_report_items_are_archived_but_not_followed():
    spider = make_spider()
    page = REPORT_PAGE.replace("城关镇人民政府2022年政府信息公开工作年度报告", "政府信息公开指南")
    captures, requests = split(spider.parse_item(respond(BASE + "202301/t20230116_2.html", page)))
    assert len(captures) == 1 and requests == []
    assert captures[0].links == ()  # read, and nothing to follow: recorded as such


def test_an_item_page_read_carries_the_links_it_led_to_for_the_archive():
    spider = make_spider()
    url = BASE + "202301/t20230115_1.html"
    (capture,), _ = split(spider.parse_item(respond(url, REPORT_PAGE, meta={"link_text": "城关镇…"})))
    assert capture.links == ((BASE + "202301/P020230115000001.docx", "附件：年度报告"),)
    (dead,), _ = split(spider.parse_item(respond(BASE + "202301/t1_404.html", "Not Found", status=404)))
    assert dead.links is None  # no page to read: nothing recorded


def test_an_unchanged_item_page_with_recorded_links_is_not_read_again(monkeypatch):
    import crawler.spiders.portal as portal

    def unread(*args, **kwargs):
        raise AssertionError("an unchanged page with recorded links was read again")

    monkeypatch.setattr(portal, "decode", unread)
    spider = make_spider()
    url = BASE + "202301/t20230115_1.html"
    recorded = ((BASE + "202301/P1.pdf", "附件1"), (BASE + "202301/P2.pdf", "附件2"))
    request = Request(url, meta={"link_text": "城关镇…", RECORDED_LINKS: recorded})
    for flag in ("not_modified", "from_archive"):
        response = HtmlResponse(url, body=b"", headers={"Content-Type": "text/html"}, request=request, flags=[flag])
        captures, requests = split(spider.parse_item(response))
        assert [(c.role, c.links) for c in captures] == [("item", None)]  # already recorded
        assert [(r.url, r.meta["link_text"], r.meta["parent_url"]) for r in requests] == [
            (BASE + "202301/P1.pdf", "附件1", url),
            (BASE + "202301/P2.pdf", "附件2", url),
        ]
        assert all(r.callback == spider.parse_attachment for r in requests)
    # an answer that came over the network is read, whatever its request's meta says
    fetched = HtmlResponse(url, body=REPORT_PAGE.encode(), headers={"Content-Type": "text/html"}, request=request)
    with pytest.raises(AssertionError, match="read again"):
        list(spider.parse_item(fetched))


def test_gbk_page_with_a_wrong_charset_header_is_still_recognised():
    spider = make_spider()
    response = respond(
        BASE + "202301/t20230115_1.html", REPORT_PAGE, encoding="gbk", headers={"Content-Type": "text/html; charset=utf-8"}
    )
    _, requests = split(spider.parse_item(response))
    assert [r.url for r in requests] == [BASE + "202301/P020230115000001.docx"]


def test_dead_pages_are_archived_with_their_status_and_not_followed():
    spider = make_spider()
    captures, requests = split(spider.parse_item(respond(BASE + "202301/t1_404.html", "Not Found", status=404)))
    assert [c.status for c in captures] == [404] and requests == []


def test_binary_attachments_are_archived_as_received():
    spider = make_spider()
    request = Request(BASE + "P0.pdf", meta={"parent_url": BASE + "a.html", "redirect_urls": [BASE + "old.pdf"]})
    response = Response(BASE + "P0.pdf", body=b"%PDF-1.4 ...", headers={"Content-Type": "application/pdf"}, request=request)
    (capture,) = spider.parse_attachment(response)
    assert (capture.url, capture.final_url, capture.parent_url) == (BASE + "old.pdf", BASE + "P0.pdf", BASE + "a.html")
    assert capture.content_type == "application/pdf" and capture.headers["Content-Type"] == ["application/pdf"]


def make_column_spider(columns, **settings):
    crawler = get_crawler(PortalColumnSpider, settings_dict={
        "DISCLOSURE_LIST_MAXSIZE": 5_000_000, "DISCLOSURE_LIST_TIMEOUT": 30,
        "DISCLOSURE_ITEM_MAXSIZE": 30_000_000, "DISCLOSURE_ITEM_TIMEOUT": 60,
        "DISCLOSURE_ATTACHMENT_MAXSIZE": 200_000_000, "DISCLOSURE_ATTACHMENT_TIMEOUT": 180,
        "DISCLOSURE_DB": "sqlite://", **settings})
    return PortalColumnSpider.from_crawler(crawler, columns=columns)


def start_requests(spider):
    async def collect():
        return [request async for request in spider.start()]

    return asyncio.run(collect())


def test_one_spider_crawls_several_columns_each_under_its_own_portal():
    other = "http://127.0.0.1:8000/xxgk/bmgknb/index.html"
    spider = make_column_spider([Column(portal="county", start_urls=(BASE + "index.html",)),
                                 Column(portal="departments", start_urls=(other,), platform="trs")])
    lists = [r for r in start_requests(spider) if r.meta.get("role") == "list"]
    assert [(r.url, r.meta["portal"], r.meta["column"]) for r in lists] == [
        (BASE + "index.html", "county", BASE + "index.html"), (other, "departments", other)]
    assert lists[0].meta["download_maxsize"] == 5_000_000 and lists[0].meta["download_timeout"] == 30
    captures, requests = split(spider.parse_list(respond(other, LIST_PAGE.replace("./", "/xxgk/bmgknb/"), meta=lists[1].meta)))
    assert captures[0].portal == "departments"
    assert {r.meta["portal"] for r in requests} == {"departments"}
    attachment = next(r for r in requests if r.url.endswith(".pdf"))
    assert attachment.meta["role"] == "attachment" and attachment.meta["download_maxsize"] == 200_000_000
    item = next(r for r in requests if r.meta["role"] == "item")
    assert item.meta["download_maxsize"] == 30_000_000 and item.meta["download_timeout"] == 60
    assert set(spider.column_outcomes) == {BASE + "index.html", other}
    assert spider.column_outcomes[other].platform == "trs" and spider.column_outcomes[BASE + "index.html"].platform is None


def test_the_platform_is_detected_on_the_first_list_page_and_outcomes_reach_the_stats():
    spider = make_column_spider([Column(portal="demo", start_urls=(BASE + "index.html",))])
    list(spider.parse_list(respond(BASE + "index.html", LIST_PAGE, meta={"column": BASE + "index.html"})))
    spider.closed("finished")
    (outcome,) = spider.crawler.stats.get_value("disclosure/column_outcomes").values()
    assert (outcome["platform"], outcome["ended"], outcome["list_pages"], outcome["items_listed"]) == ("trs", "complete", 1, 3)
    assert spider.crawler.stats.get_value("disclosure/columns/complete") == 1


def test_a_data_proxy_call_becomes_a_form_post():
    spider = make_column_spider([Column(portal="p", start_urls=(BASE + "index.html",))])
    walk = spider.walks[BASE + "index.html"]
    request = spider.list_request(
        ListRequest(url="http://127.0.0.1:8000/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15",
                    method="POST", form=(("col", "1"), ("webid", "47"), ("columnid", "2731"))), walk)
    assert isinstance(request, FormRequest) and request.method == "POST"
    assert request.body == b"col=1&webid=47&columnid=2731" and request.callback == spider.parse_list
    assert request.meta["role"] == "list" and request.dont_filter


def test_an_oversized_answer_is_a_failed_fetch_with_its_reason():
    spider = make_column_spider([Column(portal="p", start_urls=(BASE + "index.html",))])
    (request,) = list_requests_of(spider)
    failure = Failure(DownloadCancelledError("Expected to receive 9000000 bytes which is larger than download max size (5000000)"))
    failure.request = request
    spider.fetch_failed(failure)
    spider.closed("finished")
    stats = spider.crawler.stats
    assert stats.get_value("disclosure/fetch_failed") == 1 and stats.get_value("disclosure/fetch_too_large") == 1
    outcome = spider.column_outcomes[BASE + "index.html"]
    assert outcome.ended == "list unreadable" and "max size (5000000)" in outcome.detail


def list_requests_of(spider):
    return [spider.list_request(r, walk) for walk in spider.walks.values() for r in walk.start()]


def test_a_list_page_read_carries_its_reading_and_an_unchanged_one_is_not_read_again(monkeypatch):
    import crawler.spiders.portal as portal

    column = BASE + "index.html"
    spider = make_column_spider([Column(portal="demo", start_urls=(column,))])
    (first,), followed = split(spider.parse_list(respond(column, LIST_PAGE, meta={"column": column})))
    assert first.links is not None and first.links[0] == ("platform", "trs", None)

    def unread(*args, **kwargs):
        raise AssertionError("an unchanged list page with its reading recorded was read again")

    monkeypatch.setattr(portal, "decode", unread)
    recorded = json.loads(json.dumps(first.links))  # as the archive gives it back
    again = make_column_spider([Column(portal="demo", start_urls=(column,))])
    request = Request(column, meta={"column": column, RECORDED_LINKS: recorded})
    response = HtmlResponse(column, body=b"", headers={"Content-Type": "text/html"}, request=request,
                            flags=["not_modified"])
    (capture,), requests = split(again.parse_list(response))
    assert capture.role == "list" and capture.links is None  # recorded already
    assert [(r.url, r.meta.get("link_text")) for r in requests] == [(r.url, r.meta.get("link_text")) for r in followed]
    assert again.walks[column].outcome.platform == "trs" and again.walks[column].outcome.list_pages == 1


def test_a_list_reading_recorded_by_another_platform_than_the_columns_is_not_used():
    column = BASE + "index.html"
    spider = make_column_spider([Column(portal="demo", start_urls=(column,), platform="generic")])
    recorded = [["platform", "trs", None], ["item", BASE + "202301/t1.html", "城关镇2022年年报", None, None]]
    request = Request(column, meta={"column": column, RECORDED_LINKS: recorded})
    response = HtmlResponse(column, body=b"", headers={"Content-Type": "text/html"}, request=request,
                            flags=["not_modified"])
    captures, (again,) = split(spider.parse_list(response))
    assert captures == [] and again.url == column and again.dont_filter
    assert again.meta[READ_STORED_PAGE] and RECORDED_LINKS not in again.meta  # the stored page comes with its body


_TEXT = st.text(alphabet="ab报告/.?=&:0 ", max_size=12)
_PAGES = st.builds(
    ListPage,
    items=st.lists(st.builds(ListedItem, url=_TEXT, title=_TEXT, date=st.none() | _TEXT,
                             parent_url=st.none() | _TEXT), max_size=4).map(tuple),
    more=st.lists(st.builds(ListRequest, url=_TEXT, method=st.sampled_from(["GET", "POST"]),
                            form=st.lists(st.tuples(_TEXT, _TEXT), max_size=3).map(tuple),
                            headers=st.lists(st.tuples(_TEXT, _TEXT), max_size=2).map(tuple)), max_size=3).map(tuple),
    announced_total=st.none() | st.integers(0, 10**6),
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["trs", "hanweb", "gkmlpt", "generic"]), _PAGES)
def test_a_recorded_list_reading_comes_back_from_json_as_it_was_read(platform, page):
    rows = json.loads(json.dumps(recorded_reading(platform, page)))
    assert reading_from_record(rows) == (platform, page)
    assert reading_from_record([["http://h/a.pdf", "附件"]]) is None  # an item page's links
