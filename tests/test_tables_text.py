"""Reading tables from report text: both text layouts, non-zero numbers, and the mess seen in real reports."""

from decimal import Decimal

import pytest

from extract.keys import PROACTIVE, all_keys
from extract.tables import tables_from_text

from . import report_fixtures as rf

LAYOUTS = {"tab_rows": rf.to_text, "cell_lines": rf.to_cell_lines}



def v2021_text() -> str:
    return rf.to_text(rf.report_blocks("v2021"))


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("order", [rf.STANDARD_ORDER, rf.REORDERED], ids=["standard", "reordered"])
@pytest.mark.parametrize("template", ["v2019", "v2021"])
def test_every_key_reads_right(template, order, layout):
    tables = tables_from_text(LAYOUTS[layout](rf.report_blocks(template, order)))
    rf.assert_reads_every_key(tables, template)


def test_raw_keeps_the_cell_as_published():
    values = rf.values_by_key(tables_from_text(v2021_text()))
    assert values[("requests", "new", "natural_person")].raw == "１０"
    assert values[("requests", "new", "natural_person")].value == Decimal(10)
    assert values[("requests", "denied_inquiry", "research")].raw == "—"
    assert values[("requests", "denied_inquiry", "research")].value is None
    assert values[("proactive", "normative_docs", "in_force")].raw == "1,234"
    assert str(values[("proactive", "fees", "amount_10k_yuan")].value) == "12.3456"


def test_negative_change_in_v2019():
    values = rf.values_by_key(tables_from_text(rf.to_text(rf.report_blocks("v2019"))))
    assert values[("proactive", "licensing", "change")].value == Decimal(-3)
    assert values[("proactive", "enforcement", "change")].value == Decimal(-1)


def test_stray_cell_dropped_by_the_window_that_adds_up():
    row = "\t\t2.重复申请\t0\t1\t0\t0\t0\t0\t1"
    text = v2021_text()
    assert row in text
    tables = tables_from_text(text.replace(row, row + "\t5"))
    values = rf.values_by_key(tables)
    assert values[("requests", "rejected_duplicate", "commercial")].value == 1
    assert values[("requests", "rejected_duplicate", "total")].value == 1
    assert any("rejected_duplicate" in w and "kept cells 1-7" in w for w in tables.warnings)


def test_stray_cell_with_no_telling_window_keeps_the_last_seven():
    row = "\t\t2.重复申请\t0\t1\t0\t0\t0\t0\t1"
    # neither window adds up (0+1 != 0 and 0+1 != 5): the published cells are kept, not "fixed"
    tables = tables_from_text(v2021_text().replace(row, "\t\t2.重复申请\t9\t0\t1\t0\t0\t0\t0\t5"))
    values = rf.values_by_key(tables)
    assert values[("requests", "rejected_duplicate", "natural_person")].value == 0
    assert values[("requests", "rejected_duplicate", "commercial")].value == 1
    assert values[("requests", "rejected_duplicate", "total")].value == 5
    assert any("rejected_duplicate" in w and "kept the last 7" in w for w in tables.warnings)


def test_label_row_without_numbers_then_numbers_row():
    row = "\t（三）不予公开\t1.属于国家秘密\t1\t0\t0\t0\t0\t0\t1"
    text = v2021_text()
    assert row in text
    split = "\t（三）不予\t1.属于国家秘密\t\t\t\t\t\t\n\t\t1\t0\t0\t0\t0\t0\t1\n\n公开\t2.其他法律法规禁止公开"
    text = text.replace(row + "\n\t\t2.其他法律行政法规禁止公开", split)
    tables = tables_from_text(text)
    values = rf.values_by_key(tables)
    assert values[("requests", "denied_state_secret", "natural_person")].value == 1
    assert values[("requests", "denied_state_secret", "total")].value == 1
    assert values[("requests", "denied_law_prohibited", "total")].value == 0
    assert tables.warnings == ()


def test_label_continued_on_a_line_without_numbers():
    row = "\t\t3.补正后申请内容仍不明确\t0\t0\t0\t0\t0\t0\t0"
    text = v2021_text()
    assert row in text
    text = text.replace(row, "\t\t3.补正后申请内容仍\t0\t0\t0\t0\t0\t0\t0\t\n\n\t不明确\t\t\t\t\t\t\t\t")
    tables = tables_from_text(text)
    assert rf.values_by_key(tables)[("requests", "unable_unclear", "total")].value == 0
    assert tables.warnings == ()


