"""Small annual reports with non-zero, rule-consistent numbers, in every format a portal publishes.

A report is laid out once as blocks (headings and positioned table grids) and then
rendered as Word-pasted HTML, DOCX (python-docx), PDF (reportlab, ruled table) or
tab-separated text. ``expected_values`` says what each canonical key must read as.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

from extract.keys import APPEAL_COLUMNS, APPEAL_ROWS, PROACTIVE, REQUEST_COLUMNS, all_keys, outcome_rows, request_rows

D = Decimal
FULL_WIDTH = str.maketrans("0123456789.-", "０１２３４５６７８９．－")

PROACTIVE_VALUES = {
    "v2019": {
        "regulations": (D(2), D(2), D(15)),
        "normative_docs": (D(3), D(3), D(1204)),
        "licensing": (D(12), D(-3), D(1520)),
        "other_services": (D(4), D(0), D(30)),
        "penalty": (D(5), D(1), D(26)),
        "enforcement": (D(2), D(-1), None),
        "fees": (D(6), D(-2)),
        "procurement": (D(7), D("125.3456")),
    },
    "v2021": {
        "regulations": (D(1), D(0), D(12)),
        "normative_docs": (D(4), D(2), D(1234)),
        "licensing": (D(356),),
        "penalty": (D(48),),
        "enforcement": (None,),
        "fees": (D("12.3456"),),
    },
}

# Applicant columns only; the total column is their sum. Rules 1-3 hold.
_REQUESTS_BASE = {
    "new": (10, 3, 1, 0, 2, 1),
    "carried_in": (2, 1, 0, 0, 0, 0),
    "granted": (5, 2, 1, 0, 1, 0),
    "partly_granted": (2, 1, 0, 0, 0, 0),
    "denied_state_secret": (1, 0, 0, 0, 0, 0),
    "unable_not_held": (2, 0, 0, 0, 0, 1),
    "rejected_duplicate": (0, 1, 0, 0, 0, 0),
    "carried_out": (1, 0, 0, 0, 1, 0),
}
_OTHER_ROW = {"v2019": "other", "v2021": "other_other"}
NOT_GIVEN_REQUEST_CELL = ("denied_inquiry", "research")  # printed as "—"

APPEALS_VALUES = {
    "reconsideration": (1, 1, 0, 1, 3),
    "litigation_direct": (2, 0, 1, 0, 3),
    "litigation_after_reconsideration": (0, 0, 0, 1, 1),
}

PROACTIVE_LABELS = {
    "regulations": "规章",
    "normative_docs": {"v2019": "规范性文件", "v2021": "行政规范性文件"},
    "licensing": "行政许可",
    "other_services": "其他对外管理服务事项",
    "penalty": "行政处罚",
    "enforcement": "行政强制",
    "fees": "行政事业性收费",
    "procurement": "政府集中采购",
}
PROACTIVE_HEADERS = {
    "new_made": "本年新<br>制作数量",
    "new_published": "本年新<br>公开数量",
    "total_published": "对外公开总数量",
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
    "prev_year_count": "上一年项目数量",
    "change": "本年增/减",
    "decisions": {"v2019": "处理决定数量", "v2021": "本年处理决定数量"},
    "projects": "采购项目数量",
    "amount": "采购总金额",
    "amount_10k_yuan": "本年收费金额（单位：万元）",
}
PROACTIVE_SECTIONS = {
    "v2019": (("（一）", ("regulations", "normative_docs")), ("（五）", ("licensing", "other_services")),
              ("（六）", ("penalty", "enforcement")), ("（八）", ("fees",)), ("（九）", ("procurement",))),
    "v2021": (("（一）", ("regulations", "normative_docs")), ("（五）", ("licensing",)),
              ("（六）", ("penalty", "enforcement")), ("（八）", ("fees",))),
}
REQUEST_HEADERS = {
    "natural_person": "自然人",
    "commercial": "商业<br>企业",
    "research": "科研<br>机构",
    "social_org": {"v2019": "社会公益组织", "v2021": "社会组织"},
    "legal_service": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
}
REQUEST_LABELS = {
    "denied_state_secret": "1.属于国家秘密",
    "denied_law_prohibited": "2.其他法律行政法规禁止公开",
    "denied_security_stability": "3.危及“三安全一稳定”",
    "denied_third_party": "4.保护第三方合法权益",
    "denied_internal_affairs": "5.属于三类内部事务信息",
    "denied_process_info": "6.属于四类过程性信息",
    "denied_enforcement_file": "7.属于行政执法案卷",
    "denied_inquiry": "8.属于行政查询事项",
    "unable_not_held": "1.本机关不掌握相关政府信息",
    "unable_needs_creation": "2.没有现成信息需要另行制作",
    "unable_unclear": "3.补正后申请内容仍不明确",
    "rejected_petition": "1.信访举报投诉类申请",
    "rejected_duplicate": "2.重复申请",
    "rejected_publication": "3.要求提供公开出版物",
    "rejected_excessive": "4.无正当理由大量反复申请",
    "rejected_confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_no_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_other": "3.其他",
}
# Requests row groups below 三、本年度办理结果: (group label, rows); a group of one row is that row.
REQUEST_GROUPS = {
    "granted": "（一）予以公开",
    "partly_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "denied": "（三）不予公开",
    "unable": "（四）无法提供",
    "rejected": "（五）不予处理",
    "other": "（六）其他处理",
    "total": "（七）总计",
}
STANDARD_ORDER = REQUEST_COLUMNS
# Natural persons after the organisations, organisations shuffled: must still map right.
REORDERED = ("research", "commercial", "legal_service", "social_org", "other_org", "natural_person", "total")


def _label(labels: dict, key: str, template: str) -> str:
    label = labels[key]
    return label[template] if isinstance(label, dict) else label


def request_values(template: str) -> dict[str, tuple[Decimal | None, ...]]:
    rows = {row: (0,) * 6 for row in request_rows(template)}
    rows.update(_REQUESTS_BASE)
    rows[_OTHER_ROW[template]] = (1, 0, 0, 0, 0, 0)
    totals = [sum(column) for column in zip(*(rows[row] for row in ("new", "carried_in")))]
    carried_out = rows["carried_out"]
    rows["total"] = tuple(total - out for total, out in zip(totals, carried_out))
    values: dict[str, tuple[Decimal | None, ...]] = {}
    for row, applicants in rows.items():
        numbers = [D(number) for number in applicants] + [D(sum(applicants))]
        values[row] = tuple(numbers)
    row, column = NOT_GIVEN_REQUEST_CELL
    cells = list(values[row])
    cells[REQUEST_COLUMNS.index(column)] = None
    values[row] = tuple(cells)
    return values


def expected_values(template: str) -> dict[tuple[str, str, str], Decimal | None]:
    expected: dict[tuple[str, str, str], Decimal | None] = {}
    for row, numbers in PROACTIVE_VALUES[template].items():
        for column, number in zip(PROACTIVE[template][row], numbers):
            expected[("proactive", row, column)] = number
    for row, numbers in request_values(template).items():
        for column, number in zip(REQUEST_COLUMNS, numbers):
            expected[("requests", row, column)] = number
    for row, numbers in APPEALS_VALUES.items():
        for column, number in zip(APPEAL_COLUMNS, numbers):
            expected[("appeals", row, column)] = D(number)
    assert set(expected) == set(all_keys(template))
    return expected


def display(number: Decimal | None, style: str = "") -> str:
    """A number as a report prints it: "—" when not given, full-width or with thousands separators."""
    if number is None:
        return "—"
    text = f"{number:,}" if abs(number) >= 1000 else str(number)
    return text.translate(FULL_WIDTH) if style == "full" else text


# -- layout -----------------------------------------------------------------


@dataclass
class Cell:
    row: int
    column: int
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Grid:
    width: int
    cells: list[Cell] = field(default_factory=list)
    height: int = 0

    def add(self, column: int, text: str, rowspan: int = 1, colspan: int = 1, row: int | None = None) -> None:
        row = self.height - 1 if row is None else row
        self.cells.append(Cell(row, column, text, rowspan, colspan))

    def new_row(self) -> int:
        self.height += 1
        return self.height - 1


def proactive_grid(template: str) -> Grid:
    grid = Grid(width=4)
    for section, rows in PROACTIVE_SECTIONS[template]:
        columns = PROACTIVE[template][rows[0]]
        grid.new_row()
        grid.add(0, f"第二十条第{section}项", colspan=4)
        grid.new_row()
        grid.add(0, "信息内容")
        _add_spread(grid, [_label(PROACTIVE_HEADERS, column, template) for column in columns])
        for row in rows:
            grid.new_row()
            grid.add(0, _label(PROACTIVE_LABELS, row, template))
            _add_spread(grid, [display(number) for number in PROACTIVE_VALUES[template][row]])
    return grid


def _add_spread(grid: Grid, texts: list[str]) -> None:
    """Fill columns 1-3, the last text spanning what is left (a Word table's merged cells)."""
    for index, text in enumerate(texts):
        colspan = 3 - index if index == len(texts) - 1 else 1
        grid.add(1 + index, text, colspan=colspan)


def requests_grid(template: str, order: tuple[str, ...] = STANDARD_ORDER) -> Grid:
    grid = Grid(width=10)
    values = request_values(template)
    grid.new_row()
    grid.add(0, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", rowspan=3, colspan=3)
    grid.add(3, "申请人情况", colspan=7)
    top, sub = grid.new_row(), grid.new_row()
    orgs = [column for column in order if column not in ("natural_person", "total")]
    position = 3
    group_placed = False
    for column in order:
        if column in ("natural_person", "total"):
            grid.add(position, _label(REQUEST_HEADERS, column, template), rowspan=2, row=top)
            position += 1
        elif not group_placed:
            grid.add(position, "法人或其他组织", colspan=len(orgs), row=top)
            for offset, org in enumerate(orgs):
                grid.add(position + offset, _label(REQUEST_HEADERS, org, template), row=sub)
            position += len(orgs)
            group_placed = True

    def values_row(row_key: str) -> None:
        for index, column in enumerate(order):
            number = values[row_key][REQUEST_COLUMNS.index(column)]
            style = "full" if row_key == "new" and column == "natural_person" else ""
            grid.add(3 + index, display(number, style))

    grid.new_row()
    grid.add(0, "一、本年新收政府信息公开申请数量", colspan=3)
    values_row("new")
    grid.new_row()
    grid.add(0, "二、上年结转政府信息公开申请数量", colspan=3)
    values_row("carried_in")
    outcome_start = grid.height
    groups = _outcome_groups(template)
    outcome_count = sum(len(rows) for _, rows in groups)
    for group, rows in groups:
        for index, row in enumerate(rows):
            current = grid.new_row()
            if current == outcome_start:
                grid.add(0, "三、本年度办理结果", rowspan=outcome_count)
            if len(rows) == 1:
                grid.add(1, REQUEST_GROUPS[group], colspan=2)
            else:
                if index == 0:
                    grid.add(1, REQUEST_GROUPS[group], rowspan=len(rows))
                grid.add(2, REQUEST_LABELS[row])
            values_row(row)
    grid.new_row()
    grid.add(0, "四、结转下年度继续办理", colspan=3)
    values_row("carried_out")
    return grid


def _outcome_groups(template: str) -> list[tuple[str, tuple[str, ...]]]:
    groups: dict[str, list[str]] = {}
    for row in outcome_rows(template):
        group = row if row in ("granted", "partly_granted") else row.split("_")[0]
        groups.setdefault(group, []).append(row)
    return [*((group, tuple(rows)) for group, rows in groups.items()), ("total", ("total",))]


def appeals_grid() -> Grid:
    grid = Grid(width=15)
    grid.new_row()
    grid.add(0, "行政复议", rowspan=2, colspan=5)
    grid.add(5, "行政诉讼", colspan=10)
    grid.new_row()
    grid.add(5, "未经复议直接起诉", colspan=5)
    grid.add(10, "复议后起诉", colspan=5)
    grid.new_row()
    for block in range(3):
        for index, label in enumerate(("结果<br>维持", "结果<br>纠正", "其他<br>结果", "尚未<br>审结", "总计")):
            grid.add(block * 5 + index, label)
    grid.new_row()
    for block, row in enumerate(APPEAL_ROWS):
        for index, number in enumerate(APPEALS_VALUES[row]):
            grid.add(block * 5 + index, str(number))
    return grid


def report_blocks(template: str, order: tuple[str, ...] = STANDARD_ORDER) -> list[str | Grid]:
    return [
        "某某镇人民政府2022年政府信息公开工作年度报告",
        "一、总体情况",
        "本年度主动公开政府信息233条，本年新收政府信息公开申请17件。",
        "二、主动公开政府信息情况",
        proactive_grid(template),
        "三、收到和处理政府信息公开申请情况",
        requests_grid(template, order),
        "四、政府信息公开行政复议、行政诉讼情况",
        appeals_grid(),
        "五、存在的主要问题及改进情况",
        "无。",
    ]


# -- renderers ----------------------------------------------------------------


def _plain(text: str) -> str:
    return text.replace("<br>", "\n")


def matrix(grid: Grid) -> list[list[str]]:
    """The grid's text with spanned slots empty."""
    rows = [["" for _ in range(grid.width)] for _ in range(grid.height)]
    for cell in grid.cells:
        rows[cell.row][cell.column] = _plain(cell.text)
    return rows


def to_text(blocks: list[str | Grid]) -> str:
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Grid):
            lines.extend("\t".join(cell.replace("\n", "") for cell in row) for row in matrix(block))
        else:
            lines.append(block)
    return "\n".join(lines) + "\n"


def to_cell_lines(blocks: list[str | Grid]) -> str:
    """Text as Word's converter gives it: one cell per line after a tab, a broken header
    cell continued on the next line without a tab, a blank line after each row."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Grid):
            for row in matrix(block):
                lines.extend("\t" + cell for cell in row)
                lines.append("")
        else:
            lines.append(block)
    return "\n".join(lines) + "\n"


def _html_cell(cell: Cell) -> str:
    spans = (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "") + (
        f' colspan="{cell.colspan}"' if cell.colspan > 1 else ""
    )
    text = cell.text or "&nbsp;"
    return (
        f'<td width="72" valign="top" style="border:solid windowtext 1.0pt;padding:0cm 5.4pt 0cm 5.4pt"{spans}>'
        f'<p class="MsoNormal" align="center" style="text-align:center"><span style="font-size:10.5pt;'
        f"font-family:宋体\">&nbsp;{text}&nbsp;</span><span lang=\"EN-US\"><o:p></o:p></span></p></td>"
    )


def to_html(blocks: list[str | Grid]) -> str:
    parts = [
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">",
        "<title>年度报告</title><script>var x = '<table><tr><td>9</td></tr></table>';</script></head>",
        "<body><div class=\"TRS_Editor\">",
    ]
    for block in blocks:
        if isinstance(block, Grid):
            parts.append('<table class="MsoNormalTable" border="1" cellspacing="0" cellpadding="0"><tbody>')
            for row in range(block.height):
                cells = sorted((c for c in block.cells if c.row == row), key=lambda c: c.column)
                parts.append("<tr>" + "".join(_html_cell(cell) for cell in cells) + "</tr>")
            parts.append("</tbody></table>")
        else:
            parts.append(f'<p class="MsoNormal"><span style="font-family:仿宋">{block}</span></p>')
    parts.append("</div></body></html>")
    return "\n".join(parts)


def to_docx(blocks: list[str | Grid]) -> bytes:
    from docx import Document

    document = Document()
    for block in blocks:
        if not isinstance(block, Grid):
            document.add_paragraph(block)
            continue
        table = document.add_table(rows=block.height, cols=block.width)
        for cell in block.cells:
            target = table.cell(cell.row, cell.column)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(table.cell(cell.row + cell.rowspan - 1, cell.column + cell.colspan - 1))
            target.text = _plain(cell.text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def to_pdf(blocks: list[str | Grid]) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=10, leading=14)
    cell_style = ParagraphStyle("cell", fontName="STSong-Light", fontSize=6, leading=7, wordWrap="CJK")
    story = []
    for block in blocks:
        if not isinstance(block, Grid):
            story.append(Paragraph(block, body))
            continue
        rows = [
            [Paragraph(text.replace("\n", ""), cell_style) if text else "" for text in row] for row in matrix(block)
        ]
        widths = [90, 90, 110] + [50] * 7 if block.width == 10 else None
        style = [
            ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
            ("FONTSIZE", (0, 0), (-1, -1), 6),
            ("GRID", (0, 0), (-1, -1), 0.5, "black"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
        for cell in block.cells:
            if cell.rowspan > 1 or cell.colspan > 1:
                end = (cell.column + cell.colspan - 1, cell.row + cell.rowspan - 1)
                style.append(("SPAN", (cell.column, cell.row), end))
        story.append(Table(rows, colWidths=widths, style=TableStyle(style)))
        story.append(PageBreak())
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=20, rightMargin=20).build(story)
    return buffer.getvalue()


def values_by_key(tables):
    return {(v.table, v.row, v.column): v for v in tables.values}


def assert_reads_every_key(tables, template):
    """The reader found the template, every key of it in document order, and each expected value."""
    assert tables.template == template
    assert tuple((v.table, v.row, v.column) for v in tables.values) == all_keys(template)
    expected = expected_values(template)
    for key, value in values_by_key(tables).items():
        assert value.value == expected[key], key
    assert tables.warnings == ()


def grid_from_rows(rows) -> Grid:
    """A simulated portal's grid (``simportal.tables``: rows of spanned cells) as a positioned ``Grid``,
    so that reports with any numbers render through ``to_text`` and ``to_cell_lines`` too."""
    from simportal.tables import column_count, place

    grid = Grid(width=column_count(rows), height=len(rows))
    for row, column, cell in place(rows):
        grid.add(column, cell.text, rowspan=cell.rowspan, colspan=cell.colspan, row=row)
    return grid
