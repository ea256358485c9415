"""Non-zero table values that obey consistency rules 1-4 of the spec.

Every generator takes a seeded ``random.Random`` so a site is the same on every build.
"""

from __future__ import annotations

import random
from decimal import Decimal

from extract.keys import (
    APPEAL_COLUMNS,
    APPEAL_ROWS,
    APPLICANT_COLUMNS,
    PROACTIVE,
    all_keys,
    outcome_rows,
)

from .model import Key

# How many requests a body of each kind receives in a year, per applicant column.
_NEW_RANGE = {
    "county": {"natural_person": (25, 90), "commercial": (3, 15), "research": (0, 2),
               "social_org": (0, 3), "legal_service": (1, 6), "other_org": (0, 4)},
    "department": {"natural_person": (6, 30), "commercial": (1, 6), "research": (0, 1),
                   "social_org": (0, 1), "legal_service": (0, 3), "other_org": (0, 2)},
    "township": {"natural_person": (2, 9), "commercial": (0, 2), "research": (0, 0),
                 "social_org": (0, 1), "legal_service": (0, 1), "other_org": (0, 1)},
}

# Relative frequency of outcomes, roughly as in published county reports.
_OUTCOME_WEIGHT = {
    "granted": 12, "partly_granted": 3, "unable_not_held": 4, "unable_needs_creation": 1,
    "unable_unclear": 0.6, "rejected_petition": 0.8, "rejected_duplicate": 0.8,
    "other": 1, "other_no_correction": 0.6, "other_no_fee": 0.2, "other_other": 0.6,
}
_DEFAULT_WEIGHT = 0.3
_FOUR_PLACES = Decimal("0.0001")
_TWO_PLACES = Decimal("0.01")


def generate_values(
    rng: random.Random, template: str, kind: str, carried_in: dict[str, int] | None = None
) -> dict[Key, Decimal]:
    """A report's numbers; ``carried_in`` (per applicant column) continues last year's report."""
    values: dict[Key, Decimal] = {}
    values.update(_proactive(rng, template, kind))
    values.update(_requests(rng, template, kind, carried_in or {}))
    values.update(_appeals(rng, kind))
    missing = set(all_keys(template)) - values.keys()
    if missing:
        raise AssertionError(f"generator left keys out: {sorted(missing)}")
    return {key: values[key] for key in all_keys(template)}


def _proactive(rng: random.Random, template: str, kind: str) -> dict[Key, Decimal]:
    big = kind == "county"
    out: dict[Key, Decimal] = {}
    for row, columns in PROACTIVE[template].items():
        for column, number in zip(columns, _proactive_row(rng, template, row, big)):
            out[("proactive", row, column)] = number
    return out


def _proactive_row(rng: random.Random, template: str, row: str, big: bool) -> tuple[Decimal, ...]:
    scale = 10 if big else 1
    if row == "regulations":
        return (Decimal(0),) * 3  # counties and townships cannot make 规章
    if row == "normative_docs":
        made = rng.randint(1, 4 * scale)
        if template == "v2021":
            in_force = made + rng.randint(2 * scale, 12 * scale)
            return Decimal(made), Decimal(rng.randint(0, made)), Decimal(in_force)
        published = rng.randint(max(1, made - 2), made)
        return Decimal(made), Decimal(published), Decimal(published + rng.randint(5, 40 * scale))
    if row == "fees":
        if template == "v2021":
            return ((Decimal(rng.randint(10_000, 9_999_999)) / Decimal(10_000)).quantize(_FOUR_PLACES),)
        return Decimal(rng.randint(2, 6 * scale)), Decimal(-rng.randint(1, 2))
    if row == "procurement":
        amount = (Decimal(rng.randint(1_000, 900_000)) / Decimal(100)).quantize(_TWO_PLACES)
        return Decimal(rng.randint(1, 8 * scale)), amount
    decisions = Decimal(rng.randint(1, 60 * scale))
    if template == "v2021":
        return (decisions,)
    previous = rng.randint(3, 30 * scale)
    change = rng.randint(-min(previous - 1, 5), 6)
    return Decimal(previous), Decimal(change), decisions


def _requests(rng: random.Random, template: str, kind: str, carried: dict[str, int]) -> dict[Key, Decimal]:
    rows = ("new", "carried_in", *outcome_rows(template), "total", "carried_out")
    counts = {row: dict.fromkeys(APPLICANT_COLUMNS, 0) for row in rows}
    for column in APPLICANT_COLUMNS:
        lo, hi = _NEW_RANGE[kind][column]
        new = rng.randint(lo, hi)
        carried_in = rng.randint(0, max(0, new // 6))
        carried_in = carried.get(column, carried_in)
        carried_out = rng.randint(0, (new + carried_in) // 5)
        total = new + carried_in - carried_out
        counts["new"][column] = new
        counts["carried_in"][column] = carried_in
        counts["carried_out"][column] = carried_out
        counts["total"][column] = total
        for outcome in _spread(rng, total, outcome_rows(template)):
            counts[outcome][column] += 1
    out: dict[Key, Decimal] = {}
    for row in rows:
        for column in APPLICANT_COLUMNS:
            out[("requests", row, column)] = Decimal(counts[row][column])
        out[("requests", row, "total")] = Decimal(sum(counts[row].values()))
    return out


def _spread(rng: random.Random, total: int, outcomes: tuple[str, ...]) -> list[str]:
    weights = [_OUTCOME_WEIGHT.get(outcome, _DEFAULT_WEIGHT) for outcome in outcomes]
    return rng.choices(outcomes, weights=weights, k=total)


def _appeals(rng: random.Random, kind: str) -> dict[Key, Decimal]:
    most = {"county": 4, "department": 2, "township": 1}[kind]
    out: dict[Key, Decimal] = {}
    for index, row in enumerate(APPEAL_ROWS):
        # the county government always has a reconsideration case, so the table is never all zero
        floor = 1 if index == 0 and kind == "county" else 0
        parts = [rng.randint(0, most) for _ in APPEAL_COLUMNS[:-1]]
        parts[0] = max(parts[0], floor)
        for column, number in zip(APPEAL_COLUMNS[:-1], parts):
            out[("appeals", row, column)] = Decimal(number)
        out[("appeals", row, "total")] = Decimal(sum(parts))
    return out
