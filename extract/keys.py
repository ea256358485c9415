"""The archive's public vocabulary: canonical (table, row, column) keys per template.

See ``shared/spec/annual-report.md``. Every number the archive stores is addressed
by one of the keys listed here.
"""

from __future__ import annotations

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


def outcome_rows(template: str) -> tuple[str, ...]:
    """Rows that add up to the requests ``total`` row (rule 2)."""
    return ("granted", "partly_granted", *_DENIED, *_UNABLE, *_REJECTED, *OTHER_OUTCOMES[template])


def request_rows(template: str) -> tuple[str, ...]:
    return ("new", "carried_in", *outcome_rows(template), "total", "carried_out")


APPEAL_ROWS = ("reconsideration", "litigation_direct", "litigation_after_reconsideration")
APPEAL_COLUMNS = ("upheld", "corrected", "other", "pending", "total")


def all_keys(template: str) -> tuple[tuple[str, str, str], ...]:
    """Every (table, row, column) a complete report of ``template`` gives, in document order."""
    keys: list[tuple[str, str, str]] = []
    for row, columns in PROACTIVE[template].items():
        keys.extend(("proactive", row, column) for column in columns)
    for row in request_rows(template):
        keys.extend(("requests", row, column) for column in REQUEST_COLUMNS)
    for row in APPEAL_ROWS:
        keys.extend(("appeals", row, column) for column in APPEAL_COLUMNS)
    return tuple(keys)
