"""A simulated Guangdong county portal on the gkmlpt platform (政府信息公开目录平台).

``/gkmlpt/index`` is a script app: its HTML holds no list, only ``window._CONFIG`` with the
site id and the column tree; the app reads ``/gkmlpt/api/all/{cat}?page=N&sid=…`` (JSON,
ten articles a page, absolute URLs built from the request's Host). Detail pages sit at
``/gkmlpt/content/{a}/{b}/post_{id}.html`` with a ``div.classify`` metadata table and the
text in ``div.article-content``; files under ``/attachment/…``. One report's page links no
file at all: its attachment is listed by the API only, as on pages whose file block the
app draws.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
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
from .render_pdf import report_pdf
from .report_html import report_content

COUNTY = "潭江县"
SITE_NAME = f"{COUNTY}人民政府门户网站"
SID = "763021"
ANNUAL_CAT = 3217
PAGE_SIZE = 10
_CHINA = timezone(timedelta(hours=8))
_HTML = "text/html; charset=utf-8"
_JSON = "application/json; charset=utf-8"
_MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          "pdf": "application/pdf"}
_SITE_EPOCH = date(2020, 3, 1)

BODIES = {
    "county": Body(name="潭江县人民政府", code="11440783007014832C", kind="county"),
    "fgj": Body(name="潭江县发展和改革局", code="11440783007015165N", kind="department"),
    "edu": Body(name="潭江县教育局", code="114407830070152139", kind="department"),
    "zjj": Body(name="潭江县住房和城乡建设局", code="11440783MB2D01448W", kind="department"),
    "rsj": Body(name="潭江县人力资源和社会保障局", code="11440783MB2D0172XK", kind="department"),
    "mzj": Body(name="潭江县民政局", code="11440783007015392R", kind="department"),
    "shaping": Body(name="沙坪镇人民政府", code="11440783007016301E", kind="township"),
    "datang": Body(name="大塘镇人民政府", code="114407830070163281", kind="township"),
    "longkou": Body(name="龙口镇人民政府", code="11440783007016344U", kind="township"),
}

# (body, year, template, options); "api_only_attachment": the page links no file.
REPORTS: tuple[tuple[str, int, str, dict], ...] = (
    ("county", 2023, "v2021", {}),
    ("county", 2022, "v2021", {"tables_in": "both", "attachment": "pdf"}),
    ("county", 2021, "v2021", {"tables_in": "attachment", "attachment": "docx"}),
    ("county", 2020, "v2019", {}),
    ("county", 2019, "v2019", {"tables_in": "attachment", "attachment": "pdf"}),
    ("fgj", 2023, "v2021", {}),
    ("fgj", 2022, "v2021", {"tables_in": "attachment", "attachment": "docx"}),
    ("edu", 2023, "v2021", {"social_org_label": "社会组织"}),
    ("edu", 2022, "v2021", {"dashes": (("proactive", "fees", "amount_10k_yuan"),)}),
    ("edu", 2021, "v2021", {"tables_in": "attachment", "attachment": "pdf", "api_only_attachment": True}),
    ("zjj", 2023, "v2021", {"heading_style": "arabic"}),
    ("zjj", 2020, "v2019", {}),
    ("rsj", 2022, "v2021", {"dead_attachment": True}),
    ("rsj", 2021, "v2021", {"tables_in": "attachment", "attachment": "docx"}),
    ("mzj", 2023, "v2021", {"title_has_year": False}),
    ("shaping", 2023, "v2021", {}),
    ("shaping", 2022, "v2019", {}),  # a 2021+ report still on the old template
    ("datang", 2022, "v2021", {"tables_in": "attachment", "attachment": "pdf"}),
    ("longkou", 2023, "v2021", {}),
    ("longkou", 2020, "v2019", {"dashes": (("proactive", "fees", "change"),)}),
)

# (title, kind, publication date, publisher); "dead": listed, but its page is gone.
OTHERS: tuple[tuple[str, str, date, str], ...] = (
    ("潭江县人民政府信息公开指南", "guide", date(2023, 3, 2), "county"),
    ("潭江县人民政府政府信息公开目录", "catalogue", date(2022, 7, 11), "county"),
    ("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", "notice", date(2024, 1, 8), "county"),
    ("2024年潭江县人民政府工作报告", "work_report", date(2024, 2, 5), "county"),
    ("潭江县2023年度行政执法数据统计年报", "statistics", date(2024, 1, 26), "county"),
    ("潭江县民政局2022年政府信息公开工作年度报告", "dead", date(2023, 1, 19), "mzj"),
)

# Another column of the tree, with its own articles: a crawler of the report column stays out.
NOTICE_CAT = 3210
NOTICES = (
    ("关于2023年度政府信息公开工作年度报告发布情况的通报", date(2024, 4, 10)),
    ("潭江县人民政府关于开展政务服务满意度调查的公告", date(2024, 5, 6)),
)

TREE = (
    {"id": 3201, "name": "机构职能", "parent": 0, "jump_url": "", "children": [
        {"id": 3202, "name": "机构概况", "parent": 3201, "jump_url": "", "children": []},
        {"id": 3203, "name": "领导信息", "parent": 3201, "jump_url": "", "children": []}]},
    {"id": 3205, "name": "政策文件", "parent": 0, "jump_url": "", "children": [
        {"id": 3206, "name": "本机关其他政策文件", "parent": 3205, "jump_url": "", "children": []}]},
    {"id": NOTICE_CAT, "name": "通知公告", "parent": 0, "jump_url": "", "children": []},
    {"id": 3214, "name": "政府信息公开", "parent": 0, "jump_url": "", "children": [
        {"id": 3215, "name": "政府信息公开指南", "parent": 3214, "jump_url": "", "children": []},
        {"id": 3216, "name": "政府信息公开制度", "parent": 3214, "jump_url": "", "children": []},
        {"id": ANNUAL_CAT, "name": "政府信息公开年报", "parent": 3214, "jump_url": "", "children": []}]},
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """One entry of a column's API list, and what its detail page shows."""

    post_id: int
    title: str
    published: date
    publisher: str
    identifier: str
    files: tuple[tuple[str, str], ...]  # (path, file name) the API lists


