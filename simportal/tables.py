"""The three statistical tables as grids of merged cells, shared by the HTML, DOCX and PDF renderers.

The layout copies the official Word templates (国办公开办函〔2019〕60号 and 〔2021〕30号):
merged label columns, header text broken across lines, one row of 15 numbers for appeals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from extract.keys import APPEAL_COLUMNS, APPEAL_ROWS, REQUEST_COLUMNS

from .model import Key

NOT_GIVEN = "—"


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    text: str  # "\n" marks a line break inside the cell
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


Row = tuple[Cell, ...]
Grid = tuple[Row, ...]
Values = Mapping[Key, Decimal | None]


def format_value(value: Decimal | None) -> str:
    return NOT_GIVEN if value is None else str(value)


def _value(values: Values, table: str, row: str, column: str, span: int = 1) -> Cell:
    return Cell(text=format_value(values[(table, row, column)]), colspan=span)


def _head(text: str, **span: int) -> Cell:
    return Cell(text=text, header=True, **span)


# ---- proactive -------------------------------------------------------------------------

_PROACTIVE_V2019 = (
    ("第二十条第（一）项", ("本年新\n制作数量", "本年新\n公开数量", "对外公开总数量"),
     (("regulations", "规章"), ("normative_docs", "规范性文件")),
     ("new_made", "new_published", "total_published")),
    ("第二十条第（五）项", ("上一年\n项目数量", "本年增/减", "处理决定数量"),
     (("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")),
     ("prev_year_count", "change", "decisions")),
    ("第二十条第（六）项", ("上一年\n项目数量", "本年增/减", "处理决定数量"),
     (("penalty", "行政处罚"), ("enforcement", "行政强制")),
     ("prev_year_count", "change", "decisions")),
    ("第二十条第（八）项", ("上一年\n项目数量", "本年增/减"),
     (("fees", "行政事业性收费"),), ("prev_year_count", "change")),
    ("第二十条第（九）项", ("采购项目数量", "采购总金额"),
     (("procurement", "政府集中采购"),), ("projects", "amount")),
)

_PROACTIVE_V2021 = (
    ("第二十条第（一）项", ("本年制发件数", "本年废止件数", "现行有效件数"),
     (("regulations", "规章"), ("normative_docs", "行政规范性文件")),
     ("issued", "repealed", "in_force")),
    ("第二十条第（五）项", ("本年处理决定数量",),
     (("licensing", "行政许可"),), ("decisions",)),
    ("第二十条第（六）项", ("本年处理决定数量",),
     (("penalty", "行政处罚"), ("enforcement", "行政强制")), ("decisions",)),
    ("第二十条第（八）项", ("本年收费金额（单位：万元）",),
     (("fees", "行政事业性收费"),), ("amount_10k_yuan",)),
)

_PROACTIVE_WIDTH = 4


def proactive_grid(template: str, values: Values) -> Grid:
    layout = _PROACTIVE_V2019 if template == "v2019" else _PROACTIVE_V2021
    rows: list[Row] = []
    for section, headings, items, columns in layout:
        rows.append((_head(section, colspan=_PROACTIVE_WIDTH),))
        rows.append((_head("信息内容"), *_spread_last(headings, header=True)))
        for row_key, label in items:
            cells = [format_value(values[("proactive", row_key, c)]) for c in columns]
            rows.append((Cell(text=label), *_spread_last(tuple(cells), header=False)))
    return tuple(rows)


def _spread_last(texts: tuple[str, ...], *, header: bool) -> Row:
    """Cells filling the three value columns: the last one widened when there are fewer."""
    extra = _PROACTIVE_WIDTH - 1 - len(texts)
    return tuple(
        Cell(text=t, header=header, colspan=1 + (extra if i == len(texts) - 1 else 0))
        for i, t in enumerate(texts)
    )


# ---- requests --------------------------------------------------------------------------

_OUTCOME_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "（三）不予公开": (
        ("denied_state_secret", "1.属于国家秘密"),
        ("denied_law_prohibited", "2.其他法律行政法规禁止公开"),
        ("denied_security_stability", "3.危及“三安全一稳定”"),
        ("denied_third_party", "4.保护第三方合法权益"),
        ("denied_internal_affairs", "5.属于三类内部事务信息"),
        ("denied_process_info", "6.属于四类过程性信息"),
        ("denied_enforcement_file", "7.属于行政执法案卷"),
        ("denied_inquiry", "8.属于行政查询事项"),
    ),
    "（四）无法提供": (
        ("unable_not_held", "1.本机关不掌握相关政府信息"),
        ("unable_needs_creation", "2.没有现成信息需要另行制作"),
        ("unable_unclear", "3.补正后申请内容仍不明确"),
    ),
    "（五）不予处理": (
        ("rejected_petition", "1.信访举报投诉类申请"),
        ("rejected_duplicate", "2.重复申请"),
        ("rejected_publication", "3.要求提供公开出版物"),
        ("rejected_excessive", "4.无正当理由大量反复申请"),
        ("rejected_confirmation", "5.要求行政机关确认或重新出具已获取信息"),
    ),
}
_OTHER_V2021 = (
    ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_other", "3.其他"),
)
BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def requests_grid(template: str, values: Values, social_org_label: str = "社会公益组织") -> Grid:
    def numbers(row: str) -> tuple[Cell, ...]:
        return tuple(_value(values, "requests", row, column) for column in REQUEST_COLUMNS)

    groups = dict(_OUTCOME_GROUPS)
    if template == "v2021":
        groups["（六）其他处理"] = _OTHER_V2021
    result_rows: list[Row] = [
        (Cell(text="（一）予以公开", colspan=2), *numbers("granted")),
        (Cell(text="（二）部分公开（区分处理的，只计这一情形，不计其他情形）", colspan=2),
         *numbers("partly_granted")),
    ]
    for group, items in groups.items():
        for index, (row_key, label) in enumerate(items):
            lead = (Cell(text=group, rowspan=len(items)),) if index == 0 else ()
            result_rows.append((*lead, Cell(text=label), *numbers(row_key)))
    if template == "v2019":
        result_rows.append((Cell(text="（六）其他处理", colspan=2), *numbers("other")))
    result_rows.append((Cell(text="（七）总计", colspan=2), *numbers("total")))
    first = result_rows[0]
    result_rows[0] = (Cell(text="三、本年度办理结果", rowspan=len(result_rows)), *first)
    org = social_org_label.replace("组织", "\n组织") if len(social_org_label) > 4 else social_org_label
    return (
        (_head(BALANCE_NOTE, rowspan=3, colspan=3), _head("申请人情况", colspan=7)),
        (_head("自然人", rowspan=2), _head("法人或其他组织", colspan=5), _head("总计", rowspan=2)),
        (_head("商业\n企业"), _head("科研\n机构"), _head(org), _head("法律服务\n机构"), _head("其他")),
        (Cell(text="一、本年新收政府信息公开申请数量", colspan=3), *numbers("new")),
        (Cell(text="二、上年结转政府信息公开申请数量", colspan=3), *numbers("carried_in")),
        *result_rows,
        (Cell(text="四、结转下年度继续办理", colspan=3), *numbers("carried_out")),
    )


# ---- appeals ---------------------------------------------------------------------------

_APPEAL_HEADS = ("结果\n维持", "结果\n纠正", "其他\n结果", "尚未\n审结", "总计")


def appeals_grid(values: Values) -> Grid:
    return (
        (_head("行政复议", colspan=5), _head("行政诉讼", colspan=10)),
        (*(_head(t, rowspan=2) for t in _APPEAL_HEADS),
         _head("未经复议直接起诉", colspan=5), _head("复议后起诉", colspan=5)),
        tuple(_head(t) for t in _APPEAL_HEADS * 2),
        tuple(_value(values, "appeals", row, column) for row in APPEAL_ROWS for column in APPEAL_COLUMNS),
    )


def column_count(grid: Grid) -> int:
    return sum(cell.colspan for cell in grid[0])


def place(grid: Grid) -> tuple[tuple[int, int, Cell], ...]:
    """(row, column, cell) for every cell, with columns resolved around earlier rowspans."""
    width = column_count(grid)
    taken = [[False] * width for _ in grid]
    placed: list[tuple[int, int, Cell]] = []
    for r, row in enumerate(grid):
        c = 0
        for cell in row:
            while taken[r][c]:
                c += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken[r + dr][c + dc] = True
            placed.append((r, c, cell))
            c += cell.colspan
    return tuple(placed)
