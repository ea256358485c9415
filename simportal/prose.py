"""The words of a report: title, the six sections' prose, signature. Counts agree with the tables."""

from __future__ import annotations

from dataclasses import dataclass

from extract.keys import APPEAL_ROWS

from .model import ReportPlan

_CHINESE_NUMERALS = "一二三四五六"
SECTION_NAMES = (
    "总体情况",
    "主动公开政府信息情况",
    "收到和处理政府信息公开申请情况",
    "政府信息公开行政复议、行政诉讼情况",
    "存在的主要问题及改进情况",
    "其他需要报告的事项",
)
_TABLE_OF_SECTION = {1: "proactive", 2: "requests", 3: "appeals"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]
    table: str | None = None  # which table follows the heading


def report_title(plan: ReportPlan) -> str:
    if plan.title_has_year:
        return f"{plan.body.name}{plan.year}年政府信息公开工作年度报告"
    return f"{plan.body.name.removesuffix('人民政府')}政府信息公开工作年度报告"


def intro(plan: ReportPlan) -> str:
    text = (
        "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和"
        "《国务院办公厅政府信息与政务公开办公室关于政府信息公开工作年度报告有关事项的通知》要求编制。"
        "全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、"
        "政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。"
    )
    return text + f"本报告中所列数据的统计时限自{plan.year}年1月1日至{plan.year}年12月31日。"


def signature(plan: ReportPlan) -> tuple[str, str]:
    day = plan.published
    return plan.body.name, f"{day.year}年{day.month}月{day.day}日"


def sections(plan: ReportPlan) -> tuple[Section, ...]:
    bodies = (
        _overall(plan),
        ("本机关主动公开政府信息情况如下表：",),
        ("本年度收到和处理政府信息公开申请情况如下表：",),
        ("本年度政府信息公开行政复议、行政诉讼情况如下表：",),
        _problems(plan),
        ("无。",) if plan.doc_id % 2 else ("本年度未收取信息处理费。无其他需要报告的事项。",),
    )
    return tuple(
        Section(heading=_heading(plan, i), paragraphs=text, table=_TABLE_OF_SECTION.get(i))
        for i, text in enumerate(bodies)
    )


def _heading(plan: ReportPlan, index: int) -> str:
    number = str(index + 1) if plan.heading_style == "arabic" else _CHINESE_NUMERALS[index]
    return f"{number}、{SECTION_NAMES[index]}"


def _count(plan: ReportPlan, row: str, column: str = "total", table: str = "requests") -> int:
    value = plan.values[(table, row, column)]
    if value is None:
        raise ValueError(f"prose needs {table}.{row}.{column}, which is not given")
    return int(value)


def _overall(plan: ReportPlan) -> tuple[str, ...]:
    name, year = plan.body.name, plan.year
    published = 40 + plan.doc_id % 900
    litigation = sum(_count(plan, row, table="appeals") for row in APPEAL_ROWS[1:])
    return (
        f"{year}年，{name}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《条例》和上级关于"
        "政务公开工作的部署要求，坚持“以公开为常态、不公开为例外”，围绕中心工作深化政务公开，"
        "切实保障人民群众的知情权、参与权、表达权和监督权。",
        f"（一）主动公开。全年通过政府门户网站主动公开政府信息{published}条，"
        "重点公开财政预决算、重大建设项目、乡村振兴、社会救助等领域信息。",
        f"（二）依申请公开。本年新收政府信息公开申请{_count(plan, 'new')}件，"
        f"上年结转政府信息公开申请{_count(plan, 'carried_in')}件，"
        f"本年度办结{_count(plan, 'total')}件，结转下年度{_count(plan, 'carried_out')}件。"
        f"因政府信息公开被申请行政复议{_count(plan, 'reconsideration', table='appeals')}件，"
        f"被提起行政诉讼{litigation}件。",
        "（三）政府信息管理。严格落实信息发布前保密审查制度，动态调整政府信息公开目录，"
        "对规范性文件进行全面清理并及时公布清理结果。",
        "（四）平台建设。优化政府门户网站政府信息公开专栏，规范栏目设置，及时更新各类信息。",
        "（五）监督保障。将政务公开工作纳入年度目标考核，定期开展自查整改，确保各项任务落到实处。",
    )


def _problems(plan: ReportPlan) -> tuple[str, ...]:
    return (
        f"{plan.year}年，{plan.body.name}政府信息公开工作取得了一定成效，但也存在一些不足："
        "一是部分信息公开不够及时；二是政策解读形式较为单一；三是工作人员业务能力有待提高。",
        "下一步，我们将进一步完善工作机制，加强业务培训，丰富解读形式，"
        "不断提升政府信息公开工作的质量和实效。",
    )
