"""The fast paths of extraction: one HTML parse, writes a batch per transaction, one LibreOffice."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
import trafilatura.core
from sqlalchemy import event, select

from disclosure import extraction
from disclosure.extraction import extract_archive
from extract import PARSER_VERSION, extract_document
from extract import lo_server
from extract.convert import soffice_path, to_docx
from extract.office import docx_text
from extract.records import Check, Document
from storage.archive import store_capture
from storage.db import session_scope
from storage.models import Capture, Extraction

CORPUS = Path(__file__).parent / "corpus"
FETCHED = datetime(2024, 3, 1, tzinfo=UTC)


def corpus_file(case: str) -> tuple[bytes, dict]:
    label = json.loads((CORPUS / case / "label.json").read_text(encoding="utf-8"))
    return (CORPUS / case / label["file"]).read_bytes(), label


def test_an_html_report_is_parsed_once_for_text_tables_and_metadata(monkeypatch):
    content, label = corpus_file("html-utf8-v2021")
    ours, given_to_trafilatura = [], []
    real_parse, real_load = lxml.html.document_fromstring, trafilatura.core.load_html

    def parse(*args, **kwargs):
        ours.append(sys._getframe(1).f_globals["__name__"])
        return real_parse(*args, **kwargs)

    def load(html, *args, **kwargs):
        given_to_trafilatura.append(type(html))
        return real_load(html, *args, **kwargs)

    monkeypatch.setattr(lxml.html, "document_fromstring", parse)
    monkeypatch.setattr(trafilatura.core, "load_html", load)
    document = extract_document(content, url=label["url"], content_type=label["content_type"])
    assert document.is_annual_report and len([v for v in document.values if v.value is not None]) > 20
    # (trafilatura's own fallbacks parse pieces again, as they do in trafilatura.extract)
    assert [module for module in ours if module.startswith("extract")] == ["extract.markup"]
    assert given_to_trafilatura == [lxml.html.HtmlElement]


def store(engine, url: str, body: bytes) -> None:
    with session_scope(engine) as session:
        store_capture(session, url=url, final_url=url, status=200, headers={"Content-Type": "text/html"},
                      body=body, fetched_at=FETCHED, content_type="text/html")


def unstorable_when_marked(content: bytes, **context) -> Document:
    """A record whose check cells cannot be written (not JSON) for a page marked "unstorable"."""
    document = Document(sha256=hashlib.sha256(content).hexdigest(), url=context.get("url"), text="x")
    if b"unstorable" in content:
        return Document(sha256=document.sha256, checks=(Check(rule="r", scope="s", status="pass",
                                                              cells=(object(),)),))
    return document


def test_results_are_written_a_batch_per_transaction_and_a_bad_record_fails_alone(engine, monkeypatch):
    monkeypatch.setattr(extraction, "WRITE_SECONDS", 3600.0)
    for number in range(12):
        marked = b" unstorable" if number == 5 else b""
        store(engine, f"http://127.0.0.1:1/gknb/{number:02d}.html", f"<p>page {number}</p>".encode() + marked)
    commits = []
    event.listen(engine, "commit", lambda connection: commits.append(1))
    summary = extract_archive(engine, extractor=unstorable_when_marked, limits=None, parser_version="batch")
    # reads: a batch of two per transaction; writes: all twelve in one; and the list of pending captures
    assert len(commits) == 6 + 1 + 1
    assert (summary.captures, summary.other_documents, summary.failures) == (12, 11, 1)
    with session_scope(engine) as session:
        rows = session.execute(select(Capture.url, Extraction.status, Extraction.error)
                               .join(Extraction, Extraction.capture_id == Capture.id).order_by(Capture.url)).all()
    assert [status for _, status, _ in rows] == ["ok"] * 5 + ["failed"] + ["ok"] * 6
    assert rows[5].error.startswith("cannot store the record:") and "JSON" in rows[5].error


def test_writes_are_split_into_batches(engine, monkeypatch):
    for number in range(10):
        store(engine, f"http://127.0.0.1:1/gknb/{number:02d}.html", f"<p>page {number}</p>".encode())
    written = []
    real = extraction.store_batch
    monkeypatch.setattr(extraction, "store_batch", lambda e, batch, v: written.append(len(batch)) or real(e, batch, v))
    assert extract_archive(engine, extractor=unstorable_when_marked, limits=None, write_batch=4).captures == 10
    assert written == [4, 4, 2]
    with session_scope(engine) as session:
        assert len(session.scalars(select(Extraction).where(Extraction.parser_version == PARSER_VERSION)).all()) == 10


needs_unoserver = pytest.mark.skipif(
    soffice_path() is None or lo_server.uno_python() is None or lo_server._unoserver_path() is None,
    reason="needs LibreOffice, its Python uno module and unoserver",
)


@needs_unoserver
def test_legacy_office_files_go_through_one_libreoffice_restarted_when_it_dies(monkeypatch):
    monkeypatch.delenv("DISCLOSURE_NO_UNOSERVER", raising=False)
    first, _ = corpus_file("doc-v2019")
    second, _ = corpus_file("doc-word-v2021")
    converted = docx_text(to_docx(first))
    pid = lo_server.server_pid()
    assert pid is not None
    assert "政府信息公开" in docx_text(to_docx(second))
    assert lo_server.server_pid() == pid

    os.killpg(pid, signal.SIGKILL)  # LibreOffice dies between two files
    time.sleep(0.2)
    assert docx_text(to_docx(first)) == converted
    assert lo_server.server_pid() not in (None, pid)

    monkeypatch.setenv("DISCLOSURE_NO_UNOSERVER", "1")  # one LibreOffice start per file gives the same text
    assert docx_text(to_docx(first)) == converted
