"""A simulated Hanweb (大汉) JCMS county portal: 澄岭县, its annual-report column behind a data proxy.

The column ``/col/col2731/index.html`` embeds the first group of records (15) in a
``<datastore>`` and its jpage script fetches the rest from ``dataproxy.jsp``, which
answers only for the right ``columnid``/``webid``/``unitid``, as the real proxy does.
Detail pages are ``/art/Y/M/D/art_2731_{id}.html`` with the body in ``div#zoom``
between ``ContentStart``/``ContentEnd``; PDF attachments are ``downfile.jsp`` links that
answer with a 302 to ``/attach/0/<hex>.pdf``, Word files are linked directly. Built
deterministically (one seed), served by ``simportal.PortalServer``.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime
from functools import lru_cache
from html import escape
from types import MappingProxyType
from urllib.parse import quote

from extract.keys import APPLICANT_COLUMNS

from .model import Body, ExpectedReport, OtherPlan, ReportPlan, Request, Resource, Site
from .numbers import generate_values
from .other_pages import ROBOTS, other_content
from .prose import report_title
from .render_docx import report_docx
from .render_html import charset_meta, paragraph
from .render_pdf import report_pdf
from .report_html import report_content

COUNTY = "澄岭县"
SITE_NAME = f"{COUNTY}人民政府"
WEB_ID = "47"
COLUMN_ID = "2731"
UNIT_ID = "7401"
COLUMN_NAME = "政府信息公开年报"
COLUMN_PATH = f"/col/col{COLUMN_ID}/"
PROXY_PATH = "/module/web/jpage/dataproxy.jsp"
DOWNLOAD_PATH = "/module/download/downfile.jsp"
PER_PAGE = 5
GROUP_SIZE = 3  # the page embeds PER_PAGE * GROUP_SIZE records; the proxy serves groups of as many
_NOTICE_COLUMN = ("2728", "7398", "通知公告")
_POLICY_COLUMN = ("2729", "政策文件")
_SITE_CODE = "3301270047"
_SEED = 3301
_CHINA = timezone(timedelta(hours=8))
_EPOCH = date(2019, 3, 1)  # when the templates and static files were last changed
_HTML = "text/html;charset=UTF-8"
_XML = "text/xml;charset=UTF-8"
_MEDIA = {"pdf": "application/pdf",
          "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}

BODIES = {
    "county": Body(name="澄岭县人民政府", code="113301270025043160", kind="county"),
    "fgj": Body(name="澄岭县发展和改革局", code="11330127002504412K", kind="department"),
    "rsj": Body(name="澄岭县人力资源和社会保障局", code="113301270025045074", kind="department"),
    "zjj": Body(name="澄岭县住房和城乡建设局", code="11330127002504609X", kind="department"),
    "nyj": Body(name="澄岭县农业农村局", code="11330127MB0T61723C", kind="department"),
    "scj": Body(name="澄岭县市场监督管理局", code="11330127MB0T6188XN", kind="department"),
    "wjj": Body(name="澄岭县卫生健康局", code="113301270025047166", kind="department"),
    "xikou": Body(name="溪口镇人民政府", code="113301270025101235", kind="township"),
    "taoyuan": Body(name="桃源乡人民政府", code="11330127002510235R", kind="township"),
    "longtan": Body(name="龙潭镇人民政府", code="113301270025103341", kind="township"),
    "nanshan": Body(name="南山街道办事处", code="11330127002510447M", kind="township"),
}

# (body key, year, template, options). Options are ReportPlan fields, plus "link": how the
# attachment is linked — "downfile" (a downfile.jsp redirect, the default) or "direct".
REPORTS: tuple[tuple[str, int, str, dict], ...] = (
    ("county", 2023, "v2021", {}),
    ("county", 2022, "v2021", {"tables_in": "both", "attachment": "pdf"}),
    ("county", 2021, "v2021", {}),
    ("county", 2020, "v2019", {"tables_in": "attachment", "attachment": "pdf"}),
    ("fgj", 2023, "v2021", {"tables_in": "attachment", "attachment": "pdf"}),
    ("fgj", 2022, "v2021", {"dashes": (("proactive", "fees", "amount_10k_yuan"),)}),
    ("rsj", 2023, "v2021", {"tables_in": "attachment", "attachment": "docx", "link": "direct"}),
    ("rsj", 2021, "v2021", {"encoding": "gbk-meta"}),
    ("zjj", 2023, "v2021", {"social_org_label": "社会组织"}),
    ("zjj", 2022, "v2021", {"tables_in": "attachment", "attachment": "docx"}),
    ("nyj", 2022, "v2021", {"title_has_year": False}),
    ("nyj", 2019, "v2019", {}),
    ("scj", 2023, "v2021", {"heading_style": "arabic"}),
    ("scj", 2021, "v2021", {"tables_in": "attachment", "attachment": "pdf", "social_org_label": "社会组织"}),
    ("wjj", 2022, "v2021", {"dead_attachment": True}),
    ("wjj", 2020, "v2019", {"dashes": (("proactive", "other_services", "prev_year_count"),)}),
    ("xikou", 2023, "v2021", {}),
    ("xikou", 2022, "v2021", {"tables_in": "both", "attachment": "docx", "link": "direct"}),
    ("taoyuan", 2023, "v2021", {"tables_in": "attachment", "attachment": "pdf"}),
    ("taoyuan", 2021, "v2019", {}),  # a 2021 report still on the old template
    ("longtan", 2022, "v2021", {}),
    ("longtan", 2021, "v2021", {"restates_carried_in": True}),
    ("nanshan", 2023, "v2021", {"heading_style": "arabic"}),
    ("nanshan", 2022, "v2021", {"tables_in": "attachment", "attachment": "pdf", "link": "direct"}),
)

# (title, kind, publication date, publisher key)
OTHERS: tuple[tuple[str, str, date, str], ...] = (
    ("澄岭县人民政府信息公开指南", "guide", date(2023, 3, 15), "county"),
    ("澄岭县人民政府信息公开目录", "catalogue", date(2022, 9, 1), "county"),
    ("澄岭县人民政府办公室关于做好2023年度政府信息公开工作年度报告编制和发布工作的通知", "notice",
     date(2024, 1, 4), "county"),
    ("2024年澄岭县人民政府工作报告", "work_report", date(2024, 2, 2), "county"),
    ("澄岭县2023年度行政执法统计年报", "statistics", date(2024, 1, 26), "county"),
    ("澄岭县市场监督管理局2022年度行政执法数据统计", "statistics", date(2023, 1, 19), "scj"),
    ("关于2022年度政府信息公开工作年度报告发布情况的说明", "notice", date(2023, 4, 3), "county"),
    ("澄岭县卫生健康局2021年政府信息公开工作年度报告", "dead", date(2022, 1, 21), "wjj"),
)

_NOTICES = (
    ("澄岭县人民政府关于调整部分行政区划的公告", date(2023, 6, 9), 60412),
    ("关于开展2023年度政务公开第三方评估的通知", date(2023, 10, 17), 61977),
)


@lru_cache(maxsize=None)
def build_hanweb_site() -> Site:
    rng = random.Random(_SEED)
    taken: set[int] = set()
    plans: dict[int, tuple[ReportPlan, str]] = {}
    carried_out: dict[tuple[str, int], dict[str, int]] = {}
    # in year order, so a body's report carries in what its report of the year before carried out
    for index, (key, year, template, options) in sorted(enumerate(REPORTS), key=lambda row: row[1][1]):
        options = dict(options)
        link = options.pop("link", "downfile")
        chained = not options.pop("restates_carried_in", False)
        values = generate_values(rng, template, BODIES[key].kind,
                                 carried_out.get((key, year - 1)) if chained else None)
        for cell in options.pop("dashes", ()):
            values[cell] = None
        published = date(year + 1, 1, 10) + timedelta(days=rng.randint(0, 60))
        plan = ReportPlan(body=BODIES[key], year=year, template=template, published=published,
                          doc_id=_article_id(rng, published, taken), values=values, **options)
        carried_out[(key, year)] = {column: int(plan.values[("requests", "carried_out", column)])
                                    for column in APPLICANT_COLUMNS
                                    if plan.values[("requests", "carried_out", column)] is not None}
        plans[index] = (plan, link)
    others = tuple(OtherPlan(title=title, kind=kind, published=day, doc_id=_article_id(rng, day, taken),
                             publisher=BODIES[publisher].name)
                   for title, kind, day, publisher in OTHERS)
    return _assemble(rng, tuple(plans[index] for index in range(len(REPORTS))), others)


def _article_id(rng: random.Random, day: date, taken: set[int]) -> int:
    """Hanweb article ids grow with time."""
    number = 41_000 + (day - _EPOCH).days * 23 + rng.randint(0, 20)
    while number in taken:
        number += 1
    taken.add(number)
    return number


def article_path(day: date, article_id: int, column_id: str = COLUMN_ID) -> str:
    return f"/art/{day.year}/{day.month}/{day.day}/art_{column_id}_{article_id}.html"


def _last_modified(day: date) -> tuple[tuple[str, str], ...]:
    moment = datetime.combine(day, time(10, 12), tzinfo=_CHINA).astimezone(timezone.utc)
    return (("Last-Modified", format_datetime(moment, usegmt=True)),)


# ---- assembling ------------------------------------------------------------------------

def _assemble(rng: random.Random, reports: tuple[tuple[ReportPlan, str], ...],
              others: tuple[OtherPlan, ...]) -> Site:
    pages: dict[str, Resource] = {}
    downloads: dict[str, str] = {}  # downfile.jsp filename → path of the file
    expected, non_reports, dead = [], [], []
    records: list[tuple[str, str, date]] = []
    for plan, link in reports:
        path = article_path(plan.published, plan.doc_id)
        dead.extend(_add_report(rng, plan, link, path, pages, downloads))
        records.append((path, report_title(plan), plan.published))
        expected.append(ExpectedReport(page_path=path, body=plan.body.name, year=plan.year,
                                       template=plan.template, values=MappingProxyType(dict(plan.values)),
                                       tables_in=plan.tables_in))
    for plan in others:
        path = article_path(plan.published, plan.doc_id)
        records.append((path, plan.title, plan.published))
        if plan.kind == "dead":
            dead.append(path)
            continue
        non_reports.append(path)
        pages[path] = _article_page(plan.title, plan.publisher, plan.published, plan.doc_id,
                                    _office_code(), other_content(plan, COUNTY))
    records.sort(key=lambda record: (record[2], record[0]), reverse=True)
    notices = _notice_records(pages)
    pages[COLUMN_PATH + "index.html"] = _column_page(COLUMN_ID, UNIT_ID, COLUMN_NAME, records)
    pages[f"/col/col{_NOTICE_COLUMN[0]}/index.html"] = _column_page(*_NOTICE_COLUMN, notices)
    pages.update(_static_pages())
    columns = {COLUMN_ID: (UNIT_ID, tuple(records)), _NOTICE_COLUMN[0]: (_NOTICE_COLUMN[1], notices)}
    routes = {PROXY_PATH: _proxy_route(columns), DOWNLOAD_PATH: _download_route(MappingProxyType(downloads))}
    return Site(county=COUNTY, pages=MappingProxyType(pages), column_path=COLUMN_PATH,
                expected=tuple(expected), non_reports=tuple(non_reports), dead_links=tuple(dead),
                routes=MappingProxyType(routes))


def _add_report(rng: random.Random, plan: ReportPlan, link: str, path: str,
                pages: dict[str, Resource], downloads: dict[str, str]) -> list[str]:
    """Put the article and its file into ``pages``; return what is linked but answers 404."""
    title = report_title(plan)
    links: list[tuple[str, str]] = []
    dead: list[str] = []
    if plan.attachment:
        name = f"{rng.getrandbits(128):032x}.{plan.attachment}"
        render = report_pdf if plan.attachment == "pdf" else report_docx
        file_path = f"/attach/0/{name}"
        pages[file_path] = Resource(body=render(plan), content_type=_MEDIA[plan.attachment],
                                    headers=_last_modified(plan.published))
        if link == "direct":
            links.append((file_path, f"{title}.{plan.attachment}"))
        else:
            downloads[name] = file_path
            links.append((download_href(name), f"{title}.{plan.attachment}"))
    if plan.dead_attachment:
        name = f"{rng.getrandbits(128):032x}.pdf"
        dead.append(download_href(name))
        links.append((download_href(name), f"{title}（扫描件）.pdf"))
    content = report_content(plan, ()) + "\n" + _attachment_block(links)
    pages[path] = _article_page(title, plan.body.name, plan.published, plan.doc_id, plan.body.code, content,
                                encoding=plan.encoding)
    return dead


def download_href(filename: str) -> str:
    return f"{DOWNLOAD_PATH}?classid=0&filename={filename}"


def _attachment_block(links: list[tuple[str, str]]) -> str:
    return "".join(
        '<p style="line-height:28px"><img src="/module/jslib/icons/pdf.png" border="0" />'
        f'<a href="{escape(href)}" target="_blank">附件：{escape(name)}</a></p>'
        for href, name in links
    )


def _office_code() -> str:
    return BODIES["county"].code


# ---- pages -----------------------------------------------------------------------------

_NAV = (("首页", "/index.html"), ("政务公开", f"/col/col{COLUMN_ID}/index.html"),
        ("通知公告", f"/col/col{_NOTICE_COLUMN[0]}/index.html"),
        ("政策文件", f"/col/col{_POLICY_COLUMN[0]}/index.html"), ("办事服务", "/col/col2740/index.html"))


def _frame(title: str, main: str, *, charset: str | None = "UTF-8", head: str = "") -> str:
    nav = "".join(f'<li><a href="{href}">{escape(text)}</a></li>' for text, href in _NAV)
    return f"""<!DOCTYPE html>
