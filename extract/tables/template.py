"""Deciding the template version from the labels a document shows (never from a year)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..keys import TEMPLATES

# Request rows that exist in only one template.
ROW_EVIDENCE = {
    "other": "v2019",
    "other_no_correction": "v2021",
    "other_no_fee": "v2021",
    "other_other": "v2021",
    "other_services": "v2019",
    "procurement": "v2019",
}
DEFAULT = "v2021"


def decide_template(evidence: Iterable[str]) -> tuple[str, tuple[str, ...]]:
    """The template most labels point to, and warnings when the labels disagree or say nothing."""
    votes = Counter(vote for vote in evidence if vote in TEMPLATES)
    if not votes:
        return DEFAULT, (f"template not evident from the labels; assumed {DEFAULT}",)
    ranked = votes.most_common()
    template = ranked[0][0]
    if len(ranked) > 1:
        counts = ", ".join(f"{name}: {count}" for name, count in sorted(votes.items()))
        if ranked[0][1] == ranked[1][1]:
            template = DEFAULT
        return template, (f"labels of both templates seen ({counts}); read as {template}",)
    return template, ()
