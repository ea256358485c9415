"""A second Hanweb (大汉) JCMS county portal, 蓼川县 (Jiangsu style), built apart from the adapter.

It differs from ``hanweb_site`` the way real Hanweb sites differ from one another:

- the whole site is GBK: pages declare ``gb2312`` in a meta tag and the server says only
  ``text/html``; the data proxy answers ``text/xml`` with the encoding in its XML declaration;
- the column page embeds its records as table rows (``<tr><td><a>`` with dates as
  ``2024/1/15``) and its jpage script names the older proxy path
  ``/module/jslib/jquery/jpage/dataproxy.jsp``, 5 records a page, groups of 2 pages; the
  proxy's form fields sit only in the script's ``ajaxParam`` object; the proxy answers GET
  and POST alike;
- detail pages keep the body in ``div#zoom`` without ContentStart/ContentEnd markers, and
  list their files in a ``相关附件`` block below it: ``downfile.jsp`` links that answer with a
  chain of two redirects, and Word files linked directly from ``/attach/-1/``;
- one report is listed as its PDF itself, no detail page;
- ``later=True`` builds the portal a night later: one report's appeals table edited in place
  (its list entry unchanged), one report withdrawn (404, gone from the list), one item
  dropped from the list while its page still answers, and a new report listed first, so
  every proxy range shifts by one.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime
from functools import lru_cache
from html import escape
from types import MappingProxyType

from extract.keys import APPLICANT_COLUMNS

from .model import Body, ExpectedReport, OtherPlan, ReportPlan, Request, Resource, Site
from .numbers import generate_values
from .other_pages import other_content
from .prose import report_title
from .render_docx import report_docx
from .render_html import paragraph
from .render_pdf import report_pdf
from .report_html import report_content

COUNTY = "蓼川县"
SITE_NAME = f"{COUNTY}人民政府"
WEB_ID = "18"
COLUMN_ID = "5812"
UNIT_ID = "30417"
COLUMN_NAME = "政府信息公开年度报告"
COLUMN_PATH = f"/col/col{COLUMN_ID}/"
PROXY_PATH = "/module/jslib/jquery/jpage/dataproxy.jsp"
DOWNLOAD_PATH = "/module/download/downfile.jsp"
SECOND_HOP = "/module/download/down.jsp"
PER_PAGE = 5
GROUP_SIZE = 2
_SIDE_COLUMN = ("5790", "30388", "热点信息")
_SEED = 3208
_CHINA = timezone(timedelta(hours=8))
_EPOCH = date(2018, 6, 1)
_HTML = "text/html"  # the charset only in the page's meta, as on many older Hanweb sites
_MEDIA = {"pdf": "application/pdf", "docx": "application/msword"}  # .docx served as msword, as seen
# The night the portal changes (``later=True``): after every date the portal carries.
CHANGED_AT = datetime(2026, 11, 30, 1, 30, tzinfo=timezone.utc)

BODIES = {
    "county": Body(name="蓼川县人民政府", code="11320826014156271A", kind="county"),
    "jyj": Body(name="蓼川县教育局", code="113208260141563054", kind="department"),
    "czj": Body(name="蓼川县财政局", code="11320826014156313T", kind="department"),
    "sthj": Body(name="蓼川县生态环境局", code="11320826MB1A50621K", kind="department"),
    "jtj": Body(name="蓼川县交通运输局", code="113208260141564186", kind="department"),
    "yjj": Body(name="蓼川县应急管理局", code="11320826MB1A5077XP", kind="department"),
    "sgj": Body(name="蓼川县水务局", code="11320826014156500Q", kind="department"),
    "qiaotou": Body(name="桥头镇人民政府", code="113208260141603325", kind="township"),
    "heping": Body(name="和平乡人民政府", code="11320826014160359Y", kind="township"),
    "chengdong": Body(name="城东街道办事处", code="11320826014160412H", kind="township"),
}

# (body key, year, template, options): ReportPlan fields plus "link" — how the file is linked:
# "downfile" (default, two redirects), "direct" (/attach/-1/…), "listed" (the list links the
# PDF itself) — and "night": 2 for the report that appears only on the later night.
REPORTS: tuple[tuple[str, int, str, dict], ...] = (
    ("county", 2023, "v2021", {}),
    ("county", 2022, "v2021", {"tables_in": "attachment", "attachment": "pdf"}),
    ("county", 2021, "v2021", {"tables_in": "both", "attachment": "docx", "link": "direct"}),
    ("county", 2020, "v2019", {}),
    ("jyj", 2023, "v2021", {"tables_in": "attachment", "attachment": "docx", "link": "direct",
                            "social_org_label": "社会组织"}),
    ("czj", 2021, "v2021", {"tables_in": "attachment", "attachment": "pdf", "link": "listed"}),
    ("sthj", 2023, "v2021", {"title_has_year": False, "dashes": (("proactive", "fees", "amount_10k_yuan"),)}),
    ("jtj", 2022, "v2021", {"tables_in": "attachment", "attachment": "pdf"}),
    ("jtj", 2019, "v2019", {}),
    ("yjj", 2023, "v2021", {"dead_attachment": True}),
    ("yjj", 2022, "v2021", {"heading_style": "arabic"}),
    ("sgj", 2023, "v2021", {"tables_in": "attachment", "attachment": "docx"}),
    ("qiaotou", 2022, "v2019", {}),  # a 2022 report still on the old template
    ("heping", 2023, "v2021", {"tables_in": "both", "attachment": "pdf"}),
    ("heping", 2021, "v2021", {}),
    ("chengdong", 2023, "v2021", {"dashes": (("proactive", "enforcement", "decisions"),)}),
    ("chengdong", 2022, "v2021", {"tables_in": "attachment", "attachment": "pdf", "link": "direct"}),
    ("sgj", 2024, "v2021", {"night": 2}),
)

OTHERS: tuple[tuple[str, str, date, str], ...] = (
    ("蓼川县人民政府信息公开指南", "guide", date(2023, 2, 20), "county"),
    ("蓼川县政府信息主动公开目录", "catalogue", date(2022, 8, 16), "county"),
    ("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", "notice", date(2024, 1, 5), "county"),
    ("2024年蓼川县人民政府工作报告", "work_report", date(2024, 2, 1), "county"),
    ("蓼川县2023年度行政执法工作统计年报", "statistics", date(2024, 1, 29), "county"),
    ("蓼川县交通运输局2023年政府信息公开工作年度报告", "dead", date(2024, 1, 22), "jtj"),
)

# What the later night changes: (body, year) of each report.
EDITED = ("county", 2023)
WITHDRAWN = ("yjj", 2022)
UNLISTED = ("heping", 2021)
ADDED = ("sgj", 2024)
EDIT = {("appeals", "reconsideration", "upheld"): 1, ("appeals", "reconsideration", "total"): 1}


@lru_cache(maxsize=None)
def build_unseen_hanweb_site(later: bool = False) -> Site:
    rng = random.Random(_SEED)
    taken: set[int] = set()
    plans = _plans(rng, taken)
    others = tuple(OtherPlan(title=title, kind=kind, published=day, doc_id=_article_id(rng, day, taken),
                             publisher=BODIES[publisher].name) for title, kind, day, publisher in OTHERS)
    pages: dict[str, Resource] = {}
    redirects: dict[str, str] = {}
    expected, non_reports, dead = [], [], []
    records: list[tuple[str, str, date]] = []
    for (key, year, plan, link), night in plans:
        if night == 2 and not later:
            continue  # last in REPORTS and without a file: the rng draws of the others stay the same
        if later and (key, year) == EDITED:
            values = dict(plan.values)
            for cell, step in EDIT.items():
                values[cell] = values[cell] + step
            plan = replace(plan, values=values)
        path, dead_links = _add_report(rng, plan, link, pages, redirects, edited=later and (key, year) == EDITED)
        dead.extend(dead_links)
        if later and (key, year) == WITHDRAWN:
            pages.pop(path)
            continue
        expected.append(ExpectedReport(page_path=path, body=plan.body.name, year=plan.year, template=plan.template,
                                       values=MappingProxyType(dict(plan.values)), tables_in=plan.tables_in))
        if not (later and (key, year) == UNLISTED):
            records.append((path, report_title(plan), plan.published))
    for plan in others:
        path = article_path(plan.published, plan.doc_id)
        records.append((path, plan.title, plan.published))
        if plan.kind == "dead":
            dead.append(path)
            continue
        non_reports.append(path)
        pages[path] = _article_page(plan.title, plan.publisher, plan.published, plan.doc_id,
                                    other_content(plan, COUNTY))
    records.sort(key=lambda record: (record[2], record[0]), reverse=True)
    side = _side_records(pages)
    newest = CHANGED_AT.date() if later else records[0][2]
    pages[COLUMN_PATH + "index.html"] = _column_page(records, side, newest)
    pages.update(_static_pages())
    columns = {COLUMN_ID: (UNIT_ID, tuple(records)), _SIDE_COLUMN[0]: (_SIDE_COLUMN[1], side)}
    routes = {PROXY_PATH: _proxy_route(columns), DOWNLOAD_PATH: _redirect_route(MappingProxyType(redirects)),
              SECOND_HOP: _redirect_route(MappingProxyType(redirects))}
    return Site(county=COUNTY, pages=MappingProxyType(pages), column_path=COLUMN_PATH,
                expected=tuple(expected), non_reports=tuple(non_reports), dead_links=tuple(dead),
                routes=MappingProxyType(routes))


def report_path(site: Site, body_key: str, year: int) -> str:
    """Where a report of ``site`` is: its detail page, or the PDF the list links."""
    name = BODIES[body_key].name
    return next(r.page_path for r in site.expected if (r.body, r.year) == (name, year))


def _plans(rng: random.Random, taken: set[int]):
    """Every report's plan in table order; a body's carried_in continues its year before."""
    carried_out: dict[tuple[str, int], dict[str, int]] = {}
    plans = {}
    for index, (key, year, template, options) in sorted(enumerate(REPORTS), key=lambda row: row[1][1]):
        options = dict(options)
        link, night = options.pop("link", "downfile"), options.pop("night", 1)
        values = generate_values(rng, template, BODIES[key].kind, carried_out.get((key, year - 1)))
        for cell in options.get("dashes", ()):
            values[cell] = None
        published = date(year + 1, 1, 12) + timedelta(days=rng.randint(0, 55))
        plan = ReportPlan(body=BODIES[key], year=year, template=template, published=published,
                          doc_id=_article_id(rng, published, taken), values=values, **options)
        carried_out[(key, year)] = {column: int(values[("requests", "carried_out", column)])
                                    for column in APPLICANT_COLUMNS}
        plans[index] = ((key, year, plan, link), night)
    return [plans[index] for index in range(len(REPORTS))]


def _article_id(rng: random.Random, day: date, taken: set[int]) -> int:
    number = 7_300_000 + (day - _EPOCH).days * 131 + rng.randint(0, 120)
    while number in taken:
        number += 1
    taken.add(number)
    return number


def article_path(day: date, article_id: int, column_id: str = COLUMN_ID) -> str:
    return f"/art/{day.year}/{day.month}/{day.day}/art_{column_id}_{article_id}.html"


def _last_modified(day: date | datetime) -> tuple[tuple[str, str], ...]:
    moment = day if isinstance(day, datetime) else datetime.combine(day, time(16, 40), tzinfo=_CHINA)
    return (("Last-Modified", format_datetime(moment.astimezone(timezone.utc), usegmt=True)),)


# ---- reports ---------------------------------------------------------------------------

def _add_report(rng: random.Random, plan: ReportPlan, link: str, pages: dict[str, Resource],
                redirects: dict[str, str], *, edited: bool) -> tuple[str, list[str]]:
    """Put the report's page and files into ``pages``; return where the list points and the dead links."""
    title = report_title(plan)
    files: list[tuple[str, str]] = []
    dead: list[str] = []
    changed = CHANGED_AT if edited else plan.published
    if plan.attachment:
        name = f"{rng.getrandbits(128):032x}.{plan.attachment}"
        render = report_pdf if plan.attachment == "pdf" else report_docx
        folder = "-1" if link == "direct" else "0"
        file_path = f"/attach/{folder}/{name}"
        pages[file_path] = Resource(body=render(plan), content_type=_MEDIA[plan.attachment],
                                    headers=_last_modified(plan.published))
        if link == "listed":
            return file_path, dead
        if link == "direct":
            files.append((file_path, f"{title}.{plan.attachment}"))
        else:
            hop = f"{SECOND_HOP}?fid={name.split('.')[0]}&classid=0"
            redirects[name] = hop
            redirects[name.split(".")[0]] = file_path
            files.append((download_href(name, title), f"{title}.{plan.attachment}"))
    if plan.dead_attachment:
        name = f"{rng.getrandbits(128):032x}.pdf"
        dead.append(download_href(name, title))
        files.append((download_href(name, title), f"{title}（盖章版）.pdf"))
    path = article_path(plan.published, plan.doc_id)
    pages[path] = _article_page(title, plan.body.name, plan.published, plan.doc_id, report_content(plan, ()),
                                files=files, modified=changed)
    return path, dead


