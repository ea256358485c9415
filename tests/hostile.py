"""Broken and hostile files, made at test time: bombs, traps and lies about what a file is.

``run_case`` reads one of them the way an extraction worker does (the worker's memory
limit, then ``extract_one``) in a process of its own, so the test can measure that
process's peak memory and kill it at the wall-time limit, as the pool would.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from docx import Document as WordDocument

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    content_type: str
    make: Callable[[], bytes]
    # what must come of it: "failed" (a clear error), "read" (no crash, whatever it holds)
    # or "numbers" (a report whose numbers are read)
    expect: str
    error: str = ""  # text the failure must contain


@dataclass(frozen=True, slots=True)
class Result:
    name: str
    outcome: str  # "failed: …" | "read: N numbers" | "killed at the wall-time limit"
    seconds: float
    peak_bytes: int
    numbers: int
    error: str


# -- the files ------------------------------------------------------------------------


def pdf_with_stream(stream: bytes, *, filters: str = "/Filter /FlateDecode") -> bytes:
    """A one-page PDF whose page content is ``stream`` (already encoded for ``filters``)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d %s >>\nstream\n" % (len(stream), filters.encode()) + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def deflated(pattern: bytes, total: int) -> bytes:
    compressor = zlib.compressobj(1)
    chunk = pattern * (MiB // len(pattern))
    parts = [compressor.compress(chunk) for _ in range(total // len(chunk))]
    parts.append(compressor.flush())
    return b"".join(parts)


def pdf_stream_bomb() -> bytes:
    """One content stream that inflates to 1 GiB of drawing operators."""
    return pdf_with_stream(deflated(b"0 0 m 1 1 l S\n", 1024 * MiB))


def docx_member_bomb() -> bytes:
    """A DOCX whose word/document.xml inflates to 1.1 GB (a few MB on disk)."""
    base = io.BytesIO()
    WordDocument().save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "word/document.xml":
                target.writestr(item, source.read(item.filename))
        with target.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                         b'wordprocessingml/2006/main"><w:body>')
            padding = b" " * MiB
            for _ in range(1100):
                member.write(padding)
            member.write(b"</w:body></w:document>")
    return out.getvalue()


def pdf_of_pages(count: int) -> bytes:
    import pypdfium2

    document = pypdfium2.PdfDocument.new()
    for _ in range(count):
        document.new_page(595, 842)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def report_page_with_pasted_image(page: bytes, image_bytes: int) -> bytes:
    """A report page with a pasted ``data:`` image before its tables, as Word paste makes them."""
    html = page.decode("utf-8")
    at = html.find("<table")
    image = '<p><img src="data:image/png;base64,' + "iVBORw0KGgo" * (image_bytes // 11) + '"></p>'
    return (html[:at] + image + html[at:]).encode("utf-8")


def deeply_nested_html(depth: int = 10_000) -> bytes:
    return ("<html><body>" + "<div>" * depth + "二〇二三年政府信息公开工作年度报告" + "</div>" * depth
            + "</body></html>").encode()


def absurd_spans_html() -> bytes:
    cells = '<td colspan="100000000" rowspan="100000000">1</td>' * 50
    return ("<html><body><h1>某镇2023年政府信息公开工作年度报告</h1><table>"
            + f"<tr>{cells}</tr>" * 50 + "</table></body></html>").encode()


def billion_laughs_docx() -> bytes:
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{"&a%d;" % (i - 1) * 10}">' for i in range(1, 10))
    xml = (f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           "<w:body><w:p><w:r><w:t>&a9;</w:t></w:r></w:p></w:body></w:document>")
    return _docx_with_document_xml(xml.encode())


def xxe_docx() -> bytes:
    xml = ('<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           "<w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>")
    return _docx_with_document_xml(xml.encode())


def _docx_with_document_xml(xml: bytes) -> bytes:
    base = io.BytesIO()
    WordDocument().save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = xml if item.filename == "word/document.xml" else source.read(item.filename)
            target.writestr(item.filename, data)
    return out.getvalue()


def plain_docx(text: str = "某镇2023年政府信息公开工作年度报告") -> bytes:
    document = WordDocument()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def truncated(content: bytes) -> bytes:
    return content[: len(content) // 3]


def encrypted_pdf() -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, encrypt=StandardEncryption("user-password", "owner-password"))
    pdf.drawString(72, 720, "2023 annual report")
    pdf.save()
    return out.getvalue()


def with_digits_of_another_script(page: bytes, zero: str = "\u0660") -> bytes:
    """A report page whose numbers are written in another script's digits (Arabic-Indic by default)."""
    html = page.decode("utf-8")
    start = html.find("<table")
    table_part = html[start:].translate({ord("0") + d: ord(zero) + d for d in range(10)})
    return (html[:start] + table_part).encode("utf-8")


# -- reading one in a process of its own -------------------------------------------------


def run_case(path: Path, content_type: str, *, wall_seconds: float, memory_bytes: int) -> Result:
    """Read ``path`` in a fresh worker-like process; its outcome, time and peak memory."""
    code = (
        "import json, sys\n"
        "from tests.hostile import _read_in_worker\n"
        "print(json.dumps(_read_in_worker(sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))))\n"
    )
    started = time.monotonic()
    peak = 0
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(path), content_type, str(wall_seconds), str(memory_bytes)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parents[1],
    )
    # The peak is the process's own high-water mark (VmHWM), sampled while it runs and read by
    # itself at its end: getrusage's maxrss would count the test runner it was forked from.
    while time.monotonic() - started < wall_seconds + 15:  # + start-up, as the pool's worker is warm
        peak = max(peak, _high_water_mark(process.pid))
        pid, status, _ = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        time.sleep(0.02)
    else:
        process.kill()
        os.wait4(process.pid, 0)
        return Result(path.name, "killed at the wall-time limit", time.monotonic() - started, peak, 0, "")
    seconds = time.monotonic() - started
    output = process.stdout.read().decode() if process.stdout else ""
    process.stdout.close()
    if not output.strip():
        signal_number = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        how = f"signal {signal_number}" if signal_number else f"exit status {os.WEXITSTATUS(status)}"
        return Result(path.name, f"worker died ({how})", seconds, peak, 0, how)
    found = json.loads(output)
    peak = max(peak, found["peak_bytes"])
    if found["error"]:
        return Result(path.name, "failed: " + found["error"], seconds, peak, 0, found["error"])
    return Result(path.name, f"read: {found['numbers']} numbers", seconds, peak, found["numbers"], "")


def _read_in_worker(path: str, content_type: str, wall_seconds: float, memory_bytes: int) -> dict:
    from datetime import UTC, datetime

    from disclosure.workers import _init_worker, extract_one
    from extract import extract_document
    from extract.limits import Limits
    from storage.archive import CaptureRef

    limits = Limits(wall_seconds=wall_seconds, memory_bytes=memory_bytes)
    _init_worker(extract_document, limits)
    url = Path(path).resolve().as_uri()
    ref = CaptureRef(capture_id=0, sha256="", url=url, final_url=url, content_type=content_type,
                     fetched_at=datetime(2024, 3, 1, tzinfo=UTC))
    outcome = extract_one(extract_document, ref, Path(path).read_bytes(), limits)
    numbers = sum(v.value is not None for v in outcome.document.values) if outcome.document else 0
    return {"error": outcome.error, "numbers": numbers, "peak_bytes": _high_water_mark(os.getpid())}


def _high_water_mark(pid: int) -> int:
    """Peak resident bytes of the process's own memory since it started its program (VmHWM)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0
