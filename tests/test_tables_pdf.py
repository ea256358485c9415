"""Reading tables from PDFs: ruled tables (reportlab, CID font STSong-Light) and unruled text."""

import io

import pytest

from extract.tables import tables_from_pdf
from extract.tables.pdf import PdfError, rows_from_pdf

from . import report_fixtures as rf



@pytest.fixture(scope="module")
def pdfs():
    return {
        (template, order): rf.to_pdf(rf.report_blocks(template, order))
        for template in ("v2019", "v2021")
        for order in (rf.STANDARD_ORDER, rf.REORDERED)
    }


@pytest.mark.parametrize("order", [rf.STANDARD_ORDER, rf.REORDERED], ids=["standard", "reordered"])
@pytest.mark.parametrize("template", ["v2019", "v2021"])
def test_every_key_reads_right(pdfs, template, order):
    content = pdfs[(template, order)]
    assert b"STSong-Light" in content
    tables = tables_from_pdf(content)
    rf.assert_reads_every_key(tables, template)


def unruled_pdf(lines: list[str], size: int = 9) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=landscape(A4))
    page.setFont("STSong-Light", size)
    y = 560
    for line in lines:
        page.drawString(20, y, line)
        y -= size + 5
    page.save()
    return buffer.getvalue()


def test_text_lines_without_rules_are_split_on_whitespace():
    lines = [
        "二、主动公开政府信息情况",
        "第二十条第（一）项",
        "信息内容 本年制发件数 本年废止件数 现行有效件数",
        "规章 1 0 12",
        "行政规范性文件 4 2 1,234",
        "第二十条第（八）项",
        "信息内容 本年收费金额（单位：万元）",
        "行政事业性收费 12.3456",
        "四、 政府信息公开行政复议、行政诉讼情况",
        "行政复议 行政诉讼",
        "结果 维持 结果 纠正 其他 结果 尚 未 审 结 总计",
        "1 1 0 1 3 2 0 1 0 3 0 0 0 1 1",
        "五、存在的主要问题及改进情况",
    ]
    tables = tables_from_pdf(unruled_pdf(lines))
    values = rf.values_by_key(tables)
    assert tables.template == "v2021"
    assert values[("proactive", "normative_docs", "in_force")].value == 1234
    assert str(values[("proactive", "fees", "amount_10k_yuan")].value) == "12.3456"
    assert values[("proactive", "licensing", "decisions")].value is None
    assert values[("appeals", "litigation_direct", "total")].value == 3
    assert values[("appeals", "litigation_after_reconsideration", "pending")].value == 1
    assert {v.table for v in tables.values} == {"proactive", "appeals"}


def rows_from_pdf_text(content: bytes):
    import pdfplumber

    with pdfplumber.open(io.BytesIO(content)) as pdf:
        return [(line,) for page in pdf.pages for line in page.extract_text().splitlines()]


def test_unruled_requests_table_with_labels_split_by_spaces():
    grid = rf.requests_grid("v2021", rf.REORDERED)
    lines = ["三、收到和处理政府信息公开申请情况"]
    for row in rf.matrix(grid):
        line = " ".join(cell.replace("\n", " ") for cell in row if cell)
        lines.append(line.replace("属于国家秘密", "属 于 国 家 秘 密").replace("（六）其他处理", "（六） 其他 处理"))
    lines.append("五、存在的主要问题及改进情况")
    content = unruled_pdf(lines, size=6)
    assert any("属 于" in row[0] for row in rows_from_pdf_text(content))
    tables = tables_from_pdf(content)
    expected = rf.expected_values("v2021")
    values = rf.values_by_key(tables)
    assert {v.table for v in tables.values} == {"requests"}
    for key, value in values.items():
        assert value.value == expected[key], key
    assert tables.template == "v2021"
    assert tables.warnings == ()


@pytest.mark.parametrize("content", [b"", b"%PDF-1.4 truncated", b"<html>not a pdf</html>"])
def test_unreadable_pdf_raises_a_clear_error(content):
    with pytest.raises(PdfError, match="not a readable PDF"):
        tables_from_pdf(content)


SPACED_LABELS = {
    "尚未<br>审结": "尚 未 审 结",
    "结果<br>维持": "结 果 维 持",
    "行政复议": "行 政 复 议",
    "一、本年新收政府信息公开申请数量": "一、本 年 新 收 政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量": "二、上年 结转 政府信息 公开申请 数量",
    "三、本年度办理结果": "三、 本年 度办 理结 果",
    "（六）其他处理": "（六） 其他 处理",
    "信息内容": "信 息 内 容",
    "行政许可": "行 政 许 可",
    "四、政府信息公开行政复议、行政诉讼情况": "四、 政府 信息 公开 行政 复议、 行政 诉讼 情况",
}


