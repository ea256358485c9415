"""Portal health after a run, late reports, and `disclosure status`."""

from __future__ import annotations

import json
from datetime import date, timedelta

from simportal import PortalServer, build_site
from storage.archive import record_extraction

from disclosure.cli import main
from disclosure.status import late_reports, portal_health

from .cli_runner import run_cli
from .conftest import T0
from .slow_portal import stand_in_site

VERSION = "t1"


def store_report(add_capture, session, url, *, body, year, at, portal="testcounty"):
    stored = add_capture(url, body=f"<html>{body}{year}</html>".encode(), fetched_at=at, portal=portal)
    record_extraction(session, stored.capture_id, _report(stored.sha256, body, year))
    return stored


def _report(sha256, body, year):
    from .conftest import report_document

    return report_document(sha256, body=body, year=year, parser_version=VERSION)


def test_a_portal_that_gave_reports_and_gives_none_is_flagged(session, add_capture):
    store_report(add_capture, session, "http://county.test/r2022.html", body="城关镇人民政府", year=2022, at=T0)
    run_started = T0 + timedelta(days=1)
    problems = portal_health(session, "testcounty", since=run_started, start_urls=(), outcomes=(), parser_version=VERSION)
    assert [p["problem"] for p in problems] == ["no reports"]
    assert "1 reports reached before" in problems[0]["detail"]
    # seen again in the run (a 200 or a 304 moves last_seen_at on): healthy
    add_capture("http://county.test/r2022.html", body=b"<html>\xe5\x9f\x8e2022</html>", fetched_at=run_started)
    store_report(add_capture, session, "http://county.test/r2022.html", body="城关镇人民政府", year=2022,
                 at=run_started + timedelta(minutes=1))
    assert portal_health(session, "testcounty", since=run_started, start_urls=(), outcomes=(), parser_version=VERSION) == []


def test_a_portal_never_seen_with_reports_is_not_flagged_for_having_none(session, add_capture):
    add_capture("http://county.test/list.html", fetched_at=T0)
    assert portal_health(session, "testcounty", since=T0, start_urls=(), outcomes=(), parser_version=VERSION) == []


def test_unreadable_lists_and_stand_in_pages_are_flagged(session, add_capture):
    block = "<html><head><title>访问受限</title></head><body>您的访问受限</body></html>".encode()
    add_capture("http://county.test/xxgk/index.html", body=block, fetched_at=T0)
    outcomes = [{"column_url": "http://county.test/xxgk/index.html", "ended": "list unreadable", "detail": "no list page could be read"}]
    problems = portal_health(
        session, "testcounty", since=T0, start_urls=("http://county.test/xxgk/index.html",), outcomes=outcomes,
        parser_version=VERSION,
    )
    assert {p["problem"] for p in problems} == {"lists unreadable", "block page"}
    assert any("http://county.test/xxgk/index.html" in p["detail"] and "访问受限" in p["detail"] for p in problems)


def test_reports_missing_after_31_march_of_the_next_year_are_late(session, add_capture):
    for year in (2020, 2022):
        store_report(add_capture, session, f"http://county.test/a{year}.html", body="城关镇人民政府", year=year, at=T0)
    store_report(add_capture, session, "http://county.test/b2023.html", body="青石镇人民政府", year=2023, at=T0)
    on_the_day = late_reports(session, today=date(2024, 3, 31), parser_version=VERSION)
    assert [(l.body, l.year) for l in on_the_day] == [("城关镇人民政府", 2021)]  # a gap is late too
    after = late_reports(session, today=date(2024, 4, 1), parser_version=VERSION)
    assert [(l.body, l.year, l.due) for l in after] == [
        ("城关镇人民政府", 2021, date(2022, 3, 31)),
        ("城关镇人民政府", 2023, date(2024, 3, 31)),
    ]


BLOCK_PAGE = "<html><head><title>安全验证</title></head><body><p>访问受限：请求过于频繁</p></body></html>"
SOFT_404 = "<html><head><title>青岚县人民政府</title></head><body><p>您访问的页面不存在！</p></body></html>"


def status(capsys, db, *options) -> str:
    capsys.readouterr()
    assert main(["status", "--db", db, *options]) == 0
    return capsys.readouterr().out


def test_status_flags_portals_turned_into_a_block_page_and_a_soft_404(archive_url, tmp_path, capsys):
    db = archive_url
    site = build_site("demo")
    with PortalServer(site) as blocked, PortalServer(site) as gone:
        registry = tmp_path / "portals.toml"
        registry.write_text(
            f'[[portal]]\nname = "blocked"\nstart_urls = ["{blocked.start_url}"]\n\n'
            f'[[portal]]\nname = "gone"\nstart_urls = ["{gone.start_url}"]\n',
            encoding="utf-8",
        )
        crawl = ("crawl", "--registry", str(registry), "--db", db, "--allow-network", "127.0.0.0/8", "--delay", "0")
        first = run_cli(*crawl, "--no-extract", cwd=tmp_path)
        before = json.loads(status(capsys, db, "--json"))
        blocked.site = stand_in_site(site, BLOCK_PAGE, status=403)
        gone.site = stand_in_site(site, SOFT_404)
        second = run_cli(*crawl, "--no-extract", cwd=tmp_path)
    assert first.returncode == 0 and second.returncode == 0, second.stderr[-2000:]
    assert [(p["portal"], p["ok"]) for p in before["portals"]] == [("blocked", True), ("gone", True)]
    assert "flagged blocked: block page" in second.stdout and "flagged gone: soft 404" in second.stdout
    shown = json.loads(status(capsys, db, "--json", "--today", "2024-06-01"))
    problems = {p["portal"]: {q["problem"] for q in p["problems"]} for p in shown["portals"]}
    assert "block page" in problems["blocked"] and "soft 404" in problems["gone"]
    assert shown["today"] == "2024-06-01"
    text = status(capsys, db)
    assert "portals: 2 crawled, 2 flagged" in text and "FLAGGED gone" in text


def test_status_shows_requests_whose_latest_try_got_no_answer(session, add_capture):
    from disclosure.status import archive_status, status_lines
    from storage.frontier import record_fetch_failure

    record_fetch_failure(session, url="http://county.test/a.pdf", reason="TimeoutError: took longer than 180.0 seconds",
                         failed_at=T0, portal="testcounty", role="attachment")
    add_capture("http://county.test/b.html", fetched_at=T0)
    record_fetch_failure(session, url="http://county.test/b.html", reason="ConnectionRefusedError", failed_at=T0 - timedelta(days=1),
                         portal="testcounty", role="item")  # answered since: not listed
    status = archive_status(session, today=date(2024, 3, 2), parser_version=VERSION)
    assert [(f["url"], f["failures"]) for f in status.fetch_failures] == [("http://county.test/a.pdf", 1)]
    assert any("http://county.test/a.pdf (testcounty): TimeoutError" in line for line in status_lines(status))


def test_a_report_fresh_within_the_revalidation_cadence_still_counts_as_reached(session, add_capture):
    store_report(add_capture, session, "http://county.test/r2023.html", body="青石镇人民政府", year=2023, at=T0)
    next_run = T0 + timedelta(hours=20)  # not asked for again: seen less than a day ago
    assert portal_health(session, "testcounty", since=next_run, start_urls=(), outcomes=(), parser_version=VERSION,
                         revalidate_days=1) == []
    assert [p["problem"] for p in portal_health(session, "testcounty", since=next_run, start_urls=(), outcomes=(),
                                                parser_version=VERSION, revalidate_days=0)] == ["no reports"]
