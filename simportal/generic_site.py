"""A simulated county portal on a generic CMS (no TRS, Hanweb or gkmlpt markers): 梅川县.

The annual-report column ``/zwgk/ndbg/index.html`` pages by ``?page=N``: each page links
the pages around it by number and the next one by "下一页", and prints the record count
("共16条"). Detail pages sit outside the column at ``/info/1021/{id}.htm`` with the body in
``div.v_news_content``. Files are under ``/uploads/files/``: Word files linked by ``<a>``,
PDFs shown in an ``<iframe>``, an ``<embed>``, an ``<object>`` or through a pdf.js viewer
link (``/static/pdfjs/web/viewer.html?file=<url-encoded path>``). Built deterministically
(one seed), served by ``simportal.PortalServer``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime
from functools import lru_cache
from html import escape
from itertools import cycle
from types import MappingProxyType
from urllib.parse import quote

from extract.keys import APPLICANT_COLUMNS

from .model import Body, ExpectedReport, OtherPlan, ReportPlan, Request, Resource, Site
from .numbers import generate_values
from .other_pages import ROBOTS, other_content
from .prose import report_title
from .render_docx import report_docx
from .render_html import charset_meta
from .render_pdf import report_pdf
from .report_html import report_content

COUNTY = "梅川县"
SITE_NAME = f"{COUNTY}人民政府网"
COLUMN_PATH = "/zwgk/ndbg/"
COLUMN_NAME = "政府信息公开年度报告"
LIST_PATH = COLUMN_PATH + "index.html"
VIEWER_PATH = "/static/pdfjs/web/viewer.html"
PER_PAGE = 5
_INFO_COLUMN = 1021
_SEED = 4212
_CHINA = timezone(timedelta(hours=8))
_EPOCH = date(2019, 9, 1)
_HTML = "text/html; charset=UTF-8"
_MEDIA = {"pdf": "application/pdf",
          "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
# How each PDF attachment is shown, in turn.
PDF_STYLES = ("iframe", "embed", "viewer", "object")

BODIES = {
    "county": Body(name="梅川县人民政府", code="11421127011352006M", kind="county"),
    "police": Body(name="梅川县公安局", code="11421127011352102P", kind="department"),
    "stats": Body(name="梅川县统计局", code="114211270113521371", kind="department"),
    "eco": Body(name="梅川县生态环境局", code="11421127MB1C0573XK", kind="department"),
    "shimen": Body(name="石门镇人民政府", code="114211270113530158", kind="township"),
    "fenglin": Body(name="枫林乡人民政府", code="11421127011353023F", kind="township"),
}

REPORTS: tuple[tuple[str, int, str, dict], ...] = (
    ("county", 2023, "v2021", {"tables_in": "attachment", "attachment": "pdf"}),
    ("county", 2022, "v2021", {}),
    ("county", 2021, "v2021", {"tables_in": "both", "attachment": "docx"}),
    ("county", 2020, "v2019", {}),
    ("police", 2023, "v2021", {"tables_in": "attachment", "attachment": "pdf"}),
    ("police", 2022, "v2021", {"encoding": "gbk-meta"}),
    ("stats", 2022, "v2021", {"tables_in": "attachment", "attachment": "pdf", "social_org_label": "社会组织"}),
    ("stats", 2020, "v2019", {}),
    ("eco", 2023, "v2021", {"tables_in": "attachment", "attachment": "pdf"}),
    ("shimen", 2023, "v2021", {"dead_attachment": True}),
    ("fenglin", 2022, "v2021", {"heading_style": "arabic"}),
    ("fenglin", 2021, "v2021", {"tables_in": "attachment", "attachment": "docx"}),
)

OTHERS: tuple[tuple[str, str, date, str], ...] = (
    ("梅川县人民政府信息公开指南", "guide", date(2023, 5, 16), "county"),
    ("2024年梅川县人民政府工作报告", "work_report", date(2024, 2, 6), "county"),
    ("关于做好2023年度政府信息公开工作年度报告编制工作的通知", "notice", date(2023, 12, 20), "county"),
    ("梅川县统计局2021年政府信息公开工作年度报告", "dead", date(2022, 1, 25), "stats"),
)


@lru_cache(maxsize=None)
def build_generic_site() -> Site:
    rng = random.Random(_SEED)
    taken: set[int] = set()
    plans: dict[int, ReportPlan] = {}
    carried_out: dict[tuple[str, int], dict[str, int]] = {}
    # in year order, so a body's report carries in what its report of the year before carried out
    for index, (key, year, template, options) in sorted(enumerate(REPORTS), key=lambda row: row[1][1]):
        values = generate_values(rng, template, BODIES[key].kind, carried_out.get((key, year - 1)))
        published = date(year + 1, 1, 12) + timedelta(days=rng.randint(0, 55))
        plan = ReportPlan(body=BODIES[key], year=year, template=template, published=published,
                          doc_id=_info_id(rng, published, taken), values=values, **options)
        carried_out[(key, year)] = {column: int(plan.values[("requests", "carried_out", column)])
                                    for column in APPLICANT_COLUMNS
                                    if plan.values[("requests", "carried_out", column)] is not None}
        plans[index] = plan
    others = tuple(OtherPlan(title=title, kind=kind, published=day, doc_id=_info_id(rng, day, taken),
                             publisher=BODIES[publisher].name)
                   for title, kind, day, publisher in OTHERS)
    return _assemble(rng, tuple(plans[index] for index in range(len(REPORTS))), others)


def _info_id(rng: random.Random, day: date, taken: set[int]) -> int:
    number = 3_000 + (day - _EPOCH).days * 3 + rng.randint(0, 2)
    while number in taken:
        number += 1
    taken.add(number)
    return number


def detail_path(doc_id: int) -> str:
    return f"/info/{_INFO_COLUMN}/{doc_id}.htm"


def _file_path(rng: random.Random, day: date, extension: str) -> str:
    return f"/uploads/files/{day:%Y%m%d}/{rng.randint(10**14, 10**15 - 1)}.{extension}"


def _last_modified(day: date) -> tuple[tuple[str, str], ...]:
    moment = datetime.combine(day, time(16, 40), tzinfo=_CHINA).astimezone(timezone.utc)
    return (("Last-Modified", format_datetime(moment, usegmt=True)),)


# ---- assembling ------------------------------------------------------------------------

def _assemble(rng: random.Random, reports: tuple[ReportPlan, ...], others: tuple[OtherPlan, ...]) -> Site:
    pages: dict[str, Resource] = {}
    expected: list[ExpectedReport] = []
    non_reports: list[str] = []
    dead: list[str] = []
    entries: list[tuple[str, str, date]] = []
    styles = cycle(PDF_STYLES)
    for plan in reports:
        path = detail_path(plan.doc_id)
        files, gone = _add_files(rng, plan, pages, styles)
        dead.extend(gone)
        pages[path] = _detail_page(plan, report_title(plan), report_content(plan, ()) + files)
        entries.append((path, report_title(plan), plan.published))
        expected.append(ExpectedReport(page_path=path, body=plan.body.name, year=plan.year,
                                       template=plan.template, values=MappingProxyType(dict(plan.values)),
                                       tables_in=plan.tables_in))
    for plan in others:
        path = detail_path(plan.doc_id)
        entries.append((path, plan.title, plan.published))
        if plan.kind == "dead":
            dead.append(path)
            continue
        non_reports.append(path)
        pages[path] = _other_page(plan)
    entries.sort(key=lambda entry: (entry[2], entry[0]), reverse=True)
    pages.update(_fixed_pages())
    return Site(county=COUNTY, pages=MappingProxyType(pages), column_path=COLUMN_PATH,
                expected=tuple(expected), non_reports=tuple(non_reports), dead_links=tuple(dead),
                routes=MappingProxyType({LIST_PATH: _list_route(tuple(entries))}))


def _add_files(rng: random.Random, plan: ReportPlan, pages: dict[str, Resource], styles) -> tuple[str, list[str]]:
    """Put the plan's attachment into ``pages``; return the markup showing it and paths left dead."""
    title = report_title(plan)
    markup: list[str] = []
    dead: list[str] = []
    if plan.attachment:
        path = _file_path(rng, plan.published, plan.attachment)
        render = report_docx if plan.attachment == "docx" else report_pdf
        pages[path] = Resource(body=render(plan), content_type=_MEDIA[plan.attachment],
                               headers=_last_modified(plan.published))
        style = "link" if plan.attachment == "docx" else next(styles)
        markup.append(_show_file(style, path, f"{title}.{plan.attachment}"))
    if plan.dead_attachment:
        path = _file_path(rng, plan.published, "pdf")
        dead.append(path)
        markup.append(_show_file("iframe", path, title))
    return "".join(markup), dead


