"""Format detection from magic bytes, content type and URL suffix."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from extract.sniff import sniff_format

SEEDS = Path(__file__).resolve().parent / "seeds"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("留车镇2021年政府信息公开工作年度报告")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _zip_with(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "<x/>")
    return buffer.getvalue()


def test_pdf_magic_wins_over_a_wrong_content_type():
    assert sniff_format(b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", content_type="text/html", url="a.html") == "pdf"


def test_docx_and_truncated_docx():
    content = _docx_bytes()
    assert sniff_format(content) == "docx"
    assert sniff_format(content[: len(content) // 3]) == "docx"


def test_xlsx_is_told_from_docx():
    assert sniff_format(_zip_with("xl/workbook.xml")) == "xlsx"
    assert sniff_format(_zip_with("Doc_0/Document.xml"), url="http://x.gov.cn/a.ofd") == "ofd"
    assert sniff_format(_zip_with("readme.txt")) == "zip"


@pytest.mark.parametrize(
    ("url", "content_type", "expected"),
    [
        ("http://x.gov.cn/a.doc", None, "doc"),
        ("http://x.gov.cn/a.wps", None, "wps"),
        ("http://x.gov.cn/a.xls", None, "xls"),
        (None, "application/msword", "doc"),
        (None, None, "doc"),
    ],
)
def test_ole_documents_by_declared_kind(url, content_type, expected):
    assert sniff_format(OLE + b"\x00" * 600, url=url, content_type=content_type) == expected


def test_ole_workbook_found_by_directory_name():
    assert sniff_format(OLE + b"\x00" * 100 + "Workbook".encode("utf-16-le")) == "xls"


@pytest.mark.parametrize(
    "head",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"GIF89a\x01\x00",
     b"RIFF\x00\x00\x00\x00WEBPVP8 "],
)
def test_images(head):
    assert sniff_format(head + b"\x00" * 32, url="http://x.gov.cn/a.html") == "image"


def test_image_by_content_type_alone():
    assert sniff_format(b"\x01\x02\x03\x00", content_type="image/png") == "image"


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><head></head><body></body></html>",
        b"\xef\xbb\xbf  <html><body>x</body></html>",
        b'<?xml version="1.0" encoding="gbk"?>\n<html xmlns="http://www.w3.org/1999/xhtml"></html>',
        b"<meta charset='gbk'><div>\xc1\xf4\xb3\xb5\xd5\xf2</div>",
        b"\r\n\r\n<script>var a=1;</script><div class='TRS_Editor'><p>x</p></div>",
    ],
)
def test_html_by_markup_even_under_a_txt_url(content):
    assert sniff_format(content, url="file:///tmp/x.txt") == "html"


def test_seed_text_is_text():
    for path in sorted(SEEDS.glob("*.txt")):
        assert sniff_format(path.read_bytes(), url=f"file://{path}") == "text", path.name


def test_text_without_hints_and_binary_without_hints():
    assert sniff_format("一、总体情况\n无".encode("gbk")) == "text"
    assert sniff_format(b"\x00\x01\x02garbage") == "unknown"