def download_href(filename: str, title: str) -> str:
    return f"{DOWNLOAD_PATH}?classid=0&filename={filename}&fileid={filename[:8]}"


# ---- pages -----------------------------------------------------------------------------

def _frame(title: str, main: str, head: str = "") -> bytes:
    html = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />
<meta name="SiteName" content="{SITE_NAME}" />
<meta name="SiteDomain" content="www.liaochuan.gov.cn" />
<meta name="SiteIDCode" content="3208260018" />
{head}<title>{escape(title)}_{SITE_NAME}</title>
<link href="/images/lc_style.css" rel="stylesheet" type="text/css" />
<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>
</head>
<body>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0" class="top">
<tr><td><a href="/"><img src="/images/lc_logo.jpg" alt="{SITE_NAME}" /></a></td></tr></table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0" class="nav"><tr>
<td><a href="/">网站首页</a></td><td><a href="/col/col5788/index.html">政务公开</a></td>
<td><a href="/col/col{_SIDE_COLUMN[0]}/index.html">{_SIDE_COLUMN[2]}</a></td><td><a href="/col/col5801/index.html">政务服务</a></td>
</tr></table>
<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0"><tr><td>
{main}
</td></tr></table>
<table width="1000" border="0" align="center" class="foot"><tr><td>主办单位：{SITE_NAME}办公室　网站标识码：3208260018　苏ICP备05031234号</td></tr></table>
</body>
</html>
"""
    return html.encode("gbk")


def _record(href: str, title: str, day: date) -> str:
    shown = title if len(title) <= 26 else title[:25] + "..."
    return (f'<tr><td width="85%" class="bt_link"><a href="{href}" title="{escape(title)}" target="_blank">'
            f'{escape(shown)}</a></td><td width="15%" class="bt_time">{day.year}/{day.month}/{day.day}</td></tr>')


def _datastore(records, total: int | None, declaration: bool = False) -> str:
    rows = "\n".join(f"<record><![CDATA[\n{_record(*record)}\n]]></record>" for record in records)
    total_line = f"<totalrecord>{total}</totalrecord>\n" if total is not None else ""
    head = '<?xml version="1.0" encoding="GBK"?>\n' if declaration else ""
    return f"{head}<datastore>\n<recordset>\n{rows}\n</recordset>\n{total_line}</datastore>"


def _unit(unit_id: str, column_id: str, records, *, per_page: int, group: int) -> str:
    return f"""<div id="{unit_id}"><script type="text/xml">{_datastore(records[:per_page * group], None)}</script></div>
