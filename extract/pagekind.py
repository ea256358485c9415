"""Is a fetched page the page asked for, or a stand-in: a block page, a maintenance page, a soft 404.

Portals answer a blocked crawler with a WAF challenge or a "访问受限" page, a closed site
with "系统维护", and a removed page with a 200 that says "页面不存在". Such pages are short:
a phrase counts in the title, or in the visible text of a page with little text, so a
report that happens to quote "访问受限" is not taken for one. Challenge scripts are
recognised by their markers in small pages. Bytes in, verdict out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from .decode import decode

PAGE, BLOCKED, MAINTENANCE, SOFT_404 = "page", "block page", "maintenance page", "soft 404"

# A stand-in page says little; real list and detail pages say more than this.
SHORT_TEXT_CHARS = 600
# Challenge pages are a few kilobytes of script; a real page may mention these names.
CHALLENGE_MAX_BYTES = 64 * 1024

_BLOCK_PHRASES = (
    "访问受限", "访问被拒绝", "拒绝访问", "禁止访问", "访问被拦截", "已被拦截", "请求被拦截", "被防火墙拦截",
    "安全验证", "人机验证", "请完成验证", "访问过于频繁", "访问频率过高", "您的请求存在风险", "网站防火墙",
    "access denied", "request blocked", "forbidden", "web application firewall", "verify you are human",
    "just a moment",
)
_CHALLENGE_MARKERS = (
    "__jsl_clearance", "acw_sc__v2", "acw_tc", "cf-chl", "cf_chl_", "challenge-platform", "_waf_", "waf_sc",
    "yunsuo_session", "safedog", "wzws_cid", "/wzwschallenge", "__tst_status", "ddos-guard",
)
_MAINTENANCE_PHRASES = (
    "系统维护", "网站维护", "维护中", "升级维护", "系统升级", "网站升级", "暂停访问", "暂停服务", "正在维护",
    "under maintenance", "temporarily unavailable", "service unavailable",
)
_SOFT_404_PHRASES = (
    "页面不存在", "您访问的页面不存在", "页面未找到", "找不到页面", "找不到该页面", "页面已删除", "页面已被删除",
    "信息不存在", "文章不存在", "该信息已删除", "页面走丢了", "not found", "404",
)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True, kw_only=True)
class PageKind:
    kind: str  # PAGE | BLOCKED | MAINTENANCE | SOFT_404
    reason: str = ""  # the phrase or marker that decided it

    @property
    def is_stand_in(self) -> bool:
        return self.kind != PAGE


def page_kind(content: bytes, content_type: str | None = None, status: int = 200) -> PageKind:
    """What ``content`` (an HTTP answer of ``status``) is; anything not HTML is a page."""
    if not content or _not_html(content, content_type):
        return PageKind(kind=PAGE)
    text = decode(content[: 2 * CHALLENGE_MAX_BYTES], content_type).text
    title, visible = _title_and_text(text)
    if len(content) <= CHALLENGE_MAX_BYTES:
        lowered = text.lower()
        for marker in _CHALLENGE_MARKERS:
            if marker in lowered:
                return PageKind(kind=BLOCKED, reason=f"challenge script ({marker})")
    short = len(visible) <= SHORT_TEXT_CHARS
    for kind, phrases in ((BLOCKED, _BLOCK_PHRASES), (MAINTENANCE, _MAINTENANCE_PHRASES), (SOFT_404, _SOFT_404_PHRASES)):
        if kind == SOFT_404 and status >= 400:
            break  # a 404 that says so is an honest one
        for phrase in phrases:
            if _says(title, phrase) or (short and _says(visible, phrase)):
                return PageKind(kind=kind, reason=f"says “{phrase}”")
    return PageKind(kind=PAGE)


def _says(text: str, phrase: str) -> bool:
    if phrase.isascii():
        return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", text.lower()) is not None
    return phrase in text


def _not_html(content: bytes, content_type: str | None) -> bool:
    if content_type and "html" not in content_type.lower() and "text/plain" not in content_type.lower():
        return True
    head = content[:1024].lstrip().lower()
    return head.startswith((b"%pdf", b"pk\x03\x04", b"\xd0\xcf\x11\xe0", b"{", b"["))


def _title_and_text(text: str) -> tuple[str, str]:
    try:
        tree = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return "", _SPACE.sub(" ", text).strip()
    title = " ".join(t.text_content() for t in tree.iter("title"))
    for element in list(tree.iter("script", "style", "noscript", "title")):
        if element.getparent() is not None:
            element.drop_tree()
    return _SPACE.sub(" ", title).strip(), _SPACE.sub(" ", tree.text_content()).strip()