def test_label_whose_end_wraps_below_its_numbers():
    # PDF exporters wrap a long label inside its cell; the tail lands on a line of its own
    row = "\t\t2.没有现成信息需要另行制作\t0\t0\t0\t0\t0\t0\t0"
    text = v2021_text()
    assert row in text
    text = text.replace(row, "\t\t2.没有现成信息需要\t0\t0\t3\t0\t0\t0\t3\n\t\t另行制作")
    tables = tables_from_text(text)
    values = rf.values_by_key(tables)
    assert values[("requests", "unable_needs_creation", "research")].value == 3
    assert values[("requests", "unable_needs_creation", "total")].value == 3
    assert values[("requests", "unable_unclear", "total")].value == 0
    assert tables.warnings == ()


def test_labels_split_by_spaces_and_word_artefacts():
    text = (
        v2021_text()
        .replace("1.属于国家秘密", "1. 属 于 国 家 秘 密")
        .replace("二、主动公开政府信息情况", "[bookmark: _GoBack]二、 主动公开 政府信息情况")
        .replace("\t规章\t", "\t规章[image: IMG_256]\t")
    )
    tables = tables_from_text(text)
    values = rf.values_by_key(tables)
    assert values[("requests", "denied_state_secret", "natural_person")].value == 1
    assert values[("proactive", "regulations", "in_force")].value == 12
    assert tables.warnings == ()


def test_heading_numbered_with_arabic_digits():
    text = v2021_text().replace("三、收到和处理政府信息公开申请情况", "3、 收到和处理政府信息公开申请情况")
    assert tables_from_text(text).template == "v2021"


def test_missing_row_reads_as_not_given_and_is_warned():
    row = "\t\t4.无正当理由大量反复申请\t0\t0\t0\t0\t0\t0\t0\n"
    text = v2021_text()
    assert row in text
    tables = tables_from_text(text.replace(row, ""))
    values = rf.values_by_key(tables)
    assert all(values[("requests", "rejected_excessive", c)].value is None for c in rf.REQUEST_COLUMNS)
    assert any("rejected_excessive" in w and "not found" in w for w in tables.warnings)


def test_unrecognised_label_with_numbers_is_warned():
    text = v2021_text().replace("2.重复申请", "2.莫名其妙的一行")
    tables = tables_from_text(text)
    assert any("not recognised" in w and "莫名其妙" in w for w in tables.warnings)
    assert rf.values_by_key(tables)[("requests", "rejected_duplicate", "total")].value is None


def test_prose_only_gives_no_tables():
    text = "某镇2021年政府信息公开工作年度报告\n一、总体情况\n本年新收申请3件，办结3件。\n二、主动公开政府信息情况\n见附件。\n"
    tables = tables_from_text(text)
    assert tables.template is None
    assert tables.values == ()


def test_only_the_tables_present_give_values():
    blocks = rf.report_blocks("v2019")
    text = rf.to_text(blocks[:5] + blocks[9:])  # the proactive table alone
    tables = tables_from_text(text)
    assert tables.template == "v2019"
    assert {v.table for v in tables.values} == {"proactive"}
    assert len(tables.values) == sum(len(columns) for columns in PROACTIVE["v2019"].values())


def test_template_comes_from_labels_not_the_year():
    text = rf.to_text(rf.report_blocks("v2019")).replace("2022年", "2023年")
    assert tables_from_text(text).template == "v2019"
    text = rf.to_text(rf.report_blocks("v2021")).replace("2022年", "2019年")
    assert tables_from_text(text).template == "v2021"


def test_prose_naming_table_words_opens_no_table():
    prose = "本年度未发生政府信息公开行政复议、行政诉讼案件，政府信息内容更加丰富，本年新制作数量较上年有所增加。"
    stats = "行政处罚\t12\t3\t15\n行政许可\t4\t0\t4\n"
    tables = tables_from_text(prose + "\n" + stats)
    assert tables.template is None
    assert tables.values == ()


def test_prose_naming_appeal_results_does_not_open_the_appeals_table():
    prose = "\n".join((
        "政府信息公开行政复议 351 件，其中结果维持 72 件，结果纠正 64 件，",
        "件，结果纠正 5 件，其他结果 9 件，尚未审结 7 件。",
        "政府信息公开行政诉讼 46 件，其中结果维持\t25",  # a number set apart, as PDF lines do
    ))
    text = v2021_text().replace("一、总体情况\n", "一、总体情况\n" + prose + "\n")
    tables = tables_from_text(text)
    rf.assert_reads_every_key(tables, "v2021")
