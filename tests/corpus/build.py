"""Build the labelled extraction corpus: one folder per case holding the raw file and ``label.json``.

Run from the repository root with ``python -m tests.corpus.build``. Every number is drawn
from a generator seeded by the case name and every date is fixed, so the output is the same
on every run; commit it. ``tests/test_corpus_accuracy.py`` reads the folders.

``label.json``:
- ``file``, ``url``, ``content_type``, ``fetched_at``: what extraction is called with;
- ``format``: the ``Document.format`` extraction must report;
- ``producer``: what made the file: ``simportal`` (the project's own renderers), ``seed``
  (a real report's text), or another producer (``STYLED`` below: Word-style documents
  exported by LibreOffice, HTML in the markup of other CMSs and editors);
- ``is_annual_report``, ``body``, ``year``, ``template``: the report's identity (null for
  documents that are not annual reports, or where the bytes cannot show it);
- ``image_only``: the report is published as images; no number may be read from it;
- ``values``: ``{"table.row.column": "decimal" | null}``, every cell the file shows (null:
  shown as not given);
- ``rule_failures``: the consistency checks the published numbers break, as rule and scope;
- ``features``: what the case exercises.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from html import escape
from pathlib import Path

from extract.checks import check_values
from extract.keys import all_keys
from extract.records import Value
from simportal.model import Body, OtherPlan, Portal, ReportPlan
from simportal.numbers import generate_values
from simportal.other_pages import other_content
from simportal.prose import intro, report_title, sections, signature
from simportal.render_docx import report_docx
from simportal.render_html import article_meta, detail_main, list_main, page, paragraph, word_table
from simportal.render_pdf import report_pdf
from simportal.report_html import attachment_links
from simportal.tables import Cell, Grid, appeals_grid, column_count, place, proactive_grid, requests_grid

from tests import report_fixtures as rf

from . import cms, word
from .dense import dense_values

CORPUS = Path(__file__).resolve().parent
SEEDS = CORPUS.parent / "seeds"
SEED = "disclosure-corpus-1"

Key = tuple[str, str, str]
D = Decimal

BODIES = {
    "qinglan": Body(name="青岚县人民政府", code="000014349", kind="county"),
    "qinglan-edu": Body(name="青岚县教育局", code="010257063", kind="department"),
    "chengguan": Body(name="城关镇人民政府", code="010258011", kind="township"),
    "yunxi-civil": Body(name="云溪县民政局", code="11532627015178481C", kind="department"),
    "yunxi-market": Body(name="云溪县市场监督管理局", code="11532627MB1E23745R", kind="department"),
    "xiaba": Body(name="下坝镇人民政府", code="11532627015179103P", kind="township"),
    "tongchuan": Body(name="桐川县人民政府", code="000017723", kind="county"),
    "tongchuan-health": Body(name="桐川县卫生健康委员会", code="010311045", kind="department"),
    "tongchuan-land": Body(name="桐川县自然资源局", code="010311061", kind="department"),
    "nanhu": Body(name="南湖街道办事处", code="010312018", kind="township"),
    "bailu": Body(name="白鹭乡人民政府", code="010312026", kind="township"),
    "shiqiao": Body(name="石桥镇人民政府", code="010312034", kind="county"),
    "lanzhou": Body(name="岚州市人民政府", code="11330700002609123K", kind="county"),
    "lanzhou-transport": Body(name="岚州市交通运输局", code="113307000026093417", kind="department"),
    "qingyuan": Body(name="清源区人民政府", code="11330702002598412H", kind="county"),
    "wanghai": Body(name="望海新区管理委员会", code="11330700MB1C56210X", kind="county"),
}
COUNTIES = {"qinglan": "青岚县", "yunxi": "云溪县", "tongchuan": "桐川县", "lanzhou": "岚州市"}  # the portals, by host name
PORTAL_OF = {
    "qinglan": "qinglan", "qinglan-edu": "qinglan", "chengguan": "qinglan",
    "yunxi-civil": "yunxi", "yunxi-market": "yunxi", "xiaba": "yunxi",
    "tongchuan": "tongchuan", "tongchuan-health": "tongchuan", "tongchuan-land": "tongchuan",
    "nanhu": "tongchuan", "bailu": "tongchuan", "shiqiao": "tongchuan",
    "lanzhou": "lanzhou", "lanzhou-transport": "lanzhou", "qingyuan": "lanzhou", "wanghai": "lanzhou",
}

# Deliberate breaks of the template's arithmetic: cells moved off their true value, and the
# checks (rule, scope) that must fail because of it — and no others.
BREAKS: dict[str, tuple[dict[Key, int], tuple[tuple[str, str], ...]]] = {
    "appeals-total": ({("appeals", "reconsideration", "total"): 1}, (("appeals.total", "reconsideration"),)),
    "requests-balance": (
        {("requests", "carried_out", "natural_person"): 1, ("requests", "carried_out", "total"): 1},
        (("requests.balance", "natural_person"), ("requests.balance", "total")),
    ),
    "requests-outcomes": (
        {("requests", "granted", "commercial"): 1, ("requests", "granted", "total"): 1},
        (("requests.outcomes", "commercial"), ("requests.outcomes", "total")),
    ),
    "requests-applicants": (
        {("requests", "partly_granted", "total"): 2},
        (("requests.applicants", "partly_granted"), ("requests.outcomes", "total")),
    ),
}

_MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """One generated annual report and how it is published."""

    name: str
    format: str  # html | docx | pdf | text | doc | xlsx
    body: str  # key of BODIES
    year: int
    template: str
    encoding: str = "utf-8"  # utf-8 | gbk-meta | gbk-undeclared (HTML)
    layout: tuple[str, ...] = ()  # "split": tables cut into several <table>s; "nested": in a layout table
    digits: str = ""  # "full": full-width digits; "thousands": separators in big numbers
    dashes: tuple[Key, ...] = ()  # cells printed "—"
    marks: Mapping[Key, str] = field(default_factory=dict)  # cells printed as another not-given mark
    title_has_year: bool = True
    heading_style: str = "chinese"
    social_org_label: str = "社会公益组织"
    editor: str = "TRS_Editor"
    text_layout: str = "tabs"  # text: "tabs" (a row per line) | "cells" (a cell per line, as Word converts)
    sheets: str = "per-table"  # xlsx: "per-table" (a sheet per table) | "one" (everything on one sheet)
    numbers_as_text: bool = False  # xlsx: numbers stored as text cells
    rule_break: str | None = None
    content_type_sent: bool = True  # False: the response came without a Content-Type
    dense: bool = False  # a busy body's numbers (tests/corpus/dense.py): few zero cells


_NOT_GIVEN_V2021 = (("proactive", "fees", "amount_10k_yuan"), ("requests", "denied_inquiry", "research"),
                    ("appeals", "litigation_after_reconsideration", "pending"))

REPORTS = (
    Report(name="html-utf8-v2021", dense=True, format="html", body="qinglan", year=2023, template="v2021"),
    Report(name="html-utf8-v2019", dense=True, format="html", body="tongchuan-health", year=2020, template="v2019",
           editor="Custom_UnionStyle"),
    Report(name="html-gbk-meta-v2021", dense=True, format="html", body="qinglan-edu", year=2022, template="v2021",
           encoding="gbk-meta"),
    Report(name="html-gbk-undeclared-v2019", format="html", body="tongchuan", year=2019, template="v2019",
           encoding="gbk-undeclared"),
    Report(name="html-split-tables-v2021", dense=True, format="html", body="yunxi-market", year=2024, template="v2021",
           layout=("split",), social_org_label="社会组织"),
    Report(name="html-split-tables-v2019", format="html", body="shiqiao", year=2019, template="v2019",
           layout=("split",), encoding="gbk-meta"),
    Report(name="html-nested-layout-v2019", dense=True, format="html", body="nanhu", year=2021, template="v2019",
           layout=("nested",)),
    Report(name="html-nested-split-v2021", dense=True, format="html", body="tongchuan-land", year=2022, template="v2021",
           layout=("nested", "split"), editor="Custom_UnionStyle"),
    Report(name="html-full-width-v2021", format="html", body="bailu", year=2022, template="v2021", digits="full"),
    Report(name="html-full-width-gbk-v2019", format="html", body="chengguan", year=2020, template="v2019",
           digits="full", encoding="gbk-undeclared"),
    Report(name="html-not-given-v2021", format="html", body="tongchuan-land", year=2023, template="v2021",
           dashes=_NOT_GIVEN_V2021,
           marks={("proactive", "regulations", "repealed"): "/", ("requests", "rejected_excessive", "other_org"): ""}),
    Report(name="html-not-given-v2019", format="html", body="qinglan", year=2019, template="v2019",
           dashes=(("proactive", "procurement", "amount"), ("proactive", "other_services", "prev_year_count"),
                   ("appeals", "litigation_direct", "corrected"))),
    Report(name="html-thousands-v2021", dense=True, format="html", body="tongchuan", year=2022, template="v2021",
           digits="thousands"),
    Report(name="html-no-year-in-title-v2021", format="html", body="xiaba", year=2021, template="v2021",
           title_has_year=False, heading_style="arabic"),
    Report(name="html-break-appeals-v2021", dense=True, format="html", body="yunxi-civil", year=2023, template="v2021",
           rule_break="appeals-total"),
    Report(name="html-break-balance-v2019", format="html", body="qinglan", year=2020, template="v2019",
           rule_break="requests-balance", encoding="gbk-undeclared"),
    Report(name="docx-v2021", dense=True, format="docx", body="tongchuan", year=2023, template="v2021"),
    Report(name="docx-v2019", format="docx", body="chengguan", year=2019, template="v2019"),
    Report(name="docx-v2019-in-2022", format="docx", body="xiaba", year=2022, template="v2019"),
    Report(name="docx-not-given-v2021", format="docx", body="qinglan-edu", year=2024, template="v2021",
           dashes=_NOT_GIVEN_V2021, social_org_label="社会组织"),
    Report(name="docx-break-outcomes-v2021", dense=True, format="docx", body="yunxi-civil", year=2022, template="v2021",
           rule_break="requests-outcomes"),
    Report(name="pdf-v2021", dense=True, format="pdf", body="yunxi-market", year=2021, template="v2021"),
    Report(name="pdf-v2019", dense=True, format="pdf", body="tongchuan-health", year=2019, template="v2019"),
    Report(name="pdf-not-given-v2021", format="pdf", body="nanhu", year=2024, template="v2021",
           dashes=_NOT_GIVEN_V2021, social_org_label="社会组织"),
    Report(name="pdf-break-applicants-v2019", format="pdf", body="bailu", year=2021, template="v2019",
           rule_break="requests-applicants"),
    Report(name="text-tabs-v2021", dense=True, format="text", body="tongchuan-land", year=2021, template="v2021"),
    Report(name="text-tabs-v2019", format="text", body="tongchuan", year=2021, template="v2019",
           rule_break="appeals-total", content_type_sent=False),
    Report(name="text-cells-v2019", dense=True, format="text", body="shiqiao", year=2020, template="v2019",
           text_layout="cells"),
    Report(name="text-cells-v2021", format="text", body="qinglan", year=2024, template="v2021",
           text_layout="cells", heading_style="arabic", dashes=(("requests", "denied_inquiry", "research"),)),
    Report(name="doc-v2021", dense=True, format="doc", body="qinglan-edu", year=2021, template="v2021"),
    Report(name="doc-v2019", format="doc", body="nanhu", year=2020, template="v2019",
           rule_break="requests-outcomes"),
    Report(name="xlsx-v2021", dense=True, format="xlsx", body="yunxi-market", year=2023, template="v2021",
           dashes=(("proactive", "enforcement", "decisions"),), social_org_label="社会组织"),
    Report(name="xlsx-v2019", format="xlsx", body="tongchuan", year=2020, template="v2019", sheets="one",
           numbers_as_text=True),
)

# (case name, title, kind of simportal.other_pages content, publication date, publisher key)
NON_REPORTS = (
    ("other-guide", "青岚县人民政府信息公开指南", "guide", date(2023, 2, 10), "qinglan"),
    ("other-catalogue", "桐川县人民政府信息公开目录", "catalogue", date(2022, 6, 8), "tongchuan"),
    ("other-notice-on-compiling", "关于做好2022年度政府信息公开工作年度报告编制发布工作的通知", "notice",
     date(2023, 1, 5), "qinglan"),
    ("other-notice-on-publication", "关于2023年度政府信息公开工作年度报告发布情况的通报", "notice",
     date(2024, 4, 12), "tongchuan"),
    ("other-work-report", "2023年青岚县人民政府工作报告", "work_report", date(2023, 2, 20), "qinglan"),
    ("other-statistics", "云溪县2022年度行政执法数据统计年报", "statistics", date(2023, 1, 30), "yunxi-civil"),
)


# ---- numbers ----------------------------------------------------------------------------------

def report_values(report: Report) -> dict[Key, Decimal | None]:
    """The numbers as published: rule-consistent, then broken on purpose, then some not given."""
    rng = random.Random(f"{SEED}:{report.name}")
    kind = BODIES[report.body].kind
    values: dict[Key, Decimal | None] = dict(
        dense_values(rng, report.template) if report.dense else generate_values(rng, report.template, kind))
    if report.digits == "thousands":
        values[("proactive", "normative_docs", "in_force")] = D(rng.randint(1_000, 9_999))
        values[("proactive", "licensing", "decisions")] = D(rng.randint(10_000, 99_999))
        values[("proactive", "penalty", "decisions")] = D(rng.randint(1_000, 9_999))
    if report.rule_break:
        for key, step in BREAKS[report.rule_break][0].items():
            values[key] = values[key] + step
    for key in (*report.dashes, *report.marks):
        values[key] = None
    return values


def shown_values(report: Report, values: Mapping[Key, Decimal | None]) -> dict[Key, str | None]:
    """Each cell's text as the report prints it; None prints as "—"."""
    shown: dict[Key, str | None] = {}
    for key, value in values.items():
        if key in report.marks:
            shown[key] = report.marks[key]
        elif value is None:
            shown[key] = None
        elif report.digits == "thousands" and abs(value) >= 1000:
            shown[key] = f"{value:,}"
        elif report.digits == "full":
            shown[key] = str(value).translate(rf.FULL_WIDTH)
        else:
            shown[key] = str(value)
    return shown