def _show_file(style: str, path: str, name: str) -> str:
    if style == "link":
        return f'<p class="attach">附件：<a href="{path}" target="_blank">{escape(name)}</a></p>'
    if style == "iframe":
        return f'<div class="pdf-view"><iframe src="{path}" width="100%" height="900" frameborder="0"></iframe></div>'
    if style == "embed":
        return f'<div class="pdf-view"><embed src="{path}" type="application/pdf" width="100%" height="900" /></div>'
    if style == "object":
        return (f'<div class="pdf-view"><object data="{path}" type="application/pdf" width="100%" height="900">'
                f"<p>您的浏览器不支持在线阅读，请下载后查看。</p></object></div>")
    viewer = f"{VIEWER_PATH}?file={quote(path, safe='')}"
    return f'<p class="attach">在线阅读：<a href="{viewer}" target="_blank">{escape(name)}</a></p>'


# ---- pages -----------------------------------------------------------------------------

_NAV = (("网站首页", "/index.htm"), ("政务公开", "/zwgk.htm"), ("政策文件", "/zwgk/zcwj.htm"),
        ("年度报告", LIST_PATH), ("互动交流", "/hdjl.htm"))


def _page(title: str, main: str, *, charset: str | None = "UTF-8") -> str:
    nav = "".join(f'<a href="{href}">{escape(text)}</a>' for text, href in _NAV)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head>
{charset_meta(charset)}<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{escape(title)}-{SITE_NAME}</title>
<link rel="stylesheet" href="/static/css/main.css" />
</head>
<body>
<header class="site-head"><div class="container"><span class="site-name">{SITE_NAME}</span>
<nav class="site-nav">{nav}</nav></div></header>
<main class="container">
{main}
</main>
<footer class="site-foot"><div class="container">
<p>{COUNTY}人民政府办公室主办　{COUNTY}融媒体中心维护</p><p>网站标识码：4211270001</p>
</div></footer>
</body></html>
"""


def _detail_page(plan: ReportPlan, title: str, content: str) -> Resource:
    main = _article(title, plan.body.name, plan.published, plan.doc_id, content)
    charset, header = {
        "utf-8": ("UTF-8", _HTML),
        "gbk-meta": ("gb2312", "text/html"),
        "gbk-wrong-header": (None, _HTML),
        "gbk-undeclared": (None, "text/html"),
    }[plan.encoding]
    html = _page(title, main, charset=charset)
    return Resource(body=html.encode("utf-8" if plan.encoding == "utf-8" else "gbk"), content_type=header,
                    headers=_last_modified(plan.published))


def _other_page(plan: OtherPlan) -> Resource:
    main = _article(plan.title, plan.publisher, plan.published, plan.doc_id, other_content(plan, COUNTY))
    return Resource(body=_page(plan.title, main).encode("utf-8"), content_type=_HTML,
                    headers=_last_modified(plan.published))


def _article(title: str, publisher: str, day: date, doc_id: int, content: str) -> str:
    return f"""<div class="crumbs">您的位置：<a href="/index.htm">首页</a> &gt; <a href="/zwgk.htm">政务公开</a> &gt; <a href="{LIST_PATH}">{COLUMN_NAME}</a></div>