<html>
<head>
{charset_meta(charset)}<meta name="SiteName" content="{SITE_NAME}">
<meta name="SiteDomain" content="www.chengling.gov.cn">
<meta name="SiteIDCode" content="{_SITE_CODE}">
{head}<title>{escape(title)} {SITE_NAME}</title>
<link rel="stylesheet" href="/images/bt_common.css" type="text/css">
<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>
</head>
<body>
<div class="bt-head"><div class="bt-box-1200"><a href="/index.html"><img src="/images/bt_logo.png" alt="{SITE_NAME}"></a>
<form action="/jsearchfront/search.do" method="get" target="_blank"><input type="hidden" name="websiteid" value="330127000000000">
<input type="text" name="q" placeholder="请输入关键词"><input type="submit" value="搜 索"></form></div></div>
<div class="bt-nav"><ul class="bt-box-1200">{nav}</ul></div>
<div class="bt-box-1200 bt-main">
{main}
</div>
<div class="bt-foot"><div class="bt-box-1200">
<p>主办：{SITE_NAME}办公室　承办：{COUNTY}数据资源管理局</p>
<p>网站标识码：{_SITE_CODE}　浙ICP备05012345号-1</p>
</div></div>
</body>
</html>
"""


def _position(column_id: str, column_name: str) -> str:
    return (f'<div class="bt-position">您当前的位置：<a href="/index.html">首页</a> &gt; '
            f'<a href="/col/col{column_id}/index.html">{escape(column_name)}</a></div>')


def _record(href: str, title: str, day: date) -> str:
    shown = title if len(title) <= 24 else title[:23] + "..."
    return (f'<li><a href="{href}" title="{escape(title)}" target="_blank">{escape(shown)}</a>'
            f'<span class="bt-data-time">{day.isoformat()}</span></li>')


def _datastore(records, *, column_id: str, unit_id: str, total: int | None, head: str = "") -> str:
    rows = "\n".join(f"<record><![CDATA[\n{_record(*record)}\n]]></record>" for record in records)
    fields = (f"page=1&appid=1&webid={WEB_ID}&path=/&columnid={column_id}&unitid={unit_id}"
              f"&webname={quote(SITE_NAME)}&permissiontype=0")
    total_line = f"<totalrecord>{total}</totalrecord>\n" if total is not None else ""
    return (f'{head}<datastore>\n<nextgroup><![CDATA[<a href="{PROXY_PATH}?{fields}"></a>]]></nextgroup>\n'
            f"<recordset>\n{rows}\n</recordset>\n{total_line}</datastore>")


def _column_page(column_id: str, unit_id: str, column_name: str, records) -> Resource:
    group = PER_PAGE * GROUP_SIZE
    store = _datastore(records[:group], column_id=column_id, unit_id=unit_id, total=None)
    main = f"""{_position(column_id, column_name)}
