"""Crawl the simulated county portal, archive it, extract it, export the numbers, and
compare them with the values the portal was built from."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from simportal import PortalServer, build_site
from storage.db import open_archive, session_scope
from storage.models import Capture, Document, Extraction

from .cli_runner import run_cli


@pytest.fixture(scope="module")
def site():
    return build_site("demo")


@pytest.fixture(scope="module")
def crawled(site, tmp_path_factory):
    """One crawl of the demo portal into a fresh SQLite archive, then a CSV export."""
    workdir = tmp_path_factory.mktemp("e2e")
    db = f"sqlite:///{workdir / 'archive.sqlite'}"
    with PortalServer(site) as server:
        crawl = run_cli(
            "crawl", "--url", server.start_url, "--db", db, "--allow-network", "127.0.0.0/8", "--delay", "0",
            cwd=workdir,
        )
        registry = workdir / "portals.toml"
        registry.write_text(f'[[portal]]\nname = "qinglan"\nstart_urls = ["{server.start_url}"]\n', encoding="utf-8")
        recrawl = run_cli(
            "crawl", "qinglan", "--registry", str(registry), "--db", db, "--allow-network", "127.0.0.0/8",
            "--delay", "0", cwd=workdir,
        )
    export = run_cli("export", "--format", "csv", "--out", str(workdir / "numbers.csv"), "--db", db, cwd=workdir)
    reextract = run_cli("extract", "--all", "--db", db, cwd=workdir)
    export_after = run_cli("export", "--format", "jsonl", "--out", str(workdir / "numbers.jsonl"), "--db", db, cwd=workdir)
    return {
        "db": db,
        "workdir": workdir,
        "crawl": crawl,
        "recrawl": recrawl,
        "export": export,
        "reextract": reextract,
        "export_after": export_after,
    }


def exported_reports(path):
    reports: dict[tuple[str, int], dict] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            report = reports.setdefault(
                (row["body"], int(row["year"])),
                {"ids": set(), "template": row["template"], "values": {}, "sources": set()},
            )
            report["ids"].add(row["report_id"])
            report["sources"].add(row["source_url"])
            key = (row["table"], row["row"], row["column"])
            report["values"][key] = Decimal(row["value"]) if row["value"] else None
    return reports


def test_crawl_succeeds_and_reports_its_counts(site, crawled):
    crawl = crawled["crawl"]
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert "responses archived" in crawl.stdout
    assert f" {len(site.dead_links)} HTTP errors, 0 failed fetches" in crawl.stdout
    extracted = re.search(r"extracted (\d+) captures .*: (\d+) read as annual-report documents .*, (\d+) failures", crawl.stdout)
    assert extracted, crawl.stdout
    captures, report_documents, failures = map(int, extracted.groups())
    assert captures > len(site.expected) and failures == 0
    assert report_documents >= len(site.expected)


def test_every_report_is_exported_once_with_the_portals_numbers(site, crawled):
    assert crawled["export"].returncode == 0, crawled["export"].stderr
    assert_exported_as_built(site, crawled["workdir"] / "numbers.csv")


def test_postgresql_archive_gives_the_same_numbers(site, postgresql_url, tmp_path):
    with PortalServer(site) as server:
        crawl = run_cli(
            "crawl", "--url", server.start_url, "--db", postgresql_url, "--allow-network", "127.0.0.0/8",
            "--delay", "0", cwd=tmp_path,
        )
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    export = run_cli("export", "--out", str(tmp_path / "n.csv"), "--db", postgresql_url, cwd=tmp_path)
    assert export.returncode == 0, export.stderr[-2000:]
    assert_exported_as_built(site, tmp_path / "n.csv")


def assert_exported_as_built(site, path):
    reports = exported_reports(path)
    expected = {(r.body, r.year): r for r in site.expected}
    assert set(reports) == set(expected)
    for key, report in expected.items():
        got = reports[key]
        assert len(got["ids"]) == 1, f"{key} exported as several reports"
        assert got["template"] == report.template, key
        wrong = {
            k: (got["values"].get(k, "missing"), v) for k, v in report.values.items() if got["values"].get(k, "missing") != v
        }
        assert not wrong, f"{key}: {len(wrong)} cells differ, e.g. {list(wrong.items())[:5]}"


def test_reports_with_tables_only_in_attachments_take_their_numbers_from_them(site, crawled):
    reports = exported_reports(crawled["workdir"] / "numbers.csv")
    for report in site.expected:
        (source,) = reports[(report.body, report.year)]["sources"]
        if report.tables_in == "attachment":
            assert not source.endswith(".html"), (report.body, source)
        else:
            assert source.endswith(report.page_path), (report.body, source)


def test_archive_keeps_non_reports_and_dead_links(site, crawled):
    engine = open_archive(crawled["db"])
    with session_scope(engine) as session:
        rows = session.execute(
            select(Document.url, Capture.status, Extraction.is_annual_report)
            .join(Capture, Capture.document_id == Document.id)
            .outerjoin(Extraction, Extraction.capture_id == Capture.id)
        ).all()
    engine.dispose()
    by_path = {urlsplit(url).path: (status, is_report) for url, status, is_report in rows}
    for path in site.non_reports:
        assert by_path[path] == (200, False), path
    for path in site.dead_links:
        assert by_path[path][0] == 404, path


def test_a_second_crawl_by_registry_name_archives_nothing_new(crawled):
    recrawl = crawled["recrawl"]
    assert recrawl.returncode == 0, recrawl.stderr[-2000:]
    assert "crawled qinglan:" in recrawl.stdout
    assert "(0 new or changed)" in recrawl.stdout
    assert "extracted 0 captures" in recrawl.stdout


def test_extract_all_rereads_the_archive_and_the_numbers_stay(crawled):
    reextract = crawled["reextract"]
    assert reextract.returncode == 0, reextract.stderr[-2000:]
    engine = open_archive(crawled["db"])
    with session_scope(engine) as session:
        readable = session.scalar(select(func.count()).select_from(Capture).where(Capture.status == 200))
    engine.dispose()
    assert f"extracted {readable} captures" in reextract.stdout
    with open(crawled["workdir"] / "numbers.csv", encoding="utf-8", newline="") as f:
        before = [(r["report_id"], r["table"], r["row"], r["column"], r["value"] or None) for r in csv.DictReader(f)]
    with open(crawled["workdir"] / "numbers.jsonl", encoding="utf-8") as f:
        after = [json.loads(line) for line in f]
    assert before == [(str(r["report_id"]), r["table"], r["row"], r["column"], r["value"]) for r in after]


def test_scrapy_crawl_works_from_the_project_root(site, tmp_path):
    root = Path(__file__).resolve().parents[1]
    db = f"sqlite:///{tmp_path / 'scrapy.sqlite'}"
    with PortalServer(site) as server:
        result = subprocess.run(
            [
                str(Path(sys.executable).with_name("scrapy")), "crawl", "portal", "-a", f"url={server.start_url}",
                "-s", f"DISCLOSURE_DB={db}", "-s", "DISCLOSURE_ALLOWED_NETWORKS=127.0.0.0/8",
                "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "LOG_LEVEL=WARNING",
            ],
            cwd=root, capture_output=True, text=True, timeout=300,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    engine = open_archive(db)
    with session_scope(engine) as session:
        urls = set(session.scalars(select(Document.url)))
    engine.dispose()
    assert {server.url + report.page_path for report in site.expected} <= urls


def test_requests_outside_the_allowed_network_are_refused(tmp_path, site):
    with PortalServer(site) as server:
        other_address = server.start_url.replace("127.0.0.1", "127.0.0.2")
        result = run_cli(
            "crawl", "--url", other_address, "--db", f"sqlite:///{tmp_path / 'a.sqlite'}",
            "--allow-network", "127.0.0.1/32", "--delay", "0",
            cwd=tmp_path,
        )
    assert result.returncode == 2
    assert "refused" in result.stdout
    assert result.stderr.strip().splitlines()[-1].startswith("disclosure: error: nothing could be fetched")
