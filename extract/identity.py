"""Who published a report and which year it reports on."""

from __future__ import annotations

import re
from collections import Counter

from .records import Identity

_ARTEFACT = re.compile(r"\[(?:bookmark|image):[^\]]*\]")
_CHINESE_DIGITS = str.maketrans("〇零○一二三四五六七八九", "000123456789")
_CHINESE_YEAR = re.compile(r"([〇零○一二三四五六七八九]{4})\s*年")
_SPACED_YEAR = re.compile(r"([0-9]{4})\s+年")
_YEAR = re.compile(r"((?:19|20)[0-9]{2})年")
_PERIOD = re.compile(
    r"((?:19|20)[0-9]{2})年\s*0?1\s*月\s*0?1\s*日\s*(?:起)?\s*(?:至|到|—|－|-|～|~)\s*"
    r"((?:19|20)[0-9]{2})年\s*12\s*月\s*31\s*日"
)
_DATE_LINE = re.compile(r"^((?:19|20)[0-9]{2})\s*年\s*[0-9]{1,2}\s*月\s*[0-9]{1,2}\s*日$")
_NAME_AND_DATE = re.compile(r"^(\S{2,30}?)\s+((?:19|20)[0-9]{2})\s*年\s*[0-9]{1,2}\s*月\s*[0-9]{1,2}\s*日$")
_TITLE_TAIL = re.compile(r"(?:（|\()?(?:19|20)[0-9]{2}(?:）|\))?年?度?|政府信息公开|政务公开|信息公开")
_TITLE_LEAD = re.compile(r"^(?:关于)?(?:(?:19|20)[0-9]{2}年度?)?")
_DOCUMENT_NAME = re.compile(r"《[^》]{0,80}》|〔[^〕]*〕|\[[^\]]*\]|【[^】]*】")
_ATTACHMENT_LABEL = re.compile(r"^附\s*件\s*[0-9]*\s*[:：]?$")
# "- 1 -", "—1—", "第1页", "1/6": a page number on a line of its own, or glued before the title
_PAGE_NUMBER = re.compile(
    r"^(?:[-—–－]\s*[0-9]{1,3}\s*[-—–－]|第\s*[0-9]{1,3}\s*页(?:\s*共\s*[0-9]{1,3}\s*页)?|[0-9]{1,3}\s*/\s*[0-9]{1,3})\s*"
)
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_SECTION_ONE = re.compile(r"总体情况(.*?)(?:\n\s*(?:二|2)\s*[、.．]|主动公开政府信息情况)", re.DOTALL)

# bare place names: the government of X镇 is X镇人民政府, of X街道 is X街道办事处
_PLACE_SUFFIXES = ("镇", "乡", "县", "区", "市", "旗")
_ORG_SUFFIXES = ("人民政府", "办事处", "政府", "街道", "局", "委员会", "委", "办公室", "办", "中心", "院",
                 "所", "站", "队", "厅", "署", "会", "馆", "处", "部", "社", "公司", *_PLACE_SUFFIXES)


def title_from_text(text: str) -> str | None:
    """The heading of a converted document: its first lines up to the one naming the report."""
    lines = [_PAGE_NUMBER.sub("", " ".join(line.split()), count=1) for line in text.splitlines()]
    lines = [line for line in lines if line and not _ATTACHMENT_LABEL.match(line)][:3]
    if not lines:
        return None
    for count, line in enumerate(lines, start=1):
        if ("报告" in line or "年报" in line) and _looks_like_heading(line, 80):
            # a heading set over several short lines: "丹朱镇人民政府" / "2020 年…年度报告"
            if all(len(before) <= 30 for before in lines[: count - 1]):
                return "".join(lines[:count])
            return line
    return lines[0] if _looks_like_heading(lines[0], 60) else None


def _looks_like_heading(line: str, longest: int) -> bool:
    return len(line) <= longest and not re.search(r"[，。；！？]", line)


def clean_text(text: str) -> str:
    """Remove Word conversion artefacts, read full-width digits, and join years split from their 年."""
    text = _ARTEFACT.sub("", text).translate(_FULL_WIDTH_DIGITS)
    text = _CHINESE_YEAR.sub(lambda match: match.group(1).translate(_CHINESE_DIGITS) + "年", text)
    return _SPACED_YEAR.sub(r"\1年", text)


