"""Plain, immutable records that extraction returns. No behaviour beyond small helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .version import PARSER_VERSION

record = dataclass(frozen=True, slots=True, kw_only=True)


@record
class Value:
    """One cell of a report's tables under its canonical key.

    ``value`` is ``None`` when the report shows the cell but gives no number
    (blank, "—", "/"): not given, which is not 0.
    """

    table: str
    row: str
    column: str
    value: Decimal | None
    raw: str = ""
    source: str = "published"  # "published": printed text; "ocr": read from an image
    confidence: float | None = None  # OCR's confidence in the cell, 0-1; None for printed text
    unit: str | None = None  # the unit printed in the cell ("元"), when it prints one


@record
class Check:
    """One consistency rule applied to one line of a table (spec rules 1-4)."""

    rule: str  # e.g. "requests.balance"
    scope: str  # the column or row the rule was applied to
    status: str  # "pass" | "fail" | "not_assessable" | "fitted" (the rule chose the cells: no confirmation)
    cells: tuple[str, ...] = ()  # "table.row.column" keys involved
    difference: Decimal | None = None  # left side minus right side, on failure


@record
class Tables:
    """What the table reader found in one document."""

    template: str | None
    values: tuple[Value, ...] = ()
    warnings: tuple[str, ...] = ()
    fitted: tuple[tuple[str, str], ...] = ()  # (rule, scope) of lines whose cells that rule chose


@record
class Link:
    url: str
    text: str = ""


@record
class Identity:
    body: str | None = None
    year: int | None = None
    year_source: str | None = None  # "title" | "period" | "prose" | "signature" | "metadata"
    title: str | None = None


@record
class Document:
    """Everything extraction reads from one stored capture."""

    sha256: str
    parser_version: str = PARSER_VERSION
    url: str | None = None
    format: str = "html"  # html | docx | pdf | text
    title: str | None = None
    text: str = ""
    metadata: tuple[tuple[str, str], ...] = ()  # 索引号, 发布机构, 成文日期, ... as published
    published: str | None = None  # ISO date from the page metadata, when given
    attachments: tuple[Link, ...] = ()
    is_annual_report: bool = False
    reason: str = ""  # why it was or was not classified as an annual report
    identity: Identity = field(default_factory=Identity)
    template: str | None = None
    values: tuple[Value, ...] = ()
    checks: tuple[Check, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def has_tables(self) -> bool:
        return any(v.value is not None for v in self.values)
