"""What changed in the archive between two parser versions' readings of the same captures."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Capture, CheckResult, ExtractedValue, Extraction
from .queries import chunks

record = dataclass(frozen=True, slots=True, kw_only=True)

EXAMPLES = 5  # URLs listed per kind of change
_CHUNK = 400  # captures compared per query


@record
class Captures:
    """How many captures changed one way, with the URLs of the first few (by capture id)."""

    count: int = 0
    examples: tuple[str, ...] = ()


@record
class VersionChanges:
    """``current`` against ``previous``, over the captures both versions read.

    Key counts are ``("table.row.column", captures)`` and check counts
    ``(rule, lines)``, largest first. Values are compared only where both versions read
    the capture; a capture's failure or its repair is counted under failures instead.
    """

    current: str
    previous: str
    compared: int  # captures with an extraction at both versions
    only_current: int  # captures the previous version never read
    reports_gained: Captures = Captures()
    reports_lost: Captures = Captures()
    failures_fixed: Captures = Captures()
    failures_new: Captures = Captures()
    values_changed: tuple[tuple[str, int], ...] = ()  # a number changed, became None or became given
    values_added: tuple[tuple[str, int], ...] = ()  # a key only the current version reads
    values_removed: tuple[tuple[str, int], ...] = ()  # a key only the previous version read
    checks_now_pass: tuple[tuple[str, int], ...] = ()
    checks_now_fail: tuple[tuple[str, int], ...] = ()

    @property
    def any(self) -> bool:
        return bool(
            self.reports_gained.count
            or self.reports_lost.count
            or self.failures_fixed.count
            or self.failures_new.count
            or self.values_changed
            or self.values_added
            or self.values_removed
            or self.checks_now_pass
            or self.checks_now_fail
        )


@record
class _Reading:
    extraction_id: int
    ok: bool
    is_annual_report: bool


def version_order(version: str) -> tuple:
    """Sort key for parser versions as people read them: "2" < "10", "1.9" < "1.10"."""
    parts = re.findall(r"\d+|\D+", version)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


def parser_versions(session: Session) -> list[str]:
    """Every parser version with extractions in the archive, oldest first."""
    found = session.scalars(select(Extraction.parser_version).distinct())
    return sorted(found, key=version_order)


def previous_version(session: Session, current: str) -> str | None:
    """The newest version other than ``current`` that has extractions, if any."""
    others = [v for v in parser_versions(session) if v != current]
    return others[-1] if others else None


def compare_versions(session: Session, current: str, previous: str) -> VersionChanges:
    """What ``current`` reads differently from ``previous``, capture by capture."""
    now = _readings(session, current)
    before = _readings(session, previous)
    both = sorted(now.keys() & before.keys())
    gained, lost, fixed, new_failures = [], [], [], []
    read_by_both: list[tuple[int, int]] = []
    for capture_id in both:
        a, b = before[capture_id], now[capture_id]
        if a.ok and b.ok:
            read_by_both.append((a.extraction_id, b.extraction_id))
            if b.is_annual_report and not a.is_annual_report:
                gained.append(capture_id)
            elif a.is_annual_report and not b.is_annual_report:
                lost.append(capture_id)
        elif b.ok:
            fixed.append(capture_id)
        elif a.ok:
            new_failures.append(capture_id)
    changed, added, removed = _value_changes(session, read_by_both)
    now_pass, now_fail = _check_changes(session, read_by_both)
    return VersionChanges(
        current=current,
        previous=previous,
        compared=len(both),
        only_current=len(now.keys() - before.keys()),
        reports_gained=_captures(session, gained),
        reports_lost=_captures(session, lost),
        failures_fixed=_captures(session, fixed),
        failures_new=_captures(session, new_failures),
        values_changed=_largest_first(changed),
        values_added=_largest_first(added),
        values_removed=_largest_first(removed),
        checks_now_pass=_largest_first(now_pass),
        checks_now_fail=_largest_first(now_fail),
    )


def _readings(session: Session, version: str) -> dict[int, _Reading]:
    query = select(
        Extraction.capture_id, Extraction.id, Extraction.status, Extraction.is_annual_report
    ).where(Extraction.parser_version == version)
    return {
        capture_id: _Reading(extraction_id=id_, ok=status == "ok", is_annual_report=bool(is_report))
        for capture_id, id_, status, is_report in session.execute(query)
    }


def _value_changes(
    session: Session, pairs: list[tuple[int, int]]
) -> tuple[Counter[str], Counter[str], Counter[str]]:
    changed: Counter[str] = Counter()
    added: Counter[str] = Counter()
    removed: Counter[str] = Counter()
    for chunk in chunks(pairs, _CHUNK):
        values = _values(session, _flatten(chunk))
        for before_id, now_id in chunk:
            before, now = values.get(before_id, {}), values.get(now_id, {})
            added.update(now.keys() - before.keys())
            removed.update(before.keys() - now.keys())
            changed.update(k for k in now.keys() & before.keys() if not _same(now[k], before[k]))
    return changed, added, removed


def _values(session: Session, extraction_ids: list[int]) -> dict[int, dict[str, Decimal | None]]:
    query = select(
        ExtractedValue.extraction_id,
        ExtractedValue.table_name,
        ExtractedValue.row_key,
        ExtractedValue.column_key,
        ExtractedValue.value,
    ).where(ExtractedValue.extraction_id.in_(extraction_ids))
    found: dict[int, dict[str, Decimal | None]] = {}
    for extraction_id, table, row, column, value in session.execute(query):
        found.setdefault(extraction_id, {})[f"{table}.{row}.{column}"] = value
    return found


def _same(a: Decimal | None, b: Decimal | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b  # 1.0 and 1 are the same number


def _check_changes(
    session: Session, pairs: list[tuple[int, int]]
) -> tuple[Counter[str], Counter[str]]:
    now_pass: Counter[str] = Counter()
    now_fail: Counter[str] = Counter()
    for chunk in chunks(pairs, _CHUNK):
        statuses = _check_statuses(session, _flatten(chunk))
        for before_id, now_id in chunk:
            before, now = statuses.get(before_id, {}), statuses.get(now_id, {})
            for (rule, scope), status in now.items():
                earlier = before.get((rule, scope))
                if status == "pass" and earlier != "pass":
                    now_pass[rule] += 1
                elif status == "fail" and earlier != "fail":
                    now_fail[rule] += 1
    return now_pass, now_fail


def _check_statuses(session: Session, extraction_ids: list[int]) -> dict[int, dict[tuple[str, str], str]]:
    query = select(
        CheckResult.extraction_id, CheckResult.rule, CheckResult.scope, CheckResult.status
    ).where(CheckResult.extraction_id.in_(extraction_ids))
    found: dict[int, dict[tuple[str, str], str]] = {}
    for extraction_id, rule, scope, status in session.execute(query):
        found.setdefault(extraction_id, {})[(rule, scope)] = status
    return found


def _captures(session: Session, capture_ids: list[int]) -> Captures:
    first = sorted(capture_ids)[:EXAMPLES]
    query = select(Capture.id, Capture.url).where(Capture.id.in_(first))
    urls = {capture_id: url for capture_id, url in session.execute(query)}
    return Captures(count=len(capture_ids), examples=tuple(urls[i] for i in first))


def _largest_first(counts: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _flatten(pairs: Iterable[tuple[int, int]]) -> list[int]:
    return [i for pair in pairs for i in pair]
