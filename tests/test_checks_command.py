"""`disclosure checks` and `disclosure export --checks-out` on a crawl of the simulated portal,
against the numbers the portal was built from."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest

from disclosure.checks import CHECK_COLUMNS
from disclosure.cli import main
from extract import PARSER_VERSION
from extract.keys import REQUEST_COLUMNS
from simportal import PortalServer, build_site

from .cli_runner import run_cli

PROSE_RULES = {"prose.new_requests", "prose.carried_out", "prose.reconsideration", "prose.litigation"}


@pytest.fixture(scope="module")
def site():
    return build_site("demo")


@pytest.fixture(scope="module")
def db(site, tmp_path_factory) -> str:
    workdir = tmp_path_factory.mktemp("checks")
    url = f"sqlite:///{workdir / 'archive.sqlite'}"
    with PortalServer(site) as server:
        crawl = run_cli("crawl", "--url", server.start_url, "--db", url, "--allow-network", "127.0.0.0/8",
                        "--delay", "0", cwd=workdir)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    return url


def expected_carry_over(site) -> dict[tuple[str, int, str], tuple[str, Decimal | None]]:
    """(body, year, column) -> (status, difference), from the values the portal published."""
    reports = {(e.body, e.year): e for e in site.expected}
    expected = {}
    for (body, year), report in reports.items():
        previous = reports.get((body, year - 1))
        if previous is None:
            continue
        for column in REQUEST_COLUMNS:
            carried_in = report.values[("requests", "carried_in", column)]
            carried_out = previous.values[("requests", "carried_out", column)]
            if carried_in is None or carried_out is None:
                expected[(body, year, column)] = ("not_assessable", None)
            elif carried_in == carried_out:
                expected[(body, year, column)] = ("pass", None)
            else:
                expected[(body, year, column)] = ("fail", carried_in - carried_out)
    return expected


def lines(capsys, *args: str) -> list[str]:
    assert main(["checks", *args]) == 0
    return capsys.readouterr().out.splitlines()


def test_carry_over_results_agree_with_what_the_portal_published(site, db, capsys):
    expected = expected_carry_over(site)
    assert any(status == "fail" for status, _ in expected.values())  # the demo's years do not all chain
    listed = lines(capsys, "--rule", "requests.carry_over", "--all", "--db", db)
    found = {}
    for line in listed[:-1]:
        head, _, rest = line.partition(": ")
        body, year, rule, scope, status = head.split(" ")
        assert rule == "requests.carry_over"
        difference = rest.split(" difference ")[1].split(" ")[0] if " difference " in rest else None
        found[(body, int(year), scope.strip("[]"))] = (status, None if difference is None else Decimal(difference))
    assert found == expected
    counts = {status: sum(1 for s, _ in expected.values() if s == status) for status in ("fail", "pass", "not_assessable")}
    assert listed[-1] == (f"{counts['fail']} fail, {counts['not_assessable']} not_assessable, 0 fitted, "
                          f"{counts['pass']} pass (parser {PARSER_VERSION})")


def test_by_default_only_failures_are_listed_with_cells_difference_and_both_sources(site, db, capsys):
    listed = lines(capsys, "--db", db)
    failures = listed[:-1]
    assert failures and all(" fail: " in line for line in failures)
    expected_fails = sum(1 for status, _ in expected_carry_over(site).values() if status == "fail")
    carry = [line for line in failures if " requests.carry_over " in line]
    assert len(carry) == expected_fails
    assert all(" difference " in line and "(against http://127.0.0.1:" in line for line in carry)
    assert all("requests.carried_in." in line and "requests.carried_out." in line for line in carry)
    assert int(listed[-1].split(" fail,")[0]) == len(failures)


def test_the_prose_of_every_report_agrees_with_its_tables(site, db, capsys):
    listed = lines(capsys, "--rule", "prose", "--all", "--db", db)
    per_report = {}
    for line in listed[:-1]:
        body, year, rule = line.split(" ")[:3]
        assert " pass: " in line and "prose:" in line
        per_report.setdefault((body, int(year)), set()).add(rule)
    assert per_report == {(e.body, e.year): PROSE_RULES for e in site.expected}
    assert listed[-1].startswith(f"0 fail, 0 not_assessable, 0 fitted, {4 * len(site.expected)} pass")


def test_body_filter(site, db, capsys):
    listed = lines(capsys, "--body", "城关镇", "--all", "--db", db)
    assert listed[:-1] and all(line.startswith("城关镇人民政府 ") for line in listed[:-1])


def test_export_writes_the_checks_to_their_own_file_and_the_source_reason_with_the_numbers(
    site, db, tmp_path, capsys
):
    numbers, checks = tmp_path / "numbers.csv", tmp_path / "checks.csv"
    assert main(["export", "--out", str(numbers), "--checks-out", str(checks), "--db", db]) == 0
    listed = lines(capsys, "--all", "--db", db)
    rows = list(csv.DictReader(checks.open(encoding="utf-8")))
    assert tuple(rows[0]) == CHECK_COLUMNS
    assert len(rows) == len(listed) - 1
    assert {r["rule"] for r in rows} >= {"requests.balance", "appeals.total", "requests.carry_over"} | PROSE_RULES
    carry = [r for r in rows if r["rule"] == "requests.carry_over"]
    assert all(r["other_report_id"] and r["other_source_url"] for r in carry)
    assert all(r["difference"] for r in rows if r["status"] == "fail")

    values = list(csv.DictReader(numbers.open(encoding="utf-8")))
    reasons = {(r["body"], r["year"]): r["source_reason"] for r in values}
    for report in site.expected:
        reason = reasons[(report.body, str(report.year))]
        if report.tables_in == "both":
            assert reason.startswith("page and attachment both carry tables; the page is current")
            assert "agrees" in reason
        elif report.tables_in == "attachment":
            assert reason == "tables only in the attachment"
        else:
            assert reason == "page carries the tables"


def test_jsonl_checks_keep_cells_as_a_list(db, tmp_path):
    checks = tmp_path / "checks.jsonl"
    assert main(["export", "--format", "jsonl", "--out", str(tmp_path / "n.jsonl"), "--checks-out", str(checks),
                 "--db", db]) == 0
    records = [json.loads(line) for line in checks.read_text(encoding="utf-8").splitlines()]
    assert records and all(isinstance(r["cells"], list) for r in records)
    assert {type(r["difference"]) for r in records} <= {str, type(None)}


def test_extract_recomputes_the_checks_across_reports(db, capsys):
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    with engine.begin() as connection:
        before = connection.scalar(text("SELECT count(*) FROM archive_checks"))
        connection.execute(text("DELETE FROM archive_checks"))
    assert before > 0
    assert main(["extract", "--db", db]) == 0
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM archive_checks")) == before
    engine.dispose()
