"""``disclosure show``: one report as a researcher reads it — its three tables, its checks
(with reviews), its sources and parser versions, and the change against the body's
previous report, drawn as small bars."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from extract.bodies import normalize_name
from extract.keys import APPEAL_COLUMNS, APPEAL_ROWS, PROACTIVE, REQUEST_COLUMNS, TABLES, TEMPLATES, request_rows
from storage.archive_checks import archive_check_results
from storage.models import Body, BodyAlias, Capture, Extraction, ExtractedValue, Report
from storage.models import ReportSource as SourceRow
from storage.queries import Published, ReportCheck, published_reports, report_checks, report_sources

from .dictionary import COLUMNS, ROWS

# The figures whose change from one year to the next a reader looks at first.
KEY_FIGURES = (
    ("requests", "new", "total"),
    ("requests", "carried_in", "total"),
    ("requests", "granted", "total"),
    ("requests", "partly_granted", "total"),
    ("requests", "total", "total"),
    ("requests", "carried_out", "total"),
    ("appeals", "reconsideration", "total"),
    ("appeals", "litigation_direct", "total"),
)
BAR_WIDTH = 30

Cell = tuple[str, str, str]


class ShowError(LookupError):
    """No such report, or a body and year that name none or several."""


@dataclass(frozen=True, slots=True)
class ReportView:
    report: dict[str, Any]
    body: dict[str, Any] | None
    tables: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    versions: list[dict[str, Any]]
    previous: dict[str, Any] | None  # the body's report of the year before, and the key figures' change

    def as_json(self) -> dict[str, Any]:
        return {
            "report": self.report,
            "body": self.body,
            "tables": self.tables,
            "checks": self.checks,
            "sources": self.sources,
            "versions": self.versions,
            "previous": self.previous,
        }


def find_report(session: Session, *, body: str, year: int) -> int:
    """The id of ``body``'s report for ``year`` (any name the body printed); the current one
    when the body has an original and a corrected edition."""
    normalized = normalize_name(body)
    body_ids = set(session.scalars(select(BodyAlias.body_id).where(BodyAlias.normalized_name == normalized)))
    if not body_ids:
        raise ShowError(f"no body named {body!r} in the archive: `disclosure export` lists the bodies")
    reports = list(session.execute(
        select(Report.id, Report.status).where(Report.body_id.in_(sorted(body_ids)), Report.year == year)
        .order_by(Report.id)
    ))
    current = [r for r in reports if r.status == "current"] or reports
    if not current:
        raise ShowError(f"{body} has no report for {year} in the archive")
    if len(current) > 1:
        listed = ", ".join(str(r.id) for r in current)
        raise ShowError(f"{body} has {len(current)} current reports for {year} (ids {listed}): show one by its id")
    return current[0].id


def report_view(session: Session, report_id: int, parser_version: str) -> ReportView:
    """The report as read at ``parser_version``, else at the version of its stored reading."""
    stored = session.get(Report, report_id)
    if stored is None:
        raise ShowError(f"no report {report_id}: `disclosure export` and `disclosure checks` print report ids")
    published = {p.report_id: p for p in published_reports(session, parser_version)}
    if report_id not in published and stored.parser_version and stored.parser_version != parser_version:
        # not read at this version yet: the reading the archive keeps for it stands
        parser_version = stored.parser_version
        published = {p.report_id: p for p in published_reports(session, parser_version)}
    item = published.get(report_id)
    cells = _cells(session, item.current.source.extraction_id) if item else {}
    template = (item.current.source.template or item.current.page.template) if item else stored.template
    previous = _previous(session, stored, published)
    return ReportView(
        report={
            "id": report_id,
            "year": stored.year,
            "status": item.status if item else stored.status,
            "template": template,
            "title": stored.title,
            "parser_version": parser_version if item else stored.parser_version,
            "source_url": item.current.source.url if item else None,
            "fetched_at": _iso(item.current.source.fetched_at) if item else None,
            "first_seen_at": _iso(stored.first_seen_at),
            "updated_at": _iso(stored.updated_at),
        },
        body=_body(session, stored.body_id),
        tables=_tables(cells, template),
        checks=_checks(session, report_id, parser_version),
        sources=_sources(session, report_id, parser_version),
        versions=_versions(session, report_id),
        previous=_change(session, previous, cells) if previous else None,
    )


def _cells(session: Session, extraction_id: int | None) -> dict[Cell, Decimal | None]:
    if extraction_id is None:
        return {}
    query = select(ExtractedValue).where(ExtractedValue.extraction_id == extraction_id).order_by(ExtractedValue.id)
    return {(v.table_name, v.row_key, v.column_key): v.value for v in session.scalars(query)}


def _body(session: Session, body_id: int | None) -> dict[str, Any] | None:
    body = session.get(Body, body_id) if body_id is not None else None
    if body is None:
        return None
    aliases = session.scalars(select(BodyAlias.name).where(BodyAlias.body_id == body.id).order_by(BodyAlias.id))
    parent = session.get(Body, body.parent_body_id) if body.parent_body_id else None
    return {
        "id": body.id,
        "name": body.name,
        "kind": body.kind,
        "aliases": list(aliases),
        "parent": {"id": parent.id, "name": parent.name} if parent else None,
        "region": body.region,
        "region_code": body.region_code,
        "credit_code": body.credit_code,
        "organization_code": body.organization_code,
        "site_code": body.site_code,
    }


def _layout(table: str, template: str | None, cells: dict[Cell, Decimal | None]) -> tuple[list[str], list[str]]:
    """Rows and columns of a table in the template's order, then any others the report gives."""
    templates = [template] if template in TEMPLATES else list(TEMPLATES)
    rows: list[str] = []
    columns: list[str] = []
    for name in templates:
        if table == "proactive":
            for row, cols in PROACTIVE[name].items():
                rows.append(row)
                columns.extend(cols)
        elif table == "requests":
            rows.extend(request_rows(name))
            columns.extend(REQUEST_COLUMNS)
        else:
            rows.extend(APPEAL_ROWS)
            columns.extend(APPEAL_COLUMNS)
    for t, row, column in cells:
        if t == table:
            rows.append(row)
            columns.append(column)
    return list(dict.fromkeys(rows)), list(dict.fromkeys(columns))


