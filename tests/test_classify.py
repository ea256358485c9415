"""Telling annual disclosure reports from other documents."""

from __future__ import annotations

import pytest

from extract.classify import classify, looks_like_annual_report


@pytest.mark.parametrize(
    "title",
    [
        "留车镇2021年政府信息公开工作年度报告",
        "某县2020年政府信息公开年度报告",
        "某区2021年度政务公开工作年度报告",
        "某县政府信息与政务公开工作年度报告",
        "某县2019年信息公开年报",
        "2018年度政府信息公开工作报告",
        "丹朱镇人民政府 2020 年政府信息公开工作 年度报告",
    ],
)
def test_link_texts_that_name_a_report(title):
    assert looks_like_annual_report(title)


@pytest.mark.parametrize(
    "title",
    [
        "某县2022年政府工作报告",
        "某镇政府信息公开指南",
        "某镇政府信息公开目录",
        "2021年度统计年度报表",
        "关于做好2021年政府信息公开工作年度报告编制发布工作的通知",
        "国务院办公厅政府信息与政务公开办公室关于印发政府信息公开工作年度报告格式的通知",
        "某县2021年国民经济和社会发展统计公报",
    ],
)
def test_link_texts_that_do_not(title):
    assert not looks_like_annual_report(title)


def test_title_decides_first():
    assert classify("留车镇2021年政府信息公开工作年度报告", "", False) == (
        True, "title names 政府信息公开工作年度报告")


def test_work_report_is_not_a_disclosure_report():
    assert classify("某县2022年政府工作报告", "各位代表：……", False) == (
        False, "title names 政府工作报告 (a work report, not a disclosure report)")


def test_tables_make_a_report_without_a_title():
    assert classify(None, "", True) == (True, "statistical tables of the template found")


def test_guide_and_catalogue():
    assert classify("某镇政府信息公开指南", "", False)[1] == "title names 指南 (a guide, not a disclosure report)"
    assert not classify("某镇政府信息公开目录", "", False)[0]


def test_report_with_tables_as_images_recognised_by_its_sections():
    text = ("一、总体情况\n……\n二、主动公开政府信息情况\n[图]\n三、收到和处理政府信息公开申请情况\n[图]\n"
            "四、政府信息公开行政复议、行政诉讼情况\n五、存在的主要问题及改进情况\n六、其他需要报告的事项\n无")
    assert classify("附件", text, False) == (True, "text has 6 of the template's six section headings")


def test_text_opening_names_the_report():
    assert classify(None, "某镇2021年政府信息公开工作年度报告\n一、总体情况", False) == (
        True, "text opens with 政府信息公开工作年度报告")


def test_nothing_found():
    assert classify("通知公告", "明天停水。", False) == (False, "no annual-report title or tables")


def test_list_page_of_reports_is_not_a_report():
    text = ("政府信息公开年报\n- 青岚县自然资源局2023年政府信息公开工作年度报告2024-03-08\n"
            "- 青岚县人民政府2023年政府信息公开工作年度报告2024-02-15\n"
            "- 青石镇人民政府2023年政府信息公开工作年度报告2024-01-27\n- 2023年青岚县人民政府工作报告2023-02-20")
    assert classify("政府信息公开年报", text, False) == (
        False, "text lists 3 annual reports (a list page, not a report)")


def test_a_report_naming_itself_twice_is_still_a_report():
    text = "某镇2021年政府信息公开工作年度报告\n现将某镇2021年政府信息公开工作年度报告公布如下。\n一、总体情况"
    assert classify("某镇2021年政府信息公开工作年度报告", text, False)[0]


@pytest.mark.parametrize(
    "title",
    ["关于2022年度政府信息公开工作年度报告发布情况的通报", "青岚县2022年度行政执法数据统计年报"],
)
def test_notices_and_other_yearly_statistics_are_not_reports(title):
    assert not looks_like_annual_report(title)
    assert not classify(title, title, False)[0]


def test_a_column_name_in_the_navigation_is_not_a_heading():
    assert classify("首页_青岚县人民政府", "首页\n政务公开\n政府信息公开年报\n通知公告", False) == (
        False, "no annual-report title or tables")