<form name="_newscontent_fromname"><article class="news-detail">
<h2 class="news-title">{escape(title)}</h2>
<div class="news-meta">发布单位：{escape(publisher)}　发布日期：{day.isoformat()}　文档编号：MC-{day.year}-{doc_id}</div>
<div id="vsb_content"><div class="v_news_content">
{content}
</div></div>
</article></form>"""


def _list_route(entries: tuple[tuple[str, str, date], ...]):
    count = max(1, -(-len(entries) // PER_PAGE))

    def answer(request: Request) -> Resource:
        number = request.param("page", "1") or "1"
        page = int(number) if number.isascii() and number.isdigit() and int(number) >= 1 else 1
        chunk = entries[(page - 1) * PER_PAGE:page * PER_PAGE]
        rows = "\n".join(
            f'<li><a href="{path}" title="{escape(title)}">{escape(_shown(title))}</a>'
            f'<span class="time">{day.isoformat()}</span></li>'
            for path, title, day in chunk
        )
        main = f"""<div class="crumbs">您的位置：<a href="/index.htm">首页</a> &gt; <a href="/zwgk.htm">政务公开</a> &gt; {COLUMN_NAME}</div>
<section class="column"><h2>{COLUMN_NAME}</h2>
<ul class="doc-list">
{rows}
</ul>
{_pager(page, count, len(entries))}
</section>"""
        newest = chunk[0][2] if chunk else _EPOCH
        return Resource(body=_page(COLUMN_NAME, main).encode("utf-8"), content_type=_HTML,
                        headers=_last_modified(newest))

    return answer


def _shown(title: str) -> str:
    return title if len(title) <= 26 else title[:25] + "…"


def _pager(page: int, count: int, total: int) -> str:
    """Numbers around the current page, "下一页" while there is one, and the record count."""
    parts = [f"<span>共{total}条　{page}/{count}页</span>"]
    if page > 1:
        parts.append(f'<a href="?page={page - 1}">上一页</a>')
    for number in range(max(1, page - 2), min(count, page + 2) + 1):
        parts.append(f"<b>{number}</b>" if number == page else f'<a href="?page={number}">{number}</a>')
    parts.append(f'<a href="?page={page + 1}">下一页</a>' if page < count else "<span>下一页</span>")
    return f'<div class="pager">{"".join(parts)}</div>'


def _fixed_pages() -> dict[str, Resource]:
    fixed = _last_modified(_EPOCH)
    home = _page("首页", f'<p><a href="{LIST_PATH}">{COLUMN_NAME}</a></p>').encode("utf-8")
    viewer = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>PDF.js viewer</title></head>"
              "<body><div id=\"viewerContainer\"></div><script src=\"viewer.js\"></script></body></html>")
    return {
        "/": Resource(body=home, content_type=_HTML, headers=fixed),
        "/index.htm": Resource(body=home, content_type=_HTML, headers=fixed),
        VIEWER_PATH: Resource(body=viewer.encode("utf-8"), content_type=_HTML, headers=fixed),
        "/static/css/main.css": Resource(body=b"body{font-family:sans-serif}", content_type="text/css",
                                         headers=fixed),
        "/robots.txt": Resource(body=ROBOTS, content_type="text/plain", headers=fixed),
    }