def _tables(cells: dict[Cell, Decimal | None], template: str | None) -> list[dict[str, Any]]:
    tables = []
    for table in TABLES:
        rows, columns = _layout(table, template, cells)
        given = [r for r in rows if any((table, r, c) in cells for c in columns)]
        used = [c for c in columns if any((table, r, c) in cells for r in given)]
        tables.append({
            "table": table,
            "columns": [{"key": c, "label": _label(COLUMNS, table, c, 1)} for c in used],
            "rows": [
                {
                    "key": r,
                    "label": _label(ROWS, table, r, 1),
                    "meaning": _label(ROWS, table, r, 0),
                    "values": [_number(cells, (table, r, c)) for c in used],
                }
                for r in given
            ],
        })
    return tables


def _label(labels: dict, table: str, key: str, index: int) -> str:
    found = labels.get(table, {}).get(key)
    return found[index] if found else key


def _number(cells: dict[Cell, Decimal | None], cell: Cell) -> str | None:
    """The cell as text; None where the report shows no number; "" where it has no such cell."""
    if cell not in cells:
        return ""
    value = cells[cell]
    return None if value is None else str(value)


def _checks(session: Session, report_id: int, parser_version: str) -> list[dict[str, Any]]:
    checks = [c for c in report_checks(session, parser_version) if c.report_id == report_id]
    checks += [c for c in archive_check_results(session, parser_version) if c.report_id == report_id]
    reviews = _reviews(session, checks, parser_version)
    return [
        {
            "id": c.check_id,
            "rule": c.rule,
            "scope": c.scope,
            "status": c.status,
            "cells": list(c.cells),
            "difference": None if c.difference is None else str(c.difference),
            "other_report_id": c.other_report_id,
            "review": reviews.get(c.check_id or ""),
        }
        for c in checks
    ]


