"""Row labels as real reports print them: typos, missing, doubled or wrong characters, "1、",
labels split over two lines, and the hybrids of the two templates."""

from decimal import Decimal

import pytest

from extract.checks import check_values
from extract.keys import OTHER_OUTCOMES, all_keys
from extract.tables import labels, tables_from_html, tables_from_text
from extract.tables.labels import CANONICAL_LABELS, closest_row, edit_distance

from . import report_fixtures as rf

EXACT = {"requests": labels.request_row, "proactive": labels.proactive_row, "appeals": labels.appeal_row}
NEAR = "某"  # a character no label has: a wrong character in its place


def read_label(table: str, label: str) -> str | None:
    """As the table reader does: the exact patterns first, then the closest known label."""
    return EXACT[table]([label]) or closest_row(table, [label]).key


def mutations(label: str):
    for index in range(len(label)):
        yield f"drop {index}", label[:index] + label[index + 1 :]
        yield f"double {index}", label[:index] + label[index] + label[index:]
        yield f"swap {index}", label[:index] + NEAR + label[index + 1 :]


def every_label():
    for table, rows in CANONICAL_LABELS.items():
        for key, variants in rows.items():
            for variant in variants:
                yield table, key, variant


def test_edit_distance():
    assert edit_distance("其他法律行政止公开", "其他法律行政法规禁止公开") == 3
    assert edit_distance("予以以公开", "予以公开") == 1
    assert edit_distance("", "规章") == 2


def test_every_mutated_label_reads_as_its_row_or_not_at_all():
    tried = matched = 0
    for table, key, label in every_label():
        for how, mutated in mutations(label):
            for printed in (mutated, f"2.{mutated}", f"（二）{mutated}"):
                tried += 1
                found = read_label(table, printed)
                assert found in (key, None), (table, key, how, printed, found)
                if len(label) >= 3:  # two characters ("规章", "总计") leave nothing to compare a typo with
                    assert found == key, (table, key, how, printed)
                matched += found == key
    assert tried > 3000
    assert matched / tried > 0.97


@pytest.mark.parametrize(
    ("table", "printed", "key"),
    [
        ("requests", "2.其他法律行政止公开", "denied_law_prohibited"),
        ("requests", "（一）予以以公开", "granted"),
        ("requests", "1、属于国家秘密", "denied_state_secret"),
        ("requests", "5、属于三类内部事物信息", "denied_internal_affairs"),
        ("requests", "四、结转下年度继续", "carried_out"),
        ("requests", "3.其它", "other_other"),
        ("proactive", "行政处法", "penalty"),
        ("appeals", "未经复议直接起述", "litigation_direct"),
    ],
)
def test_typos_seen_in_real_reports(table, printed, key):
    assert read_label(table, printed) == key


@pytest.mark.parametrize(
    ("table", "printed"),
    [
        ("requests", "上年新收政府信息公开申请数量"),  # half "new", half "carried_in"
        ("proactive", "行政处可"),  # half 行政处罚, half 行政许可
        ("requests", "属于行政执法查询事项"),  # 7. and 8. of 不予公开 mixed
    ],
)
def test_a_label_as_near_to_two_rows_is_not_matched(table, printed):
    closest = closest_row(table, [printed])
    if EXACT[table]([printed]) is None:
        assert closest.key is None
        assert closest.warning and "not matched" in closest.warning and "as near to" in closest.warning


@pytest.mark.parametrize("printed", ["其他", "信息内容", "本年新收", "合计数量", "三、本年度办理结果", "某某镇人民政府"])
def test_labels_of_no_row_stay_unmatched(printed):
    assert closest_row("requests", [printed]).key is None


# -- through the table reader ----------------------------------------------------------

def v2021_text() -> str:
    return rf.to_text(rf.report_blocks("v2021"))


def assert_values(tables, template="v2021", others=None):
    expected = rf.expected_values(template)
    assert tables.template == template
    assert tuple((v.table, v.row, v.column) for v in tables.values) == all_keys(template, others)
    for value in tables.values:
        key = (value.table, value.row, value.column)
        if key in expected:
            assert value.value == expected[key], key


@pytest.mark.parametrize(
    ("label", "printed", "key"),
    [
        ("2.其他法律行政法规禁止公开", "2.其他法律行政止公开", "denied_law_prohibited"),
        ("（一）予以公开", "（一）予以以公开", "granted"),
        ("1.属于国家秘密", "1、属于国家秘密", "denied_state_secret"),
        ("3.补正后申请内容仍不明确", "3.补正后申请内容扔不明却", "unable_unclear"),
        ("4.无正当理由大量反复申请", "4.无正当理由大量反复申", "rejected_excessive"),
    ],
)
def test_typo_label_rows_read_with_a_warning(label, printed, key):
    text = v2021_text()
    assert text.count(label) == 1
    tables = tables_from_text(text.replace(label, printed))
    assert_values(tables)
    if labels.request_row([printed]) is None:
        warning = [w for w in tables.warnings if "closest known label" in w]
        assert len(warning) == 1 and repr(key) in warning[0]
        assert "".join(printed.split()).replace("（", "(").replace("）", ")")[:6] in warning[0]


def test_every_request_label_with_a_typo_reads_through_the_reader():
    text = v2021_text()
    for key, label in rf.REQUEST_LABELS.items():
        if len(labels.strip_numbering(label)) < 4:
            continue  # "3.其他": one character left is no label
        middle = len(label) // 2 + 1
        for printed in (label[:middle] + label[middle + 1 :], label[:middle] + NEAR + label[middle + 1 :]):
            tables = tables_from_text(text.replace(label, printed))
            assert_values(tables)


