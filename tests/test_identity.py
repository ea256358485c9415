"""Which body published a report, and which year it reports on."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.identity import body_in_title, clean_text, full_name, identify, prose_year, signature, title_from_text

SEEDS = Path(__file__).resolve().parent / "seeds"


@pytest.mark.parametrize(
    ("seed", "body", "year", "source"),
    [
        ("000_88f21ce372e9fb84.txt", "十四道沟镇人民政府", 2021, "prose"),
        ("001_a9373f51bed65c11.txt", "丹朱镇人民政府", 2020, "title"),
        ("002_a271fd34d795767a.txt", "清河头乡人民政府", 2021, "title"),
        ("003_e0ddddd15fe580f0.txt", "留车镇人民政府", 2021, "title"),
        ("004_b65cffdf1b4315e2.txt", "上馆镇人民政府", 2022, "period"),
    ],
)
def test_seed_identity(seed, body, year, source):
    text = (SEEDS / seed).read_text(encoding="utf-8")
    identity = identify(title_from_text(text), text)
    assert (identity.body, identity.year, identity.year_source) == (body, year, source)


def test_seed_title_set_over_two_lines():
    text = (SEEDS / "001_a9373f51bed65c11.txt").read_text(encoding="utf-8")
    assert identify(title_from_text(text), text).title == "丹朱镇人民政府2020年政府信息公开工作年度报告"


def test_word_artefacts_are_removed():
    assert clean_text("[bookmark: _GoBack]   今年，2021[image: IMG_256]年") == "   今年，2021年"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("留车镇2021年政府信息公开工作年度报告", "留车镇"),
        ("清河头乡人民政府2021年政府信息公开工作年度报告", "清河头乡人民政府"),
        ("十四道沟镇政府信息公开工作年度报告", "十四道沟镇"),
        ("2021年度某县教育局政府信息公开工作年度报告", "某县教育局"),
        ("关于某街道2022年度政务公开工作年度报告", "某街道"),
        ("某县（2021）年政府信息公开工作年度报告", "某县"),
        ("2021年政府信息公开工作年度报告", None),
        ("丹朱镇人民政府", "丹朱镇人民政府"),
    ],
)
def test_body_in_title(title, expected):
    assert body_in_title(title) == expected


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        # completed only where the document prints the full name; never composed
        ("留车镇", "", "留车镇"),
        ("留车镇", "留车镇人民政府认真贯彻", "留车镇人民政府"),
        ("十四道沟镇政府", "", "十四道沟镇政府"),
        ("十四道沟镇政府", "十四道沟镇人民政府", "十四道沟镇人民政府"),
        ("某街道", "", "某街道"),
        ("某街道", "某街道办事处认真贯彻", "某街道办事处"),
        ("某乡", "", "某乡"),
        ("某县", "", "某县"),
        ("某开发区管委会", "", "某开发区管委会"),
        ("某县教育局", "", "某县教育局"),
        ("清河头乡人民政府", "", "清河头乡人民政府"),
    ],
)
def test_full_name(name, text, expected):
    assert full_name(name, text) == expected


def test_body_from_signature_when_the_title_has_none():
    text = "一、总体情况\n本年度……\n六、其他需要报告的事项\n无\n\n    某某街道办事处\n  2023年1月11日\n"
    identity = identify("2022年政府信息公开工作年度报告", text)
    assert identity.body == "某某街道办事处"
    assert identity.year == 2022


def test_body_from_published_by_metadata():
    identity = identify("政府信息公开工作年度报告", "一、总体情况\n无", (("发布机构", "某镇"),))
    assert identity.body == "某镇"
    identity = identify("政府信息公开工作年度报告", "一、总体情况\n某镇人民政府……", (("发布机构", "某镇"),))
    assert identity.body == "某镇人民政府"


def test_signature_on_one_line():
    assert signature("正文\n某县水利局  2022年2月1日") == ("某县水利局", 2022)


def test_no_signature_in_prose_endings():
    assert signature("正文\n本报告于2023年1月11日发布。") == (None, None)


@pytest.mark.parametrize(
    "period",
    [
        "本报告中所列数据的统计时限自2022年1月1日至2022年12月31日。",
        "本年度报告中所列数据统计期限从2022年1月1日起至2022年12月31日止。",
        "统计期限为2022年01月01日－2022年12月31日。",
    ],
)
def test_year_from_statistics_period(period):
    identity = identify("某镇政府信息公开工作年度报告", f"{period}\n一、总体情况\n2021年相比……")
    assert (identity.year, identity.year_source) == (2022, "period")


def test_year_from_signature_date():
    identity = identify("某镇政府信息公开工作年度报告", "一、总体情况\n全年工作平稳。\n某镇人民政府\n2023年1月11日")
    assert (identity.year, identity.year_source) == (2022, "signature")


def test_year_from_metadata_as_last_resort():
    identity = identify(None, "没有年份的正文", (("发布日期", "2021-01-28"),))
    assert (identity.year, identity.year_source) == (2020, "metadata")


def test_prose_year_ignores_document_names_and_counts_section_one():
    text = (
        "一、总体情况\n依照《2019年政务公开工作要点》和国办公开办函〔2019〕60号，2021年我镇……2021年共公开……"
        "\n二、主动公开政府信息情况\n2019年2019年2019年"
    )
    assert prose_year(text) == 2021


def test_prose_year_reads_chinese_numerals():
    identity = identify(None, "一、总体情况\n二〇二一年，我局……\n二、主动公开政府信息情况")
    assert (identity.year, identity.year_source) == (2021, "prose")


def test_title_year_wins_over_everything():
    text = "统计时限自2022年1月1日至2022年12月31日\n某镇人民政府\n2023年1月2日"
    identity = identify("某镇2020 年政府信息公开工作年度报告", text)
    assert (identity.year, identity.year_source) == (2020, "title")


def test_nothing_to_go_on():
    identity = identify(None, "")
    assert (identity.body, identity.year, identity.year_source, identity.title) == (None, None, None, None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("附件1\n青岚县财政局2022年政府信息公开工作年度报告\n一、总体情况",
         "青岚县财政局2022年政府信息公开工作年度报告"),
        ("\n\n丹朱镇人民政府\n\n2020 年政府信息公开工作年度报告\n按照……",
         "丹朱镇人民政府2020 年政府信息公开工作年度报告"),
        ("根据《条例》规定，现将本年度政府信息公开工作情况报告如下，请各位审阅并提出宝贵意见，谢谢各位同志的支持与帮助。\n一、总体情况",
         None),
        ("", None),
    ],
)
def test_title_from_text(text, expected):
    assert title_from_text(text) == expected


# -- a body name is one the document prints --------------------------------------------

def _printed(document) -> str:
    parts = (document.title or "", document.text, *(value for _, value in document.metadata))
    return "".join(" ".join(parts).split())


def _pdf_identity(content: bytes):
    """What extraction reads a PDF's identity from (its text layer), without the slower table reader."""
    from types import SimpleNamespace

    from extract.identity import title_from_text
    from extract.office import pdf_text

    text, _ = pdf_text(content)
    title = title_from_text(text)
    return SimpleNamespace(identity=identify(title, text), title=title, text=text, metadata=())