<script type="text/javascript">
$(document).ready(function() {{
    $('#{unit_id}').jpage({{
        dataStore: dataStore, dataBefore: '<table width="100%" border="0" cellspacing="0" cellpadding="0">',
        dataAfter: '</table>', perPage: {per_page}, totalRecord: '{len(records)}', groupSize: {group},
        proxyUrl: '{PROXY_PATH}', barPosition: 'bottom', pageStr: 'pageNum',
        ajaxParam: {{ col: 1, appid: 1, webid: {WEB_ID}, path: '/', columnid: {column_id}, sourceContentType: 1,
                     unitid: {unit_id}, webname: '{SITE_NAME}', permissiontype: 0 }}
    }});
}});
</script>"""


def _column_page(records, side, newest: date) -> Resource:
    main = f"""<div class="dqwz">当前位置：<a href="/">首页</a> &gt; <a href="/col/col5788/index.html">政务公开</a> &gt; {COLUMN_NAME}</div>
<table width="100%"><tr><td width="240" valign="top" class="left">
<div class="lm_title">{_SIDE_COLUMN[2]}</div>
{_unit(_SIDE_COLUMN[1], _SIDE_COLUMN[0], side, per_page=5, group=1)}
</td><td valign="top" class="right">
<div class="lm_title">{COLUMN_NAME}</div>
<script language="javascript" src="/module/jslib/jquery/jpage/jpage.js"></script>
{_unit(UNIT_ID, COLUMN_ID, records, per_page=PER_PAGE, group=GROUP_SIZE)}
</td></tr></table>"""
    return Resource(body=_frame(COLUMN_NAME, main), content_type=_HTML, headers=_last_modified(newest))


def _article_page(title: str, publisher: str, day: date, article_id: int, content: str, *,
                  files: list[tuple[str, str]] = (), modified: date | datetime | None = None) -> Resource:
    head = (f'<meta name="ArticleTitle" content="{escape(title)}" />\n'
            f'<meta name="PubDate" content="{day.isoformat()} 16:40" />\n'
            f'<meta name="ContentSource" content="{escape(publisher)}" />\n')
    block = ""
    if files:
        links = "".join(f'<li><a href="{escape(href)}" target="_blank">{escape(name)}</a></li>' for href, name in files)
        block = f'<div class="xgfj"><span>相关附件：</span><ul>{links}</ul></div>'
    main = f"""<div class="dqwz">当前位置：<a href="/">首页</a> &gt; <a href="{COLUMN_PATH}index.html">{COLUMN_NAME}</a></div>
