"""Who a publishing body is, from what the documents print: its name folded for comparison,
its kind, the county it belongs to, and the codes that identify it.

Names are never composed: "留车镇" stays "留车镇", "人民政府" is kept where printed.
"""

from __future__ import annotations

import re
import unicodedata

from dataclasses import dataclass

# GB 32100-2015: 统一社会信用代码, 18 characters from this alphabet, the last a check character.
_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{18}")
_ORGANIZATION_CODE = re.compile(r"[0-9]{8}[0-9X]")
_INDEX_FIRST_PART = re.compile(r"^\s*([0-9A-Za-z]+)\s*[/-]")
_SITE_CODE = re.compile(r"(?:SiteIDCode\"?\s+content=\"|网站标识码\s*[:：]?\s*)([0-9]{10})")
_REGION_CODE = re.compile(r"(?<![0-9])([1-8][0-9]{5}(?:[0-9]{3}(?:[0-9]{3})?)?)(?![0-9])")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\ufeff\u00ad"), None)
_COUNTY_PREFIX = re.compile(r"^(.{1,10}?(?:自治县|自治旗|县|旗|区|市))(.{2,})$")

COUNTY_GOVERNMENT = "county_government"
DEPARTMENT = "department"
TOWNSHIP = "township"
STREET_OFFICE = "street_office"
OTHER = "other"

_TOWNSHIP_ENDINGS = ("镇人民政府", "乡人民政府", "苏木人民政府", "镇政府", "乡政府", "镇", "乡", "苏木")
_STREET_ENDINGS = ("街道办事处", "街道办", "街道")
record = dataclass(frozen=True, slots=True, kw_only=True)
_COUNTY_ENDINGS = tuple(place + suffix for place in ("县", "区", "市", "旗") for suffix in ("人民政府", "政府"))
_DEPARTMENT_ENDINGS = ("局", "委员会", "委", "办公室", "办", "中心", "院", "所", "站", "队", "厅", "署", "会",
                       "馆", "处", "部", "社", "公司")


@record
class Identifiers:
    credit_code: str | None = None  # 统一社会信用代码, check character verified
    organization_code: str | None = None  # 组织机构代码: the 9 characters of an older 索引号
    region_code: str | None = None  # 行政区划代码 as the credit code's registration authority gives it


def normalize_name(name: str) -> str:
    """A body name folded for comparison: full-width to half-width, no whitespace or invisibles."""
    folded = unicodedata.normalize("NFKC", name).translate(_INVISIBLE)
    return "".join(folded.split())


def body_kind(name: str) -> str:
    """county_government, department, township, street_office or other, from the name's ending."""
    name = normalize_name(name)
    if name.endswith(_STREET_ENDINGS):
        return STREET_OFFICE
    if name.endswith(_TOWNSHIP_ENDINGS):
        return TOWNSHIP
    if name.endswith(_COUNTY_ENDINGS):
        # "某县人民政府" is the county; "某县某镇人民政府" ends the same way only if the
        # township check above missed it, so the county test comes after it.
        return COUNTY_GOVERNMENT
    if name.endswith(_DEPARTMENT_ENDINGS):
        return DEPARTMENT
    return OTHER


def county_prefix(name: str) -> str | None:
    """The county printed at the head of a township's or department's name ("淇县" of
    "淇县北阳镇人民政府"), or None when the name does not print one."""
    name = normalize_name(name)
    if body_kind(name) in (COUNTY_GOVERNMENT, OTHER):
        return None
    match = _COUNTY_PREFIX.match(name)
    if not match or body_kind(match.group(2)) == OTHER:
        return None
    return match.group(1)


def is_credit_code(code: str) -> bool:
    """True for an 18-character 统一社会信用代码 whose check character is right."""
    if not _CREDIT_CODE.fullmatch(code):
        return False
    total = sum(_CREDIT_ALPHABET.index(char) * weight for char, weight in zip(code, _CREDIT_WEIGHTS, strict=False))
    return _CREDIT_ALPHABET[(31 - total % 31) % 31] == code[17]


def identifiers_from_index(index_number: str | None) -> Identifiers:
    """What the first part of a 索引号 says: a credit code ("11410928MA…X/2022-00013") or an
    older 9-character organisation code ("014407152/2022-00013"); nothing otherwise."""
    if not index_number:
        return Identifiers()
    match = _INDEX_FIRST_PART.match(unicodedata.normalize("NFKC", index_number))
    if not match:
        return Identifiers()
    first = match.group(1).upper()
    if is_credit_code(first):
        return Identifiers(credit_code=first, organization_code=first[8:17], region_code=first[2:8])
    if _ORGANIZATION_CODE.fullmatch(first):
        return Identifiers(organization_code=first)
    return Identifiers()


def site_code(page: bytes) -> str | None:
    """The portal's 网站标识码 as a government page prints it (meta SiteIDCode or the footer)."""
    text = page[:2_000_000].decode("utf-8", errors="replace")
    match = _SITE_CODE.search(text)
    return match.group(1) if match else None


def region_code(region: str | None) -> str | None:
    """A 行政区划代码 (6, 9 or 12 digits) written in a registry's region, if any."""
    match = _REGION_CODE.search(region or "")
    return match.group(1) if match else None
