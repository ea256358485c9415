"""Extraction limits: checked on the bytes before any reader, and enforced on the workers."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from disclosure.extraction import extract_archive
from extract import extract_document
from extract.limits import DEFAULT_LIMITS, LimitExceeded, Limits, check_input
from storage.db import open_archive, session_scope
from storage.queries import failures
from tests import hostile
from tests.cli_runner import run_cli

BASE = "http://127.0.0.1:1/gknb/"
T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)


def test_limits_are_set_by_name_from_text():
    limits = DEFAULT_LIMITS.with_overrides({"wall_seconds": "2.5", "pdf_pages": "10"})
    assert (limits.wall_seconds, limits.pdf_pages) == (2.5, 10)
    assert limits.memory_bytes == DEFAULT_LIMITS.memory_bytes
    with pytest.raises(ValueError, match="unknown limit 'pages'"):
        DEFAULT_LIMITS.with_overrides({"pages": "3"})
    with pytest.raises(ValueError, match="must be positive"):
        DEFAULT_LIMITS.with_overrides({"pdf_pages": "0"})
    with pytest.raises(ValueError, match="must be a number"):
        DEFAULT_LIMITS.with_overrides({"pdf_pages": "many"})


def test_the_default_limits_keep_a_worker_under_a_gigabyte_and_a_minute():
    assert DEFAULT_LIMITS.memory_bytes < 1024**3 and DEFAULT_LIMITS.wall_seconds <= 60


def test_a_pdf_over_the_page_limit_is_refused_by_name():
    with pytest.raises(LimitExceeded, match=r"^limit exceeded: pdf_pages \(12 pages, over 10\)") as caught:
        check_input(hostile.pdf_of_pages(12), "pdf", Limits(pdf_pages=10))
    assert caught.value.limit == "pdf_pages"
    check_input(hostile.pdf_of_pages(10), "pdf", Limits(pdf_pages=10))


def test_a_pdf_stream_that_inflates_past_the_member_limit_is_refused_before_reading():
    bomb = hostile.pdf_with_stream(hostile.deflated(b"0 0 m 1 1 l S\n", 8 * 1024 * 1024))
    with pytest.raises(LimitExceeded, match="member_bytes"):
        extract_document(bomb, url=BASE + "a.pdf", content_type="application/pdf", limits=Limits(member_bytes=4 << 20))
    # under the limit the same file is read (an empty page: no text, no numbers)
    document = extract_document(bomb, url=BASE + "a.pdf", content_type="application/pdf", limits=Limits(member_bytes=16 << 20))
    assert document.values == ()


def test_a_zip_member_over_the_limit_is_refused_by_its_declared_size():
    docx = hostile._docx_with_document_xml(b"<x>" + b" " * 300_000 + b"</x>")
    with pytest.raises(LimitExceeded, match=r"member_bytes \(word/document.xml inflates to 300,007 bytes"):
        check_input(docx, "docx", Limits(member_bytes=100_000))


def test_a_page_over_the_character_limit_is_refused():
    page = ("<html><body>" + "字" * 5000 + "</body></html>").encode("utf-8")
    with pytest.raises(LimitExceeded, match="page_chars"):
        extract_document(page, url=BASE + "a.html", content_type="text/html; charset=utf-8", limits=Limits(page_chars=4000))


# -- the workers: a module-level extractor they can import --------------------------------


def misbehaving(content, *, url, content_type, fetched_at, limits):
    """The real parser, except on the captures named to hang or to eat memory."""
    if url.endswith("hang.html"):
        time.sleep(600)
    if url.endswith("hog.html"):
        hoard = [bytearray(64 * 1024 * 1024) for _ in range(64)]  # 4 GiB, past any worker limit
        return len(hoard)
    return extract_document(content, url=url, content_type=content_type, fetched_at=fetched_at, limits=limits)


def _store(engine, name: str, body: bytes) -> None:
    from storage.archive import store_capture

    with session_scope(engine) as session:
        store_capture(session, url=BASE + name, final_url=BASE + name, status=200,
                      headers={"Content-Type": "text/html; charset=utf-8"}, body=body, fetched_at=T0)


def test_a_capture_over_the_time_or_memory_limit_fails_by_name_and_the_run_goes_on(sqlite_url):
    engine = open_archive(sqlite_url)
    names = ["a.html", "hang.html", "b.html", "hog.html", "c.html", "d.html"]
    for number, name in enumerate(names):
        _store(engine, name, f"<html><body><h1>通知 {number}</h1><p>无</p></body></html>".encode())
    limits = Limits(wall_seconds=3, memory_bytes=512 * 1024 * 1024)

    started = time.monotonic()
    summary = extract_archive(engine, jobs=2, extractor=misbehaving, limits=limits)
    elapsed = time.monotonic() - started

    assert (summary.captures, summary.failures) == (6, 2)
    with session_scope(engine) as session:
        failed = dict(failures(session, summary.parser_version))
    assert failed[BASE + "hang.html"] == "limit exceeded: wall_seconds (still reading after 3 s)"
    assert failed[BASE + "hog.html"].startswith("limit exceeded: memory_bytes")
    assert elapsed < 60  # the hanging capture did not hold the run
    engine.dispose()


def test_parse_refuses_a_file_over_a_limit_named_on_the_command_line(tmp_path):
    path = tmp_path / "long.pdf"
    path.write_bytes(hostile.pdf_of_pages(5))
    refused = run_cli("parse", "--limit", "pdf_pages=4", str(path), cwd=tmp_path)
    assert refused.returncode == 2
    assert "limit exceeded: pdf_pages (5 pages, over 4)" in refused.stderr
    unknown = run_cli("parse", "--limit", "pages=4", str(path), cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown limit 'pages'" in unknown.stderr