def _reviews(session: Session, checks: list[ReportCheck], parser_version: str) -> dict[str, dict[str, Any]]:
    """Reviews of these checks, where the archive keeps reviews; none otherwise."""
    try:
        from storage.corrections import reviews_for
    except ImportError:
        return {}
    ids = [c.check_id for c in checks if c.check_id and c.status == "fail"]
    if not ids:
        return {}
    found = {}
    for check_id, state in reviews_for(session, ids, parser_version).items():
        review = state.review
        found[check_id] = {
            "decision": getattr(review, "decision", None),
            "note": getattr(review, "note", None),
            "by": getattr(review, "reviewed_by", None) or getattr(review, "by", None),
            "applies": state.applies,
        }
    return found


def _sources(session: Session, report_id: int, parser_version: str) -> list[dict[str, Any]]:
    portals = dict(session.execute(
        select(SourceRow.document_id, SourceRow.portal).where(SourceRow.report_id == report_id)
    ).all())
    return [
        {
            "url": s.url,
            "role": s.role,
            "portal": portals.get(s.document_id),
            "current": s.is_current,
            "numbers": s.numbers,
            "sha256": s.sha256,
            "reason": s.source_reason,
        }
        for s in report_sources(session, parser_version)
        if s.report_id == report_id
    ]


def _versions(session: Session, report_id: int) -> list[dict[str, Any]]:
    """Every reading of the report's documents: capture, parser version, and what it gave."""
    numbers = (
        select(func.count())
        .where(ExtractedValue.extraction_id == Extraction.id, ExtractedValue.value.is_not(None))
        .scalar_subquery()
    )
    query = (
        select(Capture.url, Capture.fetched_at, Capture.blob_sha256, Extraction.parser_version, Extraction.status,
               Extraction.extracted_at, numbers)
        .join(Extraction, Extraction.capture_id == Capture.id)
        .join(SourceRow, SourceRow.document_id == Capture.document_id)
        .where(SourceRow.report_id == report_id)
        .order_by(Capture.fetched_at, Capture.id, Extraction.extracted_at)
    )
    return [
        {
            "url": url,
            "fetched_at": _iso(fetched_at),
            "sha256": sha256,
            "parser_version": version,
            "status": status,
            "extracted_at": _iso(extracted_at),
            "numbers": count,
        }
        for url, fetched_at, sha256, version, status, extracted_at, count in session.execute(query)
    ]


def _previous(session: Session, report: Report, published: dict[int, Published]) -> Published | None:
    if report.body_id is None or report.year is None:
        return None
    candidates = [
        p for p in published.values() if p.body_id == report.body_id and p.year == report.year - 1
    ]
    candidates.sort(key=lambda p: (p.status != "current", p.report_id))
    return candidates[0] if candidates else None


def _change(session: Session, previous: Published, cells: dict[Cell, Decimal | None]) -> dict[str, Any]:
    before = _cells(session, previous.current.source.extraction_id)
    figures = []
    for cell in KEY_FIGURES:
        now, then = cells.get(cell), before.get(cell)
        if now is None and then is None:
            continue
        change = now - then if now is not None and then is not None else None
        percent = round(change / then * 100, 1) if change is not None and then else None
        figures.append({
            "key": ".".join(cell),
            "label": _label(ROWS, cell[0], cell[1], 0),
            "previous": None if then is None else str(then),
            "current": None if now is None else str(now),
            "change": None if change is None else str(change),
            "percent": None if percent is None else str(percent),
        })
    return {"report_id": previous.report_id, "year": previous.year, "figures": figures}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


# ------------------------------------------------------------------------- terminal

