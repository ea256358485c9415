"""Rule-consistent numbers with few zeros, for the corpus's documents from other producers.

``simportal.numbers`` draws what small bodies publish (mostly zeros in the outcome rows);
these draw what a busy city or district publishes: almost every cell non-zero, counts
in the millions, money with four to six decimals. Rules 1-4 of the spec hold; a hybrid
report (v2021 proactive table, the v2019 single （六）其他处理 row) keeps the row's numbers
under ``requests.other.*``.
"""

from __future__ import annotations

import random
from decimal import Decimal

from extract.keys import (
    APPEAL_COLUMNS,
    APPEAL_ROWS,
    APPLICANT_COLUMNS,
    PROACTIVE,
    REQUEST_COLUMNS,
    all_keys,
    outcome_rows,
)

Key = tuple[str, str, str]
D = Decimal
_V2021_OTHER = ("other_no_correction", "other_no_fee", "other_other")


def label_keys(template: str, hybrid: bool = False) -> tuple[Key, ...]:
    """Every key the report prints, in document order; a hybrid prints ``other`` for the three v2021 rows."""
    keys = all_keys(template)
    if not hybrid:
        return keys
    out: list[Key] = []
    for table, row, column in keys:
        if row in _V2021_OTHER:
            if row == _V2021_OTHER[0]:
                out.append((table, "other", column))
            continue
        out.append((table, row, column))
    return tuple(out)


def printed_outcomes(template: str, hybrid: bool) -> tuple[str, ...]:
    rows = outcome_rows(template)
    return (*[row for row in rows if row not in _V2021_OTHER], "other") if hybrid else rows


def money(rng: random.Random, places: int, whole: tuple[int, int]) -> Decimal:
    """A positive amount with exactly ``places`` decimals, its last digit never 0 (so it shows)."""
    fraction = rng.randint(1, 10**places - 1)
    fraction = fraction - fraction % 10 + rng.randint(1, 9)
    return D(rng.randint(*whole)) + D(fraction).scaleb(-places)


def dense_values(rng: random.Random, template: str, *, hybrid: bool = False, millions: bool = False,
                 places: int = 4, zero_share: float = 0.08) -> dict[Key, Decimal]:
    def count(lo: int, hi: int) -> int:
        return 0 if rng.random() < zero_share else rng.randint(max(lo, 1), hi)

    values: dict[Key, Decimal] = {}
    values.update(_proactive(rng, template, count, millions, places))
    values.update(_requests(rng, printed_outcomes(template, hybrid), count))
    for row in APPEAL_ROWS:
        parts = [count(1, 12) for _ in APPEAL_COLUMNS[:-1]]
        for column, number in zip(APPEAL_COLUMNS, (*parts, sum(parts))):
            values[("appeals", row, column)] = D(number)
    return {key: values[key] for key in label_keys(template, hybrid)}


def _proactive(rng, template, count, millions: bool, places: int) -> dict[Key, Decimal]:
    out: dict[Key, Decimal] = {}
    for row, columns in PROACTIVE[template].items():
        if row in ("regulations", "normative_docs"):
            made = rng.randint(2, 60)
            numbers = (made, rng.randint(1, made), made + rng.randint(40, 900))
        elif row == "fees" and template == "v2021":
            numbers = (money(rng, places, (0, 99_999)),)
        elif row == "fees":
            numbers = (rng.randint(3, 40), -rng.randint(1, 3))
        elif row == "procurement":
            numbers = (rng.randint(3, 400), money(rng, places, (100, 9_999_999)))
        else:
            decisions = rng.randint(1_000_000, 9_999_999) if millions and row in ("penalty", "licensing") \
                else count(5, 90_000)
            previous = rng.randint(10, 500)
            change = rng.choice((-1, 1)) * rng.randint(1, min(previous - 1, 40))
            numbers = (decisions,) if template == "v2021" else (previous, change, decisions)
        for column, number in zip(columns, numbers):
            out[("proactive", row, column)] = D(number)
    return out


def _requests(rng, outcomes: tuple[str, ...], count) -> dict[Key, Decimal]:
    scale = {"natural_person": 400, "commercial": 120, "research": 12, "social_org": 15,
             "legal_service": 40, "other_org": 30}
    out: dict[Key, Decimal] = {}
    for column in APPLICANT_COLUMNS:
        per_outcome = {row: count(1, scale[column] * (4 if row == "granted" else 1)) for row in outcomes}
        total = sum(per_outcome.values())
        carried_out = count(1, max(1, total // 4))
        carried_in = min(count(1, max(1, total // 4)), total + carried_out)
        rows = {"new": total + carried_out - carried_in, "carried_in": carried_in, **per_outcome,
                "total": total, "carried_out": carried_out}
        for row, number in rows.items():
            out[("requests", row, column)] = D(number)
    for row in ("new", "carried_in", *outcomes, "total", "carried_out"):
        out[("requests", row, REQUEST_COLUMNS[-1])] = sum(
            (out[("requests", row, column)] for column in APPLICANT_COLUMNS), D(0))
    return out