def expected_failures(report: Report, values: Mapping[Key, Decimal | None]) -> list[dict[str, str]]:
    failures = BREAKS[report.rule_break][1] if report.rule_break else ()
    # the labels are written by hand above; the rules must agree with them, or the case is wrong
    given = [Value(table=t, row=r, column=c, value=v) for (t, r, c), v in values.items()]
    found = {(check.rule, check.scope) for check in check_values(report.template, given) if check.status == "fail"}
    if found != set(failures):
        raise AssertionError(f"{report.name}: the numbers fail {sorted(found)}, labelled {sorted(failures)}")
    return [{"rule": rule, "scope": scope} for rule, scope in failures]


# ---- plans and pages --------------------------------------------------------------------------

def plan_of(report: Report, values: Mapping[Key, Decimal | None]) -> ReportPlan:
    rng = random.Random(f"{SEED}:{report.name}:plan")
    published = date(report.year + 1, 1, 8) + timedelta(days=rng.randint(0, 60))
    return ReportPlan(body=BODIES[report.body], year=report.year, template=report.template, published=published,
                      doc_id=1_200_000 + rng.randint(0, 899_999), title_has_year=report.title_has_year,
                      heading_style=report.heading_style, social_org_label=report.social_org_label,
                      values=dict(values))


def portal_of(body_key: str, editor: str = "TRS_Editor") -> Portal:
    return Portal(county=COUNTIES[PORTAL_OF[body_key]], column_path="/xxgk/gknb/", column_name="政府信息公开年报", items_per_page=10,
                  site_code="4109230001", editor_class=editor,
                  title_tag="h1" if editor == "TRS_Editor" else "div")