def _corpus_documents():
    import json
    from datetime import datetime
    from pathlib import Path

    from extract import extract_document

    corpus = Path(__file__).resolve().parent / "corpus"
    for label_file in sorted(corpus.glob("*/label.json")):
        label = json.loads(label_file.read_text(encoding="utf-8"))
        if label["format"] in ("doc",):  # LibreOffice: slow, and read as DOCX after conversion
            continue
        content = (label_file.parent / label["file"]).read_bytes()
        if label["format"] == "pdf":
            yield label_file.parent.name, _pdf_identity(content)
            continue
        yield label_file.parent.name, extract_document(
            content, url=label["url"], content_type=label["content_type"],
            fetched_at=datetime.fromisoformat(label["fetched_at"]))


def _portal_documents():
    from extract import extract_document
    from simportal.site import build_site

    for variant in ("demo", "unseen"):
        site = build_site(variant)
        for report in site.expected:
            resource = site.pages[report.page_path]
            yield report.page_path, extract_document(resource.body, url="http://127.0.0.1" + report.page_path,
                                                     content_type=resource.content_type)


def test_every_body_found_is_printed_in_the_document():
    seen = 0
    for name, document in (*_corpus_documents(), *_portal_documents()):
        body = document.identity.body
        if body is None:
            continue
        seen += 1
        assert body in _printed(document), (name, body)
    assert seen >= 20


@pytest.mark.parametrize(
    ("text", "body", "year"),
    [
        ("- 1 -\n洪泽区人民政府\n2023 年政府信息公开工作年度报告\n本报告由…编制。\n一、总体情况\n", "洪泽区人民政府", 2023),
        ("- 1 -洪泽区人民政府2023年政府信息公开工作年度报告\n一、总体情况\n", "洪泽区人民政府", 2023),
        ("第1页\n某市人民政府\n２０２４年政府信息公开工作年度报告\n", "某市人民政府", 2024),
        ("某经济开发区管委会2022年政府信息公开工作年度报告\n一、总体情况\n管委会……", "某经济开发区管委会", 2022),
    ],
)
def test_title_after_a_page_number_or_over_two_lines(text, body, year):
    from extract.identity import title_from_text

    identity = identify(title_from_text(text), text)
    assert (identity.body, identity.year) == (body, year)


def test_a_page_that_never_names_a_people_s_government_gets_none():
    text = "某镇2021年政府信息公开工作年度报告\n一、总体情况\n2021年，某镇……"
    identity = identify("某镇2021年政府信息公开工作年度报告", text)
    assert identity.body == "某镇"
    assert "人民政府" not in identity.body


@pytest.mark.parametrize("digits", ["٢٠٢٣", "२०२३", "๒๐๒๓", "20٢٣"])
def test_years_in_other_scripts_are_not_years(digits):
    title = f"某县{digits}年政府信息公开工作年度报告"
    identity = identify(title, f"一、总体情况\n{digits}年，某县……")
    assert identity.year is None