<div class="bt-left"><div class="bt-left-title">政府信息公开</div><ul>
<li><a href="/col/col2725/index.html">政府信息公开指南</a></li>
<li><a href="/col/col2726/index.html">政府信息公开制度</a></li>
<li><a href="/col/col{column_id}/index.html" class="on">{escape(column_name)}</a></li></ul></div>
<div class="bt-right"><div class="bt-right-title">{escape(column_name)}</div>
<div class="bt-list" id="{unit_id}"><script type="text/xml">{store}</script></div>
<script language="javascript" src="/module/web/jpage/jpage.js"></script>
<script type="text/javascript">
$(document).ready(function(){{
  $('#{unit_id}').jpage({{
    dataStore: dataStore,
    proxyUrl: '{PROXY_PATH}',
    perPage: {PER_PAGE},
    groupSize: {GROUP_SIZE},
    totalRecord: {len(records)},
    barPosition: 'bottom',
    dataBefore: '<ul class="bt-list-ul">',
    dataAfter: '</ul>',
    ajaxType: 'post'
  }});
}});
</script>
</div>"""
    newest = records[0][2] if records else _EPOCH
    return Resource(body=_frame(column_name, main).encode("utf-8"), content_type=_HTML,
                    headers=_last_modified(newest))


def _metadata_table(code: str, day: date, article_id: int, publisher: str) -> str:
    cells = (("索引号", f"{code}/{day.year}-{article_id % 100_000:05d}"), ("分类", "政务公开\\年度报告"),
             ("发布机构", publisher), ("发文日期", (day - timedelta(days=2)).isoformat()),
             ("文号", ""), ("公开方式", "主动公开"), ("发布日期", day.isoformat()), ("有效性", "有效"))
    rows = "".join(
        "<tr>" + "".join(f'<th>{escape(label)}：</th><td>{escape(value)}</td>' for label, value in cells[i:i + 2])
        + "</tr>\n" for i in range(0, len(cells), 2))
    return f'<div class="xxgk_top"><table class="xxgk_table" width="100%">\n{rows}</table></div>'


def _article_page(title: str, publisher: str, day: date, article_id: int, code: str, content: str,
                  *, encoding: str = "utf-8") -> Resource:
    head = (f'<meta name="ColumnName" content="{COLUMN_NAME}">\n<meta name="ColumnType" content="{COLUMN_NAME}">\n'
            f'<meta name="ArticleTitle" content="{escape(title)}">\n'
            f'<meta name="PubDate" content="{day.isoformat()} 10:12">\n'
            f'<meta name="ContentSource" content="{escape(publisher)}">\n')
    main = f"""{_position(COLUMN_ID, COLUMN_NAME)}