def page_url(body_key: str, day: date, doc_id: int, suffix: str = "html") -> str:
    slug = PORTAL_OF[body_key]
    name = f"t{day:%Y%m%d}_{doc_id}.html" if suffix == "html" else f"P0{day:%Y%m%d}{doc_id:012d}.{suffix}"
    return f"http://www.{slug}.gov.cn/xxgk/gknb/{day:%Y%m}/{name}"


def metadata(code: str, day: date, doc_id: int, publisher: str) -> tuple[tuple[str, str], ...]:
    return (("索引号", f"{code}/{day.year}-{doc_id % 100_000:05d}"), ("主题分类", "综合政务\\政务公开"),
            ("发布机构", publisher), ("成文日期", (day - timedelta(days=1)).isoformat()), ("文号", ""),
            ("发布日期", day.isoformat()))


def detail_page(portal: Portal, *, title: str, publisher: str, code: str, day: date, doc_id: int,
                content: str, charset: str | None) -> str:
    main = detail_main(portal, title=title, publisher=publisher, day=day,
                       metadata=metadata(code, day, doc_id, publisher), content=content)
    return page(portal, title=title, main=main, charset=charset, extra_meta=article_meta(title, publisher, day))


def grids_of(report: Report, shown: Mapping[Key, str | None]) -> dict[str, Grid]:
    # the grid builders print str(value), so printed texts stand in for the numbers
    return {
        "proactive": proactive_grid(report.template, shown),
        "requests": requests_grid(report.template, shown, report.social_org_label),
        "appeals": appeals_grid(shown),
    }


def html_tables(grid: Grid, table: str, split: bool) -> list[str]:
    if not split:
        return [word_table(grid)]
    if table == "proactive":  # one table per 第二十条 item
        starts = [index for index, row in enumerate(grid) if row[0].text.startswith("第二十条")]
    elif table == "requests":  # header and the first two rows, then the outcomes: no rowspan crosses the cut
        starts = [0, 5]
    else:  # appeals: the header rows, then the row of numbers
        starts = [0, 3]
    bounds = [*starts, len(grid)]
    return [word_table(grid[start:end]) for start, end in zip(bounds, bounds[1:])]


def report_html_content(report: Report, plan: ReportPlan, grids: Mapping[str, Grid]) -> str:
    parts = [paragraph(report_title(plan), bold=True, center=True), paragraph(intro(plan))]
    for section in sections(plan):
        parts.append(paragraph(section.heading, bold=True))
        parts.extend(paragraph(text) for text in section.paragraphs)
        if section.table:
            parts.extend(html_tables(grids[section.table], section.table, "split" in report.layout))
    body, day = signature(plan)
    parts.append(f'<p class="MsoNormal" align="right" style="text-align:right">{escape(body)}</p>')
    parts.append(f'<p class="MsoNormal" align="right" style="text-align:right">{day}</p>')
    content = "\n".join(parts)
    if "nested" in report.layout:
        content = ('<table width="100%" border="0" cellspacing="0" cellpadding="0"><tbody><tr>'
                   f'<td valign="top" style="padding:10px">\n{content}\n</td></tr></tbody></table>')
    return content


