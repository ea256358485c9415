"""Corrections of single cells and reviews of failed checks: a researcher's judgement kept
apart from the readings, so that re-extraction never loses it.

A correction names a report and one cell. Its state is judged against the report's current
reading whenever it is asked: ``open`` (the reading still gives the value it corrected),
``resolved`` (the reading now gives the corrected value), ``conflict`` (a third value, neither),
``replaced`` (a later correction of the same cell stands instead).

A review names a report, a rule, a scope and the values the check's cells had. It applies to
the current check of that report, rule and scope while its cells read the same; once they
read differently it is ``stale``: the judgement was about numbers the archive no longer gives.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from extract.keys import OTHER_ROWS, TEMPLATES, all_keys, other_rows

from .models import CheckReview, Correction, Report
from .models import ReportSource as SourceRow
from .queries import ReportCheck, ReportValue, report_values

record = dataclass(frozen=True, slots=True, kw_only=True)

Cell = tuple[str, str, str]
DECISIONS = {"confirm": "confirmed", "dismiss": "dismissed"}
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")  # ASCII digits only: int() and Decimal() take others


class CorrectionError(ValueError):
    """A correction or review that cannot be recorded; the message says why, in one line."""


@record
class CorrectionRecord:
    """A ``corrections`` row as plain data, usable after its session ends."""

    id: int
    report_id: int | None  # None: its report was merged away and no report carries its page now
    document_id: int | None
    table_name: str
    row_key: str
    column_key: str
    value: Decimal | None
    read_value: Decimal | None
    read_parser_version: str
    reason: str
    corrected_by: str
    corrected_at: datetime


@record
class ReviewRecord:
    """A ``check_reviews`` row as plain data."""

    id: int
    report_id: int | None
    document_id: int | None
    rule: str
    scope: str
    cells: tuple[tuple[str, str | None], ...]
    decision: str
    note: str
    reviewed_by: str
    reviewed_at: datetime
    check_ref: str
    parser_version: str


def _plain(row, kind):
    values = {f.name: getattr(row, f.name) for f in fields(kind)}
    if kind is ReviewRecord:
        values["cells"] = tuple((name, value) for name, value in row.cells or ())
    return kind(**values)


def _load(session: Session, model, kind, *, until: datetime | None = None) -> list:
    """Every row as a plain record, its report the one that carries its page now.

    A report merged into another is deleted; the row's ``report_id`` is then NULL (or, on
    SQLite, which does not enforce foreign keys, names a report that is gone).
    """
    query = select(model).order_by(model.id)
    if until is not None:
        query = query.where(model.corrected_at <= until)
    rows = list(session.scalars(query))
    named = sorted({r.report_id for r in rows if r.report_id is not None})
    existing = {i for chunk in _chunks(named, 500) for i in session.scalars(select(Report.id).where(Report.id.in_(chunk)))}
    orphans = sorted({r.document_id for r in rows if r.report_id not in existing and r.document_id is not None})
    carriers = {
        document_id: report_id
        for chunk in _chunks(orphans, 500)
        for document_id, report_id in session.execute(
            select(SourceRow.document_id, SourceRow.report_id).where(SourceRow.document_id.in_(chunk))
        )
    }
    records = []
    for row in rows:
        record = _plain(row, kind)
        if row.report_id not in existing:
            record = replace(record, report_id=carriers.get(row.document_id))
        records.append(record)
    return records


def _page_of(session: Session, report_id: int) -> int | None:
    """The report's page document (else its first source): it finds the report after a merge."""
    query = (
        select(SourceRow.document_id)
        .where(SourceRow.report_id == report_id)
        .order_by((SourceRow.role != "page"), SourceRow.id)
        .limit(1)
    )
    return session.scalar(query)


@record
class CorrectionState:
    correction: CorrectionRecord
    state: str  # "open" | "resolved" | "conflict" | "replaced"
    reading: Decimal | None  # what the current reading gives for the cell (None: no number)
    parser_version: str

    @property
    def key(self) -> str:
        c = self.correction
        return f"{c.table_name}.{c.row_key}.{c.column_key}"


@record
class ReviewState:
    review: ReviewRecord
    applies: bool  # False: the cells read differently now (stale)

    @property
    def state(self) -> str:
        return self.review.decision if self.applies else "stale"


@dataclass(frozen=True, slots=True, kw_only=True)
class CorrectedValue(ReportValue):
    """A report value after corrections: ``published_value`` is what the document was read as."""

    published_value: Decimal | None = None


def parse_key(text: str) -> Cell:
    parts = text.strip().split(".")
    if len(parts) != 3 or not all(parts):
        raise CorrectionError(f"{text!r} is not a key: give table.row.column, e.g. requests.granted.total")
    return parts[0], parts[1], parts[2]


def parse_value(text: str) -> Decimal | None:
    """An exact decimal written with ASCII digits, or ``none`` for "the report gives no number"."""
    text = text.strip()
    if text.lower() == "none":
        return None
    if not _NUMBER.fullmatch(text):
        raise CorrectionError(f"{text!r} is not a number: give ASCII digits (12, 3.5, -2) or none")
    return Decimal(text)


