"""Read-side questions researchers and the CLI ask of the archive."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from .models import Capture, CheckResult, Document, ExtractedValue, Extraction

record = dataclass(frozen=True, slots=True, kw_only=True)

_CHUNK = 500


@record
class ReportValue:
    report_id: int
    body: str | None
    year: int | None
    template: str | None
    source_url: str
    source_reason: str  # why the numbers come from source_url and not from another capture
    sha256: str
    parser_version: str
    table: str
    row: str
    column: str
    value: Decimal | None
    raw: str | None
    value_source: str = "published"  # "published" | "ocr"
    confidence: float | None = None
    unit: str | None = None
    status: str = "current"  # "current" | "withdrawn" | "superseded" (by a 更正/修订 edition)


@record
class ReportSource:
    """One document of a report (the page or an attachment) and whether its reading is current."""

    report_id: int
    document_id: int
    role: str  # "page" | "attachment"
    url: str
    sha256: str
    extraction_id: int | None  # None: not read (successfully) at this parser version
    numbers: int  # cells read with a number
    is_current: bool
    source_reason: str  # the report's, the same on each of its documents


@record
class ReportCheck:
    """One consistency check of a report's current numbers.

    Rules across reports (``requests.carry_over``) name the other report they compared with.
    """

    report_id: int
    body: str | None
    year: int | None
    source_url: str
    parser_version: str
    rule: str
    scope: str
    status: str  # "pass" | "fail" | "not_assessable"
    cells: tuple[str, ...]
    difference: Decimal | None
    other_report_id: int | None = None
    other_source_url: str | None = None
    check_id: str | None = None  # as `disclosure checks` prints it: "123" (check_results), "a45" (archive_checks)


@record
class _Latest:
    """A document's latest successful capture and its extraction at one parser version."""

    document_id: int
    parent_id: int | None
    url: str
    sha256: str
    extraction_id: int | None
    is_annual_report: bool
    body: str | None
    year: int | None
    template: str | None
    numbers: int  # values that carry a number
    title: str | None = None
    withdrawn: bool = False  # the document answers 404/410 since it was published


@record
class _Report:
    page: _Latest
    source: _Latest
    attachments: tuple[_Latest, ...] = ()

    @property
    def body(self) -> str | None:
        return self.page.body or self.source.body

    @property
    def year(self) -> int | None:
        return self.page.year if self.page.year is not None else self.source.year


def report_values(session: Session, parser_version: str) -> list[ReportValue]:
    """The current numbers of every annual report, one row per value of its chosen source.

    A report is a top-level document whose latest capture, or the latest capture of one of
    its attachments, was read as an annual report. Its numbers come from the page itself if
    it has any, else from the attachment with the most numbers (ties: the lowest id);
    ``source_reason`` says which case applied. ``status`` says whether the report is still
    published: withdrawn reports keep their last numbers, marked "withdrawn".
    """
    reports = _reports(session, parser_version)
    reasons = _source_reasons(session, reports)
    statuses = report_statuses(reports)
    values = _values_by_extraction(session, [r.source.extraction_id for r in reports])
    rows = []
    for report in reports:
        reason = reasons[report.page.document_id]
        status = statuses[report.page.document_id]
        for value in values.get(report.source.extraction_id, ()):
            rows.append(_report_value(report, value, parser_version, reason, status))
    return rows


_CORRECTION = ("更正", "修订", "修正")


def report_statuses(reports: list[_Report]) -> dict[int, str]:
    """By report id: "withdrawn" when its page answers 404/410; "superseded" when a later
    report of the same body and year, still published, is a corrected edition (更正/修订 in
    its title); else "current"."""
    statuses = {r.page.document_id: "withdrawn" if r.page.withdrawn else "current" for r in reports}
    groups: dict[tuple[str, int], list[_Report]] = defaultdict(list)
    for report in reports:
        if statuses[report.page.document_id] == "current" and report.body and report.year is not None:
            groups[(report.body, report.year)].append(report)
    for group in groups.values():
        corrections = [r for r in group if any(word in (r.page.title or "") for word in _CORRECTION)]
        if not corrections:
            continue
        newest = max(r.page.document_id for r in corrections)
        for report in group:
            if report.page.document_id < newest:
                statuses[report.page.document_id] = "superseded"
    return statuses


def report_sources(session: Session, parser_version: str) -> list[ReportSource]:
    """Every document of every report (page first, then attachments) with its reading at the
    version, marking the one whose numbers are current. Shows both readings when a page and
    its attachment both carry the tables."""
    reports = _reports(session, parser_version)
    reasons = _source_reasons(session, reports)
    rows = []
    for report in reports:
        for role, item in (("page", report.page), *(("attachment", a) for a in report.attachments)):
            rows.append(
                ReportSource(
                    report_id=report.page.document_id,
                    document_id=item.document_id,
                    role=role,
                    url=item.url,
                    sha256=item.sha256,
                    extraction_id=item.extraction_id,
                    numbers=item.numbers,
                    is_current=item.document_id == report.source.document_id,
                    source_reason=reasons[report.page.document_id],
                )
            )
    return rows


