"""Reading tables from HTML pages with Word-pasted tables (MsoNormalTable, spans, nested <p><span>)."""

import pytest

from extract.tables import tables_from_html
from extract.tables.grid import SpanCell, expand
from extract.tables.html import rows_from_html

from . import report_fixtures as rf



@pytest.mark.parametrize("order", [rf.STANDARD_ORDER, rf.REORDERED], ids=["standard", "reordered"])
@pytest.mark.parametrize("template", ["v2019", "v2021"])
def test_every_key_reads_right(template, order):
    page = rf.to_html(rf.report_blocks(template, order))
    assert 'class="MsoNormalTable"' in page and "rowspan" in page and "<br>" in page and "&nbsp;" in page
    tables = tables_from_html(page)
    rf.assert_reads_every_key(tables, template)


def test_raw_is_the_cell_text_without_layout_spaces():
    values = rf.values_by_key(tables_from_html(rf.to_html(rf.report_blocks("v2019"))))
    assert values[("proactive", "licensing", "change")].raw == "-3"
    assert values[("proactive", "licensing", "decisions")].raw == "1,520"
    assert values[("proactive", "enforcement", "decisions")].raw == "—"
    assert values[("proactive", "enforcement", "decisions")].value is None
    assert str(values[("proactive", "procurement", "amount")].value) == "125.3456"


def test_tables_inside_a_layout_table():
    inner = rf.to_html(rf.report_blocks("v2021"))
    body = inner[inner.index("<body>") + len("<body>") : inner.index("</body>")]
    page = f"<html><body><table width='100%'><tr><td>导航</td></tr><tr><td>{body}</td></tr></table></body></html>"
    tables = tables_from_html(page)
    assert tables.template == "v2021"
    assert rf.values_by_key(tables)[("requests", "total", "total")].value == rf.expected_values("v2021")[
        ("requests", "total", "total")
    ]


def test_deeply_nested_unclosed_tags():
    inner = rf.to_html(rf.report_blocks("v2019"))
    body = inner[inner.index("<body>") + len("<body>") : inner.index("</body>")]
    tables = tables_from_html("<html><body>" + "<div><font>" * 600 + body)
    assert tables.template == "v2019"
    assert rf.values_by_key(tables)[("appeals", "litigation_direct", "total")].value == 3


def test_header_cells_broken_by_br_read_as_one_label():
    rows = rows_from_html("<table><tr><td>信息内容</td><td><p><span>本年新<br>制作数量</span></p></td></tr></table>")
    assert rows == (("信息内容", "本年新\n制作数量"),)


def test_cell_text_skips_comments_and_scripts_but_keeps_what_follows_them():
    rows = rows_from_html(
        "<table><tr><td>\xa0 12 </td><td>行政<!-- 注 -->许可<script>var x = 9;</script>数量</td>"
        "<th rowspan='2'><p>一</p><p>二<br>三</p></th><TD colspan=' 2 '>宽</TD></tr>"
        "<tr><td>下</td></tr></table>"
    )
    assert rows == (("12", "行政许可数量", "一\n二\n三", "宽", ""), ("下", "", "", "", ""))


def test_script_text_is_not_read_as_a_table():
    rows = rows_from_html(rf.to_html(rf.report_blocks("v2021")))
    assert ("9",) not in rows
    assert all("var x" not in cell for row in rows for cell in row)


def test_page_without_tables():
    tables = tables_from_html("<html><body><p>二、主动公开政府信息情况</p><p><img src='t.png'></p></body></html>")
    assert tables.template is None
    assert tables.values == ()


BROKEN_PAGES = [
    "",
    "   ",
    "<html",
    "<table><tr><td rowspan='x' colspan='99999'>1<td>",
    "<?xml version='1.0' encoding='gbk'?><p>无</p>",
]


@pytest.mark.parametrize("page", BROKEN_PAGES)
def test_broken_html_does_not_crash(page):
    tables = tables_from_html(page)
    assert tables.values == ()


def test_truncated_page_keeps_what_it_has():
    page = rf.to_html(rf.report_blocks("v2021"))
    cut = page[: page.index("四、政府信息公开行政复议")]
    tables = tables_from_html(cut)
    assert {v.table for v in tables.values} == {"proactive", "requests"}
    assert rf.values_by_key(tables)[("requests", "carried_out", "total")].value == 2


def test_grid_expansion_blanks_covered_slots():
    grid = expand(
        [
            [SpanCell("A", rowspan=2), SpanCell("B", colspan=2)],
            [SpanCell("C"), SpanCell("D")],
            [SpanCell("E"), SpanCell("F"), SpanCell("G")],
        ]
    )
    assert grid == (("A", "B", ""), ("", "C", "D"), ("E", "F", "G"))


def test_other_statistics_with_similar_row_labels_are_not_report_tables():
    page = """<p>现将2022年度行政执法数据统计情况公布如下：</p>
    <table class="MsoNormalTable"><tr><td>执法类别</td><td>案件数量</td><td>罚没金额（万元）</td></tr>
    <tr><td>行政处罚</td><td>1287</td><td>356.2</td></tr>
    <tr><td>行政强制</td><td>41</td><td>—</td></tr>
    <tr><td>行政许可</td><td>5310</td><td>—</td></tr></table>"""
    tables = tables_from_html(page)
    assert tables.template is None
    assert tables.values == ()
