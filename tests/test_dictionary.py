"""The data dictionary: generated from the code, complete, and shipped current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from disclosure.datasette import FACETS, QUERIES, metadata
from disclosure.dictionary import key_docs, markdown, relations, undocumented
from extract.keys import OTHER_OUTCOMES, TEMPLATES, all_keys
from storage.models import Base

SHIPPED = Path(__file__).resolve().parent.parent / "docs" / "data-dictionary.md"
CJK = re.compile("[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def found():
    return relations()


def test_every_table_view_and_column_has_a_meaning(found):
    assert undocumented(found) == [], "add the meaning to disclosure/dictionary.py (COLUMN_DOCS or VIEW_DOCS)"
    names = {r.name for r in found}
    assert set(Base.metadata.tables) <= names
    assert {"report_values_v", "report_numbers_v", "report_requests_v", "coverage_v"} <= names


def test_every_canonical_key_has_a_meaning_a_chinese_label_and_a_unit():
    docs = {k.key: k for k in key_docs()}
    for template in TEMPLATES:
        for others in OTHER_OUTCOMES.values():
            for table, row, column in all_keys(template, others):
                doc = docs[f"{table}.{row}.{column}"]
                assert doc.meaning and doc.unit and CJK.search(doc.label), doc
    assert docs["requests.granted.total"].label == "三（一）予以公开 / 总计"
    assert docs["proactive.fees.amount_10k_yuan"].unit == "10,000 yuan (万元)"
    assert docs["proactive.procurement.amount"].templates == ("v2019",)


def test_the_shipped_dictionary_is_current(found):
    assert SHIPPED.read_text(encoding="utf-8") == markdown(found), (
        "docs/data-dictionary.md is stale: python -m disclosure.dictionary > docs/data-dictionary.md"
    )


def test_datasette_metadata_describes_every_table_and_view(found):
    meta = metadata("archive", found)
    tables = meta["databases"]["archive"]["tables"]
    assert set(tables) == {r.name for r in found}
    assert all(entry["description"] and entry["title"] for entry in tables.values())
    assert tables["coverage_v"]["title"] == "Coverage: bodies × years"
    assert tables["report_requests_v"]["columns"]["granted_share"].startswith("granted / requests_processed")
    assert "三（一）予以公开" in tables["report_numbers_v"]["description_html"]
    for name, facets in FACETS.items():
        columns = {c.name for r in found if r.name == name for c in r.columns}
        assert set(facets) <= columns, name
    assert {"requests_by_body_year", "failed_checks", "late_reports"} <= set(QUERIES)
