"""Stand-in pages told from real ones: WAF challenges, "访问受限", maintenance, soft 404s."""

from __future__ import annotations

import pytest

from extract.pagekind import BLOCKED, MAINTENANCE, PAGE, SOFT_404, page_kind
from simportal import build_site


def html(title: str, body: str, *, charset: str = "utf-8") -> bytes:
    page = f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}</title></head><body>{body}</body></html>'
    return page.encode("gb18030" if charset == "gbk" else "utf-8")


@pytest.mark.parametrize(
    ("content", "status", "kind"),
    [
        (html("访问受限", "<p>您的IP访问受限，请稍后再试。</p>"), 200, BLOCKED),
        (html("提示", "<div>很抱歉，您的访问被拒绝。事件ID：8f2a</div>"), 403, BLOCKED),
        (html("", "<script>var arg1='3A6F';document.cookie='acw_sc__v2='+x;location.reload()</script>"), 200, BLOCKED),
        (html("Just a moment...", "<div id='challenge'>Checking your browser</div>"), 503, BLOCKED),
        (html("系统维护中", "<h1>网站升级维护，暂停访问</h1>"), 503, MAINTENANCE),
        (html("提示信息", "<p>系统维护中，请于明日8:00后访问。</p>", charset="gbk"), 200, MAINTENANCE),
        (html("青岚县人民政府", "<p>对不起，您访问的页面不存在或已被删除！</p><a href='/'>返回首页</a>"), 200, SOFT_404),
        (html("404 页面未找到", "<p>返回首页</p>"), 200, SOFT_404),
    ],
)
def test_stand_in_pages(content, status, kind):
    verdict = page_kind(content, "text/html", status)
    assert verdict.kind == kind, verdict
    assert verdict.reason and verdict.is_stand_in


def test_an_honest_404_is_not_a_soft_404():
    assert page_kind(html("404", "<p>页面不存在</p>"), "text/html", 404).kind == PAGE


def test_a_long_page_quoting_a_phrase_is_a_page():
    prose = "本年度未发生因访问受限导致的投诉。" + "全年主动公开政府信息一千余条，依申请公开办理及时。" * 40
    verdict = page_kind(html("青岚县2023年政府信息公开工作年度报告", f"<p>{prose}</p><p>页面不存在的链接已修复。</p>"))
    assert verdict.kind == PAGE


def test_files_and_empty_bodies_are_pages():
    assert page_kind("%PDF-1.7 ... 访问受限".encode(), "application/pdf").kind == PAGE
    assert page_kind(b"", "text/html").kind == PAGE
    assert page_kind(b'{"msg": "404"}', "application/json").kind == PAGE


def test_every_page_of_the_simulated_portal_is_a_page():
    site = build_site("demo")
    for path, resource in site.pages.items():
        if "html" in resource.content_type and resource.status == 200:
            assert page_kind(resource.body, resource.content_type).kind == PAGE, path
