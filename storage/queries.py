"""Read-side questions researchers and the CLI ask of the archive."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from .models import Capture, CheckResult, Document, ExtractedValue, Extraction, Report
from .models import ReportSource as SourceRow

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
    body_id: int | None = None  # bodies.id; None when the report prints no body name
    fetched_at: datetime | None = None  # when the source capture was fetched
    document_id: int | None = None  # the source document


@record
class ReportSource:
    """One document of a report (a page, an attachment, a republication elsewhere) and whether
    its reading is current."""

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
    capture_id: int | None = None
    fetched_at: datetime | None = None
    portal: str | None = None


@record
class _Report:
    """A page read as an annual report (itself or through an attachment): one place a report is published."""

    page: _Latest
    source: _Latest
    attachments: tuple[_Latest, ...] = ()

    @property
    def body(self) -> str | None:
        return self.page.body or self.source.body

    @property
    def year(self) -> int | None:
        return self.page.year if self.page.year is not None else self.source.year

    @property
    def documents(self) -> tuple[tuple[str, _Latest], ...]:
        return (("page", self.page), *(("attachment", a) for a in self.attachments))


@record
class Published:
    """One report (``reports.id``) as read at a parser version: the pages that publish it and
    the one whose reading is current."""

    report_id: int
    body_id: int | None
    places: tuple[_Report, ...]
    current: _Report
    status: str = "current"

    @property
    def body(self) -> str | None:
        return self.current.body

    @property
    def year(self) -> int | None:
        return self.current.year


def report_values(session: Session, parser_version: str, *, as_of: datetime | None = None) -> list[ReportValue]:
    """The current numbers of every annual report, one row per value of its current reading.

    A report is published on one or more pages (a page read as an annual report, itself or
    through an attachment; the same report republished on another portal is a second page).
    A page's numbers come from the page itself if it has any, else from the attachment with
    the most numbers (ties: the lowest id); ``source_reason`` says which case applied. Of a
    report's pages, the one still published with the most numbers is current. ``status``
    says whether the report is still published: withdrawn reports keep their last numbers.

    ``as_of`` gives the numbers as the archive knew them then: captures fetched up to then,
    read by the parser version then current (the newest, up to ``parser_version``, with an
    extraction made by then).
    """
    return list(iter_report_values(session, parser_version, as_of=as_of))


def iter_report_values(
    session: Session, parser_version: str, *, as_of: datetime | None = None
) -> Iterator[ReportValue]:
    """``report_values`` as a stream: the values are read a chunk of reports at a time."""
    if as_of is not None:
        version = version_as_of(session, parser_version, as_of)
        if version is None:
            return
        parser_version = version
    published = published_reports(session, parser_version, as_of=as_of)
    reasons = _source_reasons(session, [p.current for p in published])
    for chunk in chunks(published, _CHUNK):
        values = _value_cells(session, [p.current.source.extraction_id for p in chunk])
        for report in chunk:
            cells = values.get(report.current.source.extraction_id, ())
            yield from _report_rows(report, cells, parser_version, reasons[report.current.page.document_id])


def version_as_of(session: Session, parser_version: str, as_of: datetime) -> str | None:
    """The parser version current at ``as_of``: the newest, not past ``parser_version``, with an
    extraction made by then."""
    from .changes import version_order

    made = session.scalars(select(Extraction.parser_version).where(Extraction.extracted_at <= as_of).distinct())
    ceiling = version_order(parser_version)
    candidates = [v for v in made if version_order(v) <= ceiling]
    return max(candidates, key=version_order, default=None)


def published_reports(
    session: Session, parser_version: str, *, as_of: datetime | None = None
) -> list[Published]:
    """Every report with a reading at the version, its pages grouped under ``reports.id``.

    Pages the ``reports`` table does not know yet are registered first (``storage.reports``).
    """
    places = report_places(session, parser_version, as_of=as_of)
    registered = registered_reports(session, places)
    if any(p.page.document_id not in registered for p in places):
        from .reports import refresh_reports

        refresh_reports(session, parser_version)
        registered = registered_reports(session, places)
    return group_published(places, registered)


def registered_reports(session: Session, places: Iterable[_Report]) -> dict[int, tuple[int, int | None]]:
    """(report id, body id) by page document id, for the pages ``reports`` knows."""
    wanted = sorted({p.page.document_id for p in places})
    found: dict[int, tuple[int, int | None]] = {}
    for chunk in chunks(wanted, _CHUNK):
        query = (
            select(SourceRow.document_id, Report.id, Report.body_id)
            .join(Report, Report.id == SourceRow.report_id)
            .where(SourceRow.document_id.in_(chunk))
        )
        for document_id, report_id, body_id in session.execute(query):
            found[document_id] = (report_id, body_id)
    return found


def group_published(places: list[_Report], registered: Mapping[int, tuple[int, int | None]]) -> list[Published]:
    """Pages grouped by their report id (pages not registered are left out), with statuses."""
    grouped: dict[int, list[_Report]] = defaultdict(list)
    bodies: dict[int, int | None] = {}
    for place in places:
        if place.page.document_id in registered:
            report_id, body_id = registered[place.page.document_id]
            grouped[report_id].append(place)
            bodies[report_id] = body_id
    published = [
        Published(report_id=report_id, body_id=bodies[report_id], places=tuple(group), current=current_place(group))
        for report_id, group in sorted(grouped.items())
    ]
    statuses = report_statuses(published)
    return [_with_status(p, statuses[p.report_id]) for p in published]


def current_place(places: Iterable[_Report]) -> _Report:
    """The page whose reading stands for the report: still published, most numbers, then the oldest."""
    return min(
        places,
        key=lambda p: (p.page.withdrawn, -p.source.numbers, p.source.extraction_id is None, p.page.document_id),
    )


def _with_status(report: Published, status: str) -> Published:
    return Published(
        report_id=report.report_id, body_id=report.body_id, places=report.places, current=report.current, status=status
    )


CORRECTION_WORDS = ("更正", "修订", "修正")


def report_statuses(reports: list[Published]) -> dict[int, str]:
    """By report id: "withdrawn" when every page publishing it answers 404/410; "superseded"
    when a later report of the same body and year, still published, is a corrected edition
    (更正/修订 in its title); else "current"."""
    statuses = {
        r.report_id: "withdrawn" if all(p.page.withdrawn for p in r.places) else "current" for r in reports
    }
    groups: dict[tuple[int, int], list[Published]] = defaultdict(list)
    for report in reports:
        if statuses[report.report_id] == "current" and report.body_id is not None and report.year is not None:
            groups[(report.body_id, report.year)].append(report)
    for group in groups.values():
        corrections = [r for r in group if any(word in (r.current.page.title or "") for word in CORRECTION_WORDS)]
        if not corrections:
            continue
        newest = max(corrections, key=lambda r: r.current.page.document_id)
        for report in group:
            if report.current.page.document_id < newest.current.page.document_id:
                statuses[report.report_id] = "superseded"
    return statuses


def report_sources(session: Session, parser_version: str) -> list[ReportSource]:
    """Every document of every report (each page, then its attachments) with its reading at the
    version, marking the one whose numbers are current. Shows every reading when a page and
    its attachment, or two portals, carry the tables."""
    published = published_reports(session, parser_version)
    reasons = _source_reasons(session, [place for report in published for place in report.places])
    rows = []
    for report in published:
        for place in sorted(report.places, key=lambda p: p.page.document_id):
            for role, item in place.documents:
                rows.append(
                    ReportSource(
                        report_id=report.report_id,
                        document_id=item.document_id,
                        role=role,
                        url=item.url,
                        sha256=item.sha256,
                        extraction_id=item.extraction_id,
                        numbers=item.numbers,
                        is_current=item.document_id == report.current.source.document_id,
                        source_reason=reasons[place.page.document_id],
                    )
                )
    return rows


def report_checks(session: Session, parser_version: str) -> list[ReportCheck]:
    """The checks of each report's current reading (rules 1-4 and 6), in report order."""
    reports = published_reports(session, parser_version)
    wanted = sorted({r.current.source.extraction_id for r in reports if r.current.source.extraction_id is not None})
    found: dict[int, list[CheckResult]] = defaultdict(list)
    for chunk in chunks(wanted, _CHUNK):
        query = select(CheckResult).where(CheckResult.extraction_id.in_(chunk)).order_by(CheckResult.id)
        for check in session.scalars(query):
            found[check.extraction_id].append(check)
    rows = []
    for report in reports:
        for check in found.get(report.current.source.extraction_id, ()):
            rows.append(
                ReportCheck(
                    report_id=report.report_id,
                    body=report.body,
                    year=report.year,
                    source_url=report.current.source.url,
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
        "annual_reports": len(report_places(session, parser_version)),
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


def report_places(session: Session, parser_version: str, *, as_of: datetime | None = None) -> list[_Report]:
    """Every top-level page read as an annual report (itself or through an attachment) at the version."""
    latest = _latest_extractions(session, parser_version, as_of=as_of)
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


def _source_reason(report: _Report, values: dict[int, list[Any]]) -> str:
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


def _comparison(page: _Latest, attachment: _Latest, values: dict[int, list[Any]]) -> str:
    """How an attachment's cells compare with the page's, over the cells either gives a number for."""
    ours = _cell_numbers(values.get(page.extraction_id or -1, ()))
    theirs = _cell_numbers(values.get(attachment.extraction_id or -1, ()))
    keys = {k for k, v in ours.items() if v is not None} | {k for k, v in theirs.items() if v is not None}
    differ = sum(1 for key in keys if ours.get(key) != theirs.get(key))
    if not differ:
        return f"attachment {attachment.url} agrees: {len(keys)} cells"
    return f"attachment {attachment.url} differs in {differ} of {len(keys)} cells"


def _cell_numbers(values: Iterable[Any]) -> dict[tuple[str, str, str], Decimal | None]:
    return {(v.table_name, v.row_key, v.column_key): v.value for v in values}


def _latest_extractions(session: Session, parser_version: str, *, as_of: datetime | None = None) -> list[_Latest]:
    """Every document's latest status-200 capture, with its ok extraction at the version.

    Failed or later error responses (a 500 today) do not hide the last good version. With
    ``as_of``, only captures fetched and extractions made up to then count.
    """
    newer = aliased(Capture)
    later = [newer.fetched_at <= as_of] if as_of is not None else []
    is_latest = ~(
        select(newer.id)
        .where(
            newer.document_id == Capture.document_id,
            newer.status == 200,
            *later,
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
    extraction_made = [Extraction.extracted_at <= as_of] if as_of is not None else []
    captured = [Capture.fetched_at <= as_of] if as_of is not None else []
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
            Capture.id,
            Capture.fetched_at,
            Document.portal,
        )
        .join(Capture, Capture.document_id == Document.id)
        .outerjoin(
            Extraction,
            and_(
                Extraction.capture_id == Capture.id,
                Extraction.parser_version == parser_version,
                Extraction.status == "ok",
                *extraction_made,
            ),
        )
        .where(Capture.status == 200, is_latest, *captured)
        .order_by(Document.id)
    )
    return [_latest_row(row, as_of) for row in session.execute(query)]


def _latest_row(row: Any, as_of: datetime | None) -> _Latest:
    (doc_id, parent_id, url, sha256, extraction_id, is_report, body, year, template, numbers, title, withdrawn_at,
     capture_id, fetched_at, portal) = row
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
        withdrawn=withdrawn_at is not None and (as_of is None or withdrawn_at <= as_of),
        capture_id=capture_id,
        fetched_at=fetched_at,
        portal=portal,
    )


_VALUE_COLUMNS = (
    ExtractedValue.extraction_id,
    ExtractedValue.table_name,
    ExtractedValue.row_key,
    ExtractedValue.column_key,
    ExtractedValue.value,
    ExtractedValue.raw,
    ExtractedValue.value_source,
    ExtractedValue.confidence,
    ExtractedValue.unit,
)


def _values_by_extraction(session: Session, extraction_ids: Iterable[int | None]) -> dict[int, list[Any]]:
    """Each extraction's values as rows of columns (named like ExtractedValue's attributes), in id order.

    Columns, not entities: an export reads millions of values and builds no object per value.
    """
    wanted = sorted({i for i in extraction_ids if i is not None})
    found: dict[int, list[Any]] = defaultdict(list)
    for chunk in chunks(wanted, _CHUNK):
        query = (
            select(*_VALUE_COLUMNS)
            .where(ExtractedValue.extraction_id.in_(chunk))
            .order_by(ExtractedValue.extraction_id, ExtractedValue.id)
        )
        for value in session.connection().execute(query).all():  # Core, fetched at once: no step per row
            found[value[0]].append(value)
    return found


def _value_cells(session: Session, extraction_ids: Iterable[int | None]) -> dict[int, list[tuple]]:
    """Each extraction's cells as the driver returns them (the columns of ``_VALUE_COLUMNS``,
    ``value`` still the exact text ``ExactDecimal`` stores), in id order.

    The export's read: millions of cells, so the statement goes to the driver's cursor and
    no Row, no processor call and no object is made per cell here; ``_report_rows`` turns
    the text into a Decimal as it builds the row.
    """
    wanted = sorted({i for i in extraction_ids if i is not None})
    found: dict[int, list[tuple]] = defaultdict(list)
    if not wanted:
        return found
    connection = session.connection()
    cursor = connection.connection.cursor()
    try:
        for chunk in chunks(wanted, _CHUNK):
            query = (
                select(*_VALUE_COLUMNS)
                .where(ExtractedValue.extraction_id.in_([int(i) for i in chunk]))
                .order_by(ExtractedValue.extraction_id, ExtractedValue.id)
            )
            cursor.execute(str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})))
            for cell in cursor.fetchall():
                found[cell[0]].append(cell)
    finally:
        cursor.close()
    return found


