"""The archive's public vocabulary: canonical (table, row, column) keys per template.

See ``shared/spec/annual-report.md``. Every number the archive stores is addressed
by one of the keys listed here.
"""

from __future__ import annotations

from collections.abc import Iterable

TEMPLATES = ("v2019", "v2021")
TABLES = ("proactive", "requests", "appeals")

PROACTIVE: dict[str, dict[str, tuple[str, ...]]] = {
    "v2021": {
        "regulations": ("issued", "repealed", "in_force"),
        "normative_docs": ("issued", "repealed", "in_force"),
        "licensing": ("decisions",),
        "penalty": ("decisions",),
        "enforcement": ("decisions",),
        "fees": ("amount_10k_yuan",),
    },
    "v2019": {
        "regulations": ("new_made", "new_published", "total_published"),
        "normative_docs": ("new_made", "new_published", "total_published"),
        "licensing": ("prev_year_count", "change", "decisions"),
        "other_services": ("prev_year_count", "change", "decisions"),
        "penalty": ("prev_year_count", "change", "decisions"),
        "enforcement": ("prev_year_count", "change", "decisions"),
        "fees": ("prev_year_count", "change"),
        "procurement": ("projects", "amount"),
    },
}

REQUEST_COLUMNS = (
    "natural_person",
    "commercial",
    "research",
    "social_org",
    "legal_service",
    "other_org",
    "total",
)
APPLICANT_COLUMNS = REQUEST_COLUMNS[:-1]

_DENIED = (
    "denied_state_secret",
    "denied_law_prohibited",
    "denied_security_stability",
    "denied_third_party",
    "denied_internal_affairs",
    "denied_process_info",
    "denied_enforcement_file",
    "denied_inquiry",
)
_UNABLE = ("unable_not_held", "unable_needs_creation", "unable_unclear")
_REJECTED = (
    "rejected_petition",
    "rejected_duplicate",
    "rejected_publication",
    "rejected_excessive",
    "rejected_confirmation",
)
OTHER_OUTCOMES = {
    "v2019": ("other",),
    "v2021": ("other_no_correction", "other_no_fee", "other_other"),
}
OTHER_ROWS = ("other", "other_no_correction", "other_no_fee", "other_other")


def other_rows(template: str, printed: Iterable[str] = ()) -> tuple[str, ...]:
    """The rows of 三（六）其他处理 a report gives: its template's, unless it prints the other template's.

    Hybrids are common: a v2021 report printing the old single row gives ``other``, a
    v2019 report printing the three sub-rows gives those (spec, keys).
    """
    printed = {row for row in printed if row in OTHER_ROWS}
    own = OTHER_OUTCOMES[template]
    if printed and not printed & set(own):
        other = next(name for name in TEMPLATES if name != template)
        return OTHER_OUTCOMES[other]
    return own


def outcome_rows(template: str, others: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """Rows that add up to the requests ``total`` row (rule 2); ``others``: the 其他处理 rows given."""
    others = OTHER_OUTCOMES[template] if others is None else others
    return ("granted", "partly_granted", *_DENIED, *_UNABLE, *_REJECTED, *others)


def request_rows(template: str, others: tuple[str, ...] | None = None) -> tuple[str, ...]:
    return ("new", "carried_in", *outcome_rows(template, others), "total", "carried_out")


APPEAL_ROWS = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
APPEAL_COLUMNS = ("upheld", "corrected", "other", "pending", "total")


def all_keys(template: str, others: tuple[str, ...] | None = None) -> tuple[tuple[str, str, str], ...]:
    """Every (table, row, column) a complete report of ``template`` gives, in document order.

    ``others``: the 其他处理 rows the report prints, when they are the other template's.
    """
    keys: list[tuple[str, str, str]] = []
    for row, columns in PROACTIVE[template].items():
        keys.extend(("proactive", row, column) for column in columns)
    for row in request_rows(template, others):
        keys.extend(("requests", row, column) for column in REQUEST_COLUMNS)
    for row in APPEAL_ROWS:
        keys.extend(("appeals", row, column) for column in APPEAL_COLUMNS)
    return tuple(keys)