def test_an_ambiguous_label_leaves_its_row_not_given_with_a_warning():
    label = "一、本年新收政府信息公开申请数量"
    tables = tables_from_text(v2021_text().replace(label, "一、上年新收政府信息公开申请数量"))
    values = rf.values_by_key(tables)
    assert all(values[("requests", "new", column)].value is None for column in ("natural_person", "total"))
    assert any("not matched" in w and "as near to" in w for w in tables.warnings)


def test_typo_label_split_over_a_page_break():
    row = "\t\t2.其他法律行政法规禁止公开\t0\t0\t0\t0\t0\t0\t0"
    text = v2021_text()
    assert row in text
    tables = tables_from_text(text.replace(row, "\t\t2.其他法律行政\t0\t0\t0\t0\t0\t0\t0\n- 3 -\n止公开"))
    assert_values(tables)


def test_label_split_over_two_paragraphs_in_a_cell():
    html = rf.to_html(rf.report_blocks("v2021"))
    label = "2.其他法律行政法规禁止公开"
    assert html.count(label) == 1
    tables = tables_from_html(html.replace(label, "<p>2.其他法律</p><p>行政止公开</p>"))
    assert_values(tables)


# -- hybrids of the two templates ------------------------------------------------------

def _single_other_row(text: str) -> str:
    """A v2021 table printing the old single row （六）其他处理 in place of its three sub-rows."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if "（六）其他处理" in line)
    lines[start : start + 3] = ["\t（六）其他处理\t\t1\t0\t0\t0\t0\t0\t1"]
    return "\n".join(lines)


def test_v2021_report_printing_the_old_single_other_row():
    tables = tables_from_text(_single_other_row(v2021_text()))
    assert tables.template == "v2021"
    values = rf.values_by_key(tables)
    assert values[("requests", "other", "natural_person")].value == 1
    assert values[("requests", "other", "total")].value == 1
    assert not any(row in OTHER_OUTCOMES["v2021"] for _, row, _ in values)
    assert tuple(values) == all_keys("v2021", ("other",))
    checks = {(c.rule, c.scope): c for c in check_values(tables.template, tables.values)}
    outcomes = checks[("requests.outcomes", "natural_person")]
    assert outcomes.status == "pass"
    assert "requests.other.natural_person" in outcomes.cells
    assert checks[("requests.applicants", "other")].status == "pass"


def test_rule_two_fails_when_the_hybrid_row_is_wrong():
    text = _single_other_row(v2021_text()).replace("\t（六）其他处理\t\t1\t", "\t（六）其他处理\t\t2\t")
    tables = tables_from_text(text)
    checks = {(c.rule, c.scope): c for c in check_values(tables.template, tables.values)}
    assert checks[("requests.outcomes", "natural_person")].status == "fail"
    assert checks[("requests.outcomes", "natural_person")].difference == Decimal(-1)


def test_v2019_report_printing_the_three_sub_rows():
    text = rf.to_text(rf.report_blocks("v2019"))
    old = next(line for line in text.split("\n") if "（六）其他处理" in line)
    sub_rows = "\n".join((
        "\t（六）其他处理\t1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t0\t0\t0\t0\t0\t0\t0",
        "\t\t2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请\t0\t0\t0\t0\t0\t0\t0",
        "\t\t3.其他\t1\t0\t0\t0\t0\t0\t1",
    ))
    tables = tables_from_text(text.replace(old, sub_rows))
    assert tables.template == "v2019"
    values = rf.values_by_key(tables)
    assert values[("requests", "other_other", "natural_person")].value == 1
    assert ("requests", "other", "total") not in values
    checks = {(c.rule, c.scope): c for c in check_values(tables.template, tables.values)}
    assert checks[("requests.outcomes", "natural_person")].status == "pass"
    assert "requests.other_other.natural_person" in checks[("requests.outcomes", "natural_person")].cells


def test_mixed_proactive_table_read_under_the_keys_the_spec_defines():
    text = v2021_text()
    assert "行政许可\t356" in text
    tables = tables_from_text(text.replace("行政许可\t356", "行政许可\t356\n其他对外管理服务事项\t30"))
    assert tables.template == "v2021"
    values = rf.values_by_key(tables)
    assert values[("proactive", "other_services", "decisions")].value == 30  # a v2019 row under a v2021 column
    assert values[("proactive", "licensing", "decisions")].value == 356
    assert any("other_services.decisions" in w and "v2019" in w for w in tables.warnings)
    keys = [key for key in values if key[0] == "proactive"]
    assert keys.index(("proactive", "other_services", "decisions")) == len(keys) - 1


def test_v2019_table_printing_the_v2021_fee_column():
    text = rf.to_text(rf.report_blocks("v2019"))
    section = "信息内容\t上一年项目数量\t本年增/减\t\n行政事业性收费\t6\t-2\t"
    assert section in text
    tables = tables_from_text(text.replace(section, "信息内容\t本年收费金额（单位：万元）\n行政事业性收费\t7730.28"))
    assert tables.template == "v2019"
    values = rf.values_by_key(tables)
    assert str(values[("proactive", "fees", "amount_10k_yuan")].value) == "7730.28"
    assert values[("proactive", "fees", "prev_year_count")].value is None  # not printed: not given


def test_a_cell_no_template_defines_is_warned_and_not_read():
    text = v2021_text()
    tables = tables_from_text(text.replace("行政许可\t356", "行政许可\t356\n政府集中采购\t7"))
    values = rf.values_by_key(tables)
    assert not any(row == "procurement" for _, row, _ in values)  # procurement has no 本年处理决定数量
    assert any("procurement" in w and "ignored" in w for w in tables.warnings)
