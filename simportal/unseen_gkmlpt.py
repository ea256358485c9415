"""A second Guangdong gkmlpt portal, 石岭区 (a district site under a city domain), built apart
from the adapter.

It differs from ``gkmlpt_site`` the way real gkmlpt sites differ from one another:

- the platform sits under a site prefix: ``/slqzf/gkmlpt/index``, ``/slqzf/gkmlpt/api/all/…``,
  files under ``/slqzf/attachment/…``;
- the column tree nests the reports two levels deeper (政务公开 › 政府信息公开 ›
  政府信息公开年报 › 区政府年报 / 部门年报 / 镇街年报); the API lists a node with its
  descendants;
- the API pages by 15, says nothing of its page size, gives ``total`` as a string, dates as
  ``"2024-01-15 09:30:00"`` strings (no epoch seconds) and detail URLs with the column in
  the fragment (``post_4123456.html#1835``); files as ``attachments`` with relative URLs;
- detail pages name the file block ``附件下载`` outside ``div.article-content``.

``later=True`` builds the portal a night later: one report's appeals table edited in place,
one report withdrawn (404, gone from the API), one new report listed first.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, replace
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

COUNTY = "石岭区"
PREFIX = "/slqzf"
SID = "755207"
ANNUAL_CAT = 1835
PAGE_SIZE = 15
_CHINA = timezone(timedelta(hours=8))
_HTML = "text/html; charset=utf-8"
_MEDIA = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "pdf": "application/pdf"}
_EPOCH = date(2019, 9, 1)
CHANGED_AT = datetime(2026, 11, 30, 1, 30, tzinfo=timezone.utc)

BODIES = {
    "district": Body(name="石岭区人民政府", code="11440307MB2C10231X", kind="county"),
    "fgj": Body(name="石岭区发展和改革局", code="11440307MB2C1034XF", kind="department"),
    "jyj": Body(name="石岭区教育局", code="11440307MB2C10516T", kind="department"),
    "wjj": Body(name="石岭区卫生健康局", code="11440307MB2C10604R", kind="department"),
    "gxj": Body(name="石岭区工业和信息化局", code="11440307MB2C10735M", kind="department"),
    "xinqiao": Body(name="石岭区新桥街道办事处", code="11440307MB2C20118D", kind="township"),
    "songgang": Body(name="石岭区松岗街道办事处", code="11440307MB2C20223G", kind="township"),
}
# The tree nodes each kind of body publishes under.
_SUB_CATS = {"county": 1836, "department": 1837, "township": 1838}

# (body, year, template, options); "api_only": the page links no file; "night": 2 = only later.
REPORTS: tuple[tuple[str, int, str, dict], ...] = (
    ("district", 2023, "v2021", {}),
    ("district", 2022, "v2021", {"tables_in": "attachment", "attachment": "pdf"}),
    ("district", 2021, "v2021", {"tables_in": "both", "attachment": "docx"}),
    ("fgj", 2023, "v2021", {"heading_style": "arabic"}),
    ("fgj", 2022, "v2021", {"tables_in": "attachment", "attachment": "docx", "api_only": True}),
    ("jyj", 2022, "v2019", {}),
    ("wjj", 2023, "v2021", {"tables_in": "attachment", "attachment": "pdf"}),
    ("wjj", 2021, "v2021", {"dashes": (("proactive", "fees", "amount_10k_yuan"),)}),
    ("gxj", 2023, "v2021", {"dead_attachment": True}),
    ("xinqiao", 2022, "v2021", {"title_has_year": False}),
    ("songgang", 2023, "v2021", {"tables_in": "attachment", "attachment": "pdf"}),
    ("songgang", 2022, "v2021", {"social_org_label": "社会组织"}),
    ("jyj", 2024, "v2021", {"night": 2}),
)

OTHERS: tuple[tuple[str, str, date, str], ...] = (
    ("石岭区人民政府信息公开指南（2023年修订）", "guide", date(2023, 4, 6), "district"),
    ("石岭区政府信息主动公开基本目录", "catalogue", date(2022, 6, 30), "district"),
    ("关于报送2023年度政府信息公开工作年度报告的通知", "notice", date(2024, 1, 3), "district"),
    ("石岭区2023年法治政府建设年度报告", "work_report", date(2024, 3, 20), "district"),
    ("石岭区卫生健康局2022年政府信息公开工作年度报告", "dead", date(2023, 1, 30), "wjj"),
)

EDITED = ("district", 2023)
WITHDRAWN = ("songgang", 2022)
ADDED = ("jyj", 2024)
EDIT = {("appeals", "reconsideration", "upheld"): 1, ("appeals", "reconsideration", "total"): 1}

TREE = (
    {"id": 1801, "name": "政务公开", "parent": 0, "children": [
        {"id": 1810, "name": "机构信息", "parent": 1801, "children": []},
        {"id": 1820, "name": "政策文件", "parent": 1801, "children": [
            {"id": 1821, "name": "规范性文件", "parent": 1820, "children": []}]},
        {"id": 1830, "name": "政府信息公开", "parent": 1801, "children": [
            {"id": 1831, "name": "政府信息公开指南", "parent": 1830, "children": []},
            {"id": 1832, "name": "政府信息公开制度", "parent": 1830, "children": []},
            {"id": 1833, "name": "统计年报", "parent": 1830, "children": []},
            {"id": ANNUAL_CAT, "name": "政府信息公开年报", "parent": 1830, "children": [
                {"id": 1836, "name": "区政府年报", "parent": ANNUAL_CAT, "children": []},
                {"id": 1837, "name": "部门年报", "parent": ANNUAL_CAT, "children": []},
                {"id": 1838, "name": "街道年报", "parent": ANNUAL_CAT, "children": []}]}]}]},
    {"id": 1850, "name": "通知公告", "parent": 0, "children": []},
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    post_id: int
    cat: int
    title: str
    published: date
    publisher: str
    files: tuple[tuple[str, str], ...]  # (path, file name)


@lru_cache(maxsize=None)
def build_unseen_gkmlpt_site(later: bool = False) -> Site:
    rng = random.Random(4403)
    taken: set[int] = set()
    pages: dict[str, Resource] = {}
    expected, non_reports, dead = [], [], []
    articles: list[Article] = []
    for key, plan, api_only, night in _plans(rng, taken):
        if night == 2 and not later:
            continue  # last in REPORTS, no file: the others draw the same numbers either night
        edited = later and (key, plan.year) == EDITED
        if edited:
            plan = replace(plan, values={**plan.values, **{k: plan.values[k] + step for k, step in EDIT.items()}})
        article, dead_file = _add_report(rng, plan, api_only, pages, edited=edited)
        dead.extend(dead_file)
        if later and (key, plan.year) == WITHDRAWN:
            pages.pop(detail_path(article.post_id))
            continue
        articles.append(article)
        expected.append(ExpectedReport(page_path=detail_path(article.post_id), body=plan.body.name, year=plan.year,
                                       template=plan.template, values=MappingProxyType(dict(plan.values)),
                                       tables_in=plan.tables_in))
    for title, kind, day, publisher in OTHERS:
        plan = OtherPlan(title=title, kind=kind, published=day, doc_id=_post_id(rng, day, taken),
                         publisher=BODIES[publisher].name)
        article = Article(post_id=plan.doc_id, cat=_SUB_CATS[BODIES[publisher].kind] if kind == "dead" else ANNUAL_CAT,
                          title=title, published=day, publisher=plan.publisher, files=())
        articles.append(article)
        if kind == "dead":
            dead.append(detail_path(article.post_id))
            continue
        non_reports.append(detail_path(article.post_id))
        pages[detail_path(article.post_id)] = _detail_page(article, other_content(plan, COUNTY))
    notice = Article(post_id=_post_id(rng, date(2024, 4, 2), taken), cat=1850, title="石岭区关于开展政务公开日活动的通知",
                     published=date(2024, 4, 2), publisher=BODIES["district"].name, files=())
    pages[detail_path(notice.post_id)] = _detail_page(notice, "<p>详见正文。</p>")
    pages.update(_app_pages())
    ordered = tuple(sorted(articles, key=lambda a: (a.published, a.post_id), reverse=True))
    routes = {f"{PREFIX}/gkmlpt/api/all/{cat}": _api_route(cat, ordered + (notice,)) for cat in _all_cats(TREE)}
    return Site(county=COUNTY, pages=MappingProxyType(pages), column_path=f"{PREFIX}/gkmlpt/", start_page="index",
                expected=tuple(expected), non_reports=tuple(non_reports), dead_links=tuple(dead),
                routes=MappingProxyType(routes))


def _plans(rng: random.Random, taken: set[int]):
    carried_out: dict[tuple[str, int], dict[str, int]] = {}
    plans = {}
    for index, (key, year, template, options) in sorted(enumerate(REPORTS), key=lambda row: row[1][1]):
        options = dict(options)
        api_only, night = options.pop("api_only", False), options.pop("night", 1)
        values = generate_values(rng, template, BODIES[key].kind, carried_out.get((key, year - 1)))
        for cell in options.get("dashes", ()):
            values[cell] = None
        published = date(year + 1, 1, 15) + timedelta(days=rng.randint(0, 60))
        plan = ReportPlan(body=BODIES[key], year=year, template=template, published=published,
                          doc_id=_post_id(rng, published, taken), values=values, **options)
        carried_out[(key, year)] = {c: int(values[("requests", "carried_out", c)]) for c in APPLICANT_COLUMNS}
        plans[index] = (key, plan, api_only, night)
    return [plans[index] for index in range(len(REPORTS))]


def _post_id(rng: random.Random, day: date, taken: set[int]) -> int:
    number = 3_900_000 + (day - _EPOCH).days * 113 + rng.randint(0, 100)
    while number in taken:
        number += 1
    taken.add(number)
    return number


def detail_path(post_id: int) -> str:
    return f"{PREFIX}/gkmlpt/content/{post_id // 1_000_000}/{post_id // 1000}/post_{post_id}.html"


def _stamp(day: date) -> str:
    return f"{day.isoformat()} 09:30:00"


def _last_modified(moment: date | datetime) -> tuple[tuple[str, str], ...]:
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(9, 30), tzinfo=_CHINA)
    return (("Last-Modified", format_datetime(moment.astimezone(timezone.utc), usegmt=True)),)


def _add_report(rng: random.Random, plan: ReportPlan, api_only: bool, pages: dict[str, Resource],
                *, edited: bool) -> tuple[Article, list[str]]:
    title = report_title(plan)
    files: list[tuple[str, str]] = []
    dead: list[str] = []
    if plan.attachment:
        file_id = 2_700_000 + rng.randint(0, 99_999)
        path = f"{PREFIX}/attachment/{file_id // 1_000_000}/{file_id // 1000}/{file_id}/{plan.doc_id}.{plan.attachment}"
        render = report_docx if plan.attachment == "docx" else report_pdf
        pages[path] = Resource(body=render(plan), content_type=_MEDIA[plan.attachment],
                               headers=_last_modified(plan.published))
        files.append((path, f"附件：{title}.{plan.attachment}"))
    if plan.dead_attachment:
        file_id = 2_700_000 + rng.randint(0, 99_999)
        path = f"{PREFIX}/attachment/{file_id // 1_000_000}/{file_id // 1000}/{file_id}/{plan.doc_id}.pdf"
        dead.append(path)
        files.append((path, "附件：盖章扫描件.pdf"))
    article = Article(post_id=plan.doc_id, cat=_SUB_CATS[plan.body.kind], title=title, published=plan.published,
                      publisher=plan.body.name, files=tuple(files))
    pages[detail_path(plan.doc_id)] = _detail_page(article, report_content(plan, ()), shown=() if api_only else files,
                                                  modified=CHANGED_AT if edited else None)
    return article, dead


def _frame(title: str, main: str) -> str:
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta name="SiteName" content="{COUNTY}人民政府">
<meta name="SiteIDCode" content="4403070011">
<title>{escape(title)}</title>
<link rel="stylesheet" href="{PREFIX}/gkmlpt/css/detail.css">
</head>
<body>
<div class="header"><a href="{PREFIX}/"><img src="{PREFIX}/images/logo.png" alt="{COUNTY}人民政府"></a></div>
{main}
<div class="footer">{COUNTY}人民政府办公室主办　网站标识码：4403070011　粤ICP备06027777号</div>
</body>
</html>
"""


