"""Extraction with several worker processes stores exactly what one process stores, survives a
worker that dies, and keeps its progress bar off standard output."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

import disclosure.extraction as runner
from disclosure.extraction import extract_archive
from disclosure.workers import WORKER_DIED, Outcome, pack, read_stored
from disclosure.progress import progress_bar, wanted
from extract import extract_document
from storage.archive import captures_to_extract
from storage.changes import compare_versions
from storage.db import open_archive, session_scope
from storage.models import CheckResult, ExtractedValue, Extraction
from storage.queries import failures

from .cli_runner import run_cli
from .report_fixtures import report_blocks, to_docx, to_html, to_pdf, to_text
from .test_extraction_runner import FETCHED, store

SEEDS = Path(__file__).resolve().parent / "seeds"
BASE = "http://127.0.0.1:1/gknb/"


def fill(engine, *, every_format: bool = True) -> int:
    """The five seeds, a broken PDF and a guide page; and reports in every format and both templates."""
    captures = []
    for template in ("v2019", "v2021") if every_format else ():
        blocks = report_blocks(template)
        captures += [
            (f"{template}.html", to_html(blocks).encode(), "text/html; charset=utf-8"),
            (f"{template}.docx", to_docx(blocks), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (f"{template}.pdf", to_pdf(blocks), "application/pdf"),
            (f"{template}.txt", to_text(blocks).encode(), "text/plain; charset=utf-8"),
        ]
    captures += [(seed.name, seed.read_bytes(), "text/plain; charset=utf-8") for seed in sorted(SEEDS.glob("*.txt"))]
    captures += [
        ("P0broken.pdf", b"%PDF-1.7\n1 0 obj <<", "application/pdf"),
        ("guide.html", "<html><body><h1>政府信息公开指南</h1><p>指南正文</p></body></html>".encode(), "text/html"),
    ]
    for name, body, content_type in captures:
        store(engine, BASE + name, body, content_type)
    return len(captures)


def stored(engine, version: str) -> dict[int, tuple]:
    """Everything stored for each capture at ``version``, without row ids and times."""
    with session_scope(engine) as session:
        extractions = session.scalars(select(Extraction).where(Extraction.parser_version == version)).all()
        values = session.execute(
            select(ExtractedValue.extraction_id, ExtractedValue.table_name, ExtractedValue.row_key,
                   ExtractedValue.column_key, ExtractedValue.value, ExtractedValue.raw).order_by(ExtractedValue.id)
        ).all()
        checks = session.execute(
            select(CheckResult.extraction_id, CheckResult.rule, CheckResult.scope, CheckResult.status,
                   CheckResult.cells, CheckResult.difference).order_by(CheckResult.id)
        ).all()
        by_extraction: dict[int, tuple[list, list]] = {e.id: ([], []) for e in extractions}
        for extraction_id, *cell in values:
            if extraction_id in by_extraction:
                by_extraction[extraction_id][0].append(tuple(cell))
        for extraction_id, *check in checks:
            if extraction_id in by_extraction:
                by_extraction[extraction_id][1].append((*check[:3], tuple(check[3] or ()), check[4]))
        return {
            e.capture_id: (
                e.status, e.error, e.is_annual_report, e.reason, e.body, e.year, e.template, e.title,
                e.published, e.metadata_, e.warnings, e.text, by_extraction[e.id][0], by_extraction[e.id][1],
            )
            for e in extractions
        }


@pytest.fixture
def sqlite_engine(sqlite_url):
    """For what does not depend on the database: one backend is enough."""
    engine = open_archive(sqlite_url)
    yield engine
    engine.dispose()


def crashing(content, *, url, content_type, fetched_at, limits):
    """The real parser, except that reading 003's seed kills the process."""
    if url.endswith("003_e0ddddd15fe580f0.txt"):
        os._exit(3)
    return extract_document(content, url=url, content_type=content_type, fetched_at=fetched_at, limits=limits)


