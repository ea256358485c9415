"""Keeps ``reports``, ``report_sources`` and ``bodies`` up to date from the archive's extractions.

A report is one body's annual report for one year. The pages that publish it (a county often
republishes its townships' reports) are its sources: pages of the same body and year with
the same numbers, or the same bytes, are one report. A report's id is stable: a page keeps
the report it was first registered under through new captures, re-extraction and new parser
versions; only when two pages of one report come to read differently does the newer page
get a report of its own.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from extract.bodies import identifiers_from_index, site_code

from .archive import load_blob
from .bodies import BodyDirectory
from .models import Extraction, ExtractedValue, Report, ReportSource
from .queries import CORRECTION_WORDS, Published, _Report, chunks, group_published, report_places

_CHUNK = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class RefreshSummary:
    reports: int
    new_reports: int
    bodies: int
    new_bodies: int


def refresh_reports(
    session: Session,
    parser_version: str,
    *,
    regions: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> RefreshSummary:
    """Register every page read as an annual report at ``parser_version`` under its body and
    report, and set each report's current reading, status and sources.

    ``regions``: the registry's region by portal name, for the bodies' region. A report's
    reading (capture, extraction, parser version) is only moved to ``parser_version`` when
    that is the newest version in the archive: refreshing at an older one leaves it be.
    """
    now = now or datetime.now(UTC)
    places = report_places(session, parser_version)
    sources = _existing_sources(session, places)
    directory = BodyDirectory(session, now)
    body_of = _bodies(session, directory, places, regions or {})
    assignment, new_reports = _assign(session, places, body_of, sources, now)
    registered = {page_id: (report.id, report.body_id) for page_id, report in assignment.items()}
    published = group_published(places, registered)
    reports = {report.id: report for report in assignment.values()}
    moves_reading = _is_newest(session, parser_version)
    listed = {item.document_id for place in places for _, item in place.documents}
    # a document no longer read as part of its report keeps its row, no longer current
    for source in sources.values():
        if source.document_id not in listed:
            source.is_current = False
    changed = [
        p.current.source.extraction_id for p in published
        if p.current.source.extraction_id != reports[p.report_id].extraction_id
    ]
    digests = numbers_digests(session, changed) if changed else {}
    for item in published:
        _update(reports[item.report_id], item, parser_version, moves_reading, digests, now)
        _record_sources(session, item, sources, now)
    session.flush()
    _drop_emptied(session, {s.report_id for s in sources.values()} - set(reports))
    portals_of: dict[int, set[str]] = defaultdict(set)
    for place in places:
        body_id = body_of.get(place.page.document_id)
        if body_id is not None and place.page.portal:
            portals_of[body_id].add(place.page.portal)
    directory.link_parents(portals_of)
    _site_codes(session, directory, places, body_of)
    session.flush()
    return RefreshSummary(
        reports=len(published), new_reports=new_reports, bodies=len(directory.by_id), new_bodies=len(directory.created)
    )


def _existing_sources(session: Session, places: list[_Report]) -> dict[int, ReportSource]:
    wanted = sorted({item.document_id for place in places for _, item in place.documents})
    found: dict[int, ReportSource] = {}
    for chunk in chunks(wanted, _CHUNK):
        for source in session.scalars(select(ReportSource).where(ReportSource.document_id.in_(chunk))):
            found[source.document_id] = source
    return found


def _bodies(
    session: Session, directory: BodyDirectory, places: list[_Report], regions: Mapping[str, str]
) -> dict[int, int]:
    """Body id by page document id, for pages that print a body name."""
    metadata = _metadata(session, [p.page.extraction_id for p in places] + [p.source.extraction_id for p in places])
    body_of = {}
    for place in places:
        if not place.body:
            continue
        index = metadata.get(place.page.extraction_id) or metadata.get(place.source.extraction_id)
        region = regions.get(place.page.portal or "")
        body_of[place.page.document_id] = directory.resolve(place.body, identifiers_from_index(index), region).id
    return body_of


def _metadata(session: Session, extraction_ids: Iterable[int | None]) -> dict[int, str]:
    """The 索引号 each extraction read, by extraction id."""
    wanted = sorted({i for i in extraction_ids if i is not None})
    found = {}
    for chunk in chunks(wanted, _CHUNK):
        for extraction_id, metadata in session.execute(
            select(Extraction.id, Extraction.metadata_).where(Extraction.id.in_(chunk))
        ):
            index = dict((pair[0], pair[1]) for pair in metadata or () if len(pair) == 2).get("索引号")
            if index:
                found[extraction_id] = index
    return found


def _assign(
    session: Session,
    places: list[_Report],
    body_of: Mapping[int, int],
    sources: Mapping[int, ReportSource],
    now: datetime,
) -> tuple[dict[int, Report], int]:
    """The report of each page (by page document id), and how many reports were added."""
    clusters = _clusters(session, places, body_of)
    known = {s.report_id for s in sources.values()}
    existing = {
        report.id: report
        for chunk in chunks(sorted(known), _CHUNK)
        for report in session.scalars(select(Report).where(Report.id.in_(chunk)))
    }
    taken: set[int] = set()
    assignment: dict[int, Report] = {}
    added = 0
    for cluster in clusters:
        registered = {sources[d.document_id].report_id for p in cluster for _, d in p.documents if d.document_id in sources}
        candidates = sorted(registered - taken)
        if candidates:
            report = existing[candidates[0]]
        else:
            report = Report(status="current", first_seen_at=now, updated_at=now)
            session.add(report)
            added += 1
        first = cluster[0]
        report.body_id = body_of.get(first.page.document_id)
        report.year = first.year
        if report.id is not None:
            taken.add(report.id)
        for place in cluster:
            assignment[place.page.document_id] = report
    session.flush()  # ids for the new reports
    return assignment, added


def _clusters(session: Session, places: list[_Report], body_of: Mapping[int, int]) -> list[list[_Report]]:
    """Pages grouped into reports: same body and year, and the same bytes or the same numbers."""
    groups: dict[tuple, list[_Report]] = defaultdict(list)
    for place in places:
        body_id = body_of.get(place.page.document_id)
        key = (body_id, place.year) if body_id is not None and place.year is not None else ("page", place.page.document_id)
        groups[key].append(place)
    several = [place for group in groups.values() if len(group) > 1 for place in group]
    digests = numbers_digests(session, [p.source.extraction_id for p in several])
    clusters: list[list[_Report]] = []
    for group in groups.values():
        clusters.extend(_same_report(sorted(group, key=lambda p: p.page.document_id), digests))
    return sorted(clusters, key=lambda c: c[0].page.document_id)


def _same_report(group: list[_Report], digests: Mapping[int, str]) -> list[list[_Report]]:
    clusters: list[list[_Report]] = []
    for place in group:
        for cluster in clusters:
            if any(_same(place, other, digests) for other in cluster):
                cluster.append(place)
                break
        else:
            clusters.append([place])
    return clusters


def _same(one: _Report, other: _Report, digests: Mapping[int, str]) -> bool:
    if _is_correction(one) != _is_correction(other):
        return False  # a corrected edition (更正/修订) is a publication of its own, even with the same numbers
    if one.source.sha256 == other.source.sha256:
        return True
    mine, theirs = digests.get(one.source.extraction_id or -1), digests.get(other.source.extraction_id or -1)
    return mine is not None and mine == theirs


def _is_correction(place: _Report) -> bool:
    return any(word in (place.page.title or "") for word in CORRECTION_WORDS)


def numbers_digests(session: Session, extraction_ids: Iterable[int | None]) -> dict[int, str]:
    """sha256 of each extraction's cells that carry a number; none for an extraction without numbers."""
    wanted = sorted({i for i in extraction_ids if i is not None})
    cells: dict[int, list[str]] = defaultdict(list)
    for chunk in chunks(wanted, _CHUNK):
        query = select(
            ExtractedValue.extraction_id,
            ExtractedValue.table_name,
            ExtractedValue.row_key,
            ExtractedValue.column_key,
            ExtractedValue.value,
        ).where(ExtractedValue.extraction_id.in_(chunk), ExtractedValue.value.is_not(None))
        for extraction_id, table, row, column, value in session.execute(query):
            cells[extraction_id].append(f"{table}.{row}.{column}={value.normalize():f}")
    return {i: hashlib.sha256("\n".join(sorted(c)).encode()).hexdigest() for i, c in cells.items()}


