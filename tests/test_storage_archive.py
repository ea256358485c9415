"""Storing captures: dedupe, new versions, blobs once per content, documents and attachments."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from storage.archive import captures_to_extract, load_blob, record_failure, store_capture
from storage.models import Blob, Capture, Document

T0 = datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def captures_of(session, url: str) -> list[Capture]:
    query = select(Capture).join(Document).where(Document.url == url).order_by(Capture.fetched_at)
    return list(session.scalars(query))


def test_first_capture_is_stored_with_everything_that_came_with_it(session, add_capture):
    stored = add_capture(
        "http://county.test/a.html",
        b"<html>v1</html>",
        final_url="http://county.test/a2.html",
        headers={"Content-Type": "text/html; charset=gbk", "Set-Cookie": ["a=1", "b=2"]},
    )
    session.commit()

    assert stored.is_new_version
    assert stored.sha256 == hashlib.sha256(b"<html>v1</html>").hexdigest()
    capture = session.get(Capture, stored.capture_id)
    assert capture.document_id == stored.document_id
    assert (capture.url, capture.final_url) == (
        "http://county.test/a.html",
        "http://county.test/a2.html",
    )
    assert capture.headers == {
        "Content-Type": ["text/html; charset=gbk"],
        "Set-Cookie": ["a=1", "b=2"],
    }
    assert capture.content_type == "text/html; charset=gbk"
    assert capture.spider == "portal"
    assert capture.fetched_at == T0 and capture.fetched_at.tzinfo is not None
    assert capture.last_seen_at == T0
    assert capture.times_seen == 1
    assert load_blob(session, stored.sha256) == b"<html>v1</html>"


def test_same_content_again_is_seen_again_not_stored_again(session, add_capture):
    first = add_capture("http://county.test/a.html", b"same")
    again = add_capture("http://county.test/a.html", b"same", fetched_at=T0 + DAY)
    session.commit()

    assert not again.is_new_version
    assert again.capture_id == first.capture_id
    [capture] = captures_of(session, "http://county.test/a.html")
    assert capture.fetched_at == T0
    assert capture.last_seen_at == T0 + DAY
    assert capture.times_seen == 2


def test_storing_the_same_response_twice_changes_nothing(session, add_capture):
    add_capture("http://county.test/a.html", b"same", fetched_at=T0)
    add_capture("http://county.test/a.html", b"same", fetched_at=T0 + DAY)
    repeat = add_capture("http://county.test/a.html", b"same", fetched_at=T0 + DAY)
    session.commit()

    assert not repeat.is_new_version
    [capture] = captures_of(session, "http://county.test/a.html")
    assert (capture.times_seen, capture.last_seen_at) == (2, T0 + DAY)


def test_changed_content_is_a_new_version_and_the_old_one_stays(session, add_capture):
    v1 = add_capture("http://county.test/a.html", b"version 1", fetched_at=T0)
    v2 = add_capture("http://county.test/a.html", b"version 2", fetched_at=T0 + DAY)
    back = add_capture("http://county.test/a.html", b"version 1", fetched_at=T0 + 2 * DAY)
    session.commit()

    assert v2.is_new_version and back.is_new_version
    assert len({v1.capture_id, v2.capture_id, back.capture_id}) == 3
    assert v1.document_id == v2.document_id == back.document_id
    history = [
        (c.blob_sha256, c.fetched_at) for c in captures_of(session, "http://county.test/a.html")
    ]
    assert history == [(v1.sha256, T0), (v2.sha256, T0 + DAY), (v1.sha256, T0 + 2 * DAY)]
    assert count(session, Blob) == 2


def test_changed_status_is_a_new_version(session, add_capture):
    ok = add_capture("http://county.test/a.html", b"body", status=200)
    gone = add_capture("http://county.test/a.html", b"body", status=404, fetched_at=T0 + DAY)
    session.commit()

    assert gone.is_new_version and gone.capture_id != ok.capture_id
    assert [c.status for c in captures_of(session, "http://county.test/a.html")] == [200, 404]


def test_an_older_sighting_of_the_first_version_moves_its_start_back(session, add_capture):
    add_capture("http://county.test/a.html", b"same", fetched_at=T0)
    earlier = add_capture("http://county.test/a.html", b"same", fetched_at=T0 - DAY)
    session.commit()

    assert not earlier.is_new_version
    [capture] = captures_of(session, "http://county.test/a.html")
    assert (capture.fetched_at, capture.last_seen_at, capture.times_seen) == (T0 - DAY, T0, 2)


def test_a_blob_is_stored_once_for_many_urls(session, add_capture):
    a = add_capture("http://county.test/a.pdf", b"%PDF same bytes")
    b = add_capture("http://county.test/b.pdf", b"%PDF same bytes")
    session.commit()

    assert a.sha256 == b.sha256
    assert a.document_id != b.document_id
    assert count(session, Blob) == 1
    assert count(session, Capture) == 2
    assert session.get(Blob, a.sha256).size == len(b"%PDF same bytes")


def test_attachment_is_linked_to_the_page_it_came_from(session, add_capture):
    attachment = add_capture(
        "http://county.test/P020240115.pdf",
        b"%PDF report",
        parent_url="http://county.test/t20240115_1.html",
        link_text="2023年年度报告.pdf",
    )
    page = add_capture(
        "http://county.test/t20240115_1.html", b"<html>page</html>", fetched_at=T0 + DAY
    )
    session.commit()

    child = session.get(Document, attachment.document_id)
    assert child.parent_document_id == page.document_id
    assert child.link_text == "2023年年度报告.pdf"
    parent = session.get(Document, page.document_id)
    assert parent.parent_document_id is None
    # The page was known (as the link's source) before it was fetched itself.
    assert parent.first_seen_at == T0
    assert count(session, Document) == 2


def test_content_type_given_explicitly_wins_over_the_header(session, add_capture):
    stored = add_capture(
        "http://county.test/x",
        headers={"content-type": "text/plain"},
        content_type="application/pdf",
    )
    session.commit()
    assert session.get(Capture, stored.capture_id).content_type == "application/pdf"


def test_naive_fetch_time_is_refused(session):
    with pytest.raises(ValueError, match="timezone-aware"):
        store_capture(
            session,
            url="http://county.test/a",
            final_url="http://county.test/a",
            status=200,
            headers={},
            body=b"x",
            fetched_at=datetime(2024, 1, 1),
        )


def test_fetch_times_in_other_zones_come_back_in_utc(session, add_capture):
    beijing = timezone(timedelta(hours=8))
    stored = add_capture(
        "http://county.test/a", fetched_at=datetime(2024, 3, 1, 16, 0, tzinfo=beijing)
    )
    session.commit()
    session.expire_all()
    fetched = session.get(Capture, stored.capture_id).fetched_at
    assert fetched == T0
    assert fetched.utcoffset() == timedelta(0)


def test_captures_to_extract_lists_successful_captures_without_an_extraction(session, add_capture):
    done = add_capture("http://county.test/done.html", b"done")
    todo = add_capture(
        "http://county.test/todo.pdf", b"todo", headers={"Content-Type": "application/pdf"}
    )
    add_capture("http://county.test/missing.html", b"not found", status=404)
    record_failure(session, done.capture_id, parser_version="1", error="boom")
    session.commit()

    refs = captures_to_extract(session, "1")
    assert [r.capture_id for r in refs] == [todo.capture_id]
    ref = refs[0]
    assert (ref.sha256, ref.url, ref.final_url) == (
        todo.sha256,
        "http://county.test/todo.pdf",
        "http://county.test/todo.pdf",
    )
    assert ref.content_type == "application/pdf"
    assert ref.fetched_at == T0

    assert [r.capture_id for r in captures_to_extract(session, "1", redo=True)] == [
        done.capture_id,
        todo.capture_id,
    ]
    assert [r.capture_id for r in captures_to_extract(session, "2")] == [
        done.capture_id,
        todo.capture_id,
    ]


def test_load_blob_of_unknown_sha256_is_a_key_error(session):
    with pytest.raises(KeyError):
        load_blob(session, "0" * 64)
