"""extract_document: stored bytes in, one Document out."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from extract import PARSER_VERSION, ExtractionError, extract_document

SEEDS = Path(__file__).resolve().parent / "seeds"
PAGES = Path(__file__).parent / "pages"
URL = "http://www.xunwu.gov.cn/xwxxgk/lcz/gzbg/202201/t20220120_1234567.html"
FETCHED = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)

SEED_IDENTITY = {
    "000_88f21ce372e9fb84.txt": ("十四道沟镇人民政府", 2021, "v2019"),
    "001_a9373f51bed65c11.txt": ("丹朱镇人民政府", 2020, "v2019"),
    "002_a271fd34d795767a.txt": ("清河头乡人民政府", 2021, "v2021"),
    "003_e0ddddd15fe580f0.txt": ("留车镇人民政府", 2021, "v2021"),
    "004_b65cffdf1b4315e2.txt": ("上馆镇人民政府", 2022, "v2019"),
}


def _page(charset_markup: str) -> str:
    return (PAGES / "trs_report.html").read_text(encoding="utf-8").replace("<!--CHARSET-->", charset_markup)


def _values(document) -> dict[tuple[str, str, str], Decimal | None]:
    return {(value.table, value.row, value.column): value.value for value in document.values}


@pytest.mark.parametrize("seed", sorted(SEED_IDENTITY))
def test_seed_through_extract_document(seed):
    path = SEEDS / seed
    content = path.read_bytes()
    document = extract_document(content, url=f"file://{path}")
    body, year, template = SEED_IDENTITY[seed]
    assert document.format == "text"
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.parser_version == PARSER_VERSION
    assert (document.identity.body, document.identity.year) == (body, year)
    assert document.is_annual_report
    assert document.template == template
    assert document.values and all(value.value in (0, None) for value in document.values)


# the page's tables: v2021, rule-consistent, not all zero
EXPECTED_CELLS = {
    ("proactive", "normative_docs", "in_force"): Decimal("5"),
    ("proactive", "licensing", "decisions"): Decimal("120"),
    ("proactive", "fees", "amount_10k_yuan"): Decimal("1.2500"),
    ("requests", "new", "natural_person"): Decimal("30"),
    ("requests", "new", "total"): Decimal("35"),
    ("requests", "unable_not_held", "legal_service"): Decimal("1"),
    ("requests", "other_other", "total"): Decimal("1"),
    ("requests", "carried_out", "total"): Decimal("2"),
    ("appeals", "reconsideration", "total"): Decimal("2"),
    ("appeals", "litigation_direct", "corrected"): Decimal("1"),
}

ENCODINGS = {
    "utf-8 in header and meta": ('<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />',
                                 "utf-8", "text/html; charset=utf-8"),
    "gbk declared only in meta": ('<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />',
                                  "gbk", "text/html"),
    "gbk with no declaration": ("", "gbk", None),
    "gbk declared utf-8 in the header": ("", "gbk", "text/html; charset=UTF-8"),
}


@pytest.fixture(scope="module")
def utf8_document():
    markup, encoding, content_type = ENCODINGS["utf-8 in header and meta"]
    return extract_document(_page(markup).encode(encoding), url=URL, content_type=content_type, fetched_at=FETCHED)


@pytest.mark.parametrize("case", sorted(ENCODINGS))
def test_html_page_in_every_encoding(case, utf8_document):
    markup, encoding, content_type = ENCODINGS[case]
    document = extract_document(_page(markup).encode(encoding), url=URL, content_type=content_type,
                                fetched_at=FETCHED)
    assert document.format == "html"
    assert document.title == "留车镇2021年政府信息公开工作年度报告"
    assert (document.identity.body, document.identity.year, document.identity.year_source) == (
        "留车镇人民政府", 2021, "title")
    assert dict(document.metadata)["发布机构"] == "留车镇"
    assert document.published == "2022-01-20"
    assert len(document.attachments) == 3
    assert document.is_annual_report
    assert document.text == utf8_document.text
    assert document.template == "v2021"
    assert document.values == utf8_document.values
    values = _values(document)
    for key, expected in EXPECTED_CELLS.items():
        assert values.get(key) == expected, key


def test_wrong_header_charset_is_recorded(utf8_document):
    document = extract_document(_page("").encode("gbk"), url=URL, content_type="text/html; charset=UTF-8")
    assert "declared charset utf-8 does not fit the bytes; decoded as gb18030" in document.warnings
    assert not any("charset" in warning for warning in utf8_document.warnings)


def test_consistent_tables_pass_their_checks(utf8_document):
    assert utf8_document.checks
    statuses = {check.status for check in utf8_document.checks}
    assert "fail" not in statuses
    assert "pass" in statuses


def test_determinism_and_independence_from_fetch_time():
    content = _page("").encode("gbk")
    first = extract_document(content, url=URL, fetched_at=FETCHED)
    assert extract_document(content, url=URL, fetched_at=FETCHED) == first
    assert extract_document(content, url=URL, fetched_at=datetime(2022, 1, 21, tzinfo=UTC)) == first
    assert extract_document(content, url=URL) == first


def test_image_only_page_gives_no_numbers():
    html = ("<html><head><meta charset='utf-8'><title>某镇2021年政府信息公开工作年度报告_某县人民政府</title></head>"
            "<body><div class='TRS_Editor'><p>某镇2021年政府信息公开工作年度报告</p>"
            "<p><img src='W020220120.png'></p><p><img src='W020220121.png'></p></div></body></html>")
    document = extract_document(html.encode("utf-8"), url=URL)
    assert document.values == ()
    assert document.template is None
    assert document.checks == ()
    assert document.is_annual_report
    assert any("images" in warning for warning in document.warnings)


def test_image_file_gives_no_numbers():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    document = extract_document(png, url="http://x.gov.cn/W020220120.png", content_type="image/png")
    assert document.format == "image"
    assert document.values == ()
    assert not document.is_annual_report
    assert document.warnings and document.warnings[0].startswith("image only")


def _docx_report() -> bytes:
    document = docx.Document()
    document.add_paragraph("清河头乡人民政府")
    document.add_paragraph("2021年政府信息公开工作年度报告")
    document.add_paragraph("一、总体情况")
    document.add_paragraph("2021年，清河头乡按照上级有关政府信息公开工作的要求……")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "信息内容"
    table.cell(0, 2).text = "本年制发件数"
    table.cell(1, 0).text = "规章"
    table.cell(1, 2).text = "0"
    document.add_paragraph("清河头乡人民政府")
    document.add_paragraph("2022年1月20日")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_report():
    document = extract_document(_docx_report(), url="http://x.gov.cn/P020220120.docx")
    assert document.format == "docx"
    assert document.title == "清河头乡人民政府2021年政府信息公开工作年度报告"
    assert (document.identity.body, document.identity.year) == ("清河头乡人民政府", 2021)
    assert "信息内容\t本年制发件数" in document.text
    assert document.is_annual_report


def _pdf(lines: list[str]) -> bytes:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.setFont("STSong-Light", 12)
    for index, line in enumerate(lines):
        page.drawString(72, 760 - 20 * index, line)
    if not lines:
        page.rect(72, 400, 300, 200, fill=1)
    page.showPage()
    page.save()
    return buffer.getvalue()


def test_pdf_report():
    content = _pdf(["上馆镇政府信息公开工作年度报告", "本报告中所列数据的统计时限自2022年1月1日至2022年12月31日。",
                    "一、总体情况", "上馆镇人民政府", "2023年1月11日"])
    document = extract_document(content, url="http://x.gov.cn/P020230111.pdf")
    assert document.format == "pdf"
    assert document.title == "上馆镇政府信息公开工作年度报告"
    assert (document.identity.body, document.identity.year, document.identity.year_source) == (
        "上馆镇人民政府", 2022, "period")


def test_pdf_without_a_text_layer_is_image_only():
    document = extract_document(_pdf([]), url="http://x.gov.cn/scan.pdf")
    assert document.format == "pdf"
    assert document.values == ()
    assert document.warnings[0].startswith("image only")


@pytest.mark.parametrize(
    ("content", "url", "message"),
    [
        (_docx_report()[:1500], "http://x.gov.cn/a.docx", "DOCX cannot be read"),
        (_pdf(["上馆镇政府信息公开工作年度报告"])[:600], "http://x.gov.cn/a.pdf", "PDF cannot be read"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "http://x.gov.cn/a.doc",
         r"legacy \.doc"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "http://x.gov.cn/a.xls", "legacy .xls"),
        (b"", "http://x.gov.cn/a.html", "empty"),
    ],
    ids=["truncated docx", "truncated pdf", "doc", "xls", "empty"],
)
def test_unreadable_content_raises_one_line_error(content, url, message):
    with pytest.raises(ExtractionError, match=message) as raised:
        extract_document(content, url=url)
    assert "\n" not in str(raised.value)


def test_xhtml_page_with_xml_declaration_and_no_title():
    body = "某镇2021年政府信息公开工作年度报告</p><p>一、总体情况</p><p>2021年，某镇……".encode("gbk")
    content = (b'<?xml version="1.0" encoding="gbk"?>\n<html><body><div id="zoom"><p>'
               + body + b"</p></div></body></html>")
    document = extract_document(content, url=URL)
    assert document.format == "html"
    assert document.title == "某镇2021年政府信息公开工作年度报告"
    assert (document.identity.body, document.identity.year) == ("某镇", 2021)  # never "某镇人民政府": not printed


def test_one_stray_template_row_does_not_make_a_report():
    html = ("<html><head><meta charset='utf-8'><title>青岚县2022年度行政执法数据统计年报</title></head><body>"
            "<div class='TRS_Editor'><p>现将青岚县2022年度行政执法数据统计情况公布如下：</p><table>"
            "<tr><td>执法类别</td><td>案件数量</td><td>罚没金额（万元）</td></tr>"
            "<tr><td>行政处罚</td><td>1287</td><td>356.42</td></tr><tr><td>行政检查</td><td>5310</td><td>—</td></tr>"
            "</table></div></body></html>")
    document = extract_document(html.encode("utf-8"), url=URL)
    assert not document.is_annual_report
    assert document.reason == "title names 统计年报 (statistics of another kind, not a disclosure report)"