<div class="bt-article">
{_metadata_table(code, day, article_id, publisher)}
<div class="bt-article-title">{escape(title)}</div>
<div class="bt-article-info">发布日期：{day.isoformat()}　信息来源：{escape(publisher)}　浏览次数：<script language="javascript" src="/module/visitcount/articlehits.jsp?colid={COLUMN_ID}&artid={article_id}"></script>
　字号：[ <a href="javascript:doZoom(20)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(12)">小</a> ]</div>
<div id="zoom"><!--<$[信息内容]>begin--><meta name="ContentStart">
{content}
<meta name="ContentEnd"><!--<$[信息内容]>end--></div>
<div class="bt-article-tool"><a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>
</div>"""
    if encoding == "gbk-meta":
        html = _frame(title, main, charset="gb2312", head=head)
        return Resource(body=html.encode("gbk"), content_type="text/html", headers=_last_modified(day))
    return Resource(body=_frame(title, main, head=head).encode("utf-8"), content_type=_HTML,
                    headers=_last_modified(day))


def _notice_records(pages: dict[str, Resource]) -> tuple[tuple[str, str, date], ...]:
    """Another column, linked from the nav, with its own datastore: a crawl of the report column stays out."""
    records = []
    for title, day, article_id in _NOTICES:
        path = article_path(day, article_id, _NOTICE_COLUMN[0])
        publisher = f"{SITE_NAME}办公室"
        pages[path] = _article_page(title, publisher, day, article_id, _office_code(),
                                    paragraph(f"{title}，详见正文。"))
        records.append((path, title, day))
    return tuple(reversed(records))


def _static_pages() -> dict[str, Resource]:
    fixed = _last_modified(_EPOCH)
    links = "".join(f'<li><a href="{href}">{escape(text)}</a></li>' for text, href in _NAV[1:])
    home = Resource(body=_frame("首页", f'<div class="bt-home"><ul>{links}</ul></div>').encode("utf-8"),
                    content_type=_HTML, headers=fixed)
    return {
        "/": home,
        "/index.html": home,
        "/robots.txt": Resource(body=ROBOTS, content_type="text/plain", headers=fixed),
    }


# ---- dynamic routes --------------------------------------------------------------------

def _proxy_route(columns):
    """dataproxy.jsp: the records startrecord..endrecord of the column named by the form."""

    def answer(request: Request) -> Resource:
        column = columns.get(request.param("columnid") or "")
        start, end = _number(request.param("startrecord")), _number(request.param("endrecord"))
        if (column is None or request.param("webid") != WEB_ID or request.param("unitid") != column[0]
                or start is None or end is None or start < 1 or end < start):
            # the real proxy answers an empty datastore, not an error, to a wrong or missing field
            body = _datastore((), column_id="", unit_id="", total=0, head='<?xml version="1.0" encoding="UTF-8"?>\n')
            return Resource(body=body.encode("utf-8"), content_type=_XML)
        records = column[1]
        body = _datastore(records[start - 1:end], column_id=request.param("columnid") or "", unit_id=column[0],
                          total=len(records), head='<?xml version="1.0" encoding="UTF-8"?>\n')
        return Resource(body=body.encode("utf-8"), content_type=_XML)

    return answer


def _download_route(downloads):
    """downfile.jsp: a 302 to the stored file, or the platform's 404 page."""

    def answer(request: Request) -> Resource:
        target = downloads.get(request.param("filename") or "")
        if target is None:
            page = _frame("文件不存在", "<div class=\"bt-error\">对不起，您要下载的文件不存在或已被删除！</div>")
            return Resource(body=page.encode("utf-8"), content_type=_HTML, status=404)
        return Resource(body=b"", content_type="text/html", status=302, headers=(("Location", target),))

    return answer


def _number(text: str | None) -> int | None:
    if text is None or not text or len(text) > 9 or not all("0" <= ch <= "9" for ch in text):
        return None
    return int(text)
