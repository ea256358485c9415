"""Reading a portal detail page: title, text, metadata block, attachments, report body."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from extract.errors import ExtractionError
from extract.html import attachment_links, iso_date, page_metadata, parse_html, read_page, report_body, strip_site_name
from extract.records import Link

PAGES = Path(__file__).parent / "pages"
URL = "http://www.xunwu.gov.cn/xwxxgk/lcz/gzbg/202201/t20220120_1234567.html"


@pytest.fixture(scope="module")
def trs_page():
    return read_page((PAGES / "trs_report.html").read_text(encoding="utf-8"), url=URL,
                     fetched_at=datetime(2024, 3, 1))


def test_title_is_the_article_heading_not_the_site_name(trs_page):
    assert trs_page.title == "留车镇2021年政府信息公开工作年度报告"


def test_metadata_block_as_published(trs_page):
    assert trs_page.metadata == (
        ("索引号", "014407152/2022-00013"),
        ("主题分类", "综合政务"),
        ("发布机构", "留车镇"),
        ("成文日期", "2022年01月18日"),
        ("发布日期", "2022-01-20"),
    )
    assert trs_page.published == "2022-01-20"


def test_attachments_are_absolute_and_only_documents(trs_page):
    assert trs_page.attachments == (
        Link(url="http://www.xunwu.gov.cn/xwxxgk/lcz/gzbg/202201/P020220120534712345678.pdf",
             text="留车镇2021年政府信息公开工作年度报告.pdf"),
        Link(url="http://www.xunwu.gov.cn/xwxxgk/lcz/module/download/downfile.jsp?classid=0&filename=2201201234567.doc",
             text="附表（Word版）"),
        Link(url="http://www.xunwu.gov.cn/xwxxgk/lcz/gzbg/202201/P020220120534712345679.docx?timestamp=1",
             text="附件2.docx"),
    )


def test_text_is_the_report_without_navigation(trs_page):
    assert "一、总体情况" in trs_page.text
    assert "主动公开政府信息233条" in trs_page.text
    assert "留车镇人民政府\n2022年1月18日" in trs_page.text
    assert "首页" not in trs_page.text
    assert "备案号" not in trs_page.text


def test_report_body_is_the_cms_element(trs_page):
    assert trs_page.body_html.startswith('<div class="TRS_Editor">')
    assert trs_page.body_html.count("<table") == 3
    assert "xxgk_table" not in trs_page.body_html
    assert not trs_page.body_has_images


def test_fetch_time_does_not_change_the_page():
    html = (PAGES / "trs_report.html").read_text(encoding="utf-8")
    assert read_page(html, url=URL, fetched_at=datetime(2022, 1, 21)) == read_page(html, url=URL)


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<div class="TRS_Editor"><p>a</p></div>', "TRS_Editor"),
        ('<div class="article Custom_UnionStyle"><p>a</p></div>', "Custom_UnionStyle"),
        ('<div id="zoom"><p>a</p></div>', "zoom"),
    ],
)
def test_report_body_containers(markup, expected):
    tree = parse_html(f"<html><body><div class='nav'>导航</div>{markup}</body></html>")
    body = report_body(tree)
    assert expected in (body.get("class", "") + body.get("id", ""))


def test_report_body_falls_back_to_the_whole_page():
    tree = parse_html("<html><body><div class='TRS_Editor'> </div><div><p>正文</p></div></body></html>")
    assert report_body(tree).tag == "body"


def test_title_from_head_title_without_site_suffix():
    html = ("<html><head><title>上馆镇政府信息公开工作年度报告_长子县人民政府</title></head>"
            "<body><h1>长子县人民政府</h1><div id='zoom'><p>一、总体情况</p><p>2022年……</p></div></body></html>")
    assert read_page(html).title == "上馆镇政府信息公开工作年度报告"


def test_title_prefers_the_article_title_meta():
    html = ("<html><head><title>长子县人民政府</title>"
            "<meta name='ArticleTitle' content='丹朱镇人民政府2020年政府信息公开工作年度报告'></head>"
            "<body><p>正文</p></body></html>")
    assert read_page(html).title == "丹朱镇人民政府2020年政府信息公开工作年度报告"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("留车镇2021年政府信息公开工作年度报告-寻乌县人民政府", "留车镇2021年政府信息公开工作年度报告"),
        ("年度报告 | 某县人民政府", "年度报告"),
        ("某县2021年政府信息公开工作年度报告 - 政府信息公开 - 某县人民政府", "某县2021年政府信息公开工作年度报告"),
        ("2021-2022年度工作总结", "2021-2022年度工作总结"),
        ("无分隔的标题", "无分隔的标题"),
    ],
)
def test_strip_site_name(title, expected):
    assert strip_site_name(title) == expected


def test_metadata_from_label_value_spans_and_definition_lists():
    tree = parse_html(
        "<html><body><ul class='meta'><li><span>索引号：</span><span>11410928MB1234567X/202201-00013</span></li>"
        "<li>发布机构：清河头乡人民政府　发布日期：2022年1月5日</li><li>文号：</li></ul>"
        "<dl><dt>主题分类</dt><dd>政务公开</dd><dt>成文日期</dt><dd>2021-12-30</dd></dl>"
        "<script>var s='文号：假的';</script></body></html>"
    )
    assert page_metadata(tree) == (
        ("索引号", "11410928MB1234567X/202201-00013"),
        ("发布机构", "清河头乡人民政府"),
        ("发布日期", "2022年1月5日"),
        ("主题分类", "政务公开"),
        ("成文日期", "2021-12-30"),
    )


def test_attachment_links_rules():
    tree = parse_html(
        "<html><head><base href='http://a.gov.cn/files/'></head><body>"
        "<a href='x.PDF'>一</a><a href='/module/download/downfile.jsp?filename=ab12.pdf'>二</a>"
        "<a href='y.wps'>三</a><a href='z.ofd'>四</a><a href='t.zip'>五</a><a href='v.xlsx'>六</a>"
        "<a href='x.PDF'>重复</a><a href='page.html'>页</a><a href='javascript:down(\"a.pdf\")'>脚本</a>"
        "<a href='img.jpg'>图</a><a href='w.doc' title='附件七'></a></body></html>"
    )
    links = attachment_links(tree, "http://b.gov.cn/col/index.html")
    assert [link.url for link in links] == [
        "http://a.gov.cn/files/x.PDF",
        "http://a.gov.cn/module/download/downfile.jsp?filename=ab12.pdf",
        "http://a.gov.cn/files/y.wps",
        "http://a.gov.cn/files/z.ofd",
        "http://a.gov.cn/files/t.zip",
        "http://a.gov.cn/files/v.xlsx",
        "http://a.gov.cn/files/w.doc",
    ]
    assert links[0].text == "一"
    assert links[-1].text == "附件七"


def test_image_only_body_is_flagged():
    html = ("<html><head><title>某镇2021年政府信息公开工作年度报告</title></head><body>"
            "<div class='TRS_Editor'><p><img src='./W020220120.png'></p><p><img src='./W020220121.png'></p>"
            "</div></body></html>")
    page = read_page(html, url=URL)
    assert page.body_has_images
    assert page.title == "某镇2021年政府信息公开工作年度报告"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2022-01-20 10:30", "2022-01-20"), ("2022年1月5日", "2022-01-05"), ("2022/12/31", "2022-12-31"),
     ("2022-02-30", None), ("无", None)],
)
def test_iso_date(text, expected):
    assert iso_date(text) == expected


def test_empty_page_is_an_extraction_error():
    with pytest.raises(ExtractionError, match="empty"):
        read_page("   \n")


# The page reader's fast paths against the plain reading they stand for, on every HTML page
# of the corpus and the saved pages, and on markup made to hit their edges.
CORPUS_PAGES = sorted(path for path in (Path(__file__).parent / "corpus").glob("*/*.htm*")) + sorted(
    PAGES.rglob("*.htm*"))
EDGE_PAGES = (
    "<html><body><h2 class='ti'>二级</h2><h3 id='main-title'>三级</h3><H1>大写</H1><!-- h1 -->"
    "<div class='subtitle'><span id='title'>题</span></div><p class='Title'>不算</p></body></html>",
    "<html><head><meta name='ArticleTitle' content='元标题'><title>x</title></head>"
    "<body><noscript><div class='TRS_Editor'><h1>藏起来的</h1></div></noscript><p>正文</p></body></html>",
    "<html><body><div class='TRS_Editor'>正文<p>段</p></div>尾巴<script>var a;</script>后</body></html>",
)


def _pages() -> list[str]:
    from extract.decode import decode

    return [decode(path.read_bytes(), None).text for path in CORPUS_PAGES] + list(EDGE_PAGES)


def test_heading_candidates_are_the_xpath_selection():
    from extract.html import _HEADINGS_XPATH, _heading_elements

    for html in _pages():
        tree = parse_html(html)
        assert _heading_elements(tree) == tree.xpath(_HEADINGS_XPATH)
    tree = parse_html(EDGE_PAGES[0])
    assert [element.text_content() for element in _heading_elements(tree)] == ["二级", "三级", "大写", "题", "题"]


def test_one_walk_gives_the_block_texts_of_page_and_report_body():
    from extract.html import _block_texts, block_text

    for html in _pages():
        tree = parse_html(html)
        page_body = tree.find("body")
        for part in (report_body(tree), page_body, tree.find("head"), *list(page_body.iter("noscript", "p", "td"))[:4]):
            if part is None:
                continue
            assert _block_texts(page_body, part) == (block_text(page_body), block_text(part))


def test_metadata_reads_lines_as_the_label_patterns_do():
    from extract.html import _LABEL_ONLY, _LABEL_ONLY_LENGTH, _LABEL_VALUE, METADATA_LABELS

    # a spaced-out label alone, with its colon, is the longest line the label-only pattern takes
    for label in METADATA_LABELS:
        spaced = " ".join(label) + " ："
        assert _LABEL_ONLY.match(spaced) and len(spaced) <= _LABEL_ONLY_LENGTH
        assert not _LABEL_VALUE.search(" ".join(label) + " 值")  # without a colon there is no value
    tree = parse_html("<html><body><p>索 引 号</p><p>ABC/2022-1</p><p>发　布　机　构 ：</p><p>某镇</p></body></html>")
    assert page_metadata(tree) == (("索引号", "ABC/2022-1"), ("发布机构", "某镇"))


def test_xml_declaration_is_dropped_before_parsing():
    from extract.tables.html import rows_from_html

    for declaration in ('<?xml version="1.0" encoding="utf-8"?>', "<?XML version='1.0' encoding='gbk' >"):
        page = f"{declaration}\n<html><body><p>一、总体情况</p><table><tr><td>规章</td><td>3</td></tr></table></body></html>"
        assert read_page(page).text.startswith("一、总体情况")
        assert rows_from_html(page) == (("一、总体情况",), ("规章", "3"))
