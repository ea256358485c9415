"""Withdrawals, 304s and requests without an answer, as the archive records them; the export's status."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from storage.archive import record_extraction, record_not_modified, record_seen_unchanged
from storage.frontier import count_withdrawn, known_documents, recent_fetch_failures, record_fetch_failure
from storage.models import Capture, Document
from storage.queries import report_values

from .conftest import T0

PAGE = "http://county.test/xxgk/gknb/t20240115_1.html"
T1, T2, T3 = T0 + timedelta(days=1), T0 + timedelta(days=2), T0 + timedelta(days=3)
GONE = b"<html>404 Not Found</html>"
CELLS = {("requests", "new", "total"): "12"}


def test_a_published_document_that_answers_404_is_withdrawn_from_the_first_miss(session, add_capture):
    add_capture(PAGE, b"<html>report</html>")
    first_miss = add_capture(PAGE, GONE, status=404, fetched_at=T1)
    again = add_capture(PAGE, GONE, status=404, fetched_at=T2)
    document = session.scalar(select(Document).where(Document.url == PAGE))
    assert first_miss.withdrawn and not again.withdrawn
    assert document.withdrawn_at == T1
    assert count_withdrawn(session, T0, T2) == 1
    assert count_withdrawn(session, T2, T3) == 0


def test_410_withdraws_too_but_a_dead_link_that_never_answered_is_not_withdrawn(session, add_capture):
    add_capture("http://county.test/a.html")
    assert add_capture("http://county.test/a.html", GONE, status=410, fetched_at=T1).withdrawn
    dead = add_capture("http://county.test/dead.html", GONE, status=404)
    assert not dead.withdrawn
    withdrawn = session.scalars(select(Document.url).where(Document.withdrawn_at.is_not(None))).all()
    assert withdrawn == ["http://county.test/a.html"]


def test_a_later_200_reinstates_it_and_the_404_capture_stays_as_the_episode(session, add_capture):
    add_capture(PAGE, b"<html>report</html>")
    add_capture(PAGE, GONE, status=404, fetched_at=T1)
    back = add_capture(PAGE, b"<html>report</html>", fetched_at=T2)
    document = session.scalar(select(Document).where(Document.url == PAGE))
    assert back.reinstated and back.is_new_version
    assert document.withdrawn_at is None
    statuses = session.scalars(select(Capture.status).where(Capture.document_id == document.id).order_by(Capture.fetched_at))
    assert list(statuses) == [200, 404, 200]


def test_not_modified_extends_the_latest_capture_without_storing_bytes(session, add_capture):
    stored = add_capture(PAGE, b"<html>report</html>")
    seen = record_not_modified(session, stored.capture_id, T1)
    assert (seen.capture_id, seen.is_new_version) == (stored.capture_id, False)
    record_not_modified(session, stored.capture_id, T1)  # the same sighting twice counts once
    capture = session.get(Capture, stored.capture_id)
    assert (capture.last_seen_at, capture.times_seen) == (T1, 2)
    assert session.scalar(select(Capture.id).where(Capture.id != stored.capture_id)) is None


def test_many_304s_are_recorded_at_once_as_each_would_be_alone(session, add_capture):
    page = add_capture(PAGE, b"<html>report</html>")
    other = add_capture("http://county.test/b.html", b"<html>b</html>")
    add_capture("http://county.test/b.html", GONE, status=404, fetched_at=T1)  # b withdrawn...
    older = session.scalar(select(Capture).where(Capture.id == other.capture_id))
    assert older.times_seen == 1  # held by the session while the batch is written
    seen = record_seen_unchanged(session, [
        (page.capture_id, T1), (page.capture_id, T1), (page.capture_id, T2),  # the same sighting twice: once
        (other.capture_id, T2), (other.capture_id, T3),  # ...and back: reinstated once
        (987654, T2),  # not (any more) in the archive
    ])
    assert [s and (s.capture_id, s.reinstated) for s in seen] == [
        (page.capture_id, False), (page.capture_id, False), (page.capture_id, False),
        (other.capture_id, True), (other.capture_id, False), None,
    ]
    assert (older.last_seen_at, older.times_seen) == (T3, 3)
    capture = session.get(Capture, page.capture_id)
    assert (capture.last_seen_at, capture.times_seen) == (T2, 3)
    assert session.scalar(select(Document.withdrawn_at).where(Document.url == "http://county.test/b.html")) is None


def test_requests_without_an_answer_are_kept_and_their_documents_become_known(session, add_capture):
    add_capture(PAGE)
    record_fetch_failure(
        session, url="http://county.test/a.pdf", reason="TimeoutError: took longer than 60 s", failed_at=T1,
        portal="testcounty", role="attachment", parent_url=PAGE,
    )
    record_fetch_failure(
        session, url="http://county.test/a.pdf", reason="ConnectionRefusedError: refused", failed_at=T2,
        portal="testcounty", role="attachment", parent_url=PAGE,
    )
    (failure,) = recent_fetch_failures(session, "testcounty")
    assert (failure.url, failure.failures, failure.failed_at) == ("http://county.test/a.pdf", 2, T2)
    assert failure.reason.startswith("ConnectionRefusedError")
    assert recent_fetch_failures(session, "elsewhere") == []
    known = {d.url: d for d in known_documents(session, "testcounty")}
    assert known["http://county.test/a.pdf"].capture_id is None
    assert known["http://county.test/a.pdf"].parent_url == PAGE
    assert known[PAGE].status == 200

    add_capture("http://county.test/a.pdf", b"%PDF-1.4", fetched_at=T3, parent_url=PAGE)
    assert recent_fetch_failures(session) == []


def report(session, add_capture, make_report, url, *, title=None, year=2023, when=T0):
    stored = add_capture(url, url.encode(), fetched_at=when)
    document = make_report(stored.sha256, values=CELLS, year=year)
    if title:
        document = dataclasses.replace(document, title=title)
    record_extraction(session, stored.capture_id, document)
    return stored


def test_export_status_says_current_withdrawn_or_superseded(session, add_capture, make_report):
    report(session, add_capture, make_report, "http://county.test/2023.html")
    report(session, add_capture, make_report, "http://county.test/2022.html", year=2022)
    report(session, add_capture, make_report, "http://county.test/2022-fixed.html", year=2022,
           title="留车镇人民政府2022年政府信息公开工作年度报告（更正）", when=T1)
    add_capture("http://county.test/2023.html", GONE, status=404, fetched_at=T2)
    statuses = {row.source_url: row.status for row in report_values(session, "1")}
    assert statuses == {
        "http://county.test/2023.html": "withdrawn",
        "http://county.test/2022.html": "superseded",
        "http://county.test/2022-fixed.html": "current",
    }


def test_an_unlisted_document_that_no_longer_answers_is_withdrawn_once_the_lists_were_read_whole(
    archive_url, session, add_capture
):
    from scrapy import Request
    from scrapy.utils.test import get_crawler

    from crawler.column_walk import ColumnWalk
    from crawler.columns import Column
    from crawler.middlewares import FrontierMiddleware
    from crawler.platforms import ListedItem, ListPage
    from storage.db import open_archive

    listed, unlisted = "http://county.test/listed.html", "http://county.test/unlisted.html"
    add_capture(listed)
    add_capture(unlisted)
    session.commit()
    middleware = FrontierMiddleware.from_crawler(get_crawler(settings_dict={"DISCLOSURE_DB": archive_url}))
    middleware.engine = open_archive(archive_url)
    middleware.portals = ["testcounty"]
    middleware.known = {d.url: d for d in known_documents(session, "testcounty")}
    for url in (listed, unlisted):
        middleware.process_exception(Request(url, meta={"role": "item"}), TimeoutError("no answer"))

    def walk(read: bool) -> ColumnWalk:
        column = ColumnWalk(Column(portal="testcounty", start_urls=("http://county.test/list.html",)),
                            max_list_pages=10, max_barren_pages=5)
        column.start()
        if read:
            column.read(ListPage(items=(ListedItem(url=listed, title="2023年政府信息公开工作年度报告"),)))
        return column

    try:
        middleware.withdraw_unlisted([walk(read=False)])  # the lists were not read: nothing is known
        session.expire_all()
        assert session.scalars(select(Document.url).where(Document.withdrawn_at.is_not(None))).all() == []
        middleware.withdraw_unlisted([walk(read=True)])
    finally:
        middleware.engine.dispose()
    session.expire_all()
    assert session.scalars(select(Document.url).where(Document.withdrawn_at.is_not(None))).all() == [unlisted]


def test_a_withdrawn_attachment_yields_to_the_file_the_page_links_now(session, add_capture, make_report):
    page = add_capture(PAGE, b"<html>see the attachment</html>")
    record_extraction(session, page.capture_id, make_report(page.sha256, values={}, is_annual_report=True))
    for url, cells, when in (
        ("http://county.test/old.pdf", {**CELLS, ("requests", "carried_in", "total"): "1"}, T0),
        ("http://county.test/new.pdf", CELLS, T1),
    ):
        stored = add_capture(url, url.encode(), fetched_at=when, parent_url=PAGE, role="attachment")
        record_extraction(session, stored.capture_id, make_report(stored.sha256, values=cells))
    assert {row.source_url for row in report_values(session, "1")} == {"http://county.test/old.pdf"}
    add_capture("http://county.test/old.pdf", GONE, status=404, fetched_at=T2, parent_url=PAGE)
    rows = report_values(session, "1")
    assert {(row.source_url, row.status) for row in rows} == {("http://county.test/new.pdf", "current")}
