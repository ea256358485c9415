"""The five real reports in tests/seeds: every table, every key, read right."""

from decimal import Decimal
from pathlib import Path

import pytest

from extract.checks import check_values
from extract.keys import APPEAL_COLUMNS, all_keys
from extract.tables import tables_from_text

SEEDS = Path(__file__).resolve().parent / "seeds"
TEMPLATES = {
    "000_88f21ce372e9fb84.txt": "v2019",  # a 2021 report on the old template
    "001_a9373f51bed65c11.txt": "v2019",
    "002_a271fd34d795767a.txt": "v2021",
    "003_e0ddddd15fe580f0.txt": "v2021",
    "004_b65cffdf1b4315e2.txt": "v2019",  # a 2022 report on the old template, "3、" headings
}
# Seed 001 leaves the five reconsideration cells of its appeals row empty.
NOT_GIVEN = {"001_a9373f51bed65c11.txt": {("appeals", "reconsideration", column) for column in APPEAL_COLUMNS}}


def read(name: str):
    return tables_from_text((SEEDS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_seed_template(name):
    assert read(name).template == TEMPLATES[name]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_seed_gives_every_key_in_document_order(name):
    tables = read(name)
    assert tuple((v.table, v.row, v.column) for v in tables.values) == all_keys(TEMPLATES[name])


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_seed_values_are_zero_or_not_given(name):
    not_given = NOT_GIVEN.get(name, set())
    for value in read(name).values:
        key = (value.table, value.row, value.column)
        if key in not_given:
            assert value.value is None, key
        else:
            assert value.value == Decimal(0), key
            assert isinstance(value.value, Decimal)
            assert value.raw == "0"


def test_seed_001_litigation_rows_are_given_and_reconsideration_is_not():
    values = {(v.row, v.column): v for v in read("001_a9373f51bed65c11.txt").values if v.table == "appeals"}
    assert values[("reconsideration", "total")].value is None
    assert values[("litigation_direct", "upheld")].value == 0
    assert values[("litigation_after_reconsideration", "total")].value == 0


def test_seed_001_stray_cells_are_warned_row_by_row():
    warnings = read("001_a9373f51bed65c11.txt").warnings
    stray = [w for w in warnings if "8 value cells where 7 are expected" in w]
    rows = {"rejected_petition", "rejected_duplicate", "rejected_publication", "rejected_excessive",
            "rejected_confirmation", "other", "total", "carried_out"}
    assert {row for row in rows if any(f"'{row}'" in w for w in stray)} == rows
    assert len(stray) == len(rows)


@pytest.mark.parametrize("name", ["000_88f21ce372e9fb84.txt", "002_a271fd34d795767a.txt", "003_e0ddddd15fe580f0.txt",
                                  "004_b65cffdf1b4315e2.txt"])
def test_clean_seeds_have_no_warnings(name):
    assert read(name).warnings == ()


def test_seed_checks_pass_or_are_not_assessable():
    tables = read("001_a9373f51bed65c11.txt")
    checks = check_values(tables.template, tables.values)
    statuses = {(c.rule, c.scope): c.status for c in checks}
    assert statuses[("appeals.total", "reconsideration")] == "not_assessable"
    assert statuses[("appeals.total", "litigation_direct")] == "pass"
    assert {c.status for c in checks if c.rule.startswith("requests")} == {"pass"}