def test_two_workers_store_exactly_what_one_process_stores(engine):
    count = fill(engine)
    serial = extract_archive(engine, jobs=1, parser_version="serial")
    parallel = extract_archive(engine, jobs=2, parser_version="parallel")

    assert (serial.captures, serial.jobs, parallel.jobs) == (count, 1, 2)
    assert (serial.reports, serial.other_documents, serial.failures) == (
        parallel.reports, parallel.other_documents, parallel.failures,
    )
    assert serial.reports >= 13 and serial.failures == 1
    one, two = stored(engine, "serial"), stored(engine, "parallel")
    assert len(one) == count and one == two
    assert sum(len(cells) for *_, cells, _ in one.values()) > 13 * 150
    with session_scope(engine) as session:
        assert not compare_versions(session, "parallel", "serial").any
        ids = session.execute(
            select(Extraction.capture_id, Extraction.id).where(Extraction.parser_version == "parallel")
        ).all()
    # written in capture order, whatever order the workers finished in
    assert [e for _, e in sorted(ids)] == sorted(e for _, e in ids)


def test_a_worker_that_dies_costs_only_its_capture(sqlite_engine):
    engine = sqlite_engine
    count = fill(engine, every_format=False)
    extract_archive(engine, jobs=1, parser_version="serial")
    summary = extract_archive(engine, jobs=2, parser_version="crash", extractor=crashing)

    assert (summary.captures, summary.failures) == (count, 2)
    with session_scope(engine) as session:
        failed = dict(failures(session, "crash"))
    assert failed[BASE + "003_e0ddddd15fe580f0.txt"].startswith(WORKER_DIED + " (exit status 3)")
    assert set(failed) == {BASE + "003_e0ddddd15fe580f0.txt", BASE + "P0broken.pdf"}
    serial, crash = stored(engine, "serial"), stored(engine, "crash")
    different = {capture for capture in serial if serial[capture] != crash[capture]}
    assert len(different) == 1 and crash[different.pop()][0] == "failed"


def test_blobs_are_read_a_batch_ahead_not_all_at_once(sqlite_engine, monkeypatch):
    engine = sqlite_engine
    count = fill(engine, every_format=False)
    loaded: list[str] = []
    ahead: list[int] = []
    real_load = runner.load_blob

    def counting_load(session, sha256):
        loaded.append(sha256)
        return real_load(session, sha256)

    def watching(content, **kwargs):
        ahead.append(len(loaded) - len(ahead))
        return extract_document(content, **kwargs)

    monkeypatch.setattr(runner, "load_blob", counting_load)
    extract_archive(engine, jobs=1, extractor=watching, limits=None)
    assert len(loaded) == count
    assert 1 <= max(ahead) <= 2  # the batch for one process


def test_jobs_below_one_is_an_error(engine):
    with pytest.raises(ValueError, match="at least 1"):
        extract_archive(engine, jobs=0)


def test_more_jobs_than_captures_starts_no_more_workers(engine):
    store(engine, BASE + "guide.html", "<html><body><h1>指南</h1></body></html>".encode(), "text/html")
    assert extract_archive(engine, jobs=8).jobs == 1
    assert extract_archive(engine, jobs=8).captures == 0


def test_the_progress_bar_goes_to_stderr_only_when_asked(sqlite_engine, capsys):
    engine = sqlite_engine
    count = fill(engine, every_format=False)
    extract_archive(engine, jobs=1, progress=True, parser_version="shown")
    out, err = capsys.readouterr()
    assert out == "" and "parser shown" in err and f"{count}/{count}" in err
    extract_archive(engine, jobs=1, progress=False, parser_version="quiet")
    assert capsys.readouterr() == ("", "")


def test_progress_is_shown_by_default_only_on_a_terminal(monkeypatch):
    class Terminal:
        def isatty(self):
            return True

    assert wanted(True) and not wanted(False)
    assert not wanted(None)  # pytest's captured stderr is no terminal
    monkeypatch.setattr("sys.stderr", Terminal())
    assert wanted(None) and not wanted(False)


def test_a_disabled_bar_counts_silently(capsys):
    with progress_bar(3, enabled=False) as bar:
        for _ in range(3):
            bar.update(1)
    assert capsys.readouterr() == ("", "")