_CHARSETS = {  # encoding -> (charset in <meta>, Content-Type header, codec)
    "utf-8": ("utf-8", "text/html; charset=utf-8", "utf-8"),
    "gbk-meta": ("gb2312", "text/html", "gbk"),
    "gbk-undeclared": (None, "text/html", "gbk"),
}


def render_html(report: Report, plan: ReportPlan, shown: Mapping[Key, str | None]) -> tuple[bytes, str]:
    charset, content_type, codec = _CHARSETS[report.encoding]
    content = report_html_content(report, plan, grids_of(report, shown))
    html = detail_page(portal_of(report.body, report.editor), title=report_title(plan), publisher=plan.body.name,
                       code=plan.body.code, day=plan.published, doc_id=plan.doc_id, content=content,
                       charset=charset)
    return html.encode(codec), content_type


def render_text(report: Report, plan: ReportPlan, shown: Mapping[Key, str | None]) -> bytes:
    grids = grids_of(report, shown)
    blocks: list[str | rf.Grid] = [report_title(plan), intro(plan)]
    for section in sections(plan):
        blocks.append(section.heading)
        blocks.extend(section.paragraphs)
        if section.table:
            blocks.append(rf.grid_from_rows(grids[section.table]))
    blocks.extend(signature(plan))
    text = rf.to_text(blocks) if report.text_layout == "tabs" else rf.to_cell_lines(blocks)
    return text.encode("utf-8")


class Unavailable(Exception):
    """A tool the renderer needs is missing: keep the committed file."""


def render_doc(plan: ReportPlan) -> bytes:
    """The DOCX rendering saved as Word 97 by LibreOffice, as portals' .doc attachments are."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        raise Unavailable("LibreOffice (soffice) is not on PATH")
    with tempfile.TemporaryDirectory(prefix="corpus-doc-") as work:
        folder = Path(work)
        (folder / "report.docx").write_bytes(report_docx(plan))
        subprocess.run([program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                        "--norestore", "--convert-to", "doc:MS Word 97", "--outdir", str(folder / "out"),
                        str(folder / "report.docx")], check=True, capture_output=True, timeout=180)
        return (folder / "out" / "report.doc").read_bytes()


_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _sheet_cell(text: str, header: bool, as_text: bool) -> object:
    if header or as_text or not _PLAIN_NUMBER.fullmatch(text):
        return text
    return int(text) if "." not in text else Decimal(text)


def _put_grid(sheet, grid: Grid, top: int, as_text: bool) -> int:
    """Write ``grid`` with its merged cells from row ``top`` (1-based); return the next free row."""
    for r, c, cell in place(grid):
        sheet.cell(row=top + r, column=1 + c, value=_sheet_cell(cell.text, cell.header, as_text))
        if cell.rowspan > 1 or cell.colspan > 1:
            sheet.merge_cells(start_row=top + r, start_column=1 + c,
                              end_row=top + r + cell.rowspan - 1, end_column=c + cell.colspan)
    return top + len(grid)


def render_xlsx(report: Report, plan: ReportPlan, shown: Mapping[Key, str | None]) -> bytes:
    from openpyxl import Workbook

    grids = grids_of(report, shown)
    moment = datetime.combine(plan.published, time(9, 0))
    workbook = Workbook()
    workbook.properties.creator = plan.body.name
    workbook.properties.created = workbook.properties.modified = moment
    title = report_title(plan)
    tables = [section for section in sections(plan) if section.table]
    sheet = workbook.active
    if report.sheets == "one":
        sheet.title = "年度报告"
        sheet.cell(row=1, column=1, value=title)
        row = 2
        for section in tables:
            sheet.cell(row=row, column=1, value=section.heading)
            row = _put_grid(sheet, grids[section.table], row + 1, report.numbers_as_text) + 1
    else:
        for index, section in enumerate(tables):
            if index:
                sheet = workbook.create_sheet()
            sheet.title = section.heading.split("、", 1)[1][:31]
            top = 1
            if index == 0:
                sheet.cell(row=1, column=1, value=title)
                sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=column_count(grids[section.table]))
                top = 2
            _put_grid(sheet, grids[section.table], top, report.numbers_as_text)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return fixed_zip(buffer.getvalue(), modified=f"{moment:%Y-%m-%dT%H:%M:%S}Z")


_MODIFIED = re.compile(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def fixed_zip(data: bytes, *, modified: str) -> bytes:
    """The package again with fixed member times and modification date: writers stamp the current time."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                member = _MODIFIED.sub(rf"\g<1>{modified}\g<2>", member.decode("utf-8")).encode("utf-8")
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, member)
    return out.getvalue()


# ---- cases ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    name: str
    file: str
    content: Callable[[], bytes]  # rendered only when writing
    label: dict


def _label(*, file: str, url: str, content_type: str | None, fetched_at: datetime, format: str,
           is_annual_report: bool, body: str | None, year: int | None, template: str | None,
           values: Mapping[Key, Decimal | None], rule_failures: list | None = None, image_only: bool = False,
           features: tuple[str, ...] = (), note: str = "", producer: str = "simportal") -> dict:
    label = {
        "file": file, "url": url, "content_type": content_type, "fetched_at": fetched_at.isoformat(),
        "format": format, "producer": producer, "is_annual_report": is_annual_report, "body": body, "year": year,
        "template": template, "image_only": image_only,
        "values": {".".join(key): None if value is None else str(value) for key, value in values.items()},
        "rule_failures": rule_failures or [], "features": list(features),
    }
    if note:
        label["note"] = note
    return label


def _fetched(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=20), time(8, 0), tzinfo=UTC)


def _features(report: Report) -> tuple[str, ...]:
    features = [report.format, report.template]
    if report.format == "html":
        features.append(report.encoding)
    if report.format == "text":
        features.append(f"text-{report.text_layout}")
    if report.format == "xlsx":
        features.append(f"sheets-{report.sheets}")
        if report.numbers_as_text:
            features.append("numbers-as-text")
    features.extend(report.layout)
    if report.digits:
        features.append(f"digits-{report.digits}")
    if report.dashes or report.marks:
        features.append("not-given")
    if report.rule_break:
        features.append(f"break-{report.rule_break}")
    if report.dense:
        features.append("dense")
    if not report.title_has_year:
        features.append("no-year-in-title")
    if report.heading_style == "arabic":
        features.append("arabic-headings")
    if report.social_org_label != "社会公益组织":
        features.append("social-org-label")
    return tuple(features)


