"""Report labels (row and column headings) to canonical keys.

Labels are compared after ``normalize_label``: NFKC (full-width brackets and
digits become half-width), no whitespace (PDF text splits "尚 未 审 结"), no Word
artefacts, and for row labels no leading numbering ("（三）", "3.", "三、").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..keys import REQUEST_COLUMNS
from ..numbers import clean_cell

_ARTEFACT = re.compile(r"\[(?:bookmark|image)\s*:[^\]]*\]", re.IGNORECASE)
_NUMBERING = re.compile(
    r"^(?:\(?[一二三四五六七八九十0-9]{1,3}[)、.,:]|\([一二三四五六七八九十0-9]{1,3}\)|第[一二三四五六七八九十]+[、.])+"
)
_TRAILING_NOTE = re.compile(r"\([^)]*\)$")
_CHECK_NOTE = re.compile(r"\([^)]*勾稽[^)]*\)?")

GROUP = "legal_person_group"  # 法人或其他组织: stands for the org columns below it


def strip_artefacts(text: str) -> str:
    return _ARTEFACT.sub("", text or "")


def normalize_label(text: str) -> str:
    return clean_cell(strip_artefacts(text))


def strip_numbering(label: str) -> str:
    return _NUMBERING.sub("", label)


_REQUEST_ROWS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(pattern))
    for key, pattern in (
        ("other_no_correction", r"逾期不补正"),
        ("other_no_fee", r"收费通知|缴纳费用|逾期未按"),
        ("new", r"本年(度)?新收"),
        ("carried_in", r"上年(度)?结转"),
        ("carried_out", r"结转下年"),
        ("partly_granted", r"部分公开"),
        ("granted", r"予以公开"),
        ("denied_state_secret", r"国家秘密"),
        ("denied_law_prohibited", r"禁止公开"),
        ("denied_security_stability", r"三安全一稳定|危及"),
        ("denied_third_party", r"第三方"),
        ("denied_internal_affairs", r"内部事务"),
        ("denied_process_info", r"过程性"),
        ("denied_enforcement_file", r"执法案卷"),
        ("denied_inquiry", r"查询事项"),
        ("unable_not_held", r"不掌握"),
        ("unable_needs_creation", r"另行制作"),
        ("unable_unclear", r"补正后|仍不明确"),
        ("rejected_petition", r"信访|举报投诉"),
        ("rejected_duplicate", r"重复申请"),
        ("rejected_publication", r"出版物"),
        ("rejected_excessive", r"大量反复"),
        ("rejected_confirmation", r"重新出具|确认或"),
        ("other", r"^其[他它]处理$"),
        ("other_other", r"^其[他它]$"),
        ("total", r"^[总合]计$"),
    )
)

_PROACTIVE_ROWS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(pattern))
    for key, pattern in (
        ("regulations", r"^规章$"),
        ("normative_docs", r"^(行政)?规范性文件$"),
        ("licensing", r"^行政许可$"),
        ("other_services", r"对外管理服务"),
        ("penalty", r"^行政处罚$"),
        ("enforcement", r"^行政强制$"),
        ("fees", r"^行政事业性收费$"),
        ("procurement", r"集中采购"),
    )
)

_APPEAL_ROWS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("litigation_after_reconsideration", re.compile(r"复议后起诉")),
    ("litigation_direct", re.compile(r"未经复议|直接起诉")),
    ("reconsideration", re.compile(r"^行政复议$")),
)

# (pattern, column, template the label belongs to). Longer labels first: at one
# position the first alternative wins, so 本年处理决定数量 beats 处理决定数量.
_PROACTIVE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("本年新制作数量", "new_made", "v2019"),
    ("本年新公开数量", "new_published", "v2019"),
    ("对外公开总数量", "total_published", "v2019"),
    ("本年制发件数", "issued", "v2021"),
    ("本年废止件数", "repealed", "v2021"),
    ("现行有效件数", "in_force", "v2021"),
    ("上一年项目数量", "prev_year_count", "v2019"),
    ("本年增/?减", "change", "v2019"),
    ("本年处理决定数量", "decisions", "v2021"),
    ("处理决定数量", "decisions", "v2019"),
    ("采购项目数量", "projects", "v2019"),
    ("采购总金额", "amount", "v2019"),
    ("本年收费金额", "amount_10k_yuan", "v2021"),
)
_PROACTIVE_COLUMN_RE = re.compile("|".join(f"({pattern})" for pattern, _, _ in _PROACTIVE_COLUMNS))

_REQUEST_COLUMN_TOKENS: tuple[tuple[str, str], ...] = (
    ("自然人", "natural_person"),
    ("法人或其他组织", GROUP),
    ("商业企业", "commercial"),
    ("科研机构", "research"),
    ("社会公益组织", "social_org"),
    ("社会组织", "social_org"),
    ("法律服务机构", "legal_service"),
    ("总计", "total"),
    ("其他", "other_org"),
)
_REQUEST_COLUMN_RE = re.compile("|".join(f"({token})" for token, _ in _REQUEST_COLUMN_TOKENS))
_ORG_COLUMNS = frozenset(REQUEST_COLUMNS[1:-1])


def _match_row(label_cells: Sequence[str], patterns: tuple[tuple[str, re.Pattern[str]], ...]) -> str | None:
    """The row key named by the last label cell, else by the last two joined, and so on.

    Joining from the end copes with labels split into fragments ("其他 处理",
    "属 于 国 家 秘 密") while the most specific cell still wins over a group label.
    """
    names = [normalize_label(cell) for cell in label_cells]
    for start in range(len(names) - 1, -1, -1):
        candidate = "".join(names[start:])
        bare = _TRAILING_NOTE.sub("", strip_numbering(candidate)) or strip_numbering(candidate)
        for name in (strip_numbering(candidate), bare):
            for key, pattern in patterns:
                if name and pattern.search(name):
                    return key
    return None


def request_row(label_cells: Sequence[str]) -> str | None:
    return _match_row(label_cells, _REQUEST_ROWS)


def proactive_row(label_cells: Sequence[str]) -> str | None:
    return _match_row(label_cells, _PROACTIVE_ROWS)


def appeal_row(label_cells: Sequence[str]) -> str | None:
    return _match_row(label_cells, _APPEAL_ROWS)


def proactive_columns(row_text: str) -> tuple[tuple[str, str], ...]:
    """(column, template) for each proactive column heading in a header row, in order."""
    found = []
    for match in _PROACTIVE_COLUMN_RE.finditer(normalize_label(row_text)):
        _, column, template = _PROACTIVE_COLUMNS[match.lastindex - 1]
        found.append((column, template))
    return tuple(found)


def request_column_tokens(row_text: str) -> tuple[str, ...]:
    text = _CHECK_NOTE.sub("", normalize_label(row_text))
    return tuple(_REQUEST_COLUMN_TOKENS[m.lastindex - 1][1] for m in _REQUEST_COLUMN_RE.finditer(text))


def request_column_order(header_rows: Sequence[str]) -> tuple[str, ...] | None:
    """The request columns in the order the header rows show them, or None if unclear.

    The top header row holds 自然人 / 法人或其他组织 / 总计, the row below it the
    organisation columns; 总计 may sit in a row of its own above (PDF text), in
    which case it is the last column.
    """
    token_rows = [request_column_tokens(text) for text in header_rows]
    top = next((tokens for tokens in token_rows if "natural_person" in tokens), None)
    if top is None:
        return None
    orgs = max(
        (tuple(t for t in tokens if t in _ORG_COLUMNS) for tokens in token_rows),
        key=len,
        default=(),
    )
    order: list[str] = []
    for token in top:
        if token == GROUP:
            order.extend(org for org in orgs if org not in top)
        elif token not in order:
            order.append(token)
    if GROUP not in top:
        index = order.index("natural_person") + 1
        order[index:index] = [org for org in orgs if org not in order]
    if "total" not in order:
        order.append("total")
    return tuple(order) if sorted(order) == sorted(REQUEST_COLUMNS) else None


# -- closest known label -----------------------------------------------------
# Real labels have typos ("2.其他法律行政止公开", "予以以公开"). A label no pattern above
# names is matched to the closest of these, without numbering, when it is clearly
# closer to it than to any other row's label.
CANONICAL_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "requests": {
        "new": ("本年新收政府信息公开申请数量",),
        "carried_in": ("上年结转政府信息公开申请数量",),
        "granted": ("予以公开",),
        "partly_granted": ("部分公开", "部分公开(区分处理的,只计这一情形,不计其他情形)"),
        "denied_state_secret": ("属于国家秘密",),
        "denied_law_prohibited": ("其他法律行政法规禁止公开",),
        "denied_security_stability": ("危及\"三安全一稳定\"", "危及三安全一稳定"),
        "denied_third_party": ("保护第三方合法权益",),
        "denied_internal_affairs": ("属于三类内部事务信息",),
        "denied_process_info": ("属于四类过程性信息",),
        "denied_enforcement_file": ("属于行政执法案卷",),
        "denied_inquiry": ("属于行政查询事项",),
        "unable_not_held": ("本机关不掌握相关政府信息",),
        "unable_needs_creation": ("没有现成信息需要另行制作",),
        "unable_unclear": ("补正后申请内容仍不明确",),
        "rejected_petition": ("信访举报投诉类申请",),
        "rejected_duplicate": ("重复申请",),
        "rejected_publication": ("要求提供公开出版物",),
        "rejected_excessive": ("无正当理由大量反复申请",),
        "rejected_confirmation": ("要求行政机关确认或重新出具已获取信息",),
        "other": ("其他处理",),
        "other_no_correction": ("申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",),
        "other_no_fee": ("申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",),
        "total": ("总计",),
        "carried_out": ("结转下年度继续办理",),
    },
    "proactive": {
        "regulations": ("规章",),
        "normative_docs": ("行政规范性文件", "规范性文件"),
        "licensing": ("行政许可",),
        "other_services": ("其他对外管理服务事项",),
        "penalty": ("行政处罚",),
        "enforcement": ("行政强制",),
        "fees": ("行政事业性收费",),
        "procurement": ("政府集中采购",),
    },
    "appeals": {
        "reconsideration": ("行政复议",),
        "litigation_direct": ("未经复议直接起诉",),
        "litigation_after_reconsideration": ("复议后起诉",),
    },
}
_SHORTEST_FUZZY = 3  # two characters ("规章") leave nothing to compare a typo with
_MARGIN = 2  # edits closer than the runner-up; 1 for labels of up to _SHORT characters
_SHORT = 5


@dataclass(frozen=True, slots=True)
class Closest:
    """The outcome of matching a printed label to the closest known label."""

    key: str | None
    printed: str
    warning: str | None  # says what was printed and what was chosen, or why nothing was


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: characters dropped, added or replaced."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def _distances(name: str, table: str) -> list[tuple[int, str, str]]:
    """(distance, key, label) of the nearest label of each row, nearest first."""
    nearest = []
    for key, variants in CANONICAL_LABELS[table].items():
        distance, label = min((edit_distance(name, variant), variant) for variant in variants)
        nearest.append((distance, key, label))
    return sorted(nearest)


def _judge(name: str, table: str) -> tuple[str | None, str | None]:
    """(key, None) when ``name`` is clearly one row's label; (None, why) when it is near two."""
    (best, key, label), (runner_up, other_key, other_label) = _distances(name, table)[:2]
    if len(name) < _SHORTEST_FUZZY or best > max(1, len(label) // 4):
        return None, None
    margin = 1 if len(label) <= _SHORT and best == 1 else _MARGIN
    if runner_up - best >= margin:
        return key, None
    return None, f"as near to {label!r} ({key}) as to {other_label!r} ({other_key})"


def closest_row(table: str, label_cells: Sequence[str]) -> Closest:
    """The row whose known label is clearly the closest to the printed one (last cell first)."""
    names = [normalize_label(cell) for cell in label_cells]
    printed = "".join(names)
    ambiguity = None
    for start in range(len(names) - 1, -1, -1):
        candidate = strip_numbering("".join(names[start:]))
        for name in dict.fromkeys((candidate, _TRAILING_NOTE.sub("", candidate))):
            if not name:
                continue
            key, why = _judge(name, table)
            if key is not None:
                warning = f"{table}: row label {printed[:60]!r} read as {key!r}, the closest known label"
                return Closest(key=key, printed=printed, warning=warning)
            ambiguity = ambiguity or why
    if ambiguity:
        return Closest(key=None, printed=printed,
                       warning=f"{table}: row label {printed[:60]!r} not matched: {ambiguity}")
    return Closest(key=None, printed=printed, warning=None)
