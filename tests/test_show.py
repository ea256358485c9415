"""``disclosure show``: a report's tables, checks, sources, versions and change from the year before."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session

from disclosure.cli import main
from disclosure.show import ShowError, find_report, render, report_view
from extract.records import Check
from storage.archive import record_extraction
from storage.db import open_archive
from storage.reports import refresh_reports

from .conftest import T0, report_document

TOWN = "留车镇人民政府"


def two_years(archive_url: str) -> dict[int, int]:
    """2022 and 2023 reports of one town, the 2023 one on two portals; report ids by year."""
    from storage.archive import store_capture
    from storage.models import Report

    engine = open_archive(archive_url)
    years = {
        2022: {("requests", "new", "total"): "10", ("requests", "granted", "total"): "4",
               ("requests", "total", "total"): "10", ("requests", "carried_out", "total"): "2",
               ("proactive", "fees", "amount_10k_yuan"): None},
        2023: {("requests", "new", "total"): "15", ("requests", "granted", "total"): "12",
               ("requests", "carried_in", "total"): "2", ("requests", "total", "total"): "17",
               ("requests", "natural_person", "total"): "1"},
    }
    with Session(engine) as session:
        for portal, host in (("town", "town.test"), ("county", "county.test")):
            for year, cells in years.items():
                if portal == "county" and year == 2022:
                    continue
                url = f"http://{host}/{year}.html"
                stored = store_capture(session, url=url, final_url=url, status=200, headers={}, body=url.encode(),
                                       fetched_at=T0, portal=portal)
                checks = (Check(rule="requests.balance", scope="total", status="fail", cells=("requests.total.total",),
                                difference=None),) if year == 2023 else ()
                record_extraction(session, stored.capture_id,
                                  report_document(stored.sha256, values=cells, year=year, checks=checks))
        refresh_reports(session, "1", regions={"town": "模拟县"})
        session.commit()
        ids = {r.year: r.id for r in session.query(Report)}
    engine.dispose()
    return ids


def test_a_report_shows_tables_checks_sources_versions_and_change(archive_url):
    ids = two_years(archive_url)
    engine = open_archive(archive_url)
    with Session(engine) as session:
        view = report_view(session, ids[2023], "1")
        assert find_report(session, body="留车镇 人民政府", year=2023) == ids[2023]
        with pytest.raises(ShowError, match="no report for 2021"):
            find_report(session, body=TOWN, year=2021)
        with pytest.raises(ShowError, match="no body named"):
            find_report(session, body="白沙乡", year=2023)
        with pytest.raises(ShowError, match="no report 999"):
            report_view(session, 999, "1")
    engine.dispose()
    assert (view.report["year"], view.report["status"], view.body["name"], view.body["region"]) == (
        2023, "current", TOWN, "模拟县"
    )
    requests = next(t for t in view.tables if t["table"] == "requests")
    assert [c["key"] for c in requests["columns"]] == ["total"]
    assert [(r["key"], r["values"]) for r in requests["rows"]] == [
        ("new", ["15"]), ("carried_in", ["2"]), ("granted", ["12"]), ("total", ["17"]),
        ("natural_person", ["1"]),  # a key outside the template comes after the template's rows
    ]
    assert requests["rows"][0]["label"].endswith("本年新收政府信息公开申请数量")
    assert [(c["rule"], c["status"]) for c in view.checks] == [("requests.balance", "fail")]
    assert sorted((s["portal"], s["current"]) for s in view.sources) == [("county", False), ("town", True)]
    assert len(view.versions) == 2
    change = {f["key"]: (f["previous"], f["current"], f["change"], f["percent"]) for f in view.previous["figures"]}
    assert view.previous["report_id"] == ids[2022]
    assert change["requests.new.total"] == ("10", "15", "5", "50.0")
    assert change["requests.granted.total"] == ("4", "12", "8", "200.0")
    assert change["requests.carried_in.total"] == (None, "2", None, None)
    assert "requests.carried_out.total" in change  # given the year before only

    text = render(view)
    assert "year over year: against report" in text
    bars = [line for line in text.splitlines() if "█" in line]
    # 12 granted in 2023 against 17 at most: a longer bar than 4 granted in 2022
    granted = text.split("requests.granted.total")[1].splitlines()[1:3]
    assert granted[0].count("█") < granted[1].count("█")
    assert bars


def test_the_first_year_has_no_change_and_an_unread_cell_shows_a_dash(archive_url):
    ids = two_years(archive_url)
    engine = open_archive(archive_url)
    with Session(engine) as session:
        view = report_view(session, ids[2022], "1")
    engine.dispose()
    assert view.previous is None
    proactive = next(t for t in view.tables if t["table"] == "proactive")
    assert [(r["key"], r["values"]) for r in proactive["rows"]] == [("fees", [None])]
    text = render(view)
    assert "no report of the previous year" in text
    assert "—" in text.split("proactive:")[1].splitlines()[2]


def test_the_command_prints_text_and_json(archive_url, capsys):
    ids = two_years(archive_url)
    assert main(["show", str(ids[2023]), "--db", archive_url]) == 0
    out = capsys.readouterr().out
    assert f"report {ids[2023]}: {TOWN} 2023" in out
    assert "parser 1" in out  # the code's version has not read it: the stored reading stands
    assert [line.split()[-1] for line in out.splitlines() if line.strip().startswith("new ")] == ["15"]
    assert main(["show", "--body", TOWN, "--year", "2022", "--json", "--db", archive_url]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["report"]["id"], shown["body"]["kind"]) == (ids[2022], "township")
    assert main(["show", "--body", TOWN, "--db", archive_url]) == 2
    assert "--body needs --year" in capsys.readouterr().err
    assert main(["show", "4242", "--db", archive_url]) == 2
    assert "no report 4242" in capsys.readouterr().err


def test_a_reviewed_check_shows_its_review(archive_url):
    from storage.corrections import record_review
    from storage.queries import report_checks

    ids = two_years(archive_url)
    engine = open_archive(archive_url)
    with Session(engine) as session:
        [check] = [c for c in report_checks(session, "1") if c.report_id == ids[2023]]
        record_review(session, check, decision="confirm", note="the report's own sum is off", by="李明", now=T0)
        session.commit()
        view = report_view(session, ids[2023], "1")
    engine.dispose()
    [shown] = view.checks
    assert shown["review"] == {"decision": "confirmed", "note": "the report's own sum is off", "by": "李明",
                               "applies": True}
    assert "reviewed: confirmed: the report's own sum is off" in render(view)
