"""Walking rows of cell strings (from any format) into canonical table values.

Every reader turns its format into rows of cell strings in document order, text
outside tables as one-cell rows (they carry the section headings). ``read_rows``
finds which table each row belongs to, which canonical row its label names and
which columns its value cells fill.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ..keys import (
    APPEAL_COLUMNS,
    APPEAL_ROWS,
    APPLICANT_COLUMNS,
    OTHER_ROWS,
    PROACTIVE,
    REQUEST_COLUMNS,
    all_keys,
    other_rows,
)
from ..numbers import is_value, value_for_column
from ..records import Tables, Value
from . import labels
from .fitting import fit_cells, is_blank
from .template import ROW_EVIDENCE, decide_template

Row = Sequence[str]
Key = tuple[str, str]  # (row, column)

_HEADING_LENGTH = 40
# "- 3 -", "—3—", "第3页", "3/6": a page number between the lines of a table broken across pages
# prose says "尚未审结7件。" too; a header cell has no sentence punctuation and no count
_PROSE = re.compile(r"[,，。;；]|[0-9]+件")
_PAGE_NUMBER = re.compile(r"^(?:[-—–]+[0-9]{1,3}[-—–]+|第[0-9]{1,3}页(?:共[0-9]{1,3}页)?|[0-9]{1,3}/[0-9]{1,3})$")
_MIN_APPEAL_VALUES = 10
_ENDING_HEADINGS = ("存在的主要问题", "其他需要报告的事项", "总体情况")


@dataclass(slots=True)
class _Found:
    table: str
    name: str  # row key, or "appeals" for the one-row layout
    keys: tuple[Key, ...] | None  # None: the template's columns for this proactive row
    cells: tuple[str, ...]
    has_values: bool = True


@dataclass(slots=True)
class _Pending:
    table: str
    key: str
    keys: tuple[Key, ...] | None
    blank_cells: int


@dataclass(frozen=True, slots=True)
class _Unmatched:
    """A row of values whose label was not recognised; the next line may finish the label."""

    table: str
    label_cells: Row
    value_cells: Row


_ROW_KEY = {"proactive": labels.proactive_row, "requests": labels.request_row}


def _tidy(cell: str) -> str:
    """The cell without Word artefacts and edge whitespace; the same object when already tidy, so
    a cell carrying more than its text (an OCR reading's confidence) reaches the value intact."""
    tidied = labels.strip_artefacts(cell).strip()
    return cell if tidied == cell else tidied


def split_row(cells: Row) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(label cells, value cells): the values are the cells after the last label cell."""
    last_label = max((index for index, cell in enumerate(cells) if not is_value(cell)), default=-1)
    return tuple(cell for cell in cells[: last_label + 1] if not is_blank(cell)), tuple(cells[last_label + 1 :])


def _applicants_add_up(columns: Sequence[str]):
    def check(numbers: Sequence[Decimal | None]) -> bool:
        by_column = dict(zip(columns, numbers))
        if any(number is None for number in numbers):
            return False
        return by_column["total"] == sum(by_column[column] for column in APPLICANT_COLUMNS)

    return check


def _appeals_add_up(keys: Sequence[Key]):
    def check(numbers: Sequence[Decimal | None]) -> bool:
        by_key = dict(zip(keys, numbers))
        for row in {row for row, _ in keys}:
            parts = [by_key.get((row, column)) for column in APPEAL_COLUMNS]
            if any(part is None for part in parts):
                continue
            if parts[-1] != sum(parts[:-1]):
                return False
        return True

    return check


class _Walker:
    def __init__(self) -> None:
        self.table: str | None = None
        self.proactive_columns: tuple[str, ...] = ()
        self.request_headers: list[str] = []
        self.request_columns: tuple[str, ...] | None = None
        self.requests_started = False
        self.pending: _Pending | None = None
        self.unmatched: _Unmatched | None = None
        self.found: list[_Found] = []
        self.evidence: list[str] = []
        self.warnings: list[str] = []
        self.fitted: list[tuple[str, str]] = []  # (rule, scope) whose check chose the cells of a line

    # -- rows ---------------------------------------------------------------

    def feed(self, row: Row) -> None:
        cells = tuple(_tidy(cell) for cell in row)
        text = "".join(labels.normalize_label(cell) for cell in cells)
        if not text or self._is_page_number(cells, text) or self._heading(cells, text):
            return
        label_cells, value_cells = split_row(cells)
        has_values = any(not is_blank(cell) for cell in value_cells)
        if not has_values and self._is_table_like(cells, text) and self._header(text):
            return
        if self.table is None and has_values:
            self.table = self._infer_table(label_cells)
        if self.table == "proactive":
            self._data_row("proactive", labels.proactive_row(label_cells), label_cells, value_cells, has_values)
        elif self.table == "requests":
            self._data_row("requests", labels.request_row(label_cells), label_cells, value_cells, has_values)
        elif self.table == "appeals":
            self._appeals_row(label_cells, value_cells, has_values)

    @staticmethod
    def _is_page_number(cells: Row, text: str) -> bool:
        return _PAGE_NUMBER.match(text) is not None and sum(1 for cell in cells if not is_blank(cell)) == 1

    @staticmethod
    def _is_table_like(cells: Row, text: str) -> bool:
        """Several cells, or one short one: prose also says 行政复议 or 信息内容."""
        return len(text) <= _HEADING_LENGTH or sum(1 for cell in cells if not is_blank(cell)) > 1

    def _heading(self, cells: Row, text: str) -> bool:
        # PDF text may split a heading into several cells ("3、", "收到和…"); none is a number.
        if len(text) > _HEADING_LENGTH or any(is_value(cell) and not is_blank(cell) for cell in cells):
            return False
        if "主动公开政府信息情况" in text:
            table = "proactive"
        elif "收到和处理政府信息公开申请情况" in text:
            table = "requests"
        elif "行政复议" in text and "行政诉讼" in text and "情况" in text:
            table = "appeals"
        elif any(heading in text for heading in _ENDING_HEADINGS):
            table = None
        else:
            return False
        self._enter(table)
        return True

    def _enter(self, table: str | None) -> None:
        self._warn_unmatched()
        self._flush_pending()
        if table == "requests" or self.table == "requests":
            self.request_headers, self.request_columns, self.requests_started = [], None, False
        if table == "proactive":
            self.proactive_columns = ()
        self.table = table

    def _header(self, text: str) -> bool:
        columns = labels.proactive_columns(text)
        if "第二十条" in text or "信息内容" in text or columns:
            if self.table != "proactive":
                self._enter("proactive")
            self._flush_pending()
            self.proactive_columns = tuple(column for column, _ in columns)
            self.evidence.extend(template for _, template in columns)
            return True
        if (("行政复议" in text and "行政诉讼" in text) or any(
            word in text for word in ("结果维持", "尚未审结", "未经复议")
        )) and not _PROSE.search(text):
            if self.table != "appeals":
                self._enter("appeals")
            return True
        tokens = labels.request_column_tokens(text)
        orgs = [token for token in tokens if token in REQUEST_COLUMNS[1:-1]]
        if "申请人情况" in text or "natural_person" in tokens or len(orgs) >= 2:
            if self.table != "requests" or self.requests_started:
                self._enter("requests")
            self.request_headers.append(text)
            return True
        return False

    @staticmethod
    def _infer_table(label_cells: Sequence[str]) -> str | None:
        # 行政处罚 or 行政许可 alone also head other statistics (行政执法数据): only the
        # requests rows are specific enough to open a table without heading or header.
        if labels.request_row(label_cells) in {"new", "carried_in"}:
            return "requests"
        return None

    def _row_keys(self, table: str, key: str) -> tuple[Key, ...] | None:
        if table == "proactive":
            return tuple((key, column) for column in self.proactive_columns) or None
        if self.request_columns is None:
            self.request_columns = labels.request_column_order(self.request_headers)
            if self.request_columns is None:
                self.request_columns = REQUEST_COLUMNS
                if self.request_headers:
                    self.warnings.append("requests column headings not understood; read in the standard order")
        self.requests_started = True
        return tuple((key, column) for column in self.request_columns)

    def _data_row(self, table: str, key: str | None, label_cells: Row, value_cells: Row, has_values: bool) -> None:
        if self.unmatched is not None and self._finish_label(table, label_cells, has_values):
            return
        self._warn_unmatched()
        if key is not None:
            self._flush_pending()
            keys = self._row_keys(table, key)
            if has_values:
                self._record(_Found(table=table, name=key, keys=keys, cells=tuple(value_cells)))
            else:
                self.pending = _Pending(table=table, key=key, keys=keys, blank_cells=len(value_cells))
        elif not label_cells and self._looks_like_page_number(value_cells):
            return
        elif has_values and not label_cells and self.pending is not None and self.pending.table == table:
            pending, self.pending = self.pending, None
            self._record(_Found(table=table, name=pending.key, keys=pending.keys, cells=tuple(value_cells)))
        elif has_values:
            self.unmatched = _Unmatched(table=table, label_cells=label_cells, value_cells=value_cells)

    def _finish_label(self, table: str, label_cells: Row, has_values: bool) -> bool:
        """A label wrapped onto a line of its own ("2.没有现成信息需要" / "另行制作") completes the row above."""
        held = self.unmatched
        if has_values or not label_cells or held.table != table:
            return False
        joined = (*held.label_cells, *label_cells)
        key = _ROW_KEY[table](joined)
        if key is None:
            closest = labels.closest_row(table, joined)
            if closest.key is None:
                return False
            key = closest.key
            self.warnings.append(closest.warning)
        self.unmatched = None
        self._flush_pending()
        self._record(_Found(table=table, name=key, keys=self._row_keys(table, key), cells=tuple(held.value_cells)))
        return True

    def _warn_unmatched(self) -> None:
        """A row whose label no pattern names: the closest known label's row, else a warning."""
        held, self.unmatched = self.unmatched, None
        if held is None:
            return
        closest = labels.closest_row(held.table, held.label_cells)
        if closest.key is not None:
            self.warnings.append(closest.warning)
            self._flush_pending()
            keys = self._row_keys(held.table, closest.key)
            self._record(_Found(table=held.table, name=closest.key, keys=keys, cells=tuple(held.value_cells)))
            return
        shown = closest.printed or "(no label)"
        self.warnings.append(closest.warning or f"{held.table}: row label not recognised: {shown[:60]!r}")

    def _looks_like_page_number(self, value_cells: Row) -> bool:
        """A lone number between rows (a PDF page number) unless a one-column row waits for it."""
        filled = sum(1 for cell in value_cells if not is_blank(cell))
        waiting_width = len(self.pending.keys or ()) if self.pending is not None else 0
        return filled == 1 and waiting_width != 1

    def _appeals_row(self, label_cells: Row, value_cells: Row, has_values: bool) -> None:
        if not has_values:
            return
        key = labels.appeal_row(label_cells)
        filled = sum(1 for cell in value_cells if not is_blank(cell))
        if filled >= _MIN_APPEAL_VALUES or len(value_cells) >= len(APPEAL_ROWS) * len(APPEAL_COLUMNS):
            keys = tuple((row, column) for row in APPEAL_ROWS for column in APPEAL_COLUMNS)
            self._record(_Found(table="appeals", name="appeals", keys=keys, cells=tuple(value_cells)))
        else:
            closest = labels.closest_row("appeals", label_cells) if key is None else None
            if closest is not None and closest.key is not None:
                key = closest.key
                self.warnings.append(closest.warning)
            if key is None:
                shown = "".join(labels.normalize_label(cell) for cell in label_cells) or "(no label)"
                why = f" ({closest.warning})" if closest is not None and closest.warning else ""
                self.warnings.append(f"appeals: row not understood: {shown[:60]!r} with {filled} values{why}")
                return
            keys = tuple((key, column) for column in APPEAL_COLUMNS)
            self._record(_Found(table="appeals", name=key, keys=keys, cells=tuple(value_cells)))

    def _record(self, found: _Found) -> None:
        if found.has_values and found.name in ROW_EVIDENCE:
            self.evidence.append(ROW_EVIDENCE[found.name])
        self.found.append(found)

    def _flush_pending(self) -> None:
        pending, self.pending = self.pending, None
        if pending is None:
            return
        width = len(pending.keys) if pending.keys else 1
        if pending.blank_cells >= width:
            self.found.append(
                _Found(table=pending.table, name=pending.key, keys=pending.keys, cells=(), has_values=False)
            )

    # -- result -------------------------------------------------------------

    def result(self) -> Tables:
        self._warn_unmatched()
        self._flush_pending()
        tables_present = {found.table for found in self.found if found.has_values}
        if not tables_present:
            return Tables(template=None, values=(), warnings=tuple(self.warnings))
        template, template_warnings = decide_template(self.evidence)
        self.warnings.extend(template_warnings)
        keys = self._report_keys(template, self._other_rows(template))
        cells = self._place(template, keys)
        return Tables(
            template=template,
            values=self._values(keys, tables_present, cells),
            warnings=tuple(self.warnings),
            fitted=tuple(dict.fromkeys(self.fitted)),
        )

    def _other_rows(self, template: str) -> tuple[str, ...]:
        """The 其他处理 rows this report prints (the other template's in a hybrid)."""
        printed = [f.name for f in self.found if f.table == "requests" and f.name in OTHER_ROWS]
        with_values = [f.name for f in self.found if f.table == "requests" and f.name in OTHER_ROWS and f.has_values]
        others = other_rows(template, with_values or printed)
        if others != other_rows(template):
            self.warnings.append(
                f"requests: a {template} table printing the other template's 其他处理 rows; read as {', '.join(others)}"
            )
        return others

    def _report_keys(self, template: str, others: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
        """The template's keys, and the other template's proactive keys whose cells the report prints.

        Mixed proactive tables are common (v2021 columns with a v2019 row, …): what is
        printed is read under the keys the spec defines, whichever template defines them.
        """
        keys = all_keys(template, others)
        other = next(name for name in PROACTIVE if name != template)
        mixed = []
        for found in self.found:
            if found.table != "proactive" or not found.has_values or not found.keys:
                continue
            for row, column in found.keys:
                key = ("proactive", row, column)
                if column in PROACTIVE[other].get(row, ()) and key not in keys and key not in mixed:
                    mixed.append(key)
        if not mixed:
            return keys
        self.warnings.append(
            f"proactive: cells of template {other} printed in a {template} table, read under their keys: "
            + ", ".join(f"{row}.{column}" for _, row, column in mixed)
        )
        end = max(index for index, key in enumerate(keys) if key[0] == "proactive") + 1
        return (*keys[:end], *mixed, *keys[end:])

    def _place(self, template: str, keys: tuple[tuple[str, str, str], ...]) -> dict[tuple[str, str, str], str]:
        expected = set(keys)
        cells: dict[tuple[str, str, str], str] = {}
        for found in self.found:
            keys = found.keys or tuple((found.name, column) for column in PROACTIVE[template].get(found.name, ()))
            if not keys:
                if found.has_values:
                    self.warnings.append(
                        f"{found.table}: row {found.name!r} is not part of template {template}; ignored"
                    )
                continue
            fitted = self._fit(found, keys)
            if any((found.table, row, column) in cells for row, column in keys):
                self.warnings.append(f"{found.table}: row {found.name!r} appears more than once; kept the first")
                continue
            stray = [f"{row}.{column}" for row, column in keys if (found.table, row, column) not in expected]
            if stray and found.has_values:
                self.warnings.append(
                    f"{found.table}: cells {', '.join(stray)} are not part of template {template}; ignored"
                )
            for (row, column), raw in zip(keys, fitted):
                if (found.table, row, column) in expected:
                    cells[(found.table, row, column)] = raw
        return cells

    def _fit(self, found: _Found, keys: tuple[Key, ...]) -> tuple[str, ...]:
        if not found.has_values:
            return ("",) * len(keys)
        check = None
        if found.table == "requests":
            check = _applicants_add_up([column for _, column in keys])
        elif found.table == "appeals":
            check = _appeals_add_up(keys)
        fitted = fit_cells(found.cells, len(keys), check)
        if fitted.note:
            self.warnings.append(f"{found.table}: row {found.name!r}: {fitted.note}")
        if fitted.by_check:
            if found.table == "requests":
                self.fitted.append(("requests.applicants", found.name))
            else:
                self.fitted.extend(("appeals.total", row) for row in dict.fromkeys(row for row, _ in keys))
        return fitted.cells

    def _values(
        self, keys: tuple[tuple[str, str, str], ...], tables_present: set[str], cells: dict[tuple[str, str, str], str]
    ) -> tuple[Value, ...]:
        values = []
        missing_rows: dict[tuple[str, str], bool] = {}
        for table, row, column in keys:
            if table not in tables_present:
                continue
            raw = cells.get((table, row, column))
            if raw is None:
                missing_rows.setdefault((table, row), True)
            else:
                missing_rows[(table, row)] = False
            value, unit, note = value_for_column(column, raw) if raw is not None else (None, None, None)
            if note:
                self.warnings.append(f"{table}.{row}.{column}: {note}")
            values.append(Value(table=table, row=row, column=column, value=value, raw=raw or "", unit=unit))
        for (table, row), missing in missing_rows.items():
            if missing:
                self.warnings.append(f"{table}: row {row!r} not found; its cells read as not given")
        return tuple(values)


def read_rows(rows: Iterable[Row]) -> Tables:
    """Canonical table values from rows of cell strings in document order."""
    walker = _Walker()
    for row in rows:
        walker.feed(row)
    return walker.result()