def _detail_page(article: Article, content: str, *, shown=(), modified: datetime | None = None) -> Resource:
    rows = (("索引号", f"11440307MB2C10231X/{article.published:%Y}-{article.post_id % 100_000:05d}"),
            ("发布机构", article.publisher), ("发布日期", article.published.isoformat()), ("名称", article.title))
    table = "".join(f"<tr><th>{label}：</th><td>{escape(value)}</td></tr>" for label, value in rows)
    block = ""
    if shown:
        links = "".join(f'<li><a href="{path}" download>{escape(name)}</a></li>' for path, name in shown)
        block = f'<div class="article-file"><h4>附件下载</h4><ul>{links}</ul></div>'
    main = f"""<div class="crumb">当前位置：<a href="{PREFIX}/">首页</a> &gt; <a href="{PREFIX}/gkmlpt/index">政府信息公开</a></div>
<div class="detail">
<div class="classify"><table>{table}</table></div>
<h1 class="title">{escape(article.title)}</h1>
<div class="article-content">
{content}
</div>
{block}
</div>"""
    return Resource(body=_frame(article.title, main).encode("utf-8"), content_type=_HTML,
                    headers=_last_modified(modified or article.published))


def _app_pages() -> dict[str, Resource]:
    tree = json.dumps(TREE, ensure_ascii=False)
    index = _frame("政府信息公开目录", f"""<div id="app"></div>
<script type="text/javascript">
  window._CONFIG = {{
    "SID": "{SID}",
    "TREE": {tree},
    "DEPT": "{COUNTY}人民政府"
  }};
</script>
<script src="{PREFIX}/gkmlpt/static/js/app.3f9e.js"></script>""")
    fixed = _last_modified(_EPOCH)
    return {
        f"{PREFIX}/gkmlpt/index": Resource(body=index.encode("utf-8"), content_type=_HTML, headers=fixed),
        "/robots.txt": Resource(body=b"User-agent: *\nDisallow:\n", content_type="text/plain", headers=fixed),
    }


