"""Bytes to text for HTML and plain-text captures, surviving wrong or missing charset labels."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# GB2312 and GBK are subsets of GB18030; decoding with the superset loses nothing and
# reads the characters that portals' GBK-labelled pages contain anyway
_SUPERSETS = {"gbk": "gb18030", "gb2312": "gb18030", "euc_cn": "gb18030", "big5": "big5hkscs"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Decoded:
    text: str
    encoding: str
    warnings: tuple[str, ...] = ()


def decode(content: bytes, content_type: str | None = None) -> Decoded:
    """Decode with the declared charset when the bytes fit it, else with the charset they fit."""
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return Decoded(text=content.decode(encoding, errors="replace"), encoding=encoding)
    declared = _declared(content, content_type)
    is_ascii = content.isascii()
    # valid UTF-8 with non-ASCII bytes is almost never text in another encoding, while
    # GB18030 and single-byte codecs accept almost any bytes: test UTF-8 first
    if _fits(content, "utf-8"):
        return Decoded(text=content.decode("utf-8"), encoding="utf-8",
                       warnings=_mismatch(declared, "utf-8", is_ascii))
    for encoding in (*declared, "gb18030"):
        if encoding != "utf-8" and _fits(content, encoding):
            return Decoded(text=content.decode(encoding), encoding=encoding,
                           warnings=_mismatch(declared, encoding, is_ascii))
    return _best_effort(content, declared)


def _declared(content: bytes, content_type: str | None) -> tuple[str, ...]:
    names: list[str] = []
    if content_type and (match := _HTTP_CHARSET.search(content_type)):
        names.append(match.group(1))
    if match := _META_CHARSET.search(content[:8192]):
        names.append(match.group(1).decode("ascii", errors="ignore"))
    encodings: list[str] = []
    for name in names:
        encoding = _codec(name)
        if encoding and encoding not in encodings:
            encodings.append(encoding)
    return tuple(encodings)


def _codec(name: str) -> str | None:
    try:
        encoding = codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None
    encoding = encoding.replace("-", "_")
    if encoding in ("utf_8", "utf_8_sig"):
        return "utf-8"
    return _SUPERSETS.get(encoding, encoding)


def _fits(content: bytes, encoding: str) -> bool:
    try:
        content.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _mismatch(declared: tuple[str, ...], used: str, is_ascii: bool) -> tuple[str, ...]:
    if not declared or is_ascii or declared[0] == used:
        return ()
    return (f"declared charset {declared[0]} does not fit the bytes; decoded as {used}",)


def _best_effort(content: bytes, declared: tuple[str, ...]) -> Decoded:
    # a page cut off mid-character still fits its charset but for a few bytes
    candidates = (*declared, "gb18030", "utf-8")
    damage = {name: content.decode(name, errors="replace").count("\ufffd") for name in candidates}
    closest = min(candidates, key=damage.__getitem__)
    if damage[closest] <= max(3, len(content) // 1000):
        return _replaced(content, closest)
    best = charset_normalizer.from_bytes(content).best()
    if best is not None and best.encoding:
        encoding = _codec(best.encoding) or best.encoding
        if _fits(content, encoding):
            return Decoded(text=content.decode(encoding), encoding=encoding,
                           warnings=(f"no declared charset fits the bytes; detected {encoding}",))
    return _replaced(content, closest)


def _replaced(content: bytes, encoding: str) -> Decoded:
    return Decoded(text=content.decode(encoding, errors="replace"), encoding=encoding,
                   warnings=(f"bytes do not fully fit any charset; decoded as {encoding} with replacements",))
