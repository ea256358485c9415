"""Bytes to text: declared charsets are trusted only when the bytes fit them."""

from __future__ import annotations

import codecs

from extract.decode import decode

REPORT = "<p>留车镇2021年政府信息公开工作年度报告：危及“三安全一稳定”，喆堃。</p>"


def _page(meta: str = "") -> str:
    return f"<html><head>{meta}<title>年度报告</title></head><body>{REPORT}</body></html>"


def test_utf8_declared_in_header():
    decoded = decode(_page().encode("utf-8"), "text/html; charset=UTF-8")
    assert REPORT in decoded.text
    assert decoded.encoding == "utf-8"
    assert decoded.warnings == ()


def test_gbk_declared_only_in_meta_http_equiv():
    page = _page('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    decoded = decode(page.encode("gbk"), "text/html")
    # 喆 and 堃 are outside GB2312: the superset codec must read them
    assert REPORT in decoded.text
    assert decoded.encoding == "gb18030"
    assert decoded.warnings == ()


def test_gbk_declared_in_meta_charset():
    decoded = decode(_page('<meta charset="GBK" />').encode("gbk"))
    assert REPORT in decoded.text


def test_gbk_without_any_declaration():
    decoded = decode(_page().encode("gbk"))
    assert REPORT in decoded.text
    assert decoded.encoding == "gb18030"


def test_gbk_wrongly_declared_utf8_in_header_is_read_right_and_reported():
    page = _page('<meta charset="utf-8">')
    decoded = decode(page.encode("gbk"), "text/html; charset=utf-8")
    assert REPORT in decoded.text
    assert decoded.warnings == ("declared charset utf-8 does not fit the bytes; decoded as gb18030",)


def test_utf8_wrongly_declared_gbk():
    decoded = decode(_page('<meta charset="gbk">').encode("utf-8"))
    assert REPORT in decoded.text
    assert decoded.encoding == "utf-8"
    assert decoded.warnings and "gb18030" in decoded.warnings[0]


def test_header_charset_wins_over_meta_when_both_fit():
    text = "Ünïcödé"
    decoded = decode(f'<meta charset="utf-8"><p>{text}</p>'.encode("latin-1"), "text/html; charset=iso-8859-1")
    assert text in decoded.text
    assert decoded.encoding == "iso8859_1"


def test_page_cut_off_mid_character_keeps_the_rest():
    content = _page().encode("gbk")
    content = content[: content.rindex("报告".encode("gbk")) + 1]
    decoded = decode(content, "text/html; charset=gbk")
    assert "留车镇2021年政府信息公开工作年度" in decoded.text
    assert decoded.text.endswith("\ufffd")
    assert "replacements" in decoded.warnings[0]


def test_byte_order_mark():
    decoded = decode(codecs.BOM_UTF8 + _page().encode("utf-8"), "text/html; charset=gbk")
    assert REPORT in decoded.text
    assert not decoded.text.startswith("\ufeff")


def test_unknown_charset_name_is_ignored():
    decoded = decode(_page('<meta charset="x-no-such-charset">').encode("gbk"))
    assert REPORT in decoded.text
