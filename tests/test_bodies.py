"""Bodies: names folded for comparison, kinds, counties, identifiers from 索引号; one body per
organisation in the archive."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from extract.bodies import (
    Identifiers,
    body_kind,
    county_prefix,
    identifiers_from_index,
    is_credit_code,
    normalize_name,
    region_code,
    site_code,
)
from storage.bodies import BodyDirectory
from storage.models import Body, BodyAlias

from .conftest import T0


def test_names_fold_width_and_whitespace_and_keep_what_is_printed():
    assert normalize_name("Ｘ县　人民\u200b政府 ") == "X县人民政府"
    assert normalize_name("留车镇") == "留车镇"  # never completed to 留车镇人民政府


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("淇县人民政府", "county_government"),
        ("某市人民政府", "county_government"),
        ("留车镇人民政府", "township"),
        ("白沙乡", "township"),
        ("城关街道办事处", "street_office"),
        ("淇县教育局", "department"),
        ("淇县人民政府办公室", "department"),
        ("西城区", "other"),
    ],
)
def test_kind_from_the_name(name, kind):
    assert body_kind(name) == kind


def test_the_county_a_name_prints():
    assert county_prefix("淇县北阳镇人民政府") == "淇县"
    assert county_prefix("淇县教育局") == "淇县"
    assert county_prefix("留车镇人民政府") is None
    assert county_prefix("淇县人民政府") is None


def test_credit_codes_are_checked_by_their_last_character():
    assert is_credit_code("91350100M000100Y43")
    assert not is_credit_code("91350100M000100Y44")
    assert not is_credit_code("91350100M000100Y4")
    assert not is_credit_code("9135010OM000100Y43")  # O is not in the alphabet


def test_identifiers_from_index_numbers():
    assert identifiers_from_index("91350100M000100Y43/2022-00013") == Identifiers(
        credit_code="91350100M000100Y43", organization_code="M000100Y4", region_code="350100"
    )
    assert identifiers_from_index("014407152/2022-00013") == Identifiers(organization_code="014407152")
    # a wrong check character is no credit code, and nothing is guessed from it
    assert identifiers_from_index("91350100M000100Y44/2022-00013") == Identifiers()
    assert identifiers_from_index("") == identifiers_from_index(None) == Identifiers()
    assert identifiers_from_index("XX-2022-1") == Identifiers()


def test_site_code_and_region_code():
    assert site_code('<meta name="SiteIDCode" content="3301270047">'.encode()) == "3301270047"
    assert site_code("<p>网站标识码：4109230001　豫ICP备</p>".encode()) == "4109230001"
    assert site_code(b"%PDF-1.4 no code") is None
    assert region_code("淇县 410622") == "410622"
    assert region_code("模拟县 (127.0.0.1:8765)") is None


def test_one_body_per_credit_code_or_normalised_name(session):
    directory = BodyDirectory(session, T0)
    code = identifiers_from_index("91350100M000100Y43/2022-1")
    first = directory.resolve("留车镇人民政府", code, "模拟县")
    assert directory.resolve("留车镇 人民政府", Identifiers()).id == first.id  # written two ways
    assert directory.resolve("留车街道办事处", code).id == first.id  # renamed: same credit code
    other = directory.resolve("白沙乡人民政府", Identifiers(organization_code="014407152"))
    assert other.id != first.id
    session.commit()

    again = BodyDirectory(session, T0)  # a later refresh finds them in the archive
    assert again.resolve("留车街道办事处", Identifiers()).id == first.id
    session.commit()
    body = session.get(Body, first.id)
    assert (body.name, body.kind, body.credit_code, body.region, body.region_code) == (
        "留车镇人民政府", "township", "91350100M000100Y43", "模拟县", "350100"
    )
    aliases = session.scalars(select(BodyAlias.name).where(BodyAlias.body_id == first.id).order_by(BodyAlias.id))
    assert list(aliases) == ["留车镇人民政府", "留车镇 人民政府", "留车街道办事处"]
    assert session.get(Body, other.id).organization_code == "014407152"


def test_a_same_name_with_another_credit_code_is_another_body(session):
    directory = BodyDirectory(session, T0)
    one = directory.resolve("城关镇人民政府", identifiers_from_index("91350100M000100Y43/1"))
    two = directory.resolve("城关镇人民政府", identifiers_from_index("91110000100005220B/1"))
    assert one.id != two.id


def test_parents_from_the_printed_county_or_the_portal(session):
    directory = BodyDirectory(session, T0)
    county = directory.resolve("淇县人民政府", Identifiers())
    named = directory.resolve("淇县北阳镇人民政府", Identifiers())
    on_portal = directory.resolve("留车镇人民政府", Identifiers())
    elsewhere = directory.resolve("白沙乡人民政府", Identifiers())
    directory.link_parents(
        {county.id: {"qixian"}, named.id: {"other"}, on_portal.id: {"qixian"}, elsewhere.id: {"baisha"}}
    )
    assert (named.parent_body_id, on_portal.parent_body_id, elsewhere.parent_body_id) == (county.id, county.id, None)
    assert county.parent_body_id is None
