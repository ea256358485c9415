"""Rule 6: counts stated in the 总体情况 prose against the tables."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from extract import extract_document
from extract.checks import check_prose, check_values
from extract.prose import chinese_number, overall_section, stated_counts
from extract.records import Value
from simportal import build_site

SEEDS = Path(__file__).resolve().parent / "seeds"
SIMPORTAL = "http://127.0.0.1:8765"


def overall(*paragraphs: str) -> str:
    return "\n".join(("某镇2023年政府信息公开工作年度报告", "一、总体情况", *paragraphs, "二、主动公开政府信息情况",
                      "本年新收政府信息公开申请数量 9 9 9", "五、存在的主要问题及改进情况", "行政复议88件。"))


def counts(text: str) -> dict[str, Decimal]:
    return {c.subject: c.value for c in stated_counts(text)}


def cells(**given: str | None) -> tuple[Value, ...]:
    keys = {
        "new": ("requests", "new", "total"),
        "carried_out": ("requests", "carried_out", "total"),
        "reconsideration": ("appeals", "reconsideration", "total"),
        "direct": ("appeals", "litigation_direct", "total"),
        "after": ("appeals", "litigation_after_reconsideration", "total"),
    }
    return tuple(
        Value(table=keys[name][0], row=keys[name][1], column=keys[name][2],
              value=None if number is None else Decimal(number))
        for name, number in given.items()
    )


@pytest.mark.parametrize(
    ("text", "number"),
    [("0", 0), ("零", 0), ("〇", 0), ("七", 7), ("十", 10), ("十二", 12), ("二十", 20), ("九十九", 99),
     ("两百零五", 205), ("一千二百", 1200), ("1,234", 1234), ("无", 0), ("若干", None)],
)
def test_chinese_numbers(text, number):
    assert chinese_number(text) == number


def test_the_overall_section_ends_at_the_next_section_heading():
    section = overall_section(overall("本年新收政府信息公开申请3件。"))
    assert "新收政府信息公开申请3件" in section
    assert "行政复议88件" not in section and "数量999" not in section


def test_a_numbered_paragraph_of_the_overall_section_is_not_a_heading():
    text = overall("2.主动公开政府信息情况。全年主动公开政府信息30条，本年新收政府信息公开申请4件。")
    assert counts(text) == {"new_requests": Decimal(4)}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("本年新收政府信息公开申请12件，上年结转政府信息公开申请2件。", {"new_requests": 12}),
        ("全年共收到政府信息公开申请十五件，已全部按时答复。", {"new_requests": 15}),
        ("本年度共受理政府信息公开申请 3 件。", {"new_requests": 3}),
        ("收到依申请公开２件。", {"new_requests": 2}),
        ("本年度未收到政府信息公开申请。", {"new_requests": 0}),
        ("本年新收政府信息公开申请数量为0件。", {"new_requests": 0}),
        ("本年度办结10件，结转下年度继续办理3件。", {"carried_out": 3}),
        ("结转下一年度办理的申请共二件。", {"carried_out": 2}),
        ("结转下年度无。", {"carried_out": 0}),
        ("因政府信息公开被申请行政复议1件，被提起行政诉讼2件。", {"reconsideration": 1, "litigation": 2}),
        ("政府信息公开行政复议、行政诉讼均为0件。", {"reconsideration": 0, "litigation": 0}),
        ("行政复议和行政诉讼分别为3件、1件。", {"reconsideration": 3, "litigation": 1}),
        ("未发生因政府信息公开引起的行政复议和行政诉讼。", {"reconsideration": 0, "litigation": 0}),
        ("收到行政复议申请2件。", {"reconsideration": 2}),
        ("全年主动公开政府信息233条。", {}),
        ("未发生重大网络安全事件。", {}),
    ],
)
def test_stated_counts(sentence, expected):
    assert counts(overall(sentence)) == {subject: Decimal(n) for subject, n in expected.items()}


def test_the_first_statement_of_a_count_wins():
    text = overall("本年新收政府信息公开申请5件。", "（二）其中，收到政府信息公开申请7件。")
    assert counts(text) == {"new_requests": Decimal(5)}


def test_prose_split_by_pdf_spaces_and_line_breaks_is_read():
    text = "一、 总 体 情 况\n本年新收政府信息公开申请 1\n2 件，结转下年\n度 1 件。\n二、 主动公开政府信息情况\n"
    assert counts(text) == {"new_requests": Decimal(12), "carried_out": Decimal(1)}


def test_check_prose_passes_fails_with_the_difference_and_is_not_assessable_for_a_blank_cell():
    text = overall("本年新收政府信息公开申请12件，结转下年度2件。被申请行政复议1件，被提起行政诉讼4件。")
    checks = {c.rule: c for c in check_prose(text, cells(new="12", carried_out="5", reconsideration=None,
                                                         direct="1", after="3"))}
    assert checks["prose.new_requests"].status == "pass"
    assert checks["prose.carried_out"].status == "fail"
    assert checks["prose.carried_out"].difference == Decimal(-3)
    assert checks["prose.carried_out"].cells == ("requests.carried_out.total", "prose:结转下年度2件")
    assert checks["prose.reconsideration"].status == "not_assessable"
    assert checks["prose.reconsideration"].difference is None
    assert checks["prose.litigation"].status == "pass"
    assert checks["prose.litigation"].cells[:2] == (
        "appeals.litigation_direct.total", "appeals.litigation_after_reconsideration.total")


def test_no_check_when_the_prose_states_nothing_or_the_table_is_absent():
    assert check_prose(overall("全年主动公开政府信息40条。"), cells(new="1", reconsideration="0")) == ()
    stated = overall("本年新收政府信息公开申请12件，被申请行政复议1件。")
    assert [c.rule for c in check_prose(stated, cells(reconsideration="1"))] == ["prose.reconsideration"]
    assert check_prose(stated, ()) == ()


def test_check_values_still_takes_a_template_and_values():
    checks = check_values("v2021", cells(new="1", carried_out="0"))
    assert {c.rule for c in checks} >= {"requests.balance", "requests.applicants"}


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_seeds(name):
    document = extract_document((SEEDS / name).read_bytes(), url=f"file:///{name}", content_type="text/plain")
    prose = [c for c in document.checks if c.rule.startswith("prose.")]
    if name.startswith(("000", "001")):  # "没有收到…申请": no request, and the tables say 0
        assert [(c.rule, c.status) for c in prose] == [("prose.new_requests", "pass")]
    else:
        assert prose == []


def test_seed_001_would_fail_against_a_table_with_requests():
    text = (SEEDS / "001_a9373f51bed65c11.txt").read_text(encoding="utf-8")
    (check,) = check_prose(text, cells(new="4"))
    assert (check.status, check.difference) == ("fail", Decimal(-4))


def test_every_report_of_the_simulated_portal_agrees_with_its_prose():
    site = build_site("demo")
    checked = set()
    for path, resource in site.pages.items():
        document = extract_document(resource.body, url=SIMPORTAL + path, content_type=resource.content_type)
        prose = [c for c in document.checks if c.rule.startswith("prose.")]
        assert all(c.status == "pass" for c in prose), (path, prose)
        if document.is_annual_report and document.has_tables:
            assert {c.rule for c in prose} == {"prose.new_requests", "prose.carried_out",
                                               "prose.reconsideration", "prose.litigation"}, path
            checked.add((document.identity.body, document.identity.year))
    assert checked == {(e.body, e.year) for e in site.expected}