def _is_newest(session: Session, parser_version: str) -> bool:
    from .changes import parser_versions, version_order

    versions = parser_versions(session)
    return not versions or version_order(parser_version) >= version_order(versions[-1])


def _update(
    report: Report,
    item: Published,
    parser_version: str,
    moves_reading: bool,
    digests: Mapping[int, str],
    now: datetime,
) -> None:
    current = item.current
    changes: dict[str, object] = {"status": item.status}
    if moves_reading or report.extraction_id is None:
        changes.update(
            capture_id=current.source.capture_id,
            extraction_id=current.source.extraction_id,
            parser_version=parser_version if current.source.extraction_id is not None else None,
            template=current.source.template or current.page.template,
            title=current.page.title or current.source.title,
        )
        if current.source.extraction_id != report.extraction_id:
            changes["numbers_sha256"] = digests.get(current.source.extraction_id or -1)
    for field, value in changes.items():
        if getattr(report, field) != value:
            setattr(report, field, value)
            report.updated_at = now


def _record_sources(session: Session, item: Published, sources: dict[int, ReportSource], now: datetime) -> None:
    current_document = item.current.source.document_id
    for place in item.places:
        for role, document in place.documents:
            source = sources.get(document.document_id)
            if source is None:
                source = ReportSource(document_id=document.document_id, first_seen_at=now)
                session.add(source)
                sources[document.document_id] = source
            source.report_id = item.report_id
            source.role = role
            source.portal = document.portal
            source.is_current = document.document_id == current_document


def _drop_emptied(session: Session, report_ids: set[int]) -> None:
    """Remove reports all of whose pages now belong to other reports (two merged into one)."""
    if not report_ids:
        return
    still = set(session.scalars(select(ReportSource.report_id).where(ReportSource.report_id.in_(sorted(report_ids)))))
    emptied = sorted(report_ids - still)
    if emptied:
        session.execute(delete(Report).where(Report.id.in_(emptied)))


def _site_codes(session: Session, directory: BodyDirectory, places: list[_Report], body_of: Mapping[int, int]) -> None:
    """The portal's 网站标识码 for bodies added now, from their first page's bytes."""
    created = {body.id: body for body in directory.created}
    seen: set[int] = set()
    for place in places:
        body_id = body_of.get(place.page.document_id)
        if body_id not in created or body_id in seen:
            continue
        seen.add(body_id)
        try:
            code = site_code(load_blob(session, place.page.sha256))
        except (KeyError, OSError, ValueError):  # bytes not at hand: the code stays unknown
            continue
        if code:
            created[body_id].site_code = code