@lru_cache(maxsize=None)
def build_gkmlpt_site() -> Site:
    """The gkmlpt county portal; built once per process (the Site is read-only)."""
    rng = random.Random(7630)
    taken: set[int] = set()
    pages: dict[str, Resource] = {}
    expected: list[ExpectedReport] = []
    non_reports: list[str] = []
    dead: list[str] = []
    annual: list[Article] = []

    for plan, api_only in _plan_reports(rng, taken):
        article, dead_file = _add_report(rng, plan, api_only, pages)
        annual.append(article)
        dead.extend(dead_file)
        expected.append(ExpectedReport(page_path=detail_path(article.post_id), body=plan.body.name, year=plan.year,
                                       template=plan.template, values=MappingProxyType(dict(plan.values)),
                                       tables_in=plan.tables_in))
    for title, kind, day, publisher in OTHERS:
        plan = OtherPlan(title=title, kind=kind, published=day, doc_id=_post_id(rng, day, taken),
                         publisher=BODIES[publisher].name)
        article = Article(post_id=plan.doc_id, title=title, published=day, publisher=plan.publisher,
                          identifier=_identifier(BODIES[publisher], day, plan.doc_id), files=())
        annual.append(article)
        if kind == "dead":
            dead.append(detail_path(article.post_id))
            continue
        non_reports.append(detail_path(article.post_id))
        pages[detail_path(article.post_id)] = _detail_page(article, other_content(plan, COUNTY), "政府信息公开年报")

    notices = []
    for title, day in NOTICES:
        post_id = _post_id(rng, day, taken)
        article = Article(post_id=post_id, title=title, published=day, publisher=BODIES["county"].name,
                          identifier=_identifier(BODIES["county"], day, post_id), files=())
        notices.append(article)
        pages[detail_path(post_id)] = _detail_page(article, f"<p>{escape(title)}，详见正文。</p>", "通知公告")

    columns = {ANNUAL_CAT: _newest_first(annual), NOTICE_CAT: _newest_first(notices)}
    pages.update(_app_pages())
    routes = {f"/gkmlpt/api/all/{cat}": _api_route(cat, articles) for cat, articles in columns.items()}
    return Site(county=COUNTY, pages=MappingProxyType(pages), column_path="/gkmlpt/", start_page="index",
                expected=tuple(expected), non_reports=tuple(non_reports), dead_links=tuple(dead),
                routes=MappingProxyType(routes))


