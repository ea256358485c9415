"""`disclosure browse` and the README's question for researchers, answered on an archive made
by the demo's simulated portal: in SQL on the views, in datasette (a canned query's JSON),
and in pandas from a wide Parquet export; the three must agree."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import text

from disclosure.cli import main
from storage.db import open_archive

from .cli_runner import run_cli

README = Path(__file__).resolve().parent.parent / "README.md"
QUESTION_YEAR = "2022"


def researcher_blocks() -> dict[str, str]:
    """The sql and python code blocks of the README's "For researchers" section."""
    readme = README.read_text(encoding="utf-8")
    section = readme.split("## For researchers", 1)[1].split("\n## ", 1)[0]
    blocks = dict(reversed(re.findall(r"```(sql|python)\n(.*?)```", section, re.S)))
    assert set(blocks) == {"sql", "python"}, "the section shows the question in SQL and in pandas"
    return blocks


def asked_for(code: str, year: str) -> str:
    assert code.count(QUESTION_YEAR) == 1
    return code.replace(QUESTION_YEAR, year)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("research")
    path = workdir / "disclosure.sqlite"
    made = run_cli("demo", "--db", f"sqlite:///{path}", cwd=workdir)
    assert made.returncode == 0, made.stderr[-2000:]
    out = workdir / "reports.parquet"
    assert main(["export", "--format", "parquet", "--shape", "wide", "--out", str(out), "--db", f"sqlite:///{path}"]) == 0
    return workdir, path


def answered_year(path: Path) -> str:
    """A year in which some township of the demo granted fewer than half of its requests."""
    with sqlite3.connect(path) as connection:
        (year,) = connection.execute(
            "SELECT MIN(year) FROM report_requests_v WHERE body_kind = 'township' AND granted * 2 < requests_processed"
        ).fetchone()
    assert year is not None, "the demo portal should have a township that granted under half of its requests"
    return str(year)


def sql_answer(path: Path, year: str) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute(asked_for(researcher_blocks()["sql"], year)).fetchall()
    return {row[0] for row in rows}


def pandas_answer(workdir: Path, year: str, capsys) -> set[str]:
    namespace: dict = {}
    code = compile(asked_for(researcher_blocks()["python"], year), "README.md", "exec")
    import os

    before = os.getcwd()
    os.chdir(workdir)
    try:
        exec(code, namespace)
    finally:
        os.chdir(before)
    capsys.readouterr()
    return set(namespace["townships"]["body"])


def test_the_readme_question_gets_one_answer_in_sql_and_pandas(demo, capsys):
    workdir, path = demo
    year = answered_year(path)
    answered = sql_answer(path, year)
    assert answered and all(name.endswith(("镇人民政府", "乡人民政府")) for name in answered)
    assert pandas_answer(workdir, year, capsys) == answered
    assert pandas_answer(workdir, QUESTION_YEAR, capsys) == sql_answer(path, QUESTION_YEAR)
    with sqlite3.connect(path) as connection:
        shares = connection.execute(
            "SELECT body, granted, requests_processed FROM report_requests_v WHERE year = ? AND body_kind = 'township'",
            (int(year),),
        ).fetchall()
    assert answered == {body for body, granted, processed in shares if granted * 2 < processed}


def test_the_readme_sql_runs_on_postgresql(postgresql_url):
    engine = open_archive(postgresql_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text(researcher_blocks()["sql"].replace("%", "%%"))).all() == []
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode("utf-8")


@pytest.fixture(scope="module")
def served(demo):
    workdir, path = demo
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "disclosure", "browse", "--port", str(port), "--db", f"sqlite:///{path}"],
        cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                fetch(f"{base}/-/versions.json")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"datasette did not start: {process.stdout.read()[-2000:]}") from None
                time.sleep(0.3)
        yield base, path
    finally:
        process.terminate()
        process.wait(timeout=20)
    deadline = time.monotonic() + 20
    while True:  # datasette, its child, stops with it
        try:
            fetch(f"{base}/-/versions.json")
        except OSError:
            break
        if time.monotonic() > deadline:
            raise AssertionError("datasette still answers after disclosure browse was stopped")
        time.sleep(0.3)


