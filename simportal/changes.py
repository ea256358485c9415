"""A portal the day after: derive a changed Site from a built one, for tests of re-crawls.

Each function returns a new Site (the given one is read-only) with what a real portal does
between two nights: a report edited in place (its tables and Last-Modified change, its list
entry does not), a report withdrawn (its page answers 404 and its list entry is gone), an
item dropped from the lists while its page still answers, and a new report listed first.
Serve the result by assigning it to ``PortalServer.site``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import format_datetime
from types import MappingProxyType

from .model import ExpectedReport, Key, Resource, Site
from .render_html import word_table
from .tables import appeals_grid

# When the changes happened: later than any date the built portals carry.
CHANGED_AT = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)


def edit_report(site: Site, page_path: str, cells: Mapping[Key, Decimal], *, when: datetime = CHANGED_AT) -> Site:
    """The report at ``page_path`` with some cells of its appeals table (table 4) changed in place.

    The report must carry its tables on a UTF-8 page; its list entry stays as it was.
    """
    report = _expected(site, page_path)
    if any(key[0] != "appeals" for key in cells):
        raise ValueError("only cells of the appeals table can be edited in place")
    values = {**report.values, **cells}
    before = word_table(appeals_grid(report.values)).encode("utf-8")
    after = word_table(appeals_grid(values)).encode("utf-8")
    resource = site.pages[page_path]
    if resource.body.count(before) != 1:
        raise ValueError(f"{page_path} does not carry its appeals table as a UTF-8 page")
    pages = dict(site.pages)
    pages[page_path] = _touched(resource, resource.body.replace(before, after), when)
    expected = tuple(
        replace(r, values=MappingProxyType(values)) if r.page_path == page_path else r for r in site.expected
    )
    return replace(site, pages=MappingProxyType(pages), expected=expected)


def withdraw(site: Site, page_path: str, *, when: datetime = CHANGED_AT) -> Site:
    """The item at ``page_path`` taken down: its page (and files beside it) answer 404, its list entry is gone."""
    changed = unlist(site, page_path, when=when)
    pages = dict(changed.pages)
    pages.pop(page_path)
    for name in _linked_files(site.pages[page_path].body):
        pages.pop(page_path.rsplit("/", 1)[0] + "/" + name, None)
    expected = tuple(r for r in changed.expected if r.page_path != page_path)
    return replace(changed, pages=MappingProxyType(pages), expected=expected)


def unlist(site: Site, page_path: str, *, when: datetime = CHANGED_AT) -> Site:
    """The item at ``page_path`` dropped from the column's lists; its page still answers."""
    pages = dict(site.pages)
    found = False
    for path, resource in site.pages.items():
        if not path.startswith(site.column_path) or "/" in path.removeprefix(site.column_path):
            continue
        body = _without_entry(resource.body, site.column_path, page_path)
        if body != resource.body:
            pages[path] = _touched(resource, body, when)
            found = True
    if not found:
        raise ValueError(f"no list page of {site.column_path} links {page_path}")
    return replace(site, pages=MappingProxyType(pages))


def add_report(site: Site, source: Site, source_path: str, *, when: datetime = CHANGED_AT) -> Site:
    """A new report in the column, listed first: ``source``'s report page at ``source_path``
    (tables on the page, no attachment), published under this portal's column."""
    report = _expected(source, source_path)
    if report.tables_in != "page":
        raise ValueError(f"{source_path} keeps its tables in an attachment; pick a report with them on the page")
    new_path = site.column_path + source_path.removeprefix(source.column_path)
    if new_path in site.pages:
        raise ValueError(f"{new_path} already exists")
    page = source.pages[source_path]
    title = _title(page.body)
    entry = (
        f'<li><a href="./{new_path.removeprefix(site.column_path)}" target="_blank" title="{title}">{title}</a>'
        f"<span>{when.date().isoformat()}</span></li>\n"
    ).encode("utf-8")
    index_path = site.column_path + "index.html"
    index = site.pages[index_path]
    marker = b'<ul class="list">\n'
    if marker not in index.body:
        raise ValueError(f"{index_path} has no list to add to")
    pages = dict(site.pages)
    pages[new_path] = _touched(page, page.body, when)
    pages[index_path] = _touched(index, index.body.replace(marker, marker + entry, 1), when)
    expected = (*site.expected, replace(report, page_path=new_path))
    return replace(site, pages=MappingProxyType(pages), expected=expected)


def _expected(site: Site, page_path: str) -> ExpectedReport:
    for report in site.expected:
        if report.page_path == page_path:
            return report
    raise KeyError(f"no report at {page_path}")


def _touched(resource: Resource, body: bytes, when: datetime) -> Resource:
    headers = tuple((k, v) for k, v in resource.headers if k.lower() not in ("last-modified", "etag"))
    return replace(resource, body=body, headers=(*headers, ("Last-Modified", format_datetime(when, usegmt=True))))


def _without_entry(body: bytes, column_path: str, page_path: str) -> bytes:
    hrefs = {page_path, "./" + page_path.removeprefix(column_path)}
    text = body.decode("utf-8")
    for href in hrefs:
        text = re.sub(r"<li>(?:(?!</li>).)*?href=\"" + re.escape(href) + r"\"(?:(?!</li>).)*</li>\n?", "", text)
    return text.encode("utf-8")


def _linked_files(body: bytes) -> list[str]:
    return re.findall(r'href="\./([^"/]+\.(?:pdf|docx?|xlsx?|wps))"', body.decode("utf-8", "replace"))


def _title(body: bytes) -> str:
    found = re.search(rb'<meta name="ArticleTitle" content="([^"]*)"', body)
    return found.group(1).decode("utf-8") if found else "政府信息公开工作年度报告"
