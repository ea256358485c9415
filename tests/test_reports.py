"""Reports as records: one per body and year however many pages publish it, a report id that
survives re-extraction, new captures and parser versions, and the numbers as of a date."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import func, select, update

from extract.keys import REQUEST_COLUMNS
from storage.archive import record_extraction
from storage.archive_checks import archive_check_results, refresh_archive_checks
from storage.models import Body, Extraction, Report, ReportSource
from storage.queries import report_sources, report_values
from storage.reports import refresh_reports

from .conftest import T0

TOWN = "留车镇人民政府"
NEW = ("requests", "new", "total")
CODE = "91350100M000100Y43"


def publish(session, add_capture, make_report, url, cells, *, portal="county", fetched_at=T0, version="1",
            index=None, body=TOWN, year=2023, content=None, **fields):
    stored = add_capture(url, content or f"{url} {sorted(cells.items())}".encode(), fetched_at=fetched_at, portal=portal)
    document = make_report(stored.sha256, values=cells, body=body, year=year, parser_version=version, **fields)
    if index:
        document = dataclasses.replace(document, metadata=(("索引号", index), ("发布机构", body)))
    record_extraction(session, stored.capture_id, document)
    return stored


def numbers(session, version="1", **kwargs):
    return {(r.report_id, r.source_url): r.value for r in report_values(session, version, **kwargs)
            if (r.table, r.row, r.column) == NEW}


def test_the_report_id_survives_new_captures_reextraction_and_parser_versions(session, add_capture, make_report):
    publish(session, add_capture, make_report, "http://county.test/a.html", {NEW: "4"})
    refresh_reports(session, "1", now=T0)
    session.commit()
    [report_id] = session.scalars(select(Report.id))
    assert numbers(session) == {(report_id, "http://county.test/a.html"): Decimal("4")}

    # the page is republished in place with another number, then read again by parser 2
    later = publish(session, add_capture, make_report, "http://county.test/a.html", {NEW: "5"},
                    fetched_at=T0 + timedelta(days=3))
    refresh_reports(session, "1")
    publish_again = session.scalars(select(Extraction).where(Extraction.capture_id == later.capture_id)).one()
    document = make_report(later.sha256, values={NEW: "5"}, parser_version="2")
    record_extraction(session, later.capture_id, document)
    summary = refresh_reports(session, "2")
    refresh_reports(session, "2")
    session.commit()
    assert (summary.reports, summary.new_reports) == (1, 0)
    assert list(session.scalars(select(Report.id))) == [report_id]
    report = session.get(Report, report_id)
    assert (report.parser_version, report.capture_id, report.status) == ("2", later.capture_id, "current")
    assert report.extraction_id != publish_again.id
    assert numbers(session, "2") == {(report_id, "http://county.test/a.html"): Decimal("5")}
    # refreshing at the older version does not move the reading back
    refresh_reports(session, "1")
    assert session.get(Report, report_id).parser_version == "2"
    assert numbers(session, "1") == {(report_id, "http://county.test/a.html"): Decimal("5")}


def test_a_report_republished_on_another_portal_is_one_report_with_two_sources(session, add_capture, make_report):
    own = publish(session, add_capture, make_report, "http://town.test/r.html", {NEW: "7"}, portal="town")
    publish(session, add_capture, make_report, "http://county.test/t/r.html", {NEW: "7"}, portal="county",
            content=b"the county's page around the same report")
    # the same bytes again under a third address count as the same report too
    publish(session, add_capture, make_report, "http://mirror.test/r.html", {NEW: "7"}, portal="mirror",
            content=f"http://town.test/r.html {sorted({NEW: '7'}.items())}".encode())
    # another body, and another year of this body, are other reports
    publish(session, add_capture, make_report, "http://county.test/b.html", {NEW: "7"}, body="白沙乡人民政府")
    publish(session, add_capture, make_report, "http://county.test/t/2022.html", {NEW: "7"}, year=2022)
    summary = refresh_reports(session, "1", regions={"town": "留车镇", "county": "淇县"})
    session.commit()
    assert (summary.reports, summary.new_reports) == (3, 3)
    [rows] = [list(session.execute(select(ReportSource.report_id, ReportSource.portal, ReportSource.is_current)))]
    by_report: dict[int, set[str]] = {}
    for report_id, portal, _ in rows:
        by_report.setdefault(report_id, set()).add(portal)
    assert sorted(map(sorted, by_report.values())) == [["county"], ["county"], ["county", "mirror", "town"]]
    shared = next(rid for rid, portals in by_report.items() if len(portals) == 3)
    assert sum(1 for rid, _, current in rows if rid == shared and current) == 1
    # its numbers appear once, from the page first registered
    assert {k: v for k, v in numbers(session).items() if k[0] == shared} == {
        (shared, "http://town.test/r.html"): Decimal("7")
    }
    assert {s.report_id for s in report_sources(session, "1") if s.url.startswith("http://mirror")} == {shared}
    body = session.get(Body, session.get(Report, shared).body_id)
    assert (body.name, body.kind, body.region) == (TOWN, "township", "留车镇")


def test_differing_numbers_of_one_body_and_year_are_two_reports(session, add_capture, make_report):
    publish(session, add_capture, make_report, "http://town.test/r.html", {NEW: "7"}, portal="town")
    publish(session, add_capture, make_report, "http://county.test/r.html", {NEW: "8"})
    refresh_reports(session, "1")
    assert session.scalar(select(func.count()).select_from(Report)) == 2
    assert len({r.report_id for r in report_values(session, "1")}) == 2


def test_rule_5_follows_a_renamed_body(session, add_capture, make_report):
    out = {("requests", "carried_out", c): "2" for c in REQUEST_COLUMNS}
    into = {("requests", "carried_in", c): "2" for c in REQUEST_COLUMNS}
    publish(session, add_capture, make_report, "http://t.test/2022.html", out, year=2022, index=f"{CODE}/2023-1")
    publish(session, add_capture, make_report, "http://t.test/2023.html", into, body="留车街道办事处",
            index=f"{CODE}/2024-1")
    refresh_reports(session, "1")
    assert refresh_archive_checks(session, "1") == len(REQUEST_COLUMNS)
    session.commit()
    checks = archive_check_results(session, "1")
    assert {c.status for c in checks} == {"pass"}
    assert {c.body for c in checks} == {"留车街道办事处"}
    [body_id] = set(session.scalars(select(Report.body_id)))
    assert session.get(Body, body_id).credit_code == CODE
    ids = {c.report_id for c in checks} | {c.other_report_id for c in checks}
    assert ids == set(session.scalars(select(Report.id)))


def test_report_values_register_pages_they_find_unregistered(session, add_capture, make_report):
    publish(session, add_capture, make_report, "http://county.test/a.html", {NEW: "4"})
    [row] = report_values(session, "1")
    assert row.report_id == session.scalar(select(Report.id))
    assert row.body_id == session.scalar(select(Body.id))
    assert (row.status, row.fetched_at, row.value_source) == ("current", T0, "published")


def test_numbers_as_the_archive_knew_them(session, add_capture, make_report):
    url = "http://county.test/a.html"
    first = publish(session, add_capture, make_report, url, {NEW: "4"})
    later = publish(session, add_capture, make_report, url, {NEW: "5"}, fetched_at=T0 + timedelta(days=10))
    document = make_report(later.sha256, values={NEW: "6"}, parser_version="2")
    record_extraction(session, later.capture_id, document)
    made = {first.capture_id: T0, later.capture_id: T0 + timedelta(days=10)}
    for capture_id, when in made.items():
        session.execute(update(Extraction).where(Extraction.capture_id == capture_id).values(extracted_at=when))
    session.execute(update(Extraction).where(Extraction.parser_version == "2")
                    .values(extracted_at=T0 + timedelta(days=20)))
    refresh_reports(session, "2")
    session.commit()
    [report_id] = session.scalars(select(Report.id))
    assert numbers(session, "2", as_of=T0 - timedelta(days=1)) == {}
    assert numbers(session, "2", as_of=T0 + timedelta(days=1)) == {(report_id, url): Decimal("4")}
    assert numbers(session, "2", as_of=T0 + timedelta(days=11)) == {(report_id, url): Decimal("5")}
    assert numbers(session, "2", as_of=T0 + timedelta(days=21)) == {(report_id, url): Decimal("6")}
    assert {r.parser_version for r in report_values(session, "2", as_of=T0 + timedelta(days=11))} == {"1"}
    # parser_version is the newest considered
    assert numbers(session, "1", as_of=T0 + timedelta(days=21)) == {(report_id, url): Decimal("5")}


def test_the_extraction_service_keeps_reports_and_bodies_with_the_registry_region(archive_url, monkeypatch):
    from sqlalchemy.orm import Session

    from disclosure.runs import run_extraction
    from extract import PARSER_VERSION
    from storage.archive import store_capture
    from storage.db import open_archive

    from .conftest import report_document

    monkeypatch.delenv("DISCLOSURE_PORTALS", raising=False)  # the bundled registry
    engine = open_archive(archive_url)
    with Session(engine) as session:
        url = "http://127.0.0.1:8765/xxgk/gknb/a.html"
        stored = store_capture(session, url=url, final_url=url, status=200, headers={}, body=b"<html>report</html>",
                               fetched_at=T0, portal="simulated-county")
        record_extraction(session, stored.capture_id,
                          report_document(stored.sha256, values={NEW: "3"}, parser_version=PARSER_VERSION))
        session.commit()
    run_extraction(engine)  # nothing left to read; reports and rule 5 are settled all the same
    with Session(engine) as session:
        report = session.scalars(select(Report)).one()
        body = session.get(Body, report.body_id)
        assert (report.parser_version, report.status, report.year) == (PARSER_VERSION, "current", 2023)
        assert body.region.startswith("模拟县")
        assert body.organization_code == "000014349"
    engine.dispose()
