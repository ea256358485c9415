"""The `correct`, `corrections` and `review` commands: recording a researcher's judgement and printing it."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine

from storage.corrections import (
    CorrectionError,
    CorrectionState,
    ReviewState,
    correction_states,
    record_correction,
    record_review,
)
from storage.db import session_scope
from storage.queries import ReportCheck, report_values

from .checks import all_checks
from .export import plain_decimal


def login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in this environment (a container, say)
        return "unknown"


def correct(
    engine: Engine, *, report_id: int, key: str, value: str, reason: str, by: str | None, parser_version: str
) -> CorrectionState:
    with session_scope(engine) as session:
        state = record_correction(
            session, report_id=report_id, key=key, value=value, reason=reason, by=by or login_name(),
            parser_version=parser_version, now=datetime.now(UTC),
        )
    return state


def list_corrections(engine: Engine, parser_version: str, report_id: int | None = None) -> list[CorrectionState]:
    with session_scope(engine) as session:
        states = correction_states(session, parser_version, report_id=report_id)
    return states


def review(
    engine: Engine, *, check_id: str, decision: str, note: str, by: str | None, parser_version: str
) -> tuple[ReportCheck, ReviewState]:
    with session_scope(engine) as session:
        values = report_values(session, parser_version)
        check = next((c for c in all_checks(session, parser_version) if c.check_id == check_id.strip()), None)
        if check is None:
            raise CorrectionError(
                f"no check {check_id} among the current reports' checks (parser {parser_version}): "
                "disclosure checks prints their ids"
            )
        state = record_review(
            session, check, decision=decision, note=note, by=by or login_name(), now=datetime.now(UTC), values=values
        )
    return check, state


def _number(value) -> str:
    return "none" if value is None else plain_decimal(value)


def correction_line(state: CorrectionState) -> str:
    c = state.correction
    now = f", parser {state.parser_version} reads {_number(state.reading)}" if state.state == "conflict" else ""
    return (
        f"#{c.id} report {c.report_id if c.report_id is not None else '?'} {state.key}: read {_number(c.read_value)} (parser {c.read_parser_version}), "
        f"corrected to {_number(c.value)} [{state.state}{now}] by {c.corrected_by} "
        f"{c.corrected_at:%Y-%m-%d %H:%M} UTC: {c.reason}"
    )


def corrections_text(states: Sequence[CorrectionState]) -> str:
    if not states:
        return "no corrections: disclosure correct REPORT_ID KEY VALUE --reason TEXT records one"
    counts = {name: sum(1 for s in states if s.state == name) for name in ("open", "conflict", "resolved", "replaced")}
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    return "\n".join([*(correction_line(s) for s in states), f"{len(states)} corrections: {summary}"])


def corrections_json(states: Sequence[CorrectionState]) -> list[dict]:
    return [
        {
            "id": s.correction.id,
            "report_id": s.correction.report_id,
            "key": s.key,
            "read_value": plain_decimal(s.correction.read_value),
            "read_parser_version": s.correction.read_parser_version,
            "value": plain_decimal(s.correction.value),
            "state": s.state,
            "current_reading": plain_decimal(s.reading),
            "parser_version": s.parser_version,
            "reason": s.correction.reason,
            "corrected_by": s.correction.corrected_by,
            "corrected_at": s.correction.corrected_at.isoformat(),
        }
        for s in states
    ]


def review_text(state: ReviewState) -> str:
    """How a check's review reads after the check: applying, or stale since its cells changed."""
    r = state.review
    said = f"{r.decision} by {r.reviewed_by} {r.reviewed_at:%Y-%m-%d}: {r.note}"
    if state.applies:
        return said
    then = ", ".join(f"{name}={'none' if value is None else value}" for name, value in r.cells)
    return f"review stale ({said}; its cells then read {then})"