def spaced(blocks):
    """The report with spaces inside labels, as PDF text layers give them."""
    result = []
    for block in blocks:
        if isinstance(block, rf.Grid):
            cells = [rf.Cell(cell.row, cell.column, SPACED_LABELS.get(cell.text, cell.text), cell.rowspan,
                             cell.colspan) for cell in block.cells]
            block = rf.Grid(width=block.width, cells=cells, height=block.height)
        result.append(SPACED_LABELS.get(block, block) if isinstance(block, str) else block)
    return result


@pytest.mark.parametrize("template", ["v2019", "v2021"])
def test_ruled_tables_with_spaces_inside_labels(template):
    content = rf.to_pdf(spaced(rf.report_blocks(template)))
    cells = {cell for row in rows_from_pdf(content) for cell in row}
    assert {"尚 未 审 结", "一、本 年 新 收 政府信息公开申请数量"} <= cells
    rf.assert_reads_every_key(tables_from_pdf(content), template)


DRIFT = 4.5  # points lower than the row, in a 9-point font: over pdfplumber's 3-point line tolerance


def unruled_report_pdf(blocks, drifted: set[tuple[str, int, int]]) -> bytes:
    """Tables drawn without rules, one page per table: labels left, values in columns.
    A (table heading, row, column) in ``drifted`` is drawn DRIFT points lower than its row."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    from extract.numbers import is_value

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=landscape(A4))
    size, pitch, y = 9, 15, 570
    heading = ""

    def line_break():
        nonlocal y
        y -= pitch
        if y < 30:
            page.showPage()
            y = 570

    for block in blocks:
        page.setFont("STSong-Light", size)
        if isinstance(block, str):
            heading = block
            page.drawString(20, y, block)
            line_break()
            continue
        for row_index, row in enumerate(rf.matrix(block)):
            first_value = next((index for index, cell in enumerate(row) if cell and is_value(cell)), len(row))
            label = " ".join(cell.replace("\n", "") for cell in row[:first_value] if cell)
            page.drawString(20, y, label[:40])
            for index, cell in enumerate(row[first_value:]):
                column = first_value + index
                drop = DRIFT if (heading, row_index, column) in drifted else 0
                page.drawRightString(470 + 40 * index if block.width != 15 else 60 + 48 * column, y - drop, cell)
            line_break()
        page.showPage()
        y = 570
    page.save()
    return buffer.getvalue()


@pytest.mark.parametrize("template", ["v2019", "v2021"])
def test_unruled_values_drawn_lower_than_their_row_stay_in_it(template):
    blocks = spaced(rf.report_blocks(template))
    requests_heading, appeals_heading, proactive_heading = blocks[5], blocks[7], blocks[3]
    drifted = {
        (proactive_heading, 3, 3),  # regulations, last column
        (requests_heading, 3, 9),  # new, total
        (requests_heading, 6, 3),  # partly granted, natural persons
        (appeals_heading, 3, 14),  # the last appeals number
    }
    content = unruled_report_pdf(blocks, drifted)
    import pdfplumber

    with pdfplumber.open(io.BytesIO(content)) as pdf:
        assert not any(page.find_tables() for page in pdf.pages)
        text_lines = [line for page in pdf.pages for line in page.extract_text().splitlines()]
    assert "1" in text_lines  # the drifted appeals value is a line of its own in pdfplumber's own text
    assert any("尚 未 审 结" in line for line in text_lines)
    rf.assert_reads_every_key(tables_from_pdf(content), template)


def test_a_row_cut_by_the_page_break_is_joined_again():
    from extract.tables.pdf import _joined_pages

    first_page = [(False, [("三、收到和处理政府信息公开申请情况",)]),
                  (True, [("（三）不予", "1.属于国家秘密", "3", "4"),
                          ("", "2.其他法律行政", "5", "6")]),
                  (False, [("- 3 -",)])]
    second_page = [(True, [("公开", "法规禁止公开", "", ""), ("", "3.危及“三安全一稳定”", "7", "8")])]
    rows = [row for _, block in _joined_pages([first_page, second_page]) for row in block]
    assert ("（三）不予\n公开", "1.属于国家秘密", "3", "4") in rows
    assert ("", "2.其他法律行政\n法规禁止公开", "5", "6") in rows
    assert ("", "3.危及“三安全一稳定”", "7", "8") in rows
    assert ("公开", "法规禁止公开", "", "") not in rows


def test_a_table_whose_next_page_opens_with_numbers_is_left_alone():
    from extract.tables.pdf import _joined_pages

    first_page = [(True, [("第二十条第（九）项", "", ""), ("信息内容", "采购项目数量", "采购总金额")])]
    second_page = [(True, [("政府集中采购", "325", "3184972.9617")])]
    blocks = _joined_pages([first_page, second_page])
    assert [rows for _, rows in blocks][-1] == [("政府集中采购", "325", "3184972.9617")]