def report_checks(session: Session, parser_version: str) -> list[ReportCheck]:
    """The checks of each report's current reading (rules 1-4 and 6), in report order."""
    reports = _reports(session, parser_version)
    wanted = sorted({r.source.extraction_id for r in reports if r.source.extraction_id is not None})
    found: dict[int, list[CheckResult]] = defaultdict(list)
    for chunk in chunks(wanted, _CHUNK):
        query = select(CheckResult).where(CheckResult.extraction_id.in_(chunk)).order_by(CheckResult.id)
        for check in session.scalars(query):
            found[check.extraction_id].append(check)
    rows = []
    for report in reports:
        for check in found.get(report.source.extraction_id, ()):
            rows.append(
                ReportCheck(
                    report_id=report.page.document_id,
                    body=report.body,
                    year=report.year,
                    source_url=report.source.url,
                    parser_version=parser_version,
                    rule=check.rule,
                    scope=check.scope,
                    status=check.status,
                    cells=tuple(check.cells or ()),
                    difference=check.difference,
                    check_id=str(check.id),
                )
            )
    return rows


def extraction_summary(session: Session, parser_version: str) -> dict[str, int]:
    """Counts for a progress line: what is archived and what this parser version made of it."""
    statuses = dict(
        session.execute(
            select(Extraction.status, func.count())
            .where(Extraction.parser_version == parser_version)
            .group_by(Extraction.status)
        ).all()
    )
    return {
        "documents": session.scalar(select(func.count()).select_from(Document)) or 0,
        "captures": session.scalar(select(func.count()).select_from(Capture)) or 0,
        "ok": statuses.get("ok", 0),
        "failed": statuses.get("failed", 0),
        "annual_reports": len(_reports(session, parser_version)),
    }


def failures(session: Session, parser_version: str) -> list[tuple[str, str]]:
    """(capture URL, error) for every capture this parser version failed on."""
    query = (
        select(Capture.url, Extraction.error)
        .join(Extraction, Extraction.capture_id == Capture.id)
        .where(Extraction.parser_version == parser_version, Extraction.status == "failed")
        .order_by(Capture.url, Capture.id)
    )
    return [(url, error or "") for url, error in session.execute(query)]


def _reports(session: Session, parser_version: str) -> list[_Report]:
    latest = _latest_extractions(session, parser_version)
    children: dict[int, list[_Latest]] = defaultdict(list)
    for item in latest:
        if item.parent_id is not None:
            children[item.parent_id].append(item)
    reports = []
    for page in latest:
        if page.parent_id is not None:
            continue
        attachments = children.get(page.document_id, [])
        if page.is_annual_report or any(a.is_annual_report for a in attachments):
            source = _source(page, attachments)
            if source is not None:
                reports.append(_Report(page=page, source=source, attachments=tuple(attachments)))
    return reports


def _source(page: _Latest, attachments: list[_Latest]) -> _Latest | None:
    if page.numbers:
        return page
    read = [a for a in attachments if a.extraction_id is not None]
    # A file taken down (404/410) yields to one still published: the page now links another.
    read = [a for a in read if not a.withdrawn] or read
    best = min(read, key=lambda a: (-a.numbers, a.document_id), default=None)
    if best is not None and best.numbers:
        return best
    # Nothing anywhere carries a number: the page's own reading (blank cells and all) stands.
    if page.extraction_id is not None:
        return page
    return best


def _source_reasons(session: Session, reports: list[_Report]) -> dict[int, str]:
    """Why each report's numbers come from its source, by report id."""
    both = [r for r in reports if r.page.numbers and any(a.numbers for a in r.attachments)]
    compared = [r.page.extraction_id for r in both] + [a.extraction_id for r in both for a in r.attachments]
    values = _values_by_extraction(session, compared)
    return {r.page.document_id: _source_reason(r, values) for r in reports}


def _source_reason(report: _Report, values: dict[int, list[ExtractedValue]]) -> str:
    page, source = report.page, report.source
    with_tables = [a for a in report.attachments if a.numbers]
    if source.document_id == page.document_id and page.numbers:
        if not with_tables:
            return "page carries the tables"
        comparisons = "; ".join(_comparison(page, a, values) for a in with_tables)
        return f"page and attachment both carry tables; the page is current ({comparisons})"
    if source.numbers:
        unread = "the page could not be read; " if page.extraction_id is None else ""
        if len(with_tables) == 1:
            return f"{unread}tables only in the attachment"
        return f"{unread}tables in {len(with_tables)} attachments; this one carries the most numbers ({source.numbers})"
    if source.document_id == page.document_id:
        return "no numbers in the page or its attachments; the page's reading stands"
    return "no numbers in the page or its attachments; the attachment's reading stands"