def report_case(report: Report) -> Case:
    values = report_values(report)
    plan = plan_of(report, values)
    shown = shown_values(report, values)
    suffix = {"html": "html", "text": "txt"}.get(report.format, report.format)
    url = page_url(report.body, plan.published, plan.doc_id, "html" if report.format == "html" else suffix)
    content_type = {"text": "text/plain", **_MEDIA}.get(report.format)
    if report.format == "html":
        content_type = _CHARSETS[report.encoding][1]
    if not report.content_type_sent:
        content_type = None
    renderers = {
        "html": lambda: render_html(report, plan, shown)[0],
        "docx": lambda: report_docx(plan),
        "pdf": lambda: report_pdf(plan),
        "text": lambda: render_text(report, plan, shown),
        "doc": lambda: render_doc(plan),
        "xlsx": lambda: render_xlsx(report, plan, shown),
    }
    label = _label(file=f"report.{suffix}", url=url, content_type=content_type, fetched_at=_fetched(plan.published),
                   format=report.format, is_annual_report=True, body=plan.body.name, year=report.year,
                   template=report.template, values={key: values[key] for key in all_keys(report.template)},
                   rule_failures=expected_failures(report, values), features=_features(report))
    return Case(name=report.name, file=f"report.{suffix}", content=renderers[report.format], label=label)


def other_case(name: str, title: str, kind: str, day: date, publisher_key: str) -> Case:
    publisher = BODIES[publisher_key]
    county = COUNTIES[PORTAL_OF[publisher_key]]
    doc_id = 1_300_000 + sum(map(ord, name)) * 7
    plan = OtherPlan(title=title, kind=kind, published=day, doc_id=doc_id, publisher=publisher.name)

    def content() -> bytes:
        html = detail_page(portal_of(publisher_key), title=title, publisher=publisher.name, code=publisher.code,
                           day=day, doc_id=doc_id, content=other_content(plan, county), charset="utf-8")
        return html.encode("utf-8")

    label = _label(file="page.html", url=page_url(publisher_key, day, doc_id), content_type="text/html; charset=utf-8",
                   fetched_at=_fetched(day), format="html", is_annual_report=False, body=None, year=None,
                   template=None, values={}, features=("html", "non-report", kind))
    return Case(name=name, file="page.html", content=content, label=label)


def list_page_case() -> Case:
    portal = portal_of("tongchuan")
    entries = tuple(
        (f"./{day:%Y%m}/t{day:%Y%m%d}_{1_250_000 + index}.html", title, day)
        for index, (title, day) in enumerate((
            ("桐川县人民政府2023年政府信息公开工作年度报告", date(2024, 1, 19)),
            ("桐川县卫生健康委员会2023年政府信息公开工作年度报告", date(2024, 1, 16)),
            ("桐川县自然资源局2023年政府信息公开工作年度报告", date(2024, 1, 12)),
            ("南湖街道办事处2023年政府信息公开工作年度报告", date(2024, 1, 10)),
            ("桐川县人民政府2022年政府信息公开工作年度报告", date(2023, 1, 18)),
        ))
    )

    def content() -> bytes:
        html = page(portal, title=portal.column_name, main=list_main(portal, entries, 0, 3))
        return html.encode("utf-8")

    label = _label(file="page.html", url="http://www.tongchuan.gov.cn/xxgk/gknb/index.html",
                   content_type="text/html; charset=utf-8", fetched_at=_fetched(date(2024, 2, 1)), format="html",
                   is_annual_report=False, body=None, year=None, template=None, values={},
                   features=("html", "non-report", "list-page"))
    return Case(name="other-list-page", file="page.html", content=content, label=label)


def attachment_page_case() -> Case:
    """A report page that only links its attachment: a report, with no numbers on the page."""
    report = Report(name="html-attachment-only", format="html", body="yunxi-market", year=2022, template="v2021")
    plan = plan_of(report, {})
    attachment = page_url(report.body, plan.published, plan.doc_id, "docx").rsplit("/", 1)[1]
    title = report_title(plan)
    content = "\n".join((
        paragraph(title, bold=True, center=True),
        paragraph(f"根据《中华人民共和国政府信息公开条例》规定，现将{plan.body.name}{plan.year}年"
                  "政府信息公开工作年度报告予以公布，详见附件。"),
        attachment_links((("./" + attachment, f"{title}.docx"),)),
    ))

    def render() -> bytes:
        return detail_page(portal_of(report.body), title=title, publisher=plan.body.name, code=plan.body.code,
                           day=plan.published, doc_id=plan.doc_id, content=content, charset="utf-8").encode("utf-8")

    label = _label(file="page.html", url=page_url(report.body, plan.published, plan.doc_id),
                   content_type="text/html; charset=utf-8", fetched_at=_fetched(plan.published), format="html",
                   is_annual_report=True, body=plan.body.name, year=plan.year, template=None, values={},
                   features=("html", "attachment-only"),
                   note="the tables are in the linked attachment; the page itself gives no numbers")
    return Case(name=report.name, file="page.html", content=render, label=label)


def image_html_case() -> Case:
    report = Report(name="image-only-html", format="html", body="bailu", year=2023, template="v2021")
    plan = plan_of(report, {})
    images = "\n".join(
        f'<p style="text-align:center"><img src="./W0{plan.published:%Y%m%d}{plan.doc_id}{page_number}.png" '
        f'width="600" border="0" /></p>'
        for page_number in range(1, 5)
    )

    def render() -> bytes:
        return detail_page(portal_of(report.body), title=report_title(plan), publisher=plan.body.name,
                           code=plan.body.code, day=plan.published, doc_id=plan.doc_id, content=images,
                           charset="utf-8").encode("utf-8")

    label = _label(file="page.html", url=page_url(report.body, plan.published, plan.doc_id),
                   content_type="text/html; charset=utf-8", fetched_at=_fetched(plan.published), format="html",
                   is_annual_report=True, body=plan.body.name, year=plan.year, template=None, values={},
                   image_only=True, features=("html", "image-only"),
                   note="the body is only <img> tags: the report is published as pictures")
    return Case(name=report.name, file="page.html", content=render, label=label)