# ---- planning ----------------------------------------------------------------------------

def _plan_reports(rng: random.Random, taken: set[int]) -> list[tuple[ReportPlan, bool]]:
    """Every report, each body's carried_in continuing its report of the year before."""
    carried_out: dict[tuple[str, int], dict[str, int]] = {}
    plans: dict[int, tuple[ReportPlan, bool]] = {}
    for index, (key, year, template, options) in sorted(enumerate(REPORTS), key=lambda item: item[1][1]):
        options = dict(options)
        api_only = options.pop("api_only_attachment", False)
        body = BODIES[key]
        published = date(year + 1, 1, 8) + timedelta(days=rng.randint(0, 70))
        values = generate_values(rng, template, body.kind, carried_out.get((key, year - 1)))
        for cell in options.get("dashes", ()):
            values[cell] = None
        plan = ReportPlan(body=body, year=year, template=template, published=published,
                          doc_id=_post_id(rng, published, taken), values=values, **options)
        carried_out[(key, year)] = {column: int(values[("requests", "carried_out", column)])
                                    for column in APPLICANT_COLUMNS}
        plans[index] = (plan, api_only)
    return [plans[index] for index in range(len(REPORTS))]


def _post_id(rng: random.Random, day: date, taken: set[int]) -> int:
    """gkmlpt post ids grow with time; seven digits."""
    number = 4_100_000 + (day - _SITE_EPOCH).days * 97 + rng.randint(0, 90)
    while number in taken:
        number += 1
    taken.add(number)
    return number


def _identifier(body: Body, day: date, post_id: int) -> str:
    return f"{body.code}/{day:%Y}-{post_id % 100_000:05d}"


def _newest_first(articles: list[Article]) -> tuple[Article, ...]:
    return tuple(sorted(articles, key=lambda a: (a.published, a.post_id), reverse=True))


# ---- paths -------------------------------------------------------------------------------

def detail_path(post_id: int) -> str:
    return f"/gkmlpt/content/{post_id // 1_000_000}/{post_id // 1000}/post_{post_id}.html"


def _attachment_path(file_id: int, post_id: int, suffix: str) -> str:
    return f"/attachment/{file_id // 1_000_000}/{file_id // 1000}/{file_id}/{post_id}.{suffix}"


def _last_modified(day: date) -> tuple[tuple[str, str], ...]:
    moment = datetime.combine(day, time(9, 30), tzinfo=_CHINA).astimezone(timezone.utc)
    return (("Last-Modified", format_datetime(moment, usegmt=True)),)


def _epoch(day: date) -> int:
    return int(datetime.combine(day, time(9, 30), tzinfo=_CHINA).timestamp())


# ---- reports -----------------------------------------------------------------------------

