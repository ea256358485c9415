"""A simulated portal of list traps, for the crawler's pagination bounds (三溪县).

- ``/trap/xyy/index.html``: a "下一页" chain that never ends; every page is new (its own
  ``?token=``) and lists the same three notices, none of them a report.
- ``/trap/page/index.html``: answers ``?page=N`` for every N, each page linking the next
  few numbers, always the same two notices.
- ``/trap/dj/index.html``: a TRS "动静结合" column; its ``listModel`` announces 20
  records (``recordCount: '20'``) but only the static first page (10 reports) is HTML,
  the rest would come from a search API the portal does not serve.
- ``/trap/big/index.html``: a list page of about 300 KB, over a small list size limit.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from html import escape
from types import MappingProxyType

from .model import Request, Resource, Site

COUNTY = "三溪县"
NEXT_CHAIN = "/trap/xyy/index.html"
EVERY_PAGE = "/trap/page/index.html"
DYNAMIC = "/trap/dj/index.html"
OVERSIZED = "/trap/big/index.html"
OVERSIZED_BYTES = 300_000
DYNAMIC_ANNOUNCED = 20
DYNAMIC_STATIC = 10
_HTML = "text/html; charset=utf-8"
_TOWNS = ("三溪县人民政府", "三溪县教育局", "三溪县民政局", "三溪县财政局", "三溪县水务局",
          "上溪镇人民政府", "中溪镇人民政府", "下溪镇人民政府", "白石乡人民政府", "青松乡人民政府")


def _page(title: str, main: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}_{COUNTY}人民政府</title>'
            f'</head><body><div class="nav"><a href="/index.html">首页</a></div>{main}</body></html>').encode("utf-8")


def _notice(path: str, title: str) -> tuple[str, Resource]:
    main = f"<h1>{escape(title)}</h1><p>{escape(title)}，特此通知。</p>"
    return path, Resource(body=_page(title, main), content_type=_HTML)


_CHAIN_NOTICES = tuple(f"/trap/xyy/tz{n}.html" for n in (1, 2, 3))
_PAGE_NOTICES = tuple(f"/trap/page/gg{n}.html" for n in (1, 2))


def _next_chain(request: Request) -> Resource:
    token = request.param("token", "0") or "0"
    step = int(token) if token.isascii() and token.isdigit() else 0
    rows = "".join(f'<li><a href="{path}">第{n + 1}号工作动态</a></li>' for n, path in enumerate(_CHAIN_NOTICES))
    main = (f'<ul class="list">{rows}</ul>'
            f'<div class="page"><a href="index.html?token={step + 1}">下一页</a></div>')
    return Resource(body=_page("工作动态", main), content_type=_HTML)


def _every_page(request: Request) -> Resource:
    number = request.param("page", "1") or "1"
    page = int(number) if number.isascii() and number.isdigit() else 1
    rows = "".join(f'<li><a href="{path}">公告第{n + 1}号</a></li>' for n, path in enumerate(_PAGE_NOTICES))
    links = "".join(f'<a href="?page={n}">{n}</a>' for n in range(page + 1, page + 4))
    main = f'<ul class="list">{rows}</ul><div class="pages"><b>{page}</b>{links}</div>'
    return Resource(body=_page("公告", main), content_type=_HTML)


def _dynamic_column() -> dict[str, Resource]:
    pages: dict[str, Resource] = {}
    rows = []
    for n, body in enumerate(_TOWNS[:DYNAMIC_STATIC]):
        day = date(2023, 1, 10) + timedelta(days=n)
        path = f"/trap/dj/{day:%Y%m}/t{day:%Y%m%d}_{880_100 + n}.html"
        title = f"{body}2022年政府信息公开工作年度报告"
        rows.append(f'<li><a href="./{path.removeprefix("/trap/dj/")}" title="{title}">{title}</a>'
                    f"<span>{day.isoformat()}</span></li>")
        pages[path] = Resource(body=_page(title, f'<h1>{title}</h1><div class="TRS_Editor"><p>{title}（略）。</p></div>'),
                               content_type=_HTML)
    script = ("<script>listModel({quickMode: \"动静结合\", maxStaticIndex: 1, "
              "listArgs: {channelid: 1813, classsql: \"chnlid=1813\", sortfield: \"-docorderpri,-docreltime\"}, "
              f"pagebar: {{prepage: {DYNAMIC_STATIC}, recordCount: '{DYNAMIC_ANNOUNCED}', pagebarId: \"page_bar\"}}}});"
              "</script>")
    main = f'<ul class="list">{"".join(rows)}</ul><div id="page_bar"></div>{script}'
    pages[DYNAMIC] = Resource(body=_page("政府信息公开年报", main), content_type=_HTML)
    return pages


@lru_cache(maxsize=None)
def build_trap_site() -> Site:
    pages = dict(_dynamic_column())
    pages.update(_notice(path, f"第{n + 1}号工作动态") for n, path in enumerate(_CHAIN_NOTICES))
    pages.update(_notice(path, f"公告第{n + 1}号") for n, path in enumerate(_PAGE_NOTICES))
    pages["/index.html"] = Resource(body=_page("首页", "<p>三溪县</p>"), content_type=_HTML)
    filler = "<p>" + "三溪县政务动态。" * 40 + "</p>\n"
    pages[OVERSIZED] = Resource(body=_page("政务动态", filler * (OVERSIZED_BYTES // len(filler.encode()) + 1)),
                                content_type=_HTML)
    return Site(county=COUNTY, pages=MappingProxyType(pages), column_path="/trap/xyy/", expected=(),
                non_reports=(*_CHAIN_NOTICES, *_PAGE_NOTICES), dead_links=(),
                routes=MappingProxyType({NEXT_CHAIN: _next_chain, EVERY_PAGE: _every_page}))