def scanned_pdf() -> bytes:
    """Two pages, each one raster image of a ruled table and no text layer, as a scanner makes them."""
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    sheet = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    for page_number in range(2):
        image = Image.new("1", (620, 860), 1)
        draw = ImageDraw.Draw(image)
        rows = 24 + page_number * 4
        for row in range(rows + 1):
            draw.line((20, 40 + row * 30, 600, 40 + row * 30), fill=0, width=2)
        for column in (20, 180, 300, 360, 420, 480, 540, 600):
            draw.line((column, 40, column, 40 + rows * 30), fill=0, width=2)
        sheet.drawImage(ImageReader(image), 40, 60, width=515, height=715)
        sheet.showPage()
    sheet.save()
    return buffer.getvalue()


def image_pdf_case() -> Case:
    day = date(2024, 1, 23)
    label = _label(file="report.pdf", url=page_url("tongchuan-health", day, 77_104, "pdf"),
                   content_type="application/pdf", fetched_at=_fetched(day), format="pdf", is_annual_report=False,
                   body=None, year=None, template=None, values={}, image_only=True, features=("pdf", "image-only"),
                   note="a scanned report: without a text layer the bytes cannot show what it is; "
                        "its page names it, its own extraction must read nothing")
    return Case(name="image-only-pdf", file="report.pdf", content=scanned_pdf, label=label)


# ---- documents from other producers ---------------------------------------------------------------

@dataclass(frozen=True, slots=True, kw_only=True)
class Styled:
    """A busy body's report (few zero cells) made by another producer than the project's renderers."""

    name: str
    producer: str  # word-docx | libreoffice-pdf | libreoffice-doc | word-paste-html | p-cells-html | br-headers-html
    body: str  # key of BODIES
    year: int
    template: str
    chrome: str = "trs"  # html: trs | hanweb | gkmlpt
    encoding: str = "utf-8"  # html: utf-8 | gbk-meta
    hybrid: bool = False  # v2021 printing the single old row （六）其他处理
    millions: bool = False  # 行政许可/行政处罚 decisions in the millions
    places: int = 4  # decimals of the money cells
    typos: Mapping[str, str] = field(default_factory=dict)  # row label -> as printed
    numbering: str = "."  # "、": items numbered "1、" in place of "1."
    marks: Mapping[Key, str] = field(default_factory=dict)  # cells printed as "—", "/" or blank
    title_lines: int = 1  # 2: the body's name on a line of its own above the title
    units: bool = False  # money printed with its unit: 收费金额 in 元 (the key is in 万元), 采购总金额 in 万元
    split_labels: bool = False  # long row labels typed over two lines (two <p> in HTML)
    page_number: str = "footer"  # Word: where "- 1 -" goes: footer | header (read before the title)
    distribute: bool = False  # Word: labels and headers spread over their cells (分散对齐)
    padding: int = 0  # Word: prose lines before the requests table, placing its page break


_TYPO = {"2.其他法律行政法规禁止公开": "2.其他法律行政止公开"}
_WORD_FORMATS = {"word-docx": "docx", "libreoffice-pdf": "pdf", "libreoffice-doc": "doc"}
_NOT_GIVEN_MARKS = {("proactive", "fees", "amount_10k_yuan"): "—", ("requests", "denied_inquiry", "research"): "/",
                    ("requests", "rejected_excessive", "other_org"): "",
                    ("appeals", "litigation_after_reconsideration", "pending"): "—"}

_NOT_GIVEN_V2019 = {("proactive", "procurement", "amount"): "/", ("requests", "unable_unclear", "research"): "—",
                    ("appeals", "litigation_direct", "pending"): ""}

# the total column of some rows left blank while the others are filled
_BLANK_TOTALS = {("requests", "granted", "total"): "", ("requests", "partly_granted", "total"): "",
                 ("requests", "denied_state_secret", "total"): ""}

STYLED = (
    Styled(name="pdf-word-v2021-pages", producer="libreoffice-pdf", body="lanzhou", year=2023, template="v2021",
           millions=True, places=6, title_lines=2, padding=3),
    Styled(name="pdf-word-v2019-pages", producer="libreoffice-pdf", body="qingyuan", year=2020, template="v2019",
           typos=_TYPO, padding=6),
    Styled(name="pdf-word-hybrid-v2021", producer="libreoffice-pdf", body="lanzhou-transport", year=2022,
           template="v2021", hybrid=True, numbering="、", padding=1),
    Styled(name="pdf-word-not-given-v2021", producer="libreoffice-pdf", body="wanghai", year=2024, template="v2021",
           marks=_NOT_GIVEN_MARKS, places=5),
    Styled(name="doc-word-v2021", producer="libreoffice-doc", body="qingyuan", year=2022, template="v2021",
           typos=_TYPO, places=5, marks=_NOT_GIVEN_MARKS),
    Styled(name="doc-word-hybrid-v2021", producer="libreoffice-doc", body="lanzhou", year=2021, template="v2021",
           hybrid=True, millions=True),
    Styled(name="docx-word-v2019", producer="word-docx", body="lanzhou-transport", year=2019, template="v2019",
           numbering="、", title_lines=2),
    Styled(name="docx-word-v2021", producer="word-docx", body="lanzhou", year=2024, template="v2021",
           millions=True, places=6, typos=_TYPO, marks=_NOT_GIVEN_MARKS),
    Styled(name="html-word-paste-v2021", producer="word-paste-html", body="lanzhou", year=2022, template="v2021",
           millions=True, places=6),
    Styled(name="html-word-paste-v2019", producer="word-paste-html", body="qingyuan", year=2019, template="v2019",
           encoding="gbk-meta", typos=_TYPO),
    Styled(name="html-word-paste-hybrid-v2021", producer="word-paste-html", body="lanzhou-transport", year=2023,
           template="v2021", hybrid=True, marks=_NOT_GIVEN_MARKS),
    Styled(name="html-p-cells-v2021", producer="p-cells-html", body="qingyuan", year=2023, template="v2021",
           chrome="hanweb", places=5),
    Styled(name="html-p-cells-v2019", producer="p-cells-html", body="lanzhou-transport", year=2020, template="v2019",
           chrome="hanweb", numbering="、", marks=_NOT_GIVEN_V2019),
    Styled(name="html-gkmlpt-v2021", producer="p-cells-html", body="wanghai", year=2022, template="v2021",
           chrome="gkmlpt", millions=True),
    Styled(name="html-gkmlpt-hybrid-v2021", producer="word-paste-html", body="wanghai", year=2023, template="v2021",
           chrome="gkmlpt", hybrid=True, typos=_TYPO),
    Styled(name="html-br-headers-v2019", producer="br-headers-html", body="lanzhou", year=2020, template="v2019",
           chrome="hanweb", millions=True),
    Styled(name="html-word-paste-units-v2021", producer="word-paste-html", body="qingyuan", year=2021,
           template="v2021", units=True, split_labels=True, places=6, marks=_BLANK_TOTALS),
    Styled(name="html-p-cells-units-v2019", producer="p-cells-html", body="wanghai", year=2021, template="v2019",
           chrome="gkmlpt", units=True, split_labels=True),
    Styled(name="pdf-word-units-v2019", producer="libreoffice-pdf", body="lanzhou", year=2019, template="v2019",
           units=True, split_labels=True, page_number="header", millions=True, padding=2),
    Styled(name="pdf-word-distributed-v2021", producer="libreoffice-pdf", body="qingyuan", year=2024,
           template="v2021", distribute=True, places=5, padding=4),
    Styled(name="pdf-word-distributed-v2019", producer="libreoffice-pdf", body="wanghai", year=2020,
           template="v2019", distribute=True, typos=_TYPO, split_labels=True),
    Styled(name="docx-word-units-v2021", producer="word-docx", body="qingyuan", year=2023, template="v2021",
           units=True, split_labels=True, page_number="header", marks=_BLANK_TOTALS),
    Styled(name="html-br-headers-v2021", producer="br-headers-html", body="qingyuan", year=2024, template="v2021",
           marks=_NOT_GIVEN_MARKS),
)