def record_correction(
    session: Session,
    *,
    report_id: int,
    key: str,
    value: str,
    reason: str,
    by: str,
    parser_version: str,
    now: datetime,
) -> CorrectionState:
    """Record a correction of one cell of a report's current reading at ``parser_version``."""
    cell = parse_key(key)
    corrected = parse_value(value)
    if not reason.strip():
        raise CorrectionError("give a reason: --reason TEXT")
    cells = _readings(report_values(session, parser_version)).get(report_id)
    if cells is None:
        raise CorrectionError(f"no report {report_id} read at parser {parser_version}: disclosure export lists report ids")
    template, read = cells
    _check_key(cell, template, read)
    was = read.get(cell)
    if was == corrected:
        raise CorrectionError(f"report {report_id} already reads {key} as {_text(was)}: nothing to correct")
    correction = Correction(
        report_id=report_id,
        document_id=_page_of(session, report_id),
        table_name=cell[0],
        row_key=cell[1],
        column_key=cell[2],
        value=corrected,
        read_value=was,
        read_parser_version=parser_version,
        reason=reason.strip(),
        corrected_by=by,
        corrected_at=now,
    )
    session.add(correction)
    session.flush()
    return CorrectionState(
        correction=_plain(correction, CorrectionRecord), state="open", reading=was, parser_version=parser_version
    )


def _check_key(cell: Cell, template: str | None, read: dict[Cell, Decimal | None]) -> None:
    printed = {row for table, row, _ in read if table == "requests" and row in OTHER_ROWS}
    templates = [template] if template in TEMPLATES else list(TEMPLATES)
    known = {k for t in templates for k in all_keys(t, other_rows(t, printed))}
    if cell not in known and cell not in read:
        which = f"template {template}" if template in TEMPLATES else "either template"
        raise CorrectionError(f"{'.'.join(cell)} is not a cell of {which} (see extract/keys.py)")


def correction_states(
    session: Session, parser_version: str, *, report_id: int | None = None
) -> list[CorrectionState]:
    """Every correction (of one report, if given) with its state against the current reading."""
    corrections = _load(session, Correction, CorrectionRecord)
    if report_id is not None:
        corrections = [c for c in corrections if c.report_id == report_id]
    corrections.sort(key=lambda c: (c.report_id is None, c.report_id or 0, c.id))
    readings = _readings(report_values(session, parser_version)) if corrections else {}
    return _states(corrections, readings, parser_version)


def _states(
    corrections: Sequence[CorrectionRecord], readings: dict[int, tuple[str | None, dict[Cell, Decimal | None]]], parser_version: str
) -> list[CorrectionState]:
    latest = {_cell_of(c): c.id for c in sorted(corrections, key=lambda c: (c.corrected_at, c.id))}
    states = []
    for correction in corrections:
        reading = readings.get(correction.report_id, (None, {}))[1].get(_cell_of(correction)[1])
        if latest[_cell_of(correction)] != correction.id:
            state = "replaced"
        elif reading == correction.value:
            state = "resolved"
        elif reading == correction.read_value:
            state = "open"
        else:
            state = "conflict"
        states.append(CorrectionState(
            correction=correction, state=state, reading=reading, parser_version=parser_version
        ))
    return states


def apply_corrections(session: Session, rows: Iterable[ReportValue], *, as_of: datetime | None = None) -> list[CorrectedValue]:
    """The rows with every open or conflicting correction (made up to ``as_of``) in place.

    A corrected cell's value is the correction, ``value_source`` "correction", and
    ``published_value`` what the document was read as; a cell the reading lacks gets a row
    of its own. Every other row keeps its value, also as ``published_value``.
    """
    rows = list(rows)
    corrections = _load(session, Correction, CorrectionRecord, until=as_of)
    out = [_corrected(row) for row in rows]
    if not corrections:
        return out
    versions = {row.report_id: row.parser_version for row in rows}
    readings = _readings(rows)
    standing = {
        _cell_of(s.correction): s.correction
        for s in _states(corrections, readings, "")
        if s.state in ("open", "conflict") and s.correction.report_id in versions
    }
    at = {(row.report_id, (row.table, row.row, row.column)): i for i, row in enumerate(out)}
    for (report_id, cell), correction in standing.items():
        index = at.get((report_id, cell))
        if index is None:
            template_row = next(r for r in out if r.report_id == report_id)
            table, row_key, column = cell
            out.append(_as_correction(template_row, correction, published=None, table=table, row=row_key, column=column, raw=None))
        else:
            out[index] = _as_correction(out[index], correction, published=out[index].value)
    return out


def _corrected(row: ReportValue, **changes) -> CorrectedValue:
    values = {f.name: getattr(row, f.name) for f in fields(row)}
    values["published_value"] = row.value
    values.update(changes)
    return CorrectedValue(**values)