def test_extract_all_with_two_jobs_and_a_forced_bar_keeps_stdout_clean(sqlite_engine, sqlite_url, tmp_path):
    count = fill(sqlite_engine, every_format=False)
    first = run_cli("extract", "--jobs", "1", "--db", sqlite_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "capture/s" not in first.stderr  # no terminal, no bar
    again = run_cli("extract", "--all", "--jobs", "2", "--progress", "--db", sqlite_url, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    lines = again.stdout.splitlines()
    assert lines[0].startswith(f"extracted {count} captures with parser ")
    assert lines[0].endswith(" 1 failures")
    assert lines[1:] == ["no earlier parser version in the archive to compare with"]
    assert f"{count}/{count}" in again.stderr and "capture/s" in again.stderr


def test_an_extractor_workers_cannot_import_is_refused_before_any_work(sqlite_engine):
    fill(sqlite_engine, every_format=False)
    with pytest.raises(ValueError, match="cannot import the extractor"):
        extract_archive(sqlite_engine, jobs=2, extractor=lambda content, **_: extract_document(content, **_))
    assert extract_archive(sqlite_engine, jobs=1).captures == 7  # nothing was stored by the refused run


def test_extracting_again_replaces_the_rows_of_the_version_and_leaves_others(sqlite_engine):
    engine = sqlite_engine
    fill(engine)
    extract_archive(engine, jobs=1, parser_version="other")
    first = extract_archive(engine, jobs=2, parser_version="again", write_batch=5)
    once = stored(engine, "again")
    with session_scope(engine) as session:
        rows = session.scalar(select(func.count()).select_from(ExtractedValue))
        ids = set(session.scalars(select(Extraction.id).where(Extraction.parser_version == "again")))
    again = extract_archive(engine, jobs=2, parser_version="again", redo=True, write_batch=5)
    assert (again.captures, again.reports, again.failures) == (first.captures, first.reports, first.failures)
    assert stored(engine, "again") == once and stored(engine, "other") == once
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(ExtractedValue)) == rows > 2 * 13 * 150
        assert session.scalar(select(func.count()).select_from(CheckResult)) > 0
        assert not ids & set(session.scalars(select(Extraction.id).where(Extraction.parser_version == "again")))


def test_a_worker_process_starts_without_the_database_libraries():
    imported = subprocess.run(
        [sys.executable, "-c", "import sys, disclosure.workers, extract.limits; "
                               "print(sorted(m for m in ('sqlalchemy', 'alembic', 'storage') if m in sys.modules))"],
        capture_output=True, text=True, check=True,
    )
    assert imported.stdout.strip() == "[]"


def test_a_record_crosses_from_a_worker_as_tuples_and_comes_back_whole():
    document = extract_document(to_html(report_blocks("v2021")).encode(), url=BASE + "report.html",
                                content_type="text/html; charset=utf-8", fetched_at=FETCHED)
    assert len(document.values) > 150 and document.checks
    sent = pickle.loads(pickle.dumps(Outcome(packed=pack(document))))
    head, values, checks = sent.rows()
    assert (head.values, head.checks, len(values), len(checks)) == ((), (), len(document.values), len(document.checks))
    assert sent.document == document and sent.error is None
    assert Outcome(document=document).rows() == (head, values, checks)


def test_a_worker_reads_the_bytes_where_the_archive_says_and_checks_them(sqlite_engine):
    engine = sqlite_engine
    body = "<html><body><h1>政府信息公开指南</h1><p>指南正文</p></body></html>".encode()
    store(engine, BASE + "guide.html", body, "text/html")
    with session_scope(engine) as session:
        refs = captures_to_extract(session, "any")
    [(ref, place)] = list(runner.stored_contents(engine, refs, batch=4))
    path, offset, length, size = place
    assert read_stored(place, ref.sha256) == body and size == len(body)
    assert read_stored(place, "0" * 64) is None
    assert read_stored((path, offset + 1, length, size), ref.sha256) is None
    assert read_stored((path + ".gone", offset, length, size), ref.sha256) is None
    with open(path, "r+b") as warc:  # the record damaged: no bytes, in a worker as in this process
        warc.seek(offset + length // 2)
        warc.write(bytes(8))
    extract_archive(engine, jobs=1, parser_version="worker")
    extract_archive(engine, jobs=1, parser_version="here", limits=None)
    missing = f"KeyError: the archive has no bytes with sha256 {ref.sha256}"
    with session_scope(engine) as session:
        assert dict(failures(session, "worker")) == dict(failures(session, "here")) == {BASE + "guide.html": missing}
