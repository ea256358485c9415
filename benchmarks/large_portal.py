"""A large simulated TRS county portal, generated in memory: N annual reports in one column.

Each report is an HTML page with its tables, made by the simulated portal's own renderers
(``simportal``), one in ten also with a PDF attachment; the column lists them twenty to a
page with the TRS pager. Nothing is written to disk. Every page and file carries its ETag
(and Last-Modified), worked out once here, so the server answers a conditional request, 304
or 200, without hashing the body each time, as a real portal's web server does.
"""

from __future__ import annotations

import hashlib
import random
from datetime import date, timedelta
from types import MappingProxyType

from simportal.model import Body, ExpectedReport, Portal, ReportPlan, Resource, Site
from simportal.numbers import generate_values
from simportal.prose import report_title
from simportal.render_html import PAGER_FUNCTION, PAGER_PATH, detail_main, list_main, page
from simportal.render_pdf import report_pdf
from simportal.report_html import report_content

PORTAL = Portal(
    county="长河县",
    column_path="/xxgk/gknb/",
    column_name="政府信息公开年报",
    items_per_page=20,
    site_code="4109990001",
)
YEARS = (2023, 2022, 2021, 2020, 2019)
_FIRST = "东西南北中上下新老大小前后高平安永长青白石"
_SECOND = "河山桥湾港岭集庄店坪塘沟口坝营寨铺堡源川"
_HTML = "text/html; charset=utf-8"
PDF_EVERY = 10


def build_large_site(reports: int, *, seed: int = 2026) -> Site:
    rng = random.Random(seed)
    pages: dict[str, Resource] = {}
    entries: list[tuple[str, str, date]] = []
    expected: list[ExpectedReport] = []
    for number in range(reports):
        plan = _plan(rng, number)
        path = f"{PORTAL.column_path}{plan.published:%Y%m}/t{plan.published:%Y%m%d}_{plan.doc_id}.html"
        links: tuple[tuple[str, str], ...] = ()
        if number % PDF_EVERY == 0:
            name = f"P0{plan.published:%Y%m%d}{plan.doc_id:012d}.pdf"
            pdf = report_pdf(plan)
            pages[path.rsplit("/", 1)[0] + "/" + name] = Resource(
                body=pdf, content_type="application/pdf", headers=_validators(pdf, plan.published)
            )
            links = (("./" + name, f"{report_title(plan)}.pdf"),)
        title = report_title(plan)
        main = detail_main(PORTAL, title=title, publisher=plan.body.name, day=plan.published,
                           metadata=(("发布机构", plan.body.name), ("发布日期", plan.published.isoformat())),
                           content=report_content(plan, links))
        html = page(PORTAL, title=title, main=main).encode("utf-8")
        pages[path] = Resource(body=html, content_type=_HTML, headers=_validators(html, plan.published))
        entries.append((path, title, plan.published))
        expected.append(ExpectedReport(page_path=path, body=plan.body.name, year=plan.year, template=plan.template,
                                       values=MappingProxyType(dict(plan.values)), tables_in="page"))
    entries.sort(key=lambda entry: (entry[2], entry[0]), reverse=True)
    pages.update(_list_pages(entries))
    pages[PAGER_PATH] = Resource(body=PAGER_FUNCTION.encode("utf-8"), content_type="application/javascript")
    pages["/robots.txt"] = Resource(body=b"User-agent: *\nAllow: /\n", content_type="text/plain")
    return Site(county=PORTAL.county, pages=MappingProxyType(pages), column_path=PORTAL.column_path,
                expected=tuple(expected), non_reports=(), dead_links=())


def _plan(rng: random.Random, number: int) -> ReportPlan:
    town, year = divmod(number, len(YEARS))
    first, second = divmod(town % (len(_FIRST) * len(_SECOND)), len(_SECOND))
    suffix = "镇" if town < len(_FIRST) * len(_SECOND) else "乡"
    body = Body(name=f"{_FIRST[first]}{_SECOND[second]}{suffix}人民政府", code=f"{10_300_000 + town:09d}",
                kind="township")
    report_year = YEARS[year]
    template = "v2021" if report_year >= 2021 else "v2019"
    published = date(report_year + 1, 1, 5) + timedelta(days=rng.randint(0, 80))
    return ReportPlan(body=body, year=report_year, template=template, published=published,
                      doc_id=1_300_000 + number, values=generate_values(rng, template, body.kind))


def _list_pages(entries: list[tuple[str, str, date]]) -> dict[str, Resource]:
    size = PORTAL.items_per_page
    count = max(1, -(-len(entries) // size))
    pages = {}
    for index in range(count):
        chunk = tuple(("./" + path.removeprefix(PORTAL.column_path), title, day)
                      for path, title, day in entries[index * size:(index + 1) * size])
        html = page(PORTAL, title=PORTAL.column_name, main=list_main(PORTAL, chunk, index, count)).encode("utf-8")
        name = "index.html" if index == 0 else f"index_{index}.html"
        pages[PORTAL.column_path + name] = Resource(body=html, content_type=_HTML,
                                                    headers=_validators(html, chunk[0][2] if chunk else None))
    return pages


def _validators(body: bytes, day: date | None) -> tuple[tuple[str, str], ...]:
    etag = ("ETag", '"' + hashlib.sha256(body).hexdigest()[:20] + '"')
    return (etag,) if day is None else (etag, ("Last-Modified", f"{day:%a, %d %b %Y} 01:30:00 GMT"))
