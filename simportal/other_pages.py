"""Content of the column's items that are not annual reports, and of the rest of the portal."""

from __future__ import annotations

from .model import OtherPlan
from .render_html import paragraph, word_table
from .tables import Cell


def other_content(plan: OtherPlan, county: str) -> str:
    writer = {
        "guide": _guide,
        "catalogue": _catalogue,
        "notice": _notice,
        "work_report": _work_report,
        "statistics": _statistics,
    }[plan.kind]
    return "\n".join((paragraph(plan.title, bold=True, center=True), *writer(plan, county)))


def _guide(plan: OtherPlan, county: str) -> tuple[str, ...]:
    return (
        paragraph(f"为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。"
                  f"需要获得{county}人民政府政府信息公开服务的公民、法人或其他组织，建议阅读本指南。"),
        paragraph("一、主动公开", bold=True),
        paragraph("（一）公开范围。对涉及公众利益调整、需要公众广泛知晓或者需要公众参与决策的政府信息，予以主动公开。"),
        paragraph("（二）公开方式。通过政府门户网站、政务新媒体、政府公报、新闻发布会等方式公开。"),
        paragraph("二、依申请公开", bold=True),
        paragraph("公民、法人或者其他组织可以向行政机关申请获取相关政府信息。申请应当采用书面形式。"),
        paragraph(f"受理机构：{county}人民政府办公室；办公时间：工作日上午8:30-12:00，下午14:30-17:30。"),
        paragraph("三、监督方式", bold=True),
        paragraph("公民、法人或者其他组织认为行政机关在政府信息公开工作中侵犯其合法权益的，可以依法申请行政复议或者提起行政诉讼。"),
    )


def _catalogue(plan: OtherPlan, county: str) -> tuple[str, ...]:
    grid = (
        (Cell(text="序号", header=True), Cell(text="类别", header=True), Cell(text="主要内容", header=True)),
        (Cell(text="1"), Cell(text="机构职能"), Cell(text="机构设置、主要职责、领导信息")),
        (Cell(text="2"), Cell(text="政策文件"), Cell(text="规范性文件、其他文件、政策解读")),
        (Cell(text="3"), Cell(text="财政信息"), Cell(text="财政预决算、“三公”经费")),
        (Cell(text="4"), Cell(text="政府信息公开年报"), Cell(text="政府信息公开工作年度报告")),
    )
    return (paragraph(f"{county}人民政府政府信息公开目录按以下类别编排："), word_table(grid))


def _notice(plan: OtherPlan, county: str) -> tuple[str, ...]:
    return (
        paragraph("各乡镇人民政府，县政府各部门："),
        paragraph("根据《中华人民共和国政府信息公开条例》和上级有关要求，现就做好政府信息公开工作年度报告"
                  "编制和发布工作通知如下："),
        paragraph("一、严格按照国务院办公厅政府信息与政务公开办公室规定的格式编制年度报告，不得随意增减栏目。"),
        paragraph("二、各单位于1月31日前在门户网站本单位栏目发布年度报告，并报县政务公开办公室备案。"),
        paragraph(f"{county}人民政府办公室"),
    )


def _work_report(plan: OtherPlan, county: str) -> tuple[str, ...]:
    return (
        paragraph(f"——{plan.published.year}年{plan.published.month}月在{county}第十七届人民代表大会第三次会议上"),
        paragraph("各位代表：现在，我代表县人民政府，向大会报告政府工作，请予审议，并请县政协委员和其他列席人员提出意见。"),
        paragraph(f"一、{plan.published.year - 1}年工作回顾", bold=True),
        paragraph("过去一年，全县地区生产总值增长6.1%，一般公共预算收入完成12.37亿元，增长8.2%。"
                  "深化“放管服”改革，政务服务事项全部实现网上可办，政务公开标准化规范化水平持续提升。"),
        paragraph(f"二、{plan.published.year}年主要工作", bold=True),
        paragraph("坚持稳中求进工作总基调，持续推进乡村振兴，加快建设法治政府，全面推进政务公开。"),
    )


def _statistics(plan: OtherPlan, county: str) -> tuple[str, ...]:
    grid = (
        (Cell(text="执法类别", header=True), Cell(text="案件数量", header=True), Cell(text="罚没金额（万元）", header=True)),
        (Cell(text="行政处罚"), Cell(text="1287"), Cell(text="356.42")),
        (Cell(text="行政强制"), Cell(text="64"), Cell(text="—")),
        (Cell(text="行政检查"), Cell(text="5310"), Cell(text="—")),
    )
    return (paragraph(f"现将{county}{plan.published.year - 1}年度行政执法数据统计情况公布如下："), word_table(grid))


def home_content(county: str, column_path: str, column_name: str) -> str:
    return (
        f'<div class="banner"><h2>{county}人民政府</h2></div>\n'
        '<div class="news"><h3>政务公开</h3><ul>'
        f'<li><a href="{column_path}index.html">{column_name}</a></li>'
        '<li><a href="/xxgk/tzgg/index.html">通知公告</a></li>'
        '<li><a href="/xxgk/zcwj/index.html">政策文件</a></li>'
        "</ul></div>"
    )


STYLESHEET = b"""body{margin:0;font:14px/1.6 "Microsoft YaHei",SimSun,sans-serif;color:#333}
.w1200{width:1200px;margin:0 auto}.top{background:#f5f5f5;height:32px;line-height:32px}
.header{height:120px;background:#1c5eb8}.nav{background:#0d4a9c}.nav li{float:left;list-style:none}
.nav a{color:#fff;padding:0 24px;line-height:48px}.list li{line-height:36px;border-bottom:1px dashed #ddd}
.list li span{float:right;color:#999}.article h1,.article .title{text-align:center;font-size:24px}
.xxgk_table{width:100%;border-collapse:collapse}.xxgk_table td{border:1px solid #d8d8d8;padding:6px}
.footer{background:#eee;text-align:center;padding:20px 0}
"""

ROBOTS = b"User-agent: *\nDisallow:\n"