def chunks(items: list, size: int) -> Iterator[list]:
    """``items`` in slices of ``size``: an IN list per query stays within every database's limits."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _report_rows(report: Published, cells: Iterable[tuple], parser_version: str, reason: str) -> list[ReportValue]:
    """One ReportValue per cell (as ``_value_cells`` reads it); the report's fields are worked
    out once, not once per cell.

    Millions of rows per export: each is filled as a ``_Filling`` (the same slots, not frozen:
    a plain attribute store per field, no ``__init__`` keyword parsing, no frozen check) and then
    becomes the ReportValue it was filled as, frozen like any other.
    """
    page, source = report.current.page, report.current.source
    report_id, body_id, body, year, status = report.report_id, report.body_id, report.body, report.year, report.status
    template = source.template or page.template
    url, sha256, fetched_at, document_id = source.url, source.sha256, source.fetched_at, source.document_id
    new, filling, frozen, decimal = object.__new__, _Filling, ReportValue, Decimal
    rows = []
    append = rows.append
    for _, table, row, column, value, raw, value_source, confidence, unit in cells:
        item = new(filling)
        item.report_id = report_id
        item.body_id = body_id
        item.body = body
        item.year = year
        item.template = template
        item.source_url = url
        item.source_reason = reason
        item.sha256 = sha256
        item.parser_version = parser_version
        item.status = status
        item.fetched_at = fetched_at
        item.document_id = document_id
        item.table = table
        item.row = row
        item.column = column
        item.value = None if value is None else decimal(value)
        item.raw = raw
        item.value_source = value_source
        item.confidence = confidence
        item.unit = unit
        item.__class__ = frozen
        append(item)
    return rows


class _Filling:
    """A ReportValue being filled: ReportValue's slots in its order, settable."""

    __slots__ = ReportValue.__slots__


assert len(ReportValue.__slots__) == 20, "a new ReportValue field must also be set in _report_rows"