def _add_report(rng: random.Random, plan: ReportPlan, api_only: bool,
                pages: dict[str, Resource]) -> tuple[Article, list[str]]:
    title = report_title(plan)
    files: list[tuple[str, str]] = []
    dead: list[str] = []
    if plan.attachment:
        path = _attachment_path(_file_id(rng, plan.published), plan.doc_id, plan.attachment)
        render = report_docx if plan.attachment == "docx" else report_pdf
        pages[path] = Resource(body=render(plan), content_type=_MEDIA[plan.attachment],
                               headers=_last_modified(plan.published))
        files.append((path, f"{title}.{plan.attachment}"))
    if plan.dead_attachment:
        path = _attachment_path(_file_id(rng, plan.published), plan.doc_id, "pdf")
        dead.append(path)
        files.append((path, f"{title}（原文）.pdf"))
    article = Article(post_id=plan.doc_id, title=title, published=plan.published, publisher=plan.body.name,
                      identifier=_identifier(plan.body, plan.published, plan.doc_id), files=tuple(files))
    shown = () if api_only else article.files
    content = report_content(plan, ()) + _file_links(shown)
    pages[detail_path(plan.doc_id)] = _detail_page(article, content, "政府信息公开年报")
    return article, dead


def _file_id(rng: random.Random, day: date) -> int:
    return 2_300_000 + (day - _SITE_EPOCH).days * 61 + rng.randint(0, 60)


def _file_links(files: tuple[tuple[str, str], ...]) -> str:
    if not files:
        return ""
    links = "".join(f'<p><a href="{path}" target="_blank" title="{escape(name)}">{escape(name)}</a></p>'
                    for path, name in files)
    return f'\n<div class="article-attachment"><p>附件：</p>{links}</div>'


# ---- pages -------------------------------------------------------------------------------