def styled_values(spec: Styled) -> dict[Key, Decimal | None]:
    rng = random.Random(f"{SEED}:{spec.name}")
    values: dict[Key, Decimal | None] = dict(dense_values(rng, spec.template, hybrid=spec.hybrid,
                                                          millions=spec.millions, places=spec.places))
    for key in spec.marks:
        values[key] = None
    return values


def _relabel(grid: Grid, spec: Styled) -> Grid:
    def text(cell: Cell) -> str:
        printed = spec.typos.get(cell.text, cell.text)
        printed = _ITEM_NUMBER.sub(r"\1、", printed) if spec.numbering == "、" else printed
        if spec.split_labels and not cell.header and len(printed) > 10 and "\n" not in printed:
            printed = f"{printed[:len(printed) // 2]}\n{printed[len(printed) // 2:]}"
        return printed

    return tuple(tuple(replace(cell, text=text(cell)) for cell in row) for row in grid)


_ITEM_NUMBER = re.compile(r"^([1-9])\.")


_MONEY_PRINTED = {("proactive", "fees", "amount_10k_yuan"): (10_000, "元"),
                  ("proactive", "procurement", "amount"): (1, "万元")}


def _with_unit(key: Key, text: str | None) -> str | None:
    if text is None or key not in _MONEY_PRINTED:
        return text
    factor, unit = _MONEY_PRINTED[key]
    return f"{Decimal(text) * factor:f}".rstrip("0").rstrip(".") + unit if "." in text else f"{text}{unit}"


def styled_grids(spec: Styled, shown: Mapping[Key, str | None]) -> dict[str, Grid]:
    printed = {key: spec.marks.get(key, _with_unit(key, text) if spec.units else text) for key, text in shown.items()}
    grids = {
        "proactive": proactive_grid(spec.template, printed),
        "requests": requests_grid("v2019" if spec.hybrid else spec.template, printed),
        "appeals": appeals_grid(printed),
    }
    return {table: _relabel(grid, spec) for table, grid in grids.items()}


def styled_blocks(plan: ReportPlan) -> list[tuple[str, str]]:
    blocks = [("title", report_title(plan)), ("p", intro(plan))]
    for section in sections(plan):
        blocks.append(("h", section.heading))
        blocks.extend(("p", text) for text in section.paragraphs)
        if section.table:
            blocks.append(("table", section.table))
    blocks.extend(("sign", line) for line in signature(plan))
    return blocks


def styled_url(spec: Styled, plan: ReportPlan) -> str:
    host = f"http://www.{PORTAL_OF[spec.body]}.gov.cn"
    day = plan.published
    if spec.producer in _WORD_FORMATS:
        return page_url(spec.body, day, plan.doc_id, _WORD_FORMATS[spec.producer])
    if spec.chrome == "hanweb":
        return f"{host}/art/{day.year}/{day.month}/{day.day}/art_{_HANWEB_COLUMN}_{plan.doc_id}.html"
    if spec.chrome == "gkmlpt":
        return f"{host}/gkmlpt/content/{plan.doc_id // 10**6}/{plan.doc_id // 1000 % 1000}/post_{plan.doc_id}.html"
    return page_url(spec.body, day, plan.doc_id)


_HANWEB_COLUMN = 1229617363
_MARKUPS = {"word-paste-html": cms.word_paste, "p-cells-html": cms.p_cells, "br-headers-html": cms.br_headers}


def render_styled_html(spec: Styled, plan: ReportPlan, grids: Mapping[str, Grid]) -> bytes:
    content = _MARKUPS[spec.producer](styled_blocks(plan), grids)
    body = plan.body
    index_code = f"{body.code}/{plan.published.year}-{plan.doc_id % 100_000:05d}"
    site = f"{COUNTIES[PORTAL_OF[spec.body]]}人民政府" if spec.body != "wanghai" else body.name
    if spec.chrome == "hanweb":
        html = cms.hanweb_page(site=site, title=report_title(plan), publisher=body.name, day=plan.published,
                               index_code=index_code, content=content, column_id=_HANWEB_COLUMN,
                               article_id=plan.doc_id)
    elif spec.chrome == "gkmlpt":
        html = cms.gkmlpt_page(site=site, title=report_title(plan), publisher=body.name, day=plan.published,
                               index_code=index_code, content=content, post_id=plan.doc_id)
    else:
        charset = "gb2312" if spec.encoding == "gbk-meta" else "utf-8"
        html = detail_page(portal_of(spec.body), title=report_title(plan), publisher=body.name, code=body.code,
                           day=plan.published, doc_id=plan.doc_id, content=content, charset=charset)
    return html.encode("gbk" if spec.encoding == "gbk-meta" else "utf-8")


