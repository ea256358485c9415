"""The consistency checks of the archive's current reports: listing them and writing them out.

Rules 1-4 and 6 come from each report's current reading (``check_results``), rule 5 from
``archive_checks``; both as ``storage.queries.ReportCheck``.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import IO

from sqlalchemy.orm import Session

from storage.archive_checks import archive_check_results
from storage.queries import ReportCheck, report_checks

from .export import FORMATS, plain_decimal

STATUSES = ("fail", "not_assessable", "fitted", "pass")
CHECK_COLUMNS = (
    "report_id",
    "body",
    "year",
    "source_url",
    "rule",
    "scope",
    "status",
    "cells",
    "difference",
    "other_report_id",
    "other_source_url",
    "parser_version",
)


def all_checks(session: Session, parser_version: str) -> list[ReportCheck]:
    """Every check of the version's current reports, by body, year and report."""
    checks = [*report_checks(session, parser_version), *archive_check_results(session, parser_version)]
    return sorted(checks, key=lambda c: (c.body or "", c.year or 0, c.report_id))


def select_checks(
    checks: Iterable[ReportCheck], *, rule: str | None = None, body: str | None = None
) -> list[ReportCheck]:
    """Checks of one rule (or family: "requests", "prose") and of bodies whose name contains ``body``."""
    return [
        c
        for c in checks
        if (rule is None or c.rule == rule or c.rule.startswith(rule + "."))
        and (body is None or body in (c.body or ""))
    ]


def check_line(check: ReportCheck, review: str | None = None) -> str:
    """One check; its id (for `disclosure review`) and its review, if any, at the end."""
    difference = "" if check.difference is None else f" difference {plain_decimal(check.difference)}"
    source = check.source_url
    if check.other_source_url:
        source += f" (against {check.other_source_url})"
    ident = f" [check {check.check_id}]" if check.check_id else ""
    reviewed = f" — {review}" if review else ""
    return (
        f"{check.body or '?'} {check.year or '?'} {check.rule} [{check.scope}] {check.status}: "
        f"{' '.join(check.cells)}{difference} {source}{ident}{reviewed}"
    )


def shown(
    checks: Iterable[ReportCheck], reviewed_ids: set[str], *, everything: bool = False, reviewed: bool = False
) -> list[ReportCheck]:
    """Failed checks not yet reviewed; with ``reviewed`` also the reviewed; with ``everything`` all."""
    return [
        c
        for c in checks
        if everything or (c.status == "fail" and (reviewed or c.check_id not in reviewed_ids))
    ]


def count_line(checks: Sequence[ReportCheck]) -> str:
    counts = Counter(c.status for c in checks)
    return ", ".join(f"{counts.get(status, 0)} {status}" for status in STATUSES)


def export_checks(checks: Iterable[ReportCheck], out: IO[str], fmt: str) -> int:
    """Write checks one per row; ``cells`` is space-separated in CSV and a list in JSONL."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    writer = csv.DictWriter(out, fieldnames=CHECK_COLUMNS, lineterminator="\n") if fmt == "csv" else None
    if writer is not None:
        writer.writeheader()
    count = 0
    for check in checks:
        record = {name: getattr(check, name) for name in CHECK_COLUMNS}
        record["difference"] = plain_decimal(check.difference)
        if writer is not None:
            record["cells"] = " ".join(check.cells)
            writer.writerow({k: "" if v is None else v for k, v in record.items()})
        else:
            record["cells"] = list(check.cells)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count
