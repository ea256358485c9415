from crawler.listing import is_attachment, is_list_page, item_links, next_page_links
from crawler.platforms.trs import list_page_urls, page_count

LIST_URL = "http://127.0.0.1:8000/xxgk/gknb/index.html"

LIST_PAGE = """
<html><head><meta charset="utf-8"></head><body>
<div class="nav"><a href="/">首页</a><a href="/xxgk/tzgg/">通知公告</a>
<a href="http://www.gov.cn/">中国政府网</a><a href="javascript:void(0)">打印</a></div>
<ul class="list">
 <li><a href="./202301/t20230115_1234567.html" title="城关镇人民政府2022年政府信息公开工作年度报告">城关镇人民政府2022年…</a><span>2023-01-15</span></li>
 <li><a href="./202201/t20220120_7654321.html">县教育局2021年政府信息公开工作年度报告</a></li>
 <li><a href="./202201/P020220120123456.pdf">附件</a></li>
 <li><a href="/xxgk/tzgg/202201/t20220101_1.html">一则通知</a></li>
 <li><a href="http://127.0.0.2:8000/xxgk/gknb/202201/t20220101_2.html">别处</a></li>
</ul>
<script>createPageHTML(4, 0, "index", "html");</script>
</body></html>
"""


def test_page_count_reads_the_trs_pager_script():
    assert page_count(LIST_PAGE) == 4
    assert page_count("<script>createPageHTML('page_div', 7, 1, 'index', 'shtml')</script>") == 7
    assert page_count("<p>no pager</p>") is None
    defined_first = "<script>function createPageHTML(total, current, name, ext) {}\ncreatePageHTML(6, 0, 'index', 'html');</script>"
    assert page_count(defined_first) == 6


def test_list_page_urls_follow_trs_naming():
    assert list_page_urls(LIST_URL, LIST_PAGE) == [
        "http://127.0.0.1:8000/xxgk/gknb/index.html",
        "http://127.0.0.1:8000/xxgk/gknb/index_1.html",
        "http://127.0.0.1:8000/xxgk/gknb/index_2.html",
        "http://127.0.0.1:8000/xxgk/gknb/index_3.html",
    ]
    shtml = "<script>createPageHTML('page_div', 3, 1, 'index', 'shtml')</script>"
    assert list_page_urls(LIST_URL, shtml)[-1].endswith("/xxgk/gknb/index_2.shtml")


def test_item_links_stay_in_the_column_and_on_the_host():
    links = item_links(LIST_URL, LIST_PAGE)
    urls = [link.url for link in links]
    assert urls == [
        "http://127.0.0.1:8000/xxgk/gknb/202301/t20230115_1234567.html",
        "http://127.0.0.1:8000/xxgk/gknb/202201/t20220120_7654321.html",
        "http://127.0.0.1:8000/xxgk/gknb/202201/P020220120123456.pdf",
    ]
    assert links[0].title == "城关镇人民政府2022年政府信息公开工作年度报告"
    assert links[1].title == "县教育局2021年政府信息公开工作年度报告"
    assert (links[0].date, links[1].date) == ("2023-01-15", None)


def test_next_page_links_are_found_by_their_text():
    page = '<a href="index_2.html">下一页</a><a href="javascript:next()">下一页</a><a href="x.html">上一页</a>'
    assert next_page_links(LIST_URL, page) == ["http://127.0.0.1:8000/xxgk/gknb/index_2.html"]
    english = '<a href="?page=3">Next</a><a href="?page=9">»</a><a href="?page=1">1</a>'
    assert next_page_links(LIST_URL, english) == [LIST_URL + "?page=3", LIST_URL + "?page=9"]


def test_list_pages_and_attachments_are_told_apart():
    assert is_list_page("http://h/xxgk/gknb/index_3.html")
    assert not is_list_page("http://h/xxgk/gknb/202301/t20230115_1.html")
    assert is_attachment("http://h/xxgk/gknb/202301/P0202301.DOCX")
    assert is_attachment("http://h/module/download/downfile.jsp?filename=ab.pdf")
    assert not is_attachment("http://h/xxgk/gknb/202301/t20230115_1.html")


def test_broken_html_gives_no_links_rather_than_an_error():
    assert item_links(LIST_URL, "") == []
    assert next_page_links(LIST_URL, "\x00\x00") == []


def test_detail_pages_outside_the_column_folder_are_items_when_they_look_like_documents():
    page = """<ul><li><a href="/news/show.aspx?id=88">县民政局2023年政府信息公开工作年度报告</a></li>
    <li><a href="/html/2024-01/15/content_12345.htm">县教育局2023年政府信息公开工作年度报告</a></li>
    <li><a href="/zwgk/detail.jsp?docid=7">一则公告</a></li>
    <li><a href="/about/contact.html">联系我们</a></li><li><a href="/zwgk/zcwj/index.html">政策文件</a></li></ul>"""
    urls = [link.url.removeprefix("http://127.0.0.1:8000") for link in item_links(LIST_URL, page)]
    assert urls == ["/news/show.aspx?id=88", "/html/2024-01/15/content_12345.htm", "/zwgk/detail.jsp?docid=7"]