def _as_correction(row: CorrectedValue, correction: CorrectionRecord, *, published: Decimal | None, **changes) -> CorrectedValue:
    return _corrected(
        row, value=correction.value, value_source="correction", published_value=published,
        confidence=None, **changes,
    )


def _cell_of(correction: CorrectionRecord) -> tuple[int | None, Cell]:
    return correction.report_id, (correction.table_name, correction.row_key, correction.column_key)


def _readings(rows: Iterable[ReportValue]) -> dict[int, tuple[str | None, dict[Cell, Decimal | None]]]:
    """By report id: its template and its cells as read."""
    found: dict[int, tuple[str | None, dict[Cell, Decimal | None]]] = {}
    for row in rows:
        template, cells = found.setdefault(row.report_id, (row.template, {}))
        cells[(row.table, row.row, row.column)] = row.value
    return found


def _text(value: Decimal | None) -> str:
    return "none" if value is None else format(value, "f")


# Reviews


def record_review(
    session: Session,
    check: ReportCheck,
    *,
    decision: str,
    note: str,
    by: str,
    now: datetime,
    values: Iterable[ReportValue] | None = None,
) -> ReviewState:
    """Mark a failed check a published error (``confirm``) or a misreading (``dismiss``)."""
    if decision not in DECISIONS:
        raise CorrectionError(f"{decision!r}: say confirm (a published error) or dismiss (a misreading)")
    if check.status != "fail":
        raise CorrectionError(f"check {check.check_id} is {check.status}, not failed: only failed checks are reviewed")
    if not note.strip():
        raise CorrectionError("give a note: --note TEXT")
    readings = _readings(values if values is not None else report_values(session, check.parser_version))
    review = CheckReview(
        report_id=check.report_id,
        document_id=_page_of(session, check.report_id),
        rule=check.rule,
        scope=check.scope,
        cells=[[name, _stored(value)] for name, value in _cell_values(check, readings)],
        decision=DECISIONS[decision],
        note=note.strip(),
        reviewed_by=by,
        reviewed_at=now,
        check_ref=check.check_id or "",
        parser_version=check.parser_version,
    )
    session.add(review)
    session.flush()
    return ReviewState(review=_plain(review, ReviewRecord), applies=True)


def review_states(
    session: Session, checks: Sequence[ReportCheck], values: Iterable[ReportValue] | None = None
) -> dict[str, ReviewState]:
    """By check id: the review that applies to the check, else its newest review, stale.

    ``values``: the report values the checks were computed from (default: looked up).
    """
    report_ids = {c.report_id for c in checks}
    reviews: dict[tuple[int, str, str], list[ReviewRecord]] = defaultdict(list)
    for review in reversed(_load(session, CheckReview, ReviewRecord)):  # newest first
        if review.report_id in report_ids:
            reviews[(review.report_id, review.rule, review.scope)].append(review)
    if not reviews:
        return {}
    if values is None:
        versions = {c.parser_version for c in checks}
        values = [v for version in versions for v in report_values(session, version)]
    readings = _readings(values)
    found = {}
    for check in checks:
        candidates = reviews.get((check.report_id, check.rule, check.scope))
        if not candidates or check.check_id is None:
            continue
        now = [[name, _stored(value)] for name, value in _cell_values(check, readings)]
        matching = next((r for r in candidates if _same_cells(r.cells, now)), None)
        found[check.check_id] = ReviewState(
            review=matching or candidates[0], applies=matching is not None
        )
    return found


def reviews_for(
    session: Session, check_ids: Iterable[str], parser_version: str | None = None
) -> dict[str, ReviewState]:
    """Reviews of the given checks (ids as ``disclosure checks`` prints them) of the current
    reports at ``parser_version`` (default: the current parser's)."""
    from extract import PARSER_VERSION

    from .archive_checks import archive_check_results
    from .queries import report_checks

    parser_version = parser_version or PARSER_VERSION

    wanted = set(check_ids)
    checks = [
        c for c in (*report_checks(session, parser_version), *archive_check_results(session, parser_version))
        if c.check_id in wanted
    ]
    return review_states(session, checks) if checks else {}


def _cell_values(check: ReportCheck, readings: dict[int, tuple[str | None, dict[Cell, Decimal | None]]]):
    """(cell name, value) of each of the check's cells; rule-5 names carry the year ("2023:requests...")."""
    for name in check.cells:
        if name.startswith("prose:"):
            yield name, None
            continue
        year, colon, key = name.partition(":")
        report_id = check.report_id
        if colon:
            report_id = check.report_id if year == str(check.year) else check.other_report_id
        else:
            key = name
        parts = tuple(key.split("."))
        yield name, readings.get(report_id, (None, {}))[1].get(parts)


def _stored(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _same_cells(stored: Sequence, now: list) -> bool:
    if [name for name, _ in stored] != [name for name, _ in now]:
        return False
    return all(
        (a is None and b is None) or (a is not None and b is not None and Decimal(a) == Decimal(b))
        for (_, a), (_, b) in zip(stored, now, strict=True)
    )


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
