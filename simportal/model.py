"""Plain records describing the simulated portal and what a correct reader should find in it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

record = dataclass(frozen=True, slots=True, kw_only=True)

Key = tuple[str, str, str]


@record
class Resource:
    """One servable URL: the exact bytes and what the server says about them."""

    body: bytes
    content_type: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


@record
class Request:
    """What a dynamic route sees of a request: a data proxy's form, an API's query."""

    method: str
    path: str
    query: Mapping[str, tuple[str, ...]]
    form: Mapping[str, tuple[str, ...]]
    headers: Mapping[str, str]  # names in lower case

    def param(self, name: str, default: str | None = None) -> str | None:
        """A query or form field's first value (form fields win, as in a JSP)."""
        values = self.form.get(name) or self.query.get(name)
        return values[0] if values else default


Route = Callable[[Request], Resource]


@record
class ExpectedReport:
    page_path: str
    body: str
    year: int
    template: str  # "v2019" | "v2021"
    values: Mapping[Key, Decimal | None]  # every key of the template; None = shown as not given
    tables_in: str  # "page" | "attachment" | "both"


@record
class Site:
    county: str
    pages: Mapping[str, Resource]
    column_path: str
    expected: tuple[ExpectedReport, ...]
    non_reports: tuple[str, ...]
    dead_links: tuple[str, ...]
    # Paths answered by code (data proxies, JSON APIs, redirecting downloads), GET and POST.
    routes: Mapping[str, Route] = field(default_factory=dict)
    # The column's first page under column_path ("index" for a gkmlpt script app).
    start_page: str = "index.html"


@record
class Body:
    """A publishing body: its full name, its 9-digit organisation code for 索引号."""

    name: str
    code: str
    kind: str  # "county" | "department" | "township"


@record
class ReportPlan:
    """How one annual report is published: where its tables are and how the page is encoded."""

    body: Body
    year: int
    template: str
    published: date
    doc_id: int
    tables_in: str = "page"
    attachment: str | None = None  # "docx" | "pdf" for the attachment carrying the tables
    encoding: str = "utf-8"  # utf-8 | gbk-meta | gbk-wrong-header | gbk-undeclared
    title_has_year: bool = True
    heading_style: str = "chinese"  # "chinese" (一、) | "arabic" (3、)
    social_org_label: str = "社会公益组织"
    dashes: tuple[Key, ...] = ()
    dead_attachment: bool = False
    values: Mapping[Key, Decimal | None] = field(default_factory=dict)


@record
class OtherPlan:
    """An item of the column that is not an annual report, or whose page is missing."""

    title: str
    kind: str  # guide | catalogue | notice | work_report | statistics | dead
    published: date
    doc_id: int
    publisher: str


@record
class Portal:
    """What tells one simulated portal from another: names, paths and page habits."""

    county: str
    column_path: str  # "/xxgk/gknb/"
    column_name: str
    items_per_page: int
    site_code: str  # 网站标识码
    link_style: str = "relative"  # "relative" (./2023…) | "rooted" (/xxgk/…)
    editor_class: str = "TRS_Editor"
    title_tag: str = "h1"  # "h1" | "div"
    index_style: str = "org"  # 索引号 as "000014349/2023-74857" (org) or credit code "…/202301-00013"
    pager_inline: bool = False  # define createPageHTML in the list page itself, not in /js/page.js
