"""The labelled corpus (tests/corpus): cell accuracy, report recognition and rule breaks, per format.

The floors are pinned so that tuning one heuristic cannot quietly make another format
worse. A cell counts right when the extracted value equals the label (None == None
included); a labelled key the extraction lacks counts wrong, and so does a number read
from a document whose label gives none (a non-report, an image-only report).
The per-format figures are printed and shown in the terminal summary of the run.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from extract import extract_document
from extract.convert import soffice_path
from extract.records import Document

from .corpus import build
from .corpus.dense import label_keys

CORPUS = Path(__file__).resolve().parent / "corpus"
# percent, over all cases; measured 2026-12-01: 100 overall, 100 on non-zero and on zero cells
CELL_ACCURACY_FLOOR = Decimal("99.9")
NON_ZERO_FLOOR = Decimal("99.9")  # an extractor printing 0 everywhere scores 0 here
ZERO_FLOOR = Decimal("99.9")
PRODUCER_FLOOR = Decimal("99.5")  # every producer on its own, so a small one cannot hide in the total
RECOGNITION_FLOOR = Decimal(100)  # percent of cases whose identity is read right
NON_ZERO_SHARE_FLOOR = Decimal(60)  # percent of labelled cells that print a number other than 0
FORMATS = ("html", "docx", "pdf", "text", "doc", "xlsx")
NEEDS_SOFFICE = ("doc",)
MAX_CORPUS_BYTES = 8_000_000  # on disk; mostly HTML and PDF text, about a quarter of that compressed

SUMMARY: list[str] = []  # filled by test_accuracy_floors; tests/conftest.py prints it at the end of the run


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    folder: Path
    label: dict

    @property
    def content(self) -> bytes:
        return (self.folder / self.label["file"]).read_bytes()

    @property
    def expected(self) -> dict[str, Decimal | None]:
        return {key: None if value is None else Decimal(value) for key, value in self.label["values"].items()}


def load_cases() -> tuple[Case, ...]:
    return tuple(
        Case(folder.name, folder, json.loads((folder / "label.json").read_text(encoding="utf-8")))
        for folder in sorted(CORPUS.iterdir())
        if (folder / "label.json").is_file()
    )


CASES = load_cases()
BY_NAME = {case.name: case for case in CASES}


def runnable(case: Case) -> bool:
    return case.label["format"] not in NEEDS_SOFFICE or soffice_path() is not None


def skip_unless_runnable(case: Case) -> None:
    if not runnable(case):
        pytest.skip(f"{case.name}: reading .{case.label['format']} needs LibreOffice (soffice), not installed")


@cache
def extracted(name: str) -> Document:
    case = BY_NAME[name]
    label = case.label
    return extract_document(case.content, url=label["url"], content_type=label["content_type"],
                            fetched_at=datetime.fromisoformat(label["fetched_at"]))


def cell_outcomes(case: Case, document: Document) -> list[tuple[str, object, object]]:
    """(key, got, expected) for every cell counted; right when got == expected."""
    got = {f"{v.table}.{v.row}.{v.column}": v.value for v in document.values}
    outcomes: list[tuple[str, object, object]] = [
        (key, got.get(key, "missing"), value) for key, value in case.expected.items()
    ]
    outcomes.extend((key, value, "no number") for key, value in got.items()
                    if key not in case.expected and value is not None)
    return outcomes


def identity_mismatches(case: Case, document: Document) -> list[tuple[str, object, object]]:
    """(field, got, expected) for every recognition field read wrong.

    Body and year are labelled for annual reports only: any document has a publisher,
    but only a report has a year it reports on.
    """
    label = case.label
    got = {"format": document.format, "is_annual_report": document.is_annual_report, "template": document.template}
    if label["is_annual_report"]:
        got |= {"body": document.identity.body, "year": document.identity.year}
    return [(field, value, label[field]) for field, value in got.items() if value != label[field]]


def failing_checks(document: Document) -> set[tuple[str, str]]:
    return {(check.rule, check.scope) for check in document.checks if check.status == "fail"}


# ---- the corpus itself -------------------------------------------------------------------------

def reports(fmt: str) -> list[Case]:
    return [case for case in CASES if case.label["format"] == fmt and case.label["values"]]


def features() -> set[str]:
    return {feature for case in CASES for feature in case.label["features"]}


def test_corpus_has_reports_of_both_templates_in_every_format():
    for fmt in FORMATS:
        assert {case.label["template"] for case in reports(fmt)} == {"v2019", "v2021"}, fmt


def test_corpus_has_the_mess_portals_publish():
    wanted = {"utf-8", "gbk-meta", "gbk-undeclared", "split", "nested", "digits-full", "digits-thousands",
              "not-given", "text-tabs", "text-cells", "no-year-in-title", "arabic-headings", "seed",
              "sheets-one", "sheets-per-table", "numbers-as-text", "attachment-only", "hybrid", "label-typo",
              "numbered-1、", "millions", "dense"}
    assert wanted <= features()


def test_corpus_measures_recognition_both_ways():
    kinds = {feature for case in CASES if not case.label["is_annual_report"] for feature in case.label["features"]}
    assert {"guide", "catalogue", "notice", "work_report", "statistics", "list-page"} <= kinds
    image_only = {case.label["format"] for case in CASES if case.label["image_only"]}
    assert image_only == {"html", "pdf"}


def test_corpus_breaks_every_rule_somewhere():
    rules = {failure["rule"] for case in CASES for failure in case.label["rule_failures"]}
    assert rules == {"requests.balance", "requests.outcomes", "requests.applicants", "appeals.total"}


def test_generated_numbers_are_not_all_zero():
    for case in CASES:
        if case.label["values"] and "seed" not in case.label["features"]:
            numbers = [value for value in case.expected.values() if value is not None]
            assert sum(1 for number in numbers if number != 0) >= 20, case.name


def test_labels_give_every_key_of_their_template():
    for case in CASES:
        if case.label["values"]:
            hybrid = "hybrid" in case.label["features"]
            keys = {".".join(key) for key in label_keys(case.label["template"], hybrid)}
            assert set(case.label["values"]) == keys, case.name


def test_hybrids_keep_the_single_other_row_under_requests_other():
    hybrids = [case for case in CASES if "hybrid" in case.label["features"]]
    assert {case.label["format"] for case in hybrids} >= {"html", "pdf", "doc"}
    for case in hybrids:
        assert case.label["template"] == "v2021"
        assert "requests.other.total" in case.label["values"]
        assert not any(key.startswith("requests.other_") for key in case.label["values"])


def test_corpus_has_producers_other_than_the_projects_renderers():
    others = {(case.label["format"], case.label["producer"]) for case in CASES
              if case.label["producer"] not in ("simportal", "seed")}
    assert {fmt for fmt, _ in others} >= {"html", "pdf", "doc", "docx"}
    assert {producer for _, producer in others} >= {"libreoffice-pdf", "libreoffice-doc", "word-docx",
                                                     "word-paste-html", "p-cells-html", "br-headers-html"}
    chromes = {feature for case in CASES for feature in case.label["features"]}
    assert {"trs", "hanweb", "gkmlpt", "table-across-pages", "title-two-lines", "distributed-labels",
            "units-in-cells", "labels-over-two-lines", "page-number-above-title"} <= chromes


def test_most_labelled_cells_are_not_zero():
    """An extractor that printed 0 in every cell must score badly."""
    cells = [value for case in CASES for value in case.expected.values()]
    non_zero = sum(1 for value in cells if value is not None and value != 0)
    assert Decimal(100 * non_zero) / len(cells) >= NON_ZERO_SHARE_FLOOR


def test_labels_print_big_numbers_and_long_decimals():
    values = [value for case in CASES for value in case.expected.values() if value is not None]
    assert any(value >= 1_000_000 for value in values)
    assert {-value.as_tuple().exponent for value in values} >= {4, 5, 6}


def test_labels_are_what_the_build_script_writes():
    built = {case.name: case.label for case in build.all_cases()}
    assert set(built) == set(BY_NAME), "rerun: python -m tests.corpus.build"
    for name, label in built.items():
        assert build.label_text(label) == (CORPUS / name / "label.json").read_text(encoding="utf-8"), name


def test_corpus_stays_small():
    size = sum(path.stat().st_size for path in CORPUS.rglob("*") if path.is_file())
    assert size < MAX_CORPUS_BYTES


# ---- extraction against the labels ---------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_recognition(name):
    case = BY_NAME[name]
    skip_unless_runnable(case)
    assert identity_mismatches(case, extracted(name)) == []


@pytest.mark.parametrize("name", sorted(name for name, case in BY_NAME.items() if case.label["values"]))
def test_cells(name):
    case = BY_NAME[name]
    skip_unless_runnable(case)
    wrong = [outcome for outcome in cell_outcomes(case, extracted(name)) if outcome[1] != outcome[2]]
    assert wrong == []


@pytest.mark.parametrize("name", sorted(name for name, case in BY_NAME.items() if case.label["values"]))
def test_rule_breaks_show_as_failing_checks(name):
    """Exactly the labelled breaks fail: each one found, with its rule and scope, and no other."""
    case = BY_NAME[name]
    skip_unless_runnable(case)
    expected = {(failure["rule"], failure["scope"]) for failure in case.label["rule_failures"]}
    assert failing_checks(extracted(name)) == expected


@pytest.mark.parametrize("name", sorted(name for name, case in BY_NAME.items() if case.label["image_only"]))
def test_image_only_reports_give_no_numbers(name):
    document = extracted(name)
    assert not document.has_tables
    assert document.values == ()
    assert any("image" in warning for warning in document.warnings), document.warnings


@pytest.mark.parametrize("name", sorted(name for name, case in BY_NAME.items() if not case.label["values"]))
def test_documents_without_tables_give_no_numbers(name):
    assert not extracted(name).has_tables


# ---- the figures ------------------------------------------------------------------------------------

KINDS = ("non-zero", "zero", "not given")


def kind_of(expected: object) -> str:
    """What the document prints in a cell: a number other than 0, 0, or no number ("—", "/", blank)."""
    if expected is None or expected == "no number":
        return "not given"
    return "zero" if expected == 0 else "non-zero"


@dataclass
class Figures:
    cases: int = 0
    recognised: int = 0
    cells: dict[str, list[int]] = field(default_factory=lambda: {kind: [0, 0] for kind in KINDS})  # [right, all]

    def add(self, other: Figures) -> None:
        self.cases += other.cases
        self.recognised += other.recognised
        for kind in KINDS:
            self.cells[kind][0] += other.cells[kind][0]
            self.cells[kind][1] += other.cells[kind][1]

    def count(self, expected: object, right: bool) -> None:
        tally = self.cells[kind_of(expected)]
        tally[0] += right
        tally[1] += 1

    def accuracy(self, kind: str | None = None) -> Decimal:
        right, total = (self.cells[kind] if kind else
                        [sum(self.cells[k][0] for k in KINDS), sum(self.cells[k][1] for k in KINDS)])
        return Decimal(100) if not total else Decimal(100 * right) / total

    @property
    def recognition(self) -> Decimal:
        return Decimal(100) if not self.cases else Decimal(100 * self.recognised) / self.cases


@dataclass
class Measured:
    by_format: dict[str, Figures]
    by_producer: dict[str, Figures]
    wrong_cells: list[str]
    misread: list[str]
    blanks_read_as_numbers: list[str]

    @property
    def total(self) -> Figures:
        total = Figures()
        for figures in self.by_format.values():
            total.add(figures)
        return total


def measure() -> Measured:
    """Figures per format and per producer, then the wrong cells and misread identities, one line each."""
    measured = Measured(defaultdict(Figures), defaultdict(Figures), [], [], [])
    for case in CASES:
        if not runnable(case):
            continue
        document = extracted(case.name)
        mismatches = identity_mismatches(case, document)
        figures = Figures(cases=1, recognised=int(not mismatches))
        where = f"{case.name}/{case.label['file']}"
        for key, got, expected in cell_outcomes(case, document):
            figures.count(expected, got == expected)
            if got != expected:
                measured.wrong_cells.append(f"{where} {key}: got {got}, expected {expected}")
                if kind_of(expected) == "not given" and isinstance(got, Decimal):
                    measured.blanks_read_as_numbers.append(f"{where} {key}: got {got}")
        measured.by_format[case.label["format"]].add(figures)
        measured.by_producer[case.label["producer"]].add(figures)
        measured.misread.extend(f"{where} {name}: got {got!r}, expected {expected!r}"
                                for name, got, expected in mismatches)
    return measured


def figures_table(title: str, groups: dict[str, Figures], order: tuple[str, ...] = ()) -> list[str]:
    lines = [f"{title:<16}{'cases':>6}{'cells':>7}{'accuracy':>10}{'non-zero':>19}{'zero':>19}"
             f"{'not given':>15}{'recognition':>13}"]
    total = Figures()
    for name in sorted(groups, key=lambda name: (order.index(name) if name in order else len(order), name)):
        total.add(groups[name])
        lines.append(_row(name, groups[name]))
    lines.append(_row("all", total))
    return lines


def _row(name: str, figures: Figures) -> str:
    def share(kind: str) -> str:
        right, total = figures.cells[kind]
        return f"{right}/{total} {figures.accuracy(kind):.1f}%" if total else "-"

    cells = sum(total for _, total in figures.cells.values())
    return (f"{name:<16}{figures.cases:>6}{cells:>7}{figures.accuracy():>9.2f}%{share('non-zero'):>19}"
            f"{share('zero'):>19}{share('not given'):>15}"
            f"{f'{figures.recognised}/{figures.cases}':>8} {figures.recognition:>3.0f}%")


def summary(measured: Measured) -> list[str]:
    lines = ["corpus accuracy (tests/corpus), by format",
             *figures_table("format", measured.by_format, FORMATS),
             "by producer", *figures_table("producer", measured.by_producer, ("simportal", "seed"))]
    skipped = [case.name for case in CASES if not runnable(case)]
    if skipped:
        lines.append(f"not run (LibreOffice missing): {', '.join(skipped)}")
    return lines


def test_accuracy_floors():
    measured = measure()
    table = summary(measured)
    SUMMARY[:] = table
    print("\n".join(table))
    total = measured.total
    report = "\n".join([*table, *measured.wrong_cells[:30], *measured.misread])
    assert total.cases >= 60, report
    assert total.accuracy() >= CELL_ACCURACY_FLOOR, report
    assert total.accuracy("non-zero") >= NON_ZERO_FLOOR, report
    assert total.accuracy("zero") >= ZERO_FLOOR, report
    assert measured.blanks_read_as_numbers == [], report
    assert total.recognition >= RECOGNITION_FLOOR, report
    for producer, figures in measured.by_producer.items():
        assert figures.accuracy() >= PRODUCER_FLOOR, f"{producer}\n{report}"