def test_the_canned_query_answers_as_the_sql_does(served):
    base, path = served
    year = answered_year(path)
    query = urllib.parse.urlencode({"year": year, "county": "青岚县", "_shape": "array"})
    status, body = fetch(f"{base}/disclosure/townships_granting_under_half.json?{query}")
    assert status == 200
    rows = json.loads(body)
    assert {row["body"] for row in rows} == sql_answer(path, year)
    assert {"changed_after_publication", "editions", "corrections"} <= set(rows[0])


def test_datasette_shows_descriptions_and_facets(served):
    base, _ = served
    status, body = fetch(f"{base}/disclosure/report_requests_v.json?_extra=facet_results")
    assert status == 200
    facets = json.loads(body)["facet_results"]
    facets = facets.get("results", facets)
    assert {"region", "year", "template"} <= set(facets)
    _, meta = fetch(f"{base}/-/metadata.json")
    tables = json.loads(meta)["databases"]["disclosure"]["tables"]
    assert tables["coverage_v"]["description"].startswith("Bodies × years")
    _, page = fetch(f"{base}/disclosure/report_numbers_v")
    assert "三（一）予以公开" in page
    _, plugins = fetch(f"{base}/-/plugins.json")
    assert "datasette-vega" in {plugin["name"] for plugin in json.loads(plugins)}


def test_chart_pages_are_served_with_their_data(served):
    base, path = served
    with sqlite3.connect(path) as connection:
        body_id, name = connection.execute(
            "SELECT body_id, body FROM report_requests_v GROUP BY body_id, body HAVING COUNT(*) > 2"
        ).fetchone()
        years = [y for (y,) in connection.execute(
            "SELECT year FROM report_requests_v WHERE body_id = ? ORDER BY year", (body_id,))]
    _, index = fetch(f"{base}/")
    assert 'href="/chart"' in index and 'href="/coverage"' in index
    status, page = fetch(f"{base}/chart?body_id={body_id}")
    assert status == 200 and "/disclosure/body_over_years" in page and "<svg" not in page.split("<script")[0]
    _, data = fetch(f"{base}/disclosure/body_over_years.json?_shape=array&body_id={body_id}")
    drawn = json.loads(data)
    assert [row["year"] for row in drawn] == years and {row["body"] for row in drawn} == {name}
    assert all(row["processed"] is not None for row in drawn)
    status, page = fetch(f"{base}/coverage")
    assert status == 200 and "/disclosure/coverage_matrix" in page
    _, data = fetch(f"{base}/disclosure/coverage_matrix.json?_shape=array&_size=max")
    states = {row["coverage"] for row in json.loads(data)}
    assert "archived" in states and states <= {"archived", "late", "missing", "withdrawn"}


def test_browse_refuses_a_postgresql_archive(capsys):
    assert main(["browse", "--db", "postgresql+psycopg://postgres@127.0.0.2/none"]) == 2
    assert "browse needs a SQLite archive" in capsys.readouterr().err


def test_every_canned_query_answers_and_failed_checks_match_disclosure_checks(served):
    from disclosure.checks import all_checks
    from disclosure.datasette import QUERIES
    from extract import PARSER_VERSION
    from storage.db import session_scope

    base, path = served
    for name in QUERIES:
        status, _ = fetch(f"{base}/disclosure/{name}.json?_shape=array&year=2022&body_id=1")
        assert status == 200, name
    _, body = fetch(f"{base}/disclosure/failed_checks.json?_shape=array&_size=max")
    listed = {(row["report_id"], row["rule"], row["scope"]) for row in json.loads(body)}
    engine = open_archive(f"sqlite:///{path}")
    try:
        with session_scope(engine) as session:
            failed = {(c.report_id, c.rule, c.scope) for c in all_checks(session, PARSER_VERSION) if c.status == "fail"}
    finally:
        engine.dispose()
    assert listed == failed and failed
