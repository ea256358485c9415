"""`disclosure verify`: the archive's bytes match their hashes and every row points at a real row."""

from __future__ import annotations

from sqlalchemy import select, text, update

from storage.archive import record_extraction
from storage.db import open_archive, session_scope
from storage.models import Blob
from storage.verify import verify_archive
from tests.cli_runner import run_cli


def _fill(session, add_capture, make_report) -> tuple[int, str]:
    page = add_capture("http://127.0.0.1:1/gknb/t1.html", b"<html>report</html>")
    add_capture("http://127.0.0.1:1/gknb/P0.pdf", b"%PDF-1.4 attachment", parent_url="http://127.0.0.1:1/gknb/t1.html")
    record_extraction(session, page.capture_id, make_report(page.sha256, values={("requests", "new", "total"): "3"}))
    session.commit()
    return page.capture_id, page.sha256


def test_a_sound_archive_verifies(session, add_capture, make_report):
    _fill(session, add_capture, make_report)
    verified = verify_archive(session)
    assert verified.problems == ()
    assert (verified.blobs, verified.captures, verified.extractions) == (2, 2, 1)
    assert verified.blob_bytes == len(b"<html>report</html>") + len(b"%PDF-1.4 attachment")


def test_altered_bytes_and_dangling_rows_are_named(session, add_capture, make_report):
    capture_id, sha256 = _fill(session, add_capture, make_report)
    other = session.scalars(select(Blob).where(Blob.sha256 != sha256)).one()
    # the index names another payload's record: the bytes there do not hash to this sha256
    session.execute(update(Blob).where(Blob.sha256 == sha256).values(
        warc_file=other.warc_file, warc_offset=other.warc_offset, warc_length=other.warc_length))
    if _no_fk(session):
        # what a foreign key would refuse, written behind the archive's back
        session.execute(text("DELETE FROM captures WHERE id = :id").bindparams(id=capture_id))
    session.commit()

    problems = {p.what: p for p in verify_archive(session).problems}

    assert problems["blobs whose bytes do not hash to their sha256"].examples == (sha256,)
    if _no_fk(session):
        assert problems["extractions of a capture that is not archived"].count == 1


def _no_fk(session) -> bool:
    # SQLite, as the archive opens it, does not enforce foreign keys; PostgreSQL does
    return session.get_bind().dialect.name == "sqlite"


def test_verify_exits_non_zero_and_says_what_is_wrong(sqlite_url, tmp_path, make_report):
    from storage.archive import store_capture
    from tests.conftest import T0

    engine = open_archive(sqlite_url)
    with session_scope(engine) as session:
        stored = store_capture(session, url="http://127.0.0.1:1/a.html", final_url="http://127.0.0.1:1/a.html",
                               status=200, headers={}, body=b"<html>a</html>", fetched_at=T0)
    sound = run_cli("verify", "--db", sqlite_url, cwd=tmp_path)
    assert sound.returncode == 0, sound.stderr
    assert "1 blobs" in sound.stdout and "no problems" in sound.stdout

    with session_scope(engine) as session:
        session.execute(update(Blob).where(Blob.sha256 == stored.sha256).values(size=3))
    engine.dispose()
    broken = run_cli("verify", "--db", sqlite_url, cwd=tmp_path)
    assert broken.returncode == 1
    assert f"blobs whose size is not their length: 1 (e.g. {stored.sha256})" in broken.stdout
