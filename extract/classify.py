"""Is a document an annual information-disclosure report?"""

from __future__ import annotations

import re

_ANNUAL_REPORT = re.compile(
    r"(?:政府)?信息(?:与政务)?公开(?:工作)?(?:年度)?(?:报告|年报)|政务公开\S{0,8}?年度报告"
)
# notices about the reports and their templates name the report without being one
_ABOUT_REPORTS = re.compile(
    r"关于(?:做好|印发|报送|编制|开展|规范)|格式|模板|范本|评估|考核|评议|发布情况|检查情况"
    r"|(?:通知|通报|公告|函|批复)$"
)
_OTHER_KINDS = (
    ("政府工作报告", "a work report, not a disclosure report"),
    ("指南", "a guide, not a disclosure report"),
    ("目录", "a catalogue, not a disclosure report"),
    ("年度报表", "a statistical return, not a disclosure report"),
    ("统计年报", "statistics of another kind, not a disclosure report"),
)
_SECTION_TITLES = ("总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
                   "政府信息公开行政复议、行政诉讼情况", "存在的主要问题及改进情况", "其他需要报告的事项")


def _compact(text: str) -> str:
    return "".join(text.split())


def looks_like_annual_report(title: str) -> bool:
    """Whether a title or link text names an annual disclosure report."""
    compact = _compact(title)
    return bool(_ANNUAL_REPORT.search(compact)) and not _ABOUT_REPORTS.search(compact)


def _listed_reports(text: str, title: str) -> int:
    """How many short lines other than the title name an annual report: a list page does."""
    lines = {_compact(line) for line in text.splitlines()} - {title}
    return sum(1 for line in lines if len(line) <= 60 and looks_like_annual_report(line))


def _report_heading(text: str) -> str | None:
    """The report phrase of an opening line that names a report of some body or year.

    A bare "政府信息公开年报" is a column's name in a page's navigation, not a heading.
    """
    lines = [_compact(line) for line in text.splitlines()]
    for line in [line for line in lines if line][:3]:
        match = _ANNUAL_REPORT.search(line)
        if match and len(line) <= 80 and len(line) - len(match.group(0)) >= 2 and looks_like_annual_report(line):
            return match.group(0)
    return None


def classify(title: str | None, text: str, has_tables: bool) -> tuple[bool, str]:
    """(is an annual report, why) from the title, the tables and the text."""
    compact_title = _compact(title or "")
    listed = _listed_reports(text, compact_title)
    if listed >= 3 and not has_tables:
        return False, f"text lists {listed} annual reports (a list page, not a report)"
    if match := _ANNUAL_REPORT.search(compact_title):
        if not _ABOUT_REPORTS.search(compact_title):
            return True, f"title names {match.group(0)}"
        return False, f"title names {match.group(0)} but is about such reports (a notice or template)"
    if has_tables:
        return True, "statistical tables of the template found"
    for phrase, meaning in _OTHER_KINDS:
        if phrase in compact_title:
            return False, f"title names {phrase} ({meaning})"
    if heading := _report_heading(text):
        return True, f"text opens with {heading}"
    compact_text = _compact(text)
    sections = sum(section in compact_text for section in _SECTION_TITLES)
    if sections >= 4:
        return True, f"text has {sections} of the template's six section headings"
    return False, "no annual-report title or tables"