<table width="100%" class="xxgk_info"><tr><td>发布单位：{escape(publisher)}</td><td>发布日期：[{day.isoformat()}]</td></tr>
<tr><td colspan="2">索引号：K{article_id % 10_000_000:07d}/{day.year}-{article_id % 1000:05d}</td></tr></table>
<div class="title">{escape(title)}</div>
<div class="info">【 字体：<a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(14)">中</a> <a href="javascript:doZoom(12)">小</a> 】</div>
<div id="zoom">
{content}
</div>
{block}
<div class="tool"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>"""
    return Resource(body=_frame(title, main, head), content_type=_HTML, headers=_last_modified(modified or day))


_SIDE = (("蓼川县召开政务公开工作推进会", date(2024, 3, 12), 7_401_233),
         ("我县开展政府开放日活动", date(2024, 5, 9), 7_409_118))


def _side_records(pages: dict[str, Resource]) -> tuple[tuple[str, str, date], ...]:
    records = []
    for title, day, article_id in _SIDE:
        path = article_path(day, article_id, _SIDE_COLUMN[0])
        pages[path] = _article_page(title, f"{SITE_NAME}办公室", day, article_id, paragraph(f"{title}。"))
        records.append((path, title, day))
    return tuple(reversed(records))


def _static_pages() -> dict[str, Resource]:
    fixed = _last_modified(_EPOCH)
    home = Resource(body=_frame("首页", f'<a href="{COLUMN_PATH}index.html">{COLUMN_NAME}</a>'),
                    content_type=_HTML, headers=fixed)
    return {"/": home, "/index.html": home,
            "/robots.txt": Resource(body=b"User-agent: *\nDisallow: /module/visitcount/\n", content_type="text/plain",
                                    headers=fixed)}


# ---- dynamic routes --------------------------------------------------------------------

def _proxy_route(columns):
    """dataproxy.jsp by GET or POST: records startrecord..endrecord of the column the fields name."""

    def answer(request: Request) -> Resource:
        column = columns.get(request.param("columnid") or "")
        start, end = _number(request.param("startrecord")), _number(request.param("endrecord"))
        if (column is None or request.param("webid") != WEB_ID or request.param("unitid") != column[0]
                or start is None or end is None or start < 1 or end < start):
            return Resource(body=_datastore((), 0, declaration=True).encode("gbk"), content_type="text/xml")
        records = column[1]
        body = _datastore(records[start - 1:end], len(records), declaration=True)
        return Resource(body=body.encode("gbk"), content_type="text/xml")

    return answer


def _redirect_route(redirects):
    """downfile.jsp → down.jsp → the file: two 302s, or the platform's 404 page."""

    def answer(request: Request) -> Resource:
        target = redirects.get(request.param("filename") or request.param("fid") or "")
        if target is None:
            page = _frame("文件不存在", '<div class="error">对不起，您要下载的文件不存在或已被删除！</div>')
            return Resource(body=page, content_type=_HTML, status=404)
        return Resource(body=b"", content_type="text/html", status=302, headers=(("Location", target),))

    return answer


def _number(text: str | None) -> int | None:
    if not text or len(text) > 9 or not all("0" <= ch <= "9" for ch in text):
        return None
    return int(text)