def _chrome(title: str, main: str, extra_head: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="SiteName" content="{SITE_NAME}">
<meta name="SiteIDCode" content="4407830012">
{extra_head}<title>{escape(title)}-{SITE_NAME}</title>
<link rel="stylesheet" href="/gkmlpt/css/content.css">
</head>
<body>
<div class="gkml-header"><div class="wrap"><a class="logo" href="/"><img src="/images/logo.png" alt="{SITE_NAME}"></a>
<span class="gkml-name">政府信息公开</span></div></div>
{main}
<div class="gkml-footer"><div class="wrap"><p>主办：{COUNTY}人民政府办公室　承办：{COUNTY}政务服务数据管理局</p>
<p>网站标识码：4407830012　粤ICP备05099887号</p></div></div>
</body>
</html>
"""


def _detail_page(article: Article, content: str, column: str) -> Resource:
    day = article.published.isoformat()
    written = (article.published - timedelta(days=2)).isoformat()
    pairs = (("索引号", article.identifier, "分类", "综合政务、其他"),
             ("发布机构", article.publisher, "成文日期", written),
             ("文号", "", "发布日期", day))
    rows = [f'<tr><td class="td-label">{a}：</td><td class="td-value"><span>{escape(b)}</span></td>'
            f'<td class="td-label">{c}：</td><td class="td-value"><span>{escape(d)}</span></td></tr>'
            for a, b, c, d in pairs]
    rows.insert(2, f'<tr><td class="td-label">名称：</td><td class="td-value" colspan="3">'
                   f"<span>{escape(article.title)}</span></td></tr>")
    table = "\n".join(rows)
    main = f"""<div class="gkml-breadcrumb wrap">当前位置：<a href="/">首页</a> &gt; <a href="/gkmlpt/index">政府信息公开</a> &gt; <span>{column}</span></div>
<div class="content-container wrap">
<div class="classify"><table class="table"><tbody>
{table}
</tbody></table></div>
<div class="article">
<h1 class="article-title">{escape(article.title)}</h1>
<div class="article-info"><span class="date">发布日期：{day}</span><span class="source">来源：{escape(article.publisher)}</span><span class="size">字号：[ <a href="javascript:;">大</a> <a href="javascript:;">中</a> <a href="javascript:;">小</a> ]</span></div>
<div class="article-content">
{content}
</div>
</div>
</div>
<script src="/gkmlpt/js/content.js"></script>"""
    head = (f'<meta name="ArticleTitle" content="{escape(article.title)}">\n'
            f'<meta name="PubDate" content="{day} 09:30">\n'
            f'<meta name="ContentSource" content="{escape(article.publisher)}">\n')
    html = _chrome(article.title, main, head)
    return Resource(body=html.encode("utf-8"), content_type=_HTML, headers=_last_modified(article.published))


def _app_pages() -> dict[str, Resource]:
    tree = json.dumps(TREE, ensure_ascii=False, separators=(",", ":"))
    index = _chrome("政府信息公开", f"""<div id="app"></div>
<script>
window._CONFIG = {{
    SID: '{SID}',
    NAME: '{COUNTY}人民政府',
    DETAIL: {{}},
    TREE: {tree},
    THEME: 'blue'
}};
</script>
<script src="/gkmlpt/js/chunk-vendors.4be1c7.js"></script>
<script src="/gkmlpt/js/app.91d0e3.js"></script>
<noscript>本页面需要浏览器开启JavaScript</noscript>""")
    app = ("!function(){var c=window._CONFIG;function list(cat,page){return '/gkmlpt/api/all/'+cat+"
           "'?page='+page+'&sid='+c.SID}window.gkml={list:list}}();\n")
    home = _chrome("首页", '<div class="wrap"><ul><li><a href="/gkmlpt/index">政府信息公开</a></li>'
                         f'<li><a href="/gkmlpt/index#{ANNUAL_CAT}">政府信息公开年报</a></li></ul></div>')
    fixed = _last_modified(_SITE_EPOCH)
    return {
        "/": Resource(body=home.encode("utf-8"), content_type=_HTML, headers=fixed),
        "/gkmlpt/index": Resource(body=index.encode("utf-8"), content_type=_HTML, headers=fixed),
        "/gkmlpt/js/app.91d0e3.js": Resource(body=app.encode("utf-8"), content_type="application/javascript",
                                            headers=fixed),
        "/gkmlpt/css/content.css": Resource(body=b".classify .table{width:100%}.article-title{text-align:center}\n",
                                           content_type="text/css", headers=fixed),
        "/robots.txt": Resource(body=b"User-agent: *\nDisallow:\n", content_type="text/plain", headers=fixed),
    }


# ---- the list API ------------------------------------------------------------------------

def _api_route(cat: int, articles: tuple[Article, ...]):
    classify = next(_nodes_named(cat), {"id": cat, "name": ""})

    def answer(request: Request) -> Resource:
        origin = f"http://{request.headers.get('host', '127.0.0.1')}"
        page_text = request.param("page", "1") or "1"
        page = int(page_text) if page_text.isascii() and page_text.isdigit() and len(page_text) < 7 else 1
        if request.param("sid") != SID:
            body = {"articles": [], "total": 0, "classify": {}}
        else:
            start = (max(page, 1) - 1) * PAGE_SIZE
            body = {"articles": [_article_json(origin, a) for a in articles[start:start + PAGE_SIZE]],
                    "total": len(articles), "offset": start,
                    "classify": {"id": classify["id"], "name": classify["name"]}}
        return Resource(body=json.dumps(body, ensure_ascii=False).encode("utf-8"), content_type=_JSON)

    return answer


def _nodes_named(cat: int):
    stack = list(TREE)
    while stack:
        node = stack.pop()
        if node["id"] == cat:
            yield node
        stack.extend(node["children"])


def _article_json(origin: str, article: Article) -> dict:
    moment = _epoch(article.published)
    return {
        "id": article.post_id,
        "title": article.title,
        "url": origin + detail_path(article.post_id),
        "publisher": article.publisher,
        "identifier": article.identifier,
        "document_number": "",
        "first_publish_time": moment,
        "display_publish_time": moment,
        "date": moment,
        "attachment": [{"name": name, "url": origin + path, "type": path.rsplit(".", 1)[-1]}
                       for path, name in article.files],
    }