def _comparison(page: _Latest, attachment: _Latest, values: dict[int, list[ExtractedValue]]) -> str:
    """How an attachment's cells compare with the page's, over the cells either gives a number for."""
    ours = _cell_numbers(values.get(page.extraction_id or -1, ()))
    theirs = _cell_numbers(values.get(attachment.extraction_id or -1, ()))
    keys = {k for k, v in ours.items() if v is not None} | {k for k, v in theirs.items() if v is not None}
    differ = sum(1 for key in keys if ours.get(key) != theirs.get(key))
    if not differ:
        return f"attachment {attachment.url} agrees: {len(keys)} cells"
    return f"attachment {attachment.url} differs in {differ} of {len(keys)} cells"


def _cell_numbers(values: Iterable[ExtractedValue]) -> dict[tuple[str, str, str], Decimal | None]:
    return {(v.table_name, v.row_key, v.column_key): v.value for v in values}


def _latest_extractions(session: Session, parser_version: str) -> list[_Latest]:
    """Every document's latest status-200 capture, with its ok extraction at the version.

    Failed or later error responses (a 500 today) do not hide the last good version.
    """
    newer = aliased(Capture)
    is_latest = ~(
        select(newer.id)
        .where(
            newer.document_id == Capture.document_id,
            newer.status == 200,
            or_(
                newer.fetched_at > Capture.fetched_at,
                and_(newer.fetched_at == Capture.fetched_at, newer.id > Capture.id),
            ),
        )
        .exists()
    )
    numbers = (
        select(func.count())
        .where(ExtractedValue.extraction_id == Extraction.id, ExtractedValue.value.is_not(None))
        .scalar_subquery()
    )
    query = (
        select(
            Document.id,
            Document.parent_document_id,
            Capture.url,
            Capture.blob_sha256,
            Extraction.id,
            Extraction.is_annual_report,
            Extraction.body,
            Extraction.year,
            Extraction.template,
            numbers,
            Extraction.title,
            Document.withdrawn_at,
        )
        .join(Capture, Capture.document_id == Document.id)
        .outerjoin(
            Extraction,
            and_(
                Extraction.capture_id == Capture.id,
                Extraction.parser_version == parser_version,
                Extraction.status == "ok",
            ),
        )
        .where(Capture.status == 200, is_latest)
        .order_by(Document.id)
    )
    return [_latest_row(row) for row in session.execute(query)]


def _latest_row(row: Any) -> _Latest:
    doc_id, parent_id, url, sha256, extraction_id, is_report, body, year, template, numbers, title, withdrawn_at = row
    return _Latest(
        document_id=doc_id,
        parent_id=parent_id,
        url=url,
        sha256=sha256,
        extraction_id=extraction_id,
        is_annual_report=bool(is_report),
        body=body,
        year=year,
        template=template,
        numbers=(numbers or 0) if extraction_id is not None else 0,
        title=title,
        withdrawn=withdrawn_at is not None,
    )


def _values_by_extraction(
    session: Session, extraction_ids: Iterable[int | None]
) -> dict[int, list[ExtractedValue]]:
    wanted = sorted({i for i in extraction_ids if i is not None})
    found: dict[int, list[ExtractedValue]] = defaultdict(list)
    for chunk in chunks(wanted, _CHUNK):
        query = (
            select(ExtractedValue)
            .where(ExtractedValue.extraction_id.in_(chunk))
            .order_by(ExtractedValue.extraction_id, ExtractedValue.id)
        )
        for value in session.scalars(query):
            found[value.extraction_id].append(value)
    return found


def chunks(items: list, size: int) -> Iterator[list]:
    """``items`` in slices of ``size``: an IN list per query stays within every database's limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _report_value(
    report: _Report, value: ExtractedValue, parser_version: str, reason: str, status: str = "current"
) -> ReportValue:
    page, source = report.page, report.source
    return ReportValue(
        report_id=page.document_id,
        body=report.body,
        year=report.year,
        template=source.template or page.template,
        source_url=source.url,
        source_reason=reason,
        sha256=source.sha256,
        parser_version=parser_version,
        table=value.table_name,
        row=value.row_key,
        column=value.column_key,
        value=value.value,
        raw=value.raw,
        value_source=value.value_source,
        confidence=value.confidence,
        unit=value.unit,
        status=status,
    )
