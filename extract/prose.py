"""Counts stated in the 总体情况 prose of a report ("本年新收政府信息公开申请12件").

Only counts that the tables also carry are read: new requests, requests carried over to
next year, administrative reconsiderations and lawsuits. "主动公开政府信息X条" has no
table cell to compare with and is left alone. A statement that nothing was received
("没有收到…申请", "未发生…行政复议") is a count of 0.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

_UNIT = r"(?:件|起|宗|个|次)"
# One count as prose writes it: digits (thousands separators allowed) or Chinese numerals with a
# unit, or a bare 无 ending the clause. The one group is the number.
_COUNT = (
    r"((?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+|[零〇一二两三四五六七八九十百千]+)(?=" + _UNIT + r")|无(?=[。；;，,、）)]|$))"
    + _UNIT + "?"
)
# Words between a noun and its number: "申请数量共计为12件", "行政复议的案件3起".
_LEAD = r"(?:的)?(?:数量|案件|申请)?(?:总数|数)?(?:共计|共|合计|总计|累计)?(?:分别)?(?:为|是|达)?[:：]?"
# Within one clause, and never reaching into words about appeals or lawsuits.
_FILLER = r"(?:(?!复议|诉讼)[^。；;，,]){0,30}?"

_OVERALL_HEADING = re.compile(r"(?m)^[一1][、.．]总体情况")
# A heading line, not a numbered paragraph of 总体情况 that happens to start with the same words.
_NEXT_SECTION = re.compile(
    r"(?m)^[二三四2-4][、.．](?:主动公开政府信息|收到和处理政府信息公开申请|政府信息公开行政复议)[^\n]{0,12}$"
)

# Tried in order: an explicit 新收 wins over 收到/受理, which may include carried-over requests.
_NEW_REQUESTS = (
    re.compile(r"新收(?:到)?" + _FILLER + r"申请" + _LEAD + _COUNT),
    re.compile(r"(?:收到|接到|受理)" + _FILLER + r"申请(?:公开)?" + _LEAD + _COUNT),
)
_NO_NEW_REQUESTS = re.compile(r"(?:没有|未|无)(?:收到|接到|受理)" + _FILLER + r"申请")
_CARRIED_OUT = (
    re.compile(r"结转(?:至|到|入)?下(?:一)?年度?(?:继续)?(?:办理)?" + _LEAD + _COUNT),
)
_BOTH_APPEALS = re.compile(
    r"行政复议(?:和|、|及|与|或)(?:被?提起)?行政诉讼" + _LEAD + r"(?:均|各|都)?(?:为|是)?" + _COUNT
    + r"(?:[和、,，及]" + _COUNT + r")?"
)
_NO_APPEALS = re.compile(r"(?:没有|未|无)(?:发生|收到|出现|接到)?[^。；;，,]{0,20}?行政复议(?:[^。；;，,]{0,8}?行政诉讼)?")
_RECONSIDERATION = (re.compile(r"行政复议(?!和|、|及|与|或)" + _LEAD + _COUNT),)
_LITIGATION = (re.compile(r"行政诉讼" + _LEAD + _COUNT),)

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


@dataclass(frozen=True, slots=True, kw_only=True)
class StatedCount:
    """One count the prose states, with the words that state it."""

    subject: str  # "new_requests" | "carried_out" | "reconsideration" | "litigation"
    value: Decimal
    phrase: str


def overall_section(text: str) -> str:
    """The 总体情况 section, one line per line without spaces (PDF text splits words with them).

    Without that heading: the text before the first table section.
    """
    normalized = unicodedata.normalize("NFKC", text or "")
    compact = "\n".join("".join(line.split()) for line in normalized.splitlines())
    heading = _OVERALL_HEADING.search(compact)
    start = heading.end() if heading else 0
    following = _NEXT_SECTION.search(compact, start)
    return compact[start : following.start() if following else len(compact)]


def stated_counts(text: str) -> tuple[StatedCount, ...]:
    """The counts stated in a report's 总体情况 prose, at most one per subject (the first stated)."""
    prose = overall_section(text).replace("\n", "")
    found: dict[str, StatedCount] = {}
    for subject, count in (*_request_counts(prose), *_appeal_counts(prose)):
        found.setdefault(subject, count)
    return tuple(found.values())


def chinese_number(text: str) -> int | None:
    """零…九千九百九十九 and ASCII digit strings; None when ``text`` is not a number.

    Digits of other scripts ("٣", "๓") are no number: ``str.isdigit`` and ``int`` would take them.
    """
    text = text.replace(",", "")
    if text.isascii() and text.isdigit():
        return int(text)
    if text == "无":
        return 0
    total, digit = 0, None
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        else:
            return None
    return total + (digit or 0)


def _request_counts(prose: str) -> list[tuple[str, StatedCount]]:
    counts = []
    new = _first(prose, _NEW_REQUESTS) or _zero(prose, _NO_NEW_REQUESTS)
    if new is not None:
        counts.append(("new_requests", _stated("new_requests", *new)))
    carried = _first(prose, _CARRIED_OUT)
    if carried is not None:
        counts.append(("carried_out", _stated("carried_out", *carried)))
    return counts


def _appeal_counts(prose: str) -> list[tuple[str, StatedCount]]:
    counts = []
    both = _BOTH_APPEALS.search(prose)
    if both is not None:
        first, second = both.group(1), both.group(2) or both.group(1)
        counts.append(("reconsideration", _stated("reconsideration", first, both.group(0))))
        counts.append(("litigation", _stated("litigation", second, both.group(0))))
    for subject, patterns in (("reconsideration", _RECONSIDERATION), ("litigation", _LITIGATION)):
        match = _first(prose, patterns)
        if match is not None:
            counts.append((subject, _stated(subject, *match)))
    none = _NO_APPEALS.search(prose)
    if none is not None:
        counts.append(("reconsideration", _stated("reconsideration", "0", none.group(0))))
        if "行政诉讼" in none.group(0):
            counts.append(("litigation", _stated("litigation", "0", none.group(0))))
    return counts


def _first(prose: str, patterns: tuple[re.Pattern[str], ...]) -> tuple[str, str] | None:
    """(number, phrase) of the first match of the first pattern that matches with a readable number."""
    for pattern in patterns:
        for match in pattern.finditer(prose):
            if chinese_number(match.group(1)) is not None:
                return match.group(1), match.group(0)
    return None


def _zero(prose: str, pattern: re.Pattern[str]) -> tuple[str, str] | None:
    match = pattern.search(prose)
    return None if match is None else ("0", match.group(0))


def _stated(subject: str, number: str, phrase: str) -> StatedCount:
    value = chinese_number(number)
    if value is None:  # the patterns only let readable numbers through
        raise ValueError(f"unreadable count {number!r} in {phrase!r}")
    return StatedCount(subject=subject, value=Decimal(value), phrase=phrase)
