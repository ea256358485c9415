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
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from extract import extract_document
from extract.convert import soffice_path
from extract.keys import all_keys
from extract.records import Document

from .corpus import build

CORPUS = Path(__file__).resolve().parent / "corpus"
CELL_ACCURACY_FLOOR = Decimal(99)  # percent, over all cases
RECOGNITION_FLOOR = Decimal(100)  # percent of cases whose identity is read right
FORMATS = ("html", "docx", "pdf", "text", "doc", "xlsx")
NEEDS_SOFFICE = ("doc",)
MAX_CORPUS_BYTES = 5_000_000

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
              "sheets-one", "sheets-per-table", "numbers-as-text", "attachment-only"}
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
            keys = {".".join(key) for key in all_keys(case.label["template"])}
            assert set(case.label["values"]) == keys, case.name


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

@dataclass
class Figures:
    cases: int = 0
    cells: int = 0
    right: int = 0
    recognised: int = 0

    def add(self, other: Figures) -> None:
        self.cases += other.cases
        self.cells += other.cells
        self.right += other.right
        self.recognised += other.recognised

    @property
    def accuracy(self) -> Decimal:
        return Decimal(100) if not self.cells else Decimal(100 * self.right) / self.cells

    @property
    def recognition(self) -> Decimal:
        return Decimal(100) if not self.cases else Decimal(100 * self.recognised) / self.cases


def measure() -> tuple[dict[str, Figures], list[str], list[str]]:
    """Figures per format, then the wrong cells and misread identities, one line each."""
    per_format: dict[str, Figures] = defaultdict(Figures)
    wrong_cells: list[str] = []
    misread: list[str] = []
    for case in CASES:
        if not runnable(case):
            continue
        document = extracted(case.name)
        outcomes = cell_outcomes(case, document)
        right = sum(1 for _, got, expected in outcomes if got == expected)
        mismatches = identity_mismatches(case, document)
        per_format[case.label["format"]].add(Figures(1, len(outcomes), right, int(not mismatches)))
        wrong_cells.extend(f"{case.name}/{case.label['file']} {key}: got {got}, expected {expected}"
                           for key, got, expected in outcomes if got != expected)
        misread.extend(f"{case.name}/{case.label['file']} {field}: got {got!r}, expected {expected!r}"
                       for field, got, expected in mismatches)
    return dict(per_format), wrong_cells, misread


def figures_table(per_format: dict[str, Figures]) -> list[str]:
    lines = [f"{'format':<8}{'cases':>7}{'cells':>8}{'right':>8}{'accuracy':>11}{'recognition':>14}"]
    total = Figures()
    for fmt in sorted(per_format, key=lambda name: FORMATS.index(name) if name in FORMATS else len(FORMATS)):
        figures = per_format[fmt]
        total.add(figures)
        lines.append(_row(fmt, figures))
    lines.append(_row("all", total))
    skipped = [case.name for case in CASES if not runnable(case)]
    if skipped:
        lines.append(f"not run (LibreOffice missing): {', '.join(skipped)}")
    return lines


def _row(name: str, figures: Figures) -> str:
    return (f"{name:<8}{figures.cases:>7}{figures.cells:>8}{figures.right:>8}{figures.accuracy:>10.2f}%"
            f"{f'{figures.recognised}/{figures.cases}':>9} {figures.recognition:>3.0f}%")


def test_accuracy_floors():
    per_format, wrong_cells, misread = measure()
    table = ["corpus accuracy (tests/corpus)", *figures_table(per_format)]
    SUMMARY[:] = table
    print("\n".join(table))
    total = Figures()
    for figures in per_format.values():
        total.add(figures)
    report = "\n".join([*table, *wrong_cells[:30], *misread])
    assert total.cases >= 40, report
    assert total.accuracy >= CELL_ACCURACY_FLOOR, report
    assert total.recognition >= RECOGNITION_FLOOR, report