def render_styled_word(spec: Styled, plan: ReportPlan, grids: Mapping[str, Grid]) -> bytes:
    title = report_title(plan)
    lines = (plan.body.name, title.removeprefix(plan.body.name)) if spec.title_lines == 2 else (title,)
    moment = datetime.combine(plan.published, time(9, 0))
    docx = word.word_document(title_lines=lines, intro=intro(plan), sections=sections(plan), grids=dict(grids),
                              signature=signature(plan), moment=moment, author=plan.body.name,
                              padding=spec.padding, page_number=spec.page_number, distribute=spec.distribute)
    target = _WORD_FORMATS[spec.producer]
    if target == "docx":
        return fixed_zip(docx, modified=f"{moment:%Y-%m-%dT%H:%M:%S}Z")
    try:
        return word.export(docx, target)
    except word.Unavailable as reason:
        raise Unavailable(str(reason)) from reason


def _styled_features(spec: Styled) -> tuple[str, ...]:
    fmt = _WORD_FORMATS.get(spec.producer, "html")
    features = [fmt, spec.template, spec.producer, "dense"]
    if fmt == "html":
        features.extend((spec.chrome, spec.encoding))
    flags = {"hybrid": spec.hybrid, "millions": spec.millions, "label-typo": bool(spec.typos),
             "numbered-1、": spec.numbering == "、", "not-given": bool(spec.marks),
             "title-two-lines": spec.title_lines == 2, "table-across-pages": spec.producer == "libreoffice-pdf",
             "units-in-cells": spec.units, "labels-over-two-lines": spec.split_labels,
             "page-number-above-title": spec.page_number == "header", "distributed-labels": spec.distribute}
    features.extend(name for name, on in flags.items() if on)
    features.append(f"money-{spec.places}-places")
    return tuple(features)


def styled_case(spec: Styled) -> Case:
    values = styled_values(spec)
    rng = random.Random(f"{SEED}:{spec.name}:plan")
    published = date(spec.year + 1, 1, 10) + timedelta(days=rng.randint(0, 50))
    plan = ReportPlan(body=BODIES[spec.body], year=spec.year, template=spec.template, published=published,
                      doc_id=2_100_000 + rng.randint(0, 899_999), values=dict(values))
    shown = {key: None if value is None else str(value) for key, value in values.items()}
    grids = styled_grids(spec, shown)
    fmt = _WORD_FORMATS.get(spec.producer, "html")
    file = f"report.{fmt}"
    content_type = _MEDIA.get(fmt, "text/html" if spec.encoding == "gbk-meta" else "text/html; charset=utf-8")
    given = [Value(table=t, row=r, column=c, value=v) for (t, r, c), v in values.items()]
    failing = [check for check in check_values(spec.template, given) if check.status == "fail"]
    if failing:
        raise AssertionError(f"{spec.name}: the numbers break {failing}")
    render = (lambda: render_styled_html(spec, plan, grids)) if fmt == "html" else (
        lambda: render_styled_word(spec, plan, grids))
    label = _label(file=file, url=styled_url(spec, plan), content_type=content_type, fetched_at=_fetched(published),
                   format=fmt, is_annual_report=True, body=plan.body.name, year=spec.year, template=spec.template,
                   values=values, features=_styled_features(spec), producer=spec.producer,
                   note="v2021 report printing the single v2019 row （六）其他处理: its numbers are requests.other.*"
                   if spec.hybrid else "")
    return Case(name=spec.name, file=file, content=render, label=label)


# Seeds: real reports, text converted from DOCX/PDF; all tables zero.
SEED_LABELS = (
    ("000_88f21ce372e9fb84.txt", "十四道沟镇人民政府", 2021, "v2019", ("title without year", "year from prose")),
    ("001_a9373f51bed65c11.txt", "丹朱镇人民政府", 2020, "v2019", ("stray cells", "appeals row blank")),
    ("002_a271fd34d795767a.txt", "清河头乡人民政府", 2021, "v2021", ()),
    ("003_e0ddddd15fe580f0.txt", "留车镇人民政府", 2021, "v2021", ("body without 人民政府 in title",)),
    ("004_b65cffdf1b4315e2.txt", "上馆镇人民政府", 2022, "v2019", ("year from period", "3、 headings")),
)
_SEED_NOT_GIVEN = {"001_a9373f51bed65c11.txt": {("appeals", "reconsideration", column)
                                                for column in ("upheld", "corrected", "other", "pending", "total")}}


def seed_case(file_name: str, body: str, year: int, template: str, features: tuple[str, ...]) -> Case:
    not_given = _SEED_NOT_GIVEN.get(file_name, set())
    values = {key: None if key in not_given else D(0) for key in all_keys(template)}
    label = _label(file=file_name, url=f"file:///seeds/{file_name}", content_type="text/plain",
                   fetched_at=datetime(2024, 3, 1, 8, 0, tzinfo=UTC), format="text", is_annual_report=True,
                   body=body, year=year, template=template, values=values,
                   features=("text", template, "seed", *features), note="a real report (tests/seeds)",
                   producer="seed")
    return Case(name=f"seed-{file_name[:3]}", file=file_name, content=lambda: (SEEDS / file_name).read_bytes(),
                label=label)


def all_cases() -> tuple[Case, ...]:
    return (
        *(seed_case(*row) for row in SEED_LABELS),
        *(report_case(report) for report in REPORTS),
        *(styled_case(spec) for spec in STYLED),
        attachment_page_case(),
        image_html_case(),
        image_pdf_case(),
        *(other_case(*row) for row in NON_REPORTS),
        list_page_case(),
    )


def label_text(label: dict) -> str:
    return json.dumps(label, ensure_ascii=False, indent=1) + "\n"


def write(target: Path = CORPUS) -> list[str]:
    cases = all_cases()
    names = [case.name for case in cases]
    if len(set(names)) != len(names):
        raise AssertionError("case names repeat")
    for old in target.iterdir():
        if old.is_dir() and (old / "label.json").exists() and old.name not in names:
            shutil.rmtree(old)
    for case in cases:
        folder = target / case.name
        folder.mkdir(parents=True, exist_ok=True)
        try:
            content = case.content()
        except Unavailable as reason:
            if not (folder / case.file).exists():
                raise
            print(f"{case.name}: kept the committed {case.file} ({reason})")
        else:
            for old in folder.iterdir():
                old.unlink()
            (folder / case.file).write_bytes(content)
        (folder / "label.json").write_text(label_text(case.label), encoding="utf-8")
    return names


def main(argv: list[str]) -> int:
    target = Path(argv[0]) if argv else CORPUS
    names = write(target)
    size = sum(path.stat().st_size for path in target.rglob("*") if path.is_file())
    print(f"{len(names)} cases written to {target} ({size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