def _all_cats(nodes) -> list[int]:
    cats = []
    for node in nodes:
        cats.append(node["id"])
        cats.extend(_all_cats(node["children"]))
    return cats


def _descendants(cat: int) -> set[int]:
    def walk(nodes, inside: bool) -> set[int]:
        found = set()
        for node in nodes:
            here = inside or node["id"] == cat
            if here:
                found.add(node["id"])
            found |= walk(node["children"], here)
        return found
    return walk(TREE, False)


def _api_route(cat: int, articles: tuple[Article, ...]):
    listed = tuple(a for a in articles if a.cat in _descendants(cat))

    def answer(request: Request) -> Resource:
        origin = f"http://{request.headers.get('host', '127.0.0.1')}"
        page_text = request.param("page", "1") or "1"
        page = int(page_text) if page_text.isascii() and page_text.isdigit() and len(page_text) < 7 else 1
        if request.param("sid") != SID:
            body = {"articles": [], "total": "0"}
        else:
            start = (max(page, 1) - 1) * PAGE_SIZE
            body = {"articles": [_article_json(origin, a) for a in listed[start:start + PAGE_SIZE]],
                    "total": str(len(listed)), "classify": {"id": cat}}
        return Resource(body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                        content_type="application/json;charset=UTF-8")

    return answer


def _article_json(origin: str, article: Article) -> dict:
    return {
        "id": article.post_id,
        "title": article.title,
        "url": f"{origin}{detail_path(article.post_id)}#{article.cat}",
        "publisher": article.publisher,
        "created_at": _stamp(article.published),
        "publish_time": _stamp(article.published),
        "attachments": [{"name": name.removeprefix("附件："), "url": path} for path, name in article.files],
    }