def render(view: ReportView) -> str:
    report, body = view.report, view.body
    lines = [
        f"report {report['id']}: {body['name'] if body else '(no body named)'} {report['year'] or '?'}"
        f" — {report['status']}, template {report['template'] or '?'}, parser {report['parser_version'] or '-'}",
    ]
    if report["title"]:
        lines.append(f"  {report['title']}")
    if report["source_url"]:
        lines.append(f"  numbers from {report['source_url']} (fetched {report['fetched_at']})")
    if body:
        ids = [f"{name} {body[key]}" for name, key in (
            ("body", "id"), ("kind", "kind"), ("region", "region"), ("行政区划代码", "region_code"),
            ("统一社会信用代码", "credit_code"), ("organisation code", "organization_code"), ("site code", "site_code"),
        ) if body[key]]
        lines.append("  " + ", ".join(ids))
        if len(body["aliases"]) > 1:
            lines.append("  also printed as: " + ", ".join(a for a in body["aliases"] if a != body["name"]))
        if body["parent"]:
            lines.append(f"  part of: {body['parent']['name']} (body {body['parent']['id']})")
    for table in view.tables:
        lines.extend(["", *_grid(table)])
    passed = sum(1 for c in view.checks if c["status"] == "pass")
    lines.extend(["", f"checks: {len(view.checks)}, {passed} pass" + (", the others:" if passed < len(view.checks) else "")])
    lines.extend(_check_lines([c for c in view.checks if c["status"] != "pass"]))
    lines.extend(["", "sources:"])
    for source in view.sources:
        mark = "*" if source["current"] else " "
        lines.append(f" {mark} {source['role']:<10} {source['portal'] or '-':<12} {source['numbers']:>4} numbers  {source['url']}")
    lines.extend(["", "versions:"])
    for version in view.versions:
        lines.append(
            f"  parser {version['parser_version']:<8} {version['status']:<6} {version['numbers']:>4} numbers"
            f"  fetched {version['fetched_at']}  {version['url']}"
        )
    lines.append("")
    lines.extend(_change_lines(view.previous, report["year"]))
    return "\n".join(lines)


def _grid(table: dict[str, Any]) -> list[str]:
    if not table["rows"]:
        return [f"{table['table']}: no numbers read"]
    header = ["", *(c["key"] for c in table["columns"])]
    body = [[f"{r['key']} {r['label']}", *(_shown(v) for v in r["values"])] for r in table["rows"]]
    widths = [max(_width(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = [f"{table['table']}:"]
    for row in [header, *body]:
        first = _pad(row[0], widths[0])
        lines.append("  " + "  ".join([first, *(" " * (widths[i] - _width(row[i])) + row[i] for i in range(1, len(row)))]))
    return lines


def _shown(value: str | None) -> str:
    return "—" if value is None else value


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _check_lines(checks: list[dict[str, Any]]) -> list[str]:
    lines = []
    for check in checks:
        extra = f" difference {check['difference']}" if check["difference"] is not None else ""
        other = f" against report {check['other_report_id']}" if check["other_report_id"] else ""
        review = check["review"]
        reviewed = ""
        if review:
            stale = "" if review["applies"] else " (cells read differently since)"
            reviewed = f" — reviewed: {review['decision']}{stale}: {review['note']}"
        ident = f"[{check['id']}] " if check["id"] else ""
        lines.append(f"  {ident}{check['status']:<14} {check['rule']} {check['scope']}{extra}{other}{reviewed}")
    return lines


def _change_lines(previous: dict[str, Any] | None, year: int | None) -> list[str]:
    if previous is None:
        return ["year over year: no report of the previous year in the archive"]
    lines = [f"year over year: against report {previous['report_id']} ({previous['year']})"]
    numbers = [Decimal(v) for f in previous["figures"] for v in (f["previous"], f["current"]) if v is not None]
    top = max((abs(n) for n in numbers), default=Decimal(0)) or Decimal(1)
    for figure in previous["figures"]:
        change = figure["change"]
        delta = "" if change is None else f" {'+' if Decimal(change) >= 0 else ''}{change}"
        if figure["percent"] is not None:
            delta += f" ({figure['percent']}%)"
        lines.append(f"  {figure['key']}{delta}")
        for when, value in ((previous["year"], figure["previous"]), (year, figure["current"])):
            lines.append(f"    {when} {_bar(value, top)} {_shown(value)}")
    return lines


def _bar(value: str | None, top: Decimal) -> str:
    if value is None:
        return " " * BAR_WIDTH
    length = int(abs(Decimal(value)) / top * BAR_WIDTH)
    return ("█" * length).ljust(BAR_WIDTH)
