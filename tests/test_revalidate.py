"""Re-crawls ask only for what changed: conditional requests, 304s answered from the archive,
and a portal that changes between two crawls (an edit, a withdrawal, an item dropped from
the lists, a new report)."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from sqlalchemy import delete, func, select

from crawler.middlewares import FrontierMiddleware
from disclosure.cli import main
from crawler.revalidate import NOT_MODIFIED_HEADER, READ_STORED_PAGE, RECORDED_LINKS, conditional_headers, due
from simportal import PortalServer, build_site
from simportal.changes import add_report, edit_report, unlist, withdraw
from storage.db import open_archive, session_scope
from storage.frontier import KnownDocument, known_documents, recent_fetch_failures
from storage.models import Capture, CaptureLinks, Document

from .cli_runner import run_cli

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
EDITED = "/xxgk/gknb/202402/t20240225_1565043.html"  # 青岚县人民政府 2023, tables on the page
WITHDRAWN = "/xxgk/gknb/202302/t20230213_1485572.html"  # 城关镇人民政府 2022
UNLISTED = "/xxgk/gknb/202302/t20230209_1484752.html"  # 柳河乡人民政府 2022
NEW_SOURCE = "/zwgk/zfxxgkndbg/202401/t20240118_1557113.html"  # 下坝镇人民政府 2023, another portal
UPHELD = ("appeals", "reconsideration", "upheld")
TOTAL = ("appeals", "reconsideration", "total")


def known(url="http://h/a.html", *, role="item", status=200, seen=NOW - timedelta(days=3), headers=None):
    return KnownDocument(
        url=url, portal="p", role=role, parent_url=None, link_text=None, withdrawn_at=None,
        capture_id=1 if status else None, status=status, sha256="ab" * 32, content_type="text/html",
        headers=headers if headers is not None else {"ETag": ['"v1"'], "Last-Modified": ["Mon, 01 Jan 2024 00:00:00 GMT"]},
        last_seen_at=seen if status else None,
    )


def test_due_revisits_items_and_attachments_not_list_pages():
    docs = [known("http://h/list.html", role="list"), known("http://h/a.pdf", role="attachment"), known()]
    assert [(r.url, r.role) for r in due(docs, "p", now=NOW)] == [
        ("http://h/a.html", "item"),
        ("http://h/a.pdf", "attachment"),
    ]


def test_due_respects_the_cadence_but_always_retries_documents_never_answered():
    seen_today = known(seen=NOW - timedelta(hours=3))
    last_night = known("http://h/b.html", seen=NOW - timedelta(hours=23))
    never = known("http://h/c.html", status=None)
    assert [r.url for r in due([seen_today, last_night, never], "p", now=NOW, revalidate_days=1)] == [
        "http://h/b.html",
        "http://h/c.html",
    ]
    assert [r.url for r in due([seen_today, last_night, never], "p", now=NOW, revalidate_days=7)] == [
        "http://h/c.html"
    ]
    assert len(due([seen_today, last_night, never], "p", now=NOW, revalidate_days=0)) == 3


def test_conditional_headers_come_from_a_published_capture_only():
    assert conditional_headers(known()) == {
        "If-None-Match": '"v1"',
        "If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT",
    }
    assert conditional_headers(known(status=404)) == {}
    assert conditional_headers(known(status=None)) == {}
    assert conditional_headers(known(headers={})) == {}


def test_simulated_portal_answers_conditional_requests():
    site = build_site("demo")
    with PortalServer(site) as server:
        first = urllib.request.urlopen(server.start_url)
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        assert etag and modified

        def status(**headers):
            request = urllib.request.Request(server.start_url, headers=headers)
            try:
                return urllib.request.urlopen(request).status
            except urllib.error.HTTPError as error:
                return error.code

        assert status(**{"If-None-Match": etag}) == 304
        assert status(**{"If-None-Match": '"other"'}) == 200
        assert status(**{"If-Modified-Since": modified}) == 304
        assert status(**{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}) == 200


def test_middleware_asks_conditionally_and_answers_a_304_from_the_archive(archive_url, add_capture, session):
    stored = add_capture(
        "http://h/a.html", b"<html><body>report</body></html>", headers={"Content-Type": "text/html", "ETag": '"v1"'}
    )
    session.commit()
    crawler = get_crawler(settings_dict={"DISCLOSURE_DB": archive_url})
    middleware = FrontierMiddleware.from_crawler(crawler)
    middleware.engine = open_archive(archive_url)
    middleware.known = {d.url: d for d in known_documents(session, "testcounty")}
    try:
        request = Request("http://h/a.html", meta={"role": "item"})
        assert middleware.process_request(request) is None
        assert request.headers[b"If-None-Match"] == b'"v1"'
        answer = middleware.process_response(request, Response("http://h/a.html", status=304, request=request))
        assert isinstance(answer, HtmlResponse) and answer.status == 200
        assert answer.body == b"<html><body>report</body></html>"
        assert answer.headers[NOT_MODIFIED_HEADER] == str(stored.capture_id).encode()
        assert crawler.stats.get_value("disclosure/not_modified") == 1
        unknown = Request("http://h/new.html")
        middleware.process_request(unknown)
        assert b"If-None-Match" not in unknown.headers

        middleware.portals = ["testcounty"]
        failing = Request("http://h/gone.pdf", meta={"role": "attachment", "parent_url": "http://h/a.html"})
        middleware.process_exception(failing, TimeoutError("took longer than 60 seconds"))
    finally:
        middleware.engine.dispose()
    session.expire_all()
    (failure,) = recent_fetch_failures(session, "testcounty")
    assert (failure.url, failure.role, failure.failures) == ("http://h/gone.pdf", "attachment", 1)
    assert "took longer than 60 seconds" in failure.reason


def test_middleware_leaves_a_fresh_document_unasked_and_reads_it_from_the_archive(archive_url, add_capture, session):
    recently = datetime.now(UTC) - timedelta(hours=1)
    add_capture("http://h/item.html", b"<html>item</html>", fetched_at=recently, role="item")
    add_capture("http://h/list.html", b"<html>list</html>", fetched_at=recently, role="list",
                headers={"Content-Type": "text/html", "ETag": '"l1"'})
    session.commit()
    crawler = get_crawler(settings_dict={"DISCLOSURE_DB": archive_url})
    middleware = FrontierMiddleware.from_crawler(crawler)
    middleware.engine = open_archive(archive_url)
    middleware.known = {d.url: d for d in known_documents(session, "testcounty")}
    middleware.cadence = {"testcounty": 1}
    try:
        request = Request("http://h/item.html")
        answer = middleware.process_request(request)
        assert answer is not None and answer.body == b""  # nothing sent, nothing received
        page = middleware.process_response(request, answer)
        assert isinstance(page, HtmlResponse) and page.body == b"<html>item</html>"
        assert b"X-Disclosure-From-Archive" in page.headers
        listing = Request("http://h/list.html")
        assert middleware.process_request(listing) is None  # list pages are always asked for
        assert b"If-None-Match" in listing.headers
        middleware.cadence = {"testcounty": 0}
        assert middleware.process_request(Request("http://h/item.html")) is None
    finally:
        middleware.engine.dispose()
    assert crawler.stats.get_value("disclosure/not_requested") == 1


def test_middleware_answers_a_page_with_recorded_links_without_reading_it(archive_url, add_capture, session):
    links = [("http://h/a.pdf", "附件")]
    add_capture("http://h/a.html", b"<html>report</html>", role="item", links=links,
                headers={"Content-Type": "text/html", "ETag": '"v1"'})
    add_capture("http://h/b.html", b"<html>older archive</html>", role="item",
                headers={"Content-Type": "text/html", "ETag": '"v2"'})
    session.commit()
    crawler = get_crawler(settings_dict={"DISCLOSURE_DB": archive_url})
    middleware = FrontierMiddleware.from_crawler(crawler)
    middleware.engine = open_archive(archive_url)
    middleware.known = {d.url: d for d in known_documents(session, "testcounty")}
    try:
        request = Request("http://h/a.html", meta={"role": "item"})
        assert middleware.process_request(request) is None
        answer = middleware.process_response(request, Response("http://h/a.html", status=304, request=request))
        assert answer.status == 200 and answer.body == b"" and "not_modified" in answer.flags
        assert answer.meta[RECORDED_LINKS] == (("http://h/a.pdf", "附件"),)
        assert crawler.stats.get_value("disclosure/stored_pages_read") is None
        # links never recorded (an archive from before they were): the page is read for them
        other = Request("http://h/b.html", meta={"role": "item"})
        middleware.process_request(other)
        answer = middleware.process_response(other, Response("http://h/b.html", status=304, request=other))
        assert answer.body == b"<html>older archive</html>" and RECORDED_LINKS not in answer.meta
        assert crawler.stats.get_value("disclosure/stored_pages_read") == 1
        # asked for with its body (what was recorded no longer fits): read, recorded links or not
        wanted = Request("http://h/a.html", meta={"role": "item", READ_STORED_PAGE: True})
        middleware.process_request(wanted)
        answer = middleware.process_response(wanted, Response("http://h/a.html", status=304, request=wanted))
        assert answer.body == b"<html>report</html>" and RECORDED_LINKS not in answer.meta
    finally:
        middleware.engine.dispose()


# ---- a portal that changes between crawls ------------------------------------------------


def crawl(db: str, url: str, cwd: Path, revalidate_days: int = 0) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.crawl_stats", db, "qinglan", url, str(revalidate_days)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def recrawls(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("recrawl")
    db = f"sqlite:///{workdir / 'archive.sqlite'}"
    site = build_site("demo")
    (values,) = [report.values for report in site.expected if report.page_path == EDITED]
    with PortalServer(site) as server:
        url = server.url
        first = crawl(db, server.start_url, workdir)
        extracted = run_cli("extract", "--db", db, "--jobs", "1", "--no-progress", cwd=workdir)
        assert extracted.returncode == 0, extracted.stderr
        unchanged = crawl(db, server.start_url, workdir)
        changed = edit_report(site, EDITED, {UPHELD: values[UPHELD] + 1, TOTAL: values[TOTAL] + 1})
        changed = withdraw(changed, WITHDRAWN)
        changed = unlist(changed, UNLISTED)
        server.site = add_report(changed, build_site("unseen"), NEW_SOURCE)
        after = crawl(db, server.start_url, workdir)
        captures_after = counts(db)["captures"]
        same_day = crawl(db, server.start_url, workdir, revalidate_days=1)
    extracted = run_cli("extract", "--db", db, "--jobs", "1", "--no-progress", cwd=workdir)
    assert extracted.returncode == 0, extracted.stderr
    assert main(["export", "--db", db, "--out", str(workdir / "numbers.csv")]) == 0
    history, history_text = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(history):
        assert main(["history", "--db", db, "--json", url + EDITED]) == 0
    with contextlib.redirect_stdout(history_text):
        assert main(["history", "--db", db, url + WITHDRAWN]) == 0
    with open(workdir / "numbers.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        "db": db, "url": url, "values": values, "first": first, "unchanged": unchanged, "after": after,
        "rows": rows, "history": history, "history_text": history_text,
        "same_day": same_day, "captures_after": captures_after,
    }


def counts(db: str) -> dict:
    engine = open_archive(db)
    try:
        with session_scope(engine) as session:
            return {
                "documents": session.scalar(select(func.count()).select_from(Document)),
                "captures": session.scalar(select(func.count()).select_from(Capture)),
                "published": session.scalar(
                    select(func.count(func.distinct(Capture.document_id))).where(Capture.status == 200)
                ),
            }
    finally:
        engine.dispose()


def document(db: str, url: str) -> tuple[Document, list[Capture]]:
    engine = open_archive(db)
    try:
        with session_scope(engine) as session:
            doc = session.scalar(select(Document).where(Document.url == url))
            captures = list(session.scalars(select(Capture).where(Capture.document_id == doc.id).order_by(Capture.id)))
            session.expunge_all()
            return doc, captures
    finally:
        engine.dispose()


def test_unchanged_portal_is_revalidated_with_304s_and_almost_no_bytes(recrawls):
    first, unchanged = recrawls["first"], recrawls["unchanged"]
    published = first["downloader/response_status_count/200"] - 1  # all but robots.txt
    assert first.get("disclosure/not_modified", 0) == 0
    assert unchanged["disclosure/not_modified"] == published == 28
    assert unchanged.get("downloader/response_status_count/200", 0) == 1  # robots.txt
    assert unchanged.get("disclosure/new_versions", 0) == 0
    assert unchanged["downloader/response_bytes"] <= 0.05 * first["downloader/response_bytes"]


def test_within_the_cadence_only_lists_and_documents_not_published_are_asked_for(recrawls):
    same_day = recrawls["same_day"]
    # robots.txt, the 3 list pages (304), the withdrawn page and the 2 dead links (404 again)
    assert same_day["downloader/request_count"] == 1 + 3 + 1 + 2
    assert same_day["disclosure/not_modified"] == 3
    # every other published item and attachment the lists lead to; the unlisted item is not due
    assert same_day["disclosure/not_requested"] == 30 - 3 - 2 - 1 + 1 - 1
    assert counts(recrawls["db"])["captures"] == recrawls["captures_after"]


def test_a_report_edited_in_place_becomes_a_new_capture_and_its_cells_show_in_history(recrawls):
    doc, captures = document(recrawls["db"], recrawls["url"] + EDITED)
    assert [c.status for c in captures] == [200, 200]
    assert captures[0].times_seen == 2 and captures[1].times_seen == 1
    assert recrawls["after"]["disclosure/changed_documents"] >= 1
    changes = json.loads(recrawls["history"].getvalue())["changes"]
    assert len(changes) == 1
    cells = {(c["table"], c["row"], c["column"]): (c["old"], c["new"]) for c in changes[0]["cells"]}
    values = recrawls["values"]
    assert cells == {
        UPHELD: (str(values[UPHELD]), str(values[UPHELD] + 1)),
        TOTAL: (str(values[TOTAL]), str(values[TOTAL] + 1)),
    }
    exported = {(r["table"], r["row"], r["column"]): r["value"] for r in recrawls["rows"] if r["source_url"].endswith(EDITED)}
    assert exported[UPHELD] == str(values[UPHELD] + 1)


def test_a_withdrawn_report_is_marked_with_the_date_it_was_first_missed_and_exported_as_withdrawn(recrawls):
    doc, captures = document(recrawls["db"], recrawls["url"] + WITHDRAWN)
    assert [c.status for c in captures] == [200, 404]
    assert doc.withdrawn_at == captures[1].fetched_at
    assert recrawls["after"]["disclosure/withdrawn"] == 1
    statuses = {}
    for row in recrawls["rows"]:
        statuses.setdefault(row["source_url"].removeprefix(recrawls["url"]), set()).add(row["status"])
    assert statuses[WITHDRAWN] == {"withdrawn"}
    assert {s for path, found in statuses.items() if path != WITHDRAWN for s in found} == {"current"}
    text = recrawls["history_text"].getvalue()
    assert "WITHDRAWN since" in text and "still withdrawn" in text


def test_an_item_dropped_from_the_lists_that_still_answers_is_not_withdrawn(recrawls):
    doc, captures = document(recrawls["db"], recrawls["url"] + UNLISTED)
    assert doc.withdrawn_at is None
    assert [(c.status, c.times_seen) for c in captures] == [(200, 3)]


def test_a_new_report_is_archived_and_exported(recrawls):
    doc, captures = document(recrawls["db"], recrawls["url"] + "/xxgk/gknb/" + NEW_SOURCE.split("/zwgk/zfxxgkndbg/")[1])
    assert [c.status for c in captures] == [200]
    assert {(r["body"], r["year"]) for r in recrawls["rows"] if r["source_url"] == doc.url} == {("下坝镇人民政府", "2023")}
    assert recrawls["after"]["disclosure/new_documents"] == 1


@pytest.mark.parametrize("revalidate_days", [1, 0], ids=["same-day", "nightly"])
def test_recorded_links_lead_to_the_files_an_earlier_run_never_reached(tmp_path, revalidate_days):
    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    with PortalServer(build_site("demo")) as server:
        first = crawl(db, server.start_url, tmp_path)
        engine = open_archive(db)
        try:
            with session_scope(engine) as session:
                files = list(session.scalars(select(Document).where(Document.role == "attachment")))
                recorded = session.scalar(select(func.count()).select_from(CaptureLinks))
                pages = session.scalar(select(func.count()).select_from(Capture).join(Document).where(
                    Document.role == "item", Capture.status == 200))
                lists = session.scalar(select(func.count()).select_from(Capture).join(Document).where(
                    Document.role == "list", Capture.status == 200))
                # as if a killed run had archived the report pages but not reached this file
                lost = files[0].url
                session.execute(delete(Capture).where(Capture.document_id == files[0].id))
                session.execute(delete(Document).where(Document.id == files[0].id))
        finally:
            engine.dispose()
        again = crawl(db, server.start_url, tmp_path, revalidate_days=revalidate_days)
    assert first.get("disclosure/stored_pages_read", 0) == 0
    # every page read had what was read from it recorded: an item page's links, a list page's reading
    assert len(files) >= 2 and pages >= 20 and lists == 3 and recorded == pages + lists
    assert again.get("disclosure/stored_pages_read", 0) == 0  # neither the lists (304) nor any item page
    doc, captures = document(db, lost)
    assert doc.role == "attachment" and doc.parent_document_id is not None
    assert [c.status for c in captures] == [200]
    assert again.get("disclosure/new_documents") == 1
