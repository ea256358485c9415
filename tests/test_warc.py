"""Raw bytes in WARC files: standard records, the database as their index, crashes survived."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import random
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from warcio.archiveiterator import ArchiveIterator

from disclosure.cli import main
from storage.archive import load_blob, load_blobs, store_capture
from storage.db import open_archive, session_scope
from storage.models import Blob, Capture, FetchFailure
from storage.verify import repair_archive, verify_archive
from storage import warc
from storage.warc import Fetch, WarcStore, scan_file, sha256_digest, store_for, warc_dir
from tests.conftest import T0

PAGE = "http://127.0.0.1:1/gknb/t1.html"


def _store(session, url=PAGE, body=b"<html>report</html>", at=T0, **fields):
    fields = {"final_url": url, "status": 200, "headers": {"Content-Type": "text/html"}, **fields}
    return store_capture(session, url=url, body=body, fetched_at=at, **fields)


def _records(folder: Path) -> list:
    found = []
    for path in sorted(folder.glob("*.warc.gz")):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                found.append((record.rec_type, record.rec_headers, record.raw_stream.read()))
    return found


def test_a_response_is_a_response_and_a_request_record_with_sha256_digest(session):
    stored = _store(
        session, url="http://127.0.0.1:1/old.html", final_url=PAGE, body=b"<html>r</html>",
        headers={"Content-Type": "text/html", "Content-Encoding": "gzip"},
        request_headers={"User-Agent": "disclosure"}, redirects=("http://127.0.0.1:1/old.html",),
    )
    session.commit()
    folder = store_for(session.get_bind()).folder
    records = _records(folder)
    assert [r[0] for r in records] == ["warcinfo", "response", "request"]
    _, response, payload = records[1]
    assert payload == b"<html>r</html>"
    assert response.get_header("WARC-Target-URI") == PAGE
    assert response.get_header("WARC-Disclosure-Requested-URI") == "http://127.0.0.1:1/old.html"
    assert response.get_header("WARC-Payload-Digest") == sha256_digest(stored.sha256)
    assert records[2][1].get_header("WARC-Concurrent-To") == response.get_header("WARC-Record-ID")
    assert all(r[1].protocol == "WARC/1.1" for r in records)


def test_a_payload_already_held_is_a_revisit_record(session):
    first = _store(session)
    _store(session, url="http://127.0.0.1:1/copy.html", at=T0 + timedelta(days=1))
    session.commit()
    records = _records(store_for(session.get_bind()).folder)
    revisit = [r for r in records if r[0] == "revisit"]
    assert len(revisit) == 1 and revisit[0][2] == b""
    headers = revisit[0][1]
    assert headers.get_header("WARC-Profile").endswith("/warc/1.1/revisit/identical-payload-digest")
    assert headers.get_header("WARC-Refers-To-Target-URI") == PAGE
    assert headers.get_header("WARC-Payload-Digest") == sha256_digest(first.sha256)
    assert session.scalar(select(func.count()).select_from(Blob)) == 1


def test_reading_one_payload_is_a_seek_not_a_scan(session):
    stored = [_store(session, url=f"http://127.0.0.1:1/{n}.html", body=f"<html>{n}</html>".encode())
              for n in range(20)]
    session.commit()
    last = session.get(Blob, stored[-1].sha256)
    path = store_for(session.get_bind()).folder / last.warc_file
    data = bytearray(path.read_bytes())
    data[: last.warc_offset] = bytes(last.warc_offset)  # everything before it unreadable
    path.write_bytes(bytes(data))
    assert load_blob(session, stored[-1].sha256) == b"<html>19</html>"
    assert load_blobs(session, [stored[-1].sha256, stored[0].sha256]) == {
        stored[-1].sha256: b"<html>19</html>", stored[0].sha256: None}


def test_files_rotate_at_the_size_set_and_each_process_writes_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv("DISCLOSURE_WARC_MAX_BYTES", "2000")
    store = WarcStore(tmp_path / "warc")
    for n in range(10):
        body = hashlib.sha512(str(n).encode()).digest() * 8
        fetch = Fetch(url=PAGE, final_url=PAGE, status=200, headers={}, body=body, fetched_at=T0)
        store.write_fetch(fetch, hashlib.sha256(body).hexdigest())
    files = store.files()
    assert len(files) > 2
    assert all((tmp_path / "warc" / f).stat().st_size < 2000 + 1500 for f in files)
    context = multiprocessing.get_context("fork")
    child = context.Process(target=_write_one, args=(store,))
    child.start()
    child.join(30)
    new = set(store.files()) - set(files)
    assert child.exitcode == 0 and len(new) == 1
    assert f"-{child.pid}-" in new.pop()


def _write_one(store: WarcStore) -> None:
    fetch = Fetch(url=PAGE, final_url=PAGE, status=200, headers={}, body=b"child", fetched_at=T0)
    store.write_fetch(fetch, hashlib.sha256(b"child").hexdigest())


def test_a_sqlite_archive_is_its_file_and_folder_and_copies_as_one(tmp_path):
    original = tmp_path / "a" / "county.sqlite"
    engine = open_archive(f"sqlite:///{original}")
    with session_scope(engine) as session:
        sha256 = _store(session, body=b"%PDF-1.4 bytes").sha256
    engine.dispose()
    assert warc_dir(f"sqlite:///{original}") == tmp_path / "a" / "county.warc"
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    shutil.rmtree(tmp_path / "a")
    copy = open_archive(f"sqlite:///{tmp_path / 'b' / 'county.sqlite'}")
    with Session(copy) as session:
        assert load_blob(session, sha256) == b"%PDF-1.4 bytes"
    copy.dispose()


def test_warcio_index_reads_the_files(session):
    _store(session)
    session.commit()
    folder = store_for(session.get_bind()).folder
    [path] = folder.glob("*.warc.gz")
    warcio = Path(sys.executable).with_name("warcio")
    lines = subprocess.run([str(warcio), "index", str(path)], capture_output=True, text=True, check=True,
                           timeout=60).stdout.splitlines()
    assert [json.loads(line)["warc-type"] for line in lines] == ["warcinfo", "response", "request"]
    checked = subprocess.run([str(warcio), "check", str(path)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_payload_that_does_not_shrink_is_stored_and_a_page_is_compressed(session):
    noise = random.Random(0).randbytes(300_000)  # like a PDF's or a DOCX's compressed streams
    page = b"<html>" + b"<tr><td>\xe5\xb9\xb4\xe5\xba\xa6</td><td>12</td></tr>" * 8_000 + b"</html>"
    stored = {
        body: _store(session, url=f"http://127.0.0.1:1/{name}", body=body).sha256
        for name, body in (("a.pdf", noise), ("t2.html", page))
    }
    session.commit()
    blobs = {blob.sha256: blob for blob in session.scalars(select(Blob))}
    assert warc._level_for(noise) == 0 and warc._level_for(page) == warc.GZIP_LEVEL > 0
    assert blobs[stored[noise]].warc_length > len(noise)
    assert blobs[stored[page]].warc_length < len(page) / 10
    assert load_blobs(session, list(stored.values())) == {sha256: body for body, sha256 in stored.items()}
    [path] = store_for(session.get_bind()).folder.glob("*.warc.gz")
    warcio = Path(sys.executable).with_name("warcio")
    checked = subprocess.run([str(warcio), "check", str(path)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_file_cut_by_a_crash_is_found_its_whole_records_kept_and_the_index_repaired(session):
    kept = _store(session, url="http://127.0.0.1:1/kept.html", body=b"<html>kept</html>")
    lost = _store(session, url="http://127.0.0.1:1/lost.pdf", body=b"%PDF-1.4 " + bytes(5000))
    session.commit()
    blob = session.get(Blob, lost.sha256)
    folder = store_for(session.get_bind()).folder
    path = folder / blob.warc_file
    store_for(session.get_bind()).close()  # the writer is gone, as after a crash
    with open(path, "r+b") as stream:
        stream.truncate(blob.warc_offset + blob.warc_length // 2)

    problems = {p.what.split(" (")[0]: p for p in verify_archive(session).problems}
    assert problems["WARC files cut short"].examples == (blob.warc_file,)
    assert problems["blobs whose WARC record is gone"].examples == (lost.sha256,)
    assert load_blob(session, kept.sha256) == b"<html>kept</html>"

    repaired = repair_archive(session)
    session.commit()
    assert (repaired.blobs_dropped, repaired.captures_dropped, repaired.documents_to_fetch) == (1, 1, 1)
    assert scan_file(folder, blob.warc_file).truncated_at is None
    assert verify_archive(session).problems == ()
    assert session.get(Capture, lost.capture_id) is None
    assert session.scalar(select(FetchFailure.reason).where(FetchFailure.document_id == lost.document_id))
    # fetched again, the payload is held once more
    again = _store(session, url="http://127.0.0.1:1/lost.pdf", body=b"%PDF-1.4 " + bytes(5000),
                   at=T0 + timedelta(days=1))
    session.commit()
    assert load_blob(session, again.sha256) == b"%PDF-1.4 " + bytes(5000)


def test_a_file_still_being_written_is_not_cut(sqlite_url):
    engine = open_archive(sqlite_url)
    with session_scope(engine) as session:
        _store(session)
    store = store_for(engine)
    with open(store.folder / store.current_file(), "ab") as stream:
        stream.write(b"\x1f\x8b\x08\x00")  # the first bytes of a record in the making
    with Session(engine) as session:
        assert verify_archive(session).problems == ()
    store.close()
    with Session(engine) as session:
        assert [p.what.split(" (")[0] for p in verify_archive(session).problems] == ["WARC files cut short"]
    engine.dispose()


def test_verify_command_reports_and_repairs(sqlite_url, capsys):
    engine = open_archive(sqlite_url)
    with session_scope(engine) as session:
        lost = _store(session, body=b"<html>gone</html>")
        blob = session.get(Blob, lost.sha256)
        path, cut = store_for(engine).folder / blob.warc_file, blob.warc_offset + 10
    store_for(engine).close()
    engine.dispose()
    with open(path, "r+b") as stream:
        stream.truncate(cut)
    assert main(["verify", "--db", sqlite_url]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("problem: WARC files cut short") and "): 1 (e.g." in line for line in lines)
    assert any(line.startswith("problem: blobs whose WARC record is gone") and "): 1 (e.g." in line for line in lines)
    assert main(["verify", "--repair", "--db", sqlite_url]) == 0
    out = capsys.readouterr().out
    assert "1 lost payloads" in out and "no problems" in out


def test_a_server_archive_keeps_its_warc_files_where_told(postgresql_url, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "shared-warc"
    monkeypatch.delenv("DISCLOSURE_WARC_DIR")
    assert warc_dir(postgresql_url) == Path("data/warc")
    assert main(["verify", "--db", postgresql_url, "--warc-dir", str(folder)]) == 0
    engine = open_archive(postgresql_url)  # as a crawl the command starts would
    with session_scope(engine) as session:
        store_capture(session, url=PAGE, final_url=PAGE, status=200, headers={}, body=b"x", fetched_at=T0)
        assert store_for(engine).folder == folder
    engine.dispose()
    assert list(folder.glob("*.warc.gz"))
    assert main(["verify", "--db", postgresql_url, "--warc-dir", str(folder)]) == 0
    assert "verified 1 blobs" in capsys.readouterr().out