def identify(title: str | None, text: str, metadata: tuple[tuple[str, str], ...] = ()) -> Identity:
    title = clean_text(title or "").strip() or None
    text = clean_text(text)
    year, year_source = report_year(title, text, metadata)
    return Identity(body=report_body(title, text, metadata), year=year, year_source=year_source, title=title)


def report_body(title: str | None, text: str, metadata: tuple[tuple[str, str], ...] = ()) -> str | None:
    """The publishing body's name as the document prints it: from the title, the signature, or 发布机构.

    Never composed: a bare place name ("留车镇") becomes "留车镇人民政府" only where the
    document prints that full name.
    """
    published_by = dict(metadata).get("发布机构") or dict(metadata).get("发文机关")
    printed = "".join(" ".join((title or "", text, *(value for _, value in metadata))).split())
    for name in (body_in_title(title or ""), signature(text)[0], published_by):
        if name and _looks_like_body(name):
            return full_name(name, printed)
    return None


def body_in_title(title: str) -> str | None:
    compact = "".join(title.split())
    compact = _TITLE_LEAD.sub("", compact, count=1)
    match = _TITLE_TAIL.search(compact)
    if not match:
        return compact if _looks_like_body(compact) else None
    if match.start() == 0:
        return None
    return compact[: match.start()]


def full_name(name: str, text: str) -> str:
    """``name`` completed to the body's full name where ``text`` prints it ("留车镇" → "留车镇人民政府")."""
    printed = "".join(name.split())
    name = printed
    if name.endswith(tuple(place + "政府" for place in _PLACE_SUFFIXES)) and not name.endswith("人民政府"):
        name = name[: -len("政府")]
    if not name.endswith((*_PLACE_SUFFIXES, "街道")):
        return printed
    compact = "".join(text.split())
    for suffix in ("人民政府", "街道办事处", "办事处"):
        candidate = name + suffix.removeprefix("街道" if name.endswith("街道") else "")
        if candidate in compact:
            return candidate
    return printed


def _looks_like_body(name: str) -> bool:
    name = "".join(name.split())
    return 2 <= len(name) <= 40 and name.endswith(_ORG_SUFFIXES) and not re.search(r"[，。；：、\d]", name)


def signature(text: str) -> tuple[str | None, int | None]:
    """(body, year of the date) from the closing lines: a body name, then a date."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    tail = lines[-8:]
    for index in range(len(tail) - 1, -1, -1):
        if match := _NAME_AND_DATE.match(tail[index]):
            return (match.group(1) if _looks_like_body(match.group(1)) else None), int(match.group(2))
        if match := _DATE_LINE.match(tail[index]):
            name = tail[index - 1] if index > 0 else None
            return (name if name and _looks_like_body(name) else None), int(match.group(1))
    return None, None


def report_year(title: str | None, text: str,
                metadata: tuple[tuple[str, str], ...] = ()) -> tuple[int | None, str | None]:
    """The year reported on and where it was read, in order of trust."""
    if title and (match := _YEAR.search("".join(title.split()))):
        return int(match.group(1)), "title"
    if match := _PERIOD.search(text):
        return int(match.group(2)), "period"
    if year := prose_year(text):
        return year, "prose"
    _, signed = signature(text)
    if signed:
        return signed - 1, "signature"
    published = dict(metadata).get("发布日期") or dict(metadata).get("成文日期") or ""
    if match := re.search(r"(?:19|20)[0-9]{2}", published.translate(_FULL_WIDTH_DIGITS)):
        # reports are published early in the year after the one they cover
        return int(match.group(0)) - 1, "metadata"
    return None, None


def prose_year(text: str) -> int | None:
    """The year most often named in 总体情况 (else the whole text), outside document names."""
    section = _SECTION_ONE.search(text)
    lines = (section.group(1) if section else text).splitlines()
    # a signature date says when the report was signed, not what it covers
    prose = [line for line in lines if not (_DATE_LINE.match(line.strip()) or _NAME_AND_DATE.match(line.strip()))]
    scope = _DOCUMENT_NAME.sub("", "\n".join(prose))
    counts = Counter(int(year) for year in _YEAR.findall(scope))
    if not counts:
        return None
    # ties go to the later year: a report mentions the year before as a comparison
    return max(counts, key=lambda year: (counts[year], year))
