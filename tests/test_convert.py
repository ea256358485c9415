"""Legacy .doc, .wps and .rtf reports read through LibreOffice, and what happens without it."""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from extract import ExtractionError, extract_document
from extract.convert import soffice_path, to_docx
from extract.records import Tables

from . import report_fixtures as rf

needs_soffice = pytest.mark.skipif(
    soffice_path() is None, reason="LibreOffice (soffice) is not on PATH: run scripts/system-packages"
)


def convert_with_soffice(files: dict[str, bytes], target: str) -> dict[str, bytes]:
    """Writes each named file and converts them all in one LibreOffice run: {name: converted bytes}."""
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        for name, content in files.items():
            (work_dir / name).write_bytes(content)
        subprocess.run(
            [soffice_path(), f"-env:UserInstallation={(work_dir / 'profile').as_uri()}", "--headless",
             "--norestore", "--convert-to", target, "--outdir", str(work_dir / "out"),
             *(str(work_dir / name) for name in files)],
            check=True, capture_output=True, timeout=180,
        )
        return {name: (work_dir / "out" / f"{Path(name).stem}.{target}").read_bytes() for name in files}


@pytest.fixture(scope="module")
def legacy_files():
    docx = {f"{template}.docx": rf.to_docx(rf.report_blocks(template)) for template in ("v2019", "v2021")}
    converted = {f"{Path(name).stem}.doc": content for name, content in convert_with_soffice(docx, "doc").items()}
    rtf = convert_with_soffice({"v2021.docx": docx["v2021.docx"]}, "rtf")
    converted["v2021.rtf"] = rtf["v2021.docx"]
    return converted


def assert_report(document, template, kind):
    assert document.format == kind
    assert document.is_annual_report
    assert (document.identity.body, document.identity.year) == ("某某镇人民政府", 2022)
    rf.assert_reads_every_key(Tables(template=document.template, values=document.values,
                                     warnings=document.warnings), template)
    statuses = {check.status for check in document.checks}
    assert "pass" in statuses and "fail" not in statuses


@needs_soffice
@pytest.mark.parametrize("template", ["v2019", "v2021"])
def test_doc_reads_every_key(legacy_files, template):
    content = legacy_files[f"{template}.doc"]
    assert content.startswith(b"\xd0\xcf\x11\xe0")
    document = extract_document(content, url=f"http://x.gov.cn/{template}.doc")
    assert_report(document, template, "doc")


@needs_soffice
@pytest.mark.parametrize("content_type", ["application/vnd.ms-works", "application/kswps"])
def test_kingsoft_wps_file_reads_as_word_97(legacy_files, content_type):
    document = extract_document(legacy_files["v2021.doc"], url="http://x.gov.cn/files/report.wps",
                                content_type=content_type)
    assert_report(document, "v2021", "wps")


@needs_soffice
def test_rtf_served_as_doc_reads(legacy_files):
    content = legacy_files["v2021.rtf"]
    assert content.startswith(b"{\\rtf")
    document = extract_document(content, url="http://x.gov.cn/files/report.doc", content_type="application/msword")
    assert_report(document, "v2021", "rtf")


@needs_soffice
def test_conversion_is_deterministic(legacy_files):
    first = to_docx(legacy_files["v2019.doc"])
    time.sleep(1.1)  # zip timestamps have a resolution of two seconds: let the clock move past one
    second = to_docx(legacy_files["v2019.doc"])
    assert first.startswith(b"PK\x03\x04")
    assert first == second


@needs_soffice
def test_damaged_doc_is_a_clear_error():
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    with pytest.raises(ExtractionError, match=r"^legacy \.doc cannot be read: LibreOffice could not convert it"):
        extract_document(content, url="http://x.gov.cn/a.doc")


def test_without_libreoffice_the_error_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ExtractionError, match=r"^legacy \.doc needs LibreOffice \(soffice\) on PATH: ") as raised:
        extract_document(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, url="http://x.gov.cn/a.doc")
    assert "scripts/system-packages" in str(raised.value)
    with pytest.raises(ExtractionError, match=r"^WPS document needs LibreOffice"):
        extract_document(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, url="http://x.gov.cn/a.wps")


def test_a_hanging_libreoffice_is_stopped(monkeypatch, tmp_path):
    marker = tmp_path / "pid"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\necho $$ > {marker}\nexec {shutil.which('sleep')} 60\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    started = time.monotonic()
    with pytest.raises(ExtractionError, match="did not finish converting within 1 s"):
        to_docx(b"\xd0\xcf\x11\xe0", timeout=1)
    assert time.monotonic() - started < 10
    pid = int(marker.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
