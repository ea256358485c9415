"""Build a whole simulated portal: every servable path with its bytes, and what it should yield."""

from __future__ import annotations

import random
from dataclasses import replace
from functools import lru_cache
from types import MappingProxyType
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime

from extract.keys import APPLICANT_COLUMNS

from .model import Body, ExpectedReport, OtherPlan, Portal, ReportPlan, Resource, Site
from .numbers import generate_values
from .other_pages import ROBOTS, STYLESHEET, home_content, other_content
from .prose import report_title
from .render_docx import report_docx
from .render_html import PAGER_FUNCTION, PAGER_PATH, article_meta, detail_main, list_main, page
from .render_pdf import report_pdf
from .report_html import report_content
from .variants import VARIANTS

_CHINA = timezone(timedelta(hours=8))
_HTML_UTF8 = "text/html; charset=utf-8"
_MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
_SITE_EPOCH = date(2019, 6, 1)  # when the portal's static files were last changed


@lru_cache(maxsize=None)
def build_site(variant: str = "demo") -> Site:
    """The portal of ``variant``; built once per process (the Site is read-only)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    portal, bodies, report_rows, other_rows, seed = VARIANTS[variant]
    rng = random.Random(seed)
    taken_ids: set[int] = set()
    carried_out: dict[tuple[str, int], dict[str, int]] = {}
    plans: dict[int, ReportPlan] = {}
    # in year order, so each body's report carries in what its previous year's carried out
    for index, row in sorted(enumerate(report_rows), key=lambda item: item[1][1]):
        key, year = row[0], row[1]
        chained = not row[3].get("restates_carried_in")
        plan = _plan_report(rng, bodies, row, taken_ids, carried_out.get((key, year - 1)) if chained else None)
        carried_out[(key, year)] = {
            column: int(plan.values[("requests", "carried_out", column)])
            for column in APPLICANT_COLUMNS
            if plan.values[("requests", "carried_out", column)] is not None
        }
        plans[index] = plan
    reports = tuple(plans[index] for index in range(len(report_rows)))
    others = tuple(_plan_other(rng, bodies, row, taken_ids) for row in other_rows)
    return _assemble(rng, portal, reports, others)


# ---- planning --------------------------------------------------------------------------

def _plan_report(rng: random.Random, bodies: dict[str, Body], row: tuple, taken: set[int],
                 carried_in: dict[str, int] | None) -> ReportPlan:
    key, year, template, options = row
    options = {name: value for name, value in options.items() if name != "restates_carried_in"}
    body = bodies[key]
    published = date(year + 1, 1, 8) + timedelta(days=rng.randint(0, 70))
    values = generate_values(rng, template, body.kind, carried_in)
    for cell in options.get("dashes", ()):
        values[cell] = None
    return ReportPlan(body=body, year=year, template=template, published=published,
                      doc_id=_doc_id(rng, published, taken), values=values, **options)


def _plan_other(rng: random.Random, bodies: dict[str, Body], row: tuple, taken: set[int]) -> OtherPlan:
    title, kind, published, publisher = row
    return OtherPlan(title=title, kind=kind, published=published,
                     doc_id=_doc_id(rng, published, taken), publisher=bodies[publisher].name)


def _doc_id(rng: random.Random, day: date, taken: set[int]) -> int:
    """TRS document ids grow with time; seven digits."""
    base = 1_200_000 + (day - _SITE_EPOCH).days * 211
    number = base + rng.randint(0, 200)
    while number in taken:
        number += 1
    taken.add(number)
    return number


# ---- paths -----------------------------------------------------------------------------

def _detail_path(portal: Portal, day: date, doc_id: int) -> str:
    return f"{portal.column_path}{day:%Y%m}/t{day:%Y%m%d}_{doc_id}.html"


def _list_href(portal: Portal, path: str) -> str:
    return path if portal.link_style == "rooted" else "./" + path.removeprefix(portal.column_path)


def _attachment_name(rng: random.Random, day: date) -> str:
    return f"P0{day:%Y%m%d}{rng.randint(0, 10**12 - 1):012d}"


def _last_modified(day: date) -> tuple[tuple[str, str], ...]:
    moment = datetime.combine(day, time(9, 30), tzinfo=_CHINA).astimezone(timezone.utc)
    return (("Last-Modified", format_datetime(moment, usegmt=True)),)


# ---- assembling ------------------------------------------------------------------------

def _assemble(rng: random.Random, portal: Portal, reports: tuple[ReportPlan, ...],
              others: tuple[OtherPlan, ...]) -> Site:
    pages: dict[str, Resource] = {}
    expected: list[ExpectedReport] = []
    non_reports: list[str] = []
    dead: list[str] = []
    entries: list[tuple[str, str, date]] = []

    for plan in reports:
        path = _detail_path(portal, plan.published, plan.doc_id)
        dead.extend(_add_report(rng, portal, plan, path, pages))
        entries.append((path, report_title(plan), plan.published))
        expected.append(ExpectedReport(page_path=path, body=plan.body.name, year=plan.year,
                                       template=plan.template, values=MappingProxyType(dict(plan.values)),
                                       tables_in=plan.tables_in))
    for plan in others:
        path = _detail_path(portal, plan.published, plan.doc_id)
        entries.append((path, plan.title, plan.published))
        if plan.kind == "dead":
            dead.append(path)
            continue
        non_reports.append(path)
        pages[path] = _other_page(portal, plan)

    entries.sort(key=lambda entry: (entry[2], entry[0]), reverse=True)
    pages.update(_list_pages(portal, entries))
    pages.update(_portal_pages(portal))
    pages.update(_notice_column(portal))
    return Site(county=portal.county, pages=MappingProxyType(pages), column_path=portal.column_path,
                expected=tuple(expected), non_reports=tuple(non_reports), dead_links=tuple(dead))


def _add_report(rng: random.Random, portal: Portal, plan: ReportPlan, path: str,
                pages: dict[str, Resource]) -> list[str]:
    """Put the report page and its attachments into ``pages``; return paths left dead."""
    folder = path.rsplit("/", 1)[0] + "/"
    title = report_title(plan)
    links: list[tuple[str, str]] = []
    dead: list[str] = []
    if plan.attachment:
        name = f"{_attachment_name(rng, plan.published)}.{plan.attachment}"
        render = report_docx if plan.attachment == "docx" else report_pdf
        pages[folder + name] = Resource(body=render(plan), content_type=_MEDIA[plan.attachment],
                                        headers=_last_modified(plan.published))
        links.append(("./" + name, f"{title}.{plan.attachment}"))
    if plan.dead_attachment:
        name = f"{_attachment_name(rng, plan.published)}.pdf"
        dead.append(folder + name)
        links.append(("./" + name, f"{title}（原文）.pdf"))
    pages[path] = _detail_page(portal, plan, title, report_content(plan, tuple(links)))
    return dead


def _metadata(portal: Portal, code: str, day: date, doc_id: int, publisher: str,
              title: str) -> tuple[tuple[str, str], ...]:
    serial = doc_id % 100_000
    index = (f"{code}/{day.year}-{serial:05d}" if portal.index_style == "org"
             else f"{code}/{day:%Y%m}-{serial % 1000:05d}")
    return (
        ("索引号", index), ("主题分类", "综合政务\\政务公开"),
        ("发布机构", publisher), ("成文日期", (day - timedelta(days=1)).isoformat()),
        ("文号", ""), ("发布日期", day.isoformat()),
        ("名称", title),
    )


def _detail_page(portal: Portal, plan: ReportPlan, title: str, content: str) -> Resource:
    meta = _metadata(portal, plan.body.code, plan.published, plan.doc_id, plan.body.name, title)
    main = detail_main(portal, title=title, publisher=plan.body.name, day=plan.published,
                       metadata=meta, content=content)
    charset, header = {
        "utf-8": ("utf-8", _HTML_UTF8),
        "gbk-meta": ("gb2312", "text/html"),
        "gbk-wrong-header": (None, _HTML_UTF8),
        "gbk-undeclared": (None, "text/html"),
    }[plan.encoding]
    html = page(portal, title=title, main=main, charset=charset,
                extra_meta=article_meta(title, plan.body.name, plan.published))
    encoding = "utf-8" if plan.encoding == "utf-8" else "gbk"
    return Resource(body=html.encode(encoding), content_type=header, headers=_last_modified(plan.published))


def _office_code(portal: Portal) -> str:
    """The code of the county government's office, which files the column's other documents."""
    return "000014349" if portal.index_style == "org" else "11532627015178342K"


def _other_page(portal: Portal, plan: OtherPlan) -> Resource:
    meta = _metadata(portal, _office_code(portal), plan.published, plan.doc_id, plan.publisher, plan.title)
    main = detail_main(portal, title=plan.title, publisher=plan.publisher, day=plan.published,
                       metadata=meta, content=other_content(plan, portal.county))
    html = page(portal, title=plan.title, main=main,
                extra_meta=article_meta(plan.title, plan.publisher, plan.published))
    return Resource(body=html.encode("utf-8"), content_type=_HTML_UTF8,
                    headers=_last_modified(plan.published))


def _list_pages(portal: Portal, entries: list[tuple[str, str, date]]) -> dict[str, Resource]:
    size = portal.items_per_page
    count = max(1, -(-len(entries) // size))
    pages: dict[str, Resource] = {}
    for index in range(count):
        chunk = tuple((_list_href(portal, path), title, day)
                      for path, title, day in entries[index * size:(index + 1) * size])
        name = "index.html" if index == 0 else f"index_{index}.html"
        html = page(portal, title=portal.column_name, main=list_main(portal, chunk, index, count))
        newest = chunk[0][2] if chunk else _SITE_EPOCH
        pages[portal.column_path + name] = Resource(body=html.encode("utf-8"), content_type=_HTML_UTF8,
                                                    headers=_last_modified(newest))
    return pages


def _portal_pages(portal: Portal) -> dict[str, Resource]:
    links = home_content(portal.county, portal.column_path, portal.column_name)
    home = page(portal, title="首页", main=links)
    xxgk = page(portal, title="政务公开", main=links)
    fixed = _last_modified(_SITE_EPOCH)
    home_resource = Resource(body=home.encode("utf-8"), content_type=_HTML_UTF8, headers=fixed)
    return {
        "/": home_resource,
        "/index.html": home_resource,
        "/xxgk/index.html": Resource(body=xxgk.encode("utf-8"), content_type=_HTML_UTF8, headers=fixed),
        "/css/style.css": Resource(body=STYLESHEET, content_type="text/css", headers=fixed),
        PAGER_PATH: Resource(body=PAGER_FUNCTION.encode("utf-8"), content_type="application/javascript",
                             headers=fixed),
        "/robots.txt": Resource(body=ROBOTS, content_type="text/plain", headers=fixed),
    }




_NOTICES = (
    ("关于2022年度政府信息公开工作年度报告发布情况的通报", date(2023, 4, 12), 1_500_321),
    ("关于开展政务服务满意度调查的公告", date(2023, 5, 6), 1_503_877),
)


def _notice_column(portal: Portal) -> dict[str, Resource]:
    """Another column of the portal, linked from the nav: a crawler of the report column stays out."""
    column = replace(portal, column_path="/xxgk/tzgg/", column_name="通知公告")
    pages: dict[str, Resource] = {}
    entries = []
    for title, day, doc_id in _NOTICES:
        path = _detail_path(column, day, doc_id)
        entries.append((_list_href(column, path), title, day))
        meta = _metadata(column, _office_code(portal), day, doc_id, f"{portal.county}人民政府办公室", title)
        main = detail_main(column, title=title, publisher=f"{portal.county}人民政府办公室", day=day,
                           metadata=meta, content=f"<p>{title}，详见正文。</p>")
        pages[path] = Resource(body=page(column, title=title, main=main).encode("utf-8"),
                               content_type=_HTML_UTF8, headers=_last_modified(day))
    listing = page(column, title="通知公告", main=list_main(column, tuple(reversed(entries)), 0, 1))
    pages["/xxgk/tzgg/index.html"] = Resource(body=listing.encode("utf-8"), content_type=_HTML_UTF8,
                                              headers=_last_modified(_NOTICES[-1][1]))
    return pages
