import json
from decimal import Decimal
from pathlib import Path

import pytest

from disclosure.cli import build_parser, main

from .cli_runner import run_cli

SEEDS = Path(__file__).resolve().parent / "seeds"
SEED_IDENTITIES = {
    "000_88f21ce372e9fb84.txt": ("十四道沟镇人民政府", 2021, "v2019"),
    "001_a9373f51bed65c11.txt": ("丹朱镇人民政府", 2020, "v2019"),
    "002_a271fd34d795767a.txt": ("清河头乡人民政府", 2021, "v2021"),
    "003_e0ddddd15fe580f0.txt": ("留车镇人民政府", 2021, "v2021"),
    "004_b65cffdf1b4315e2.txt": ("上馆镇人民政府", 2022, "v2019"),
}
COMMANDS = (
    "crawl", "extract", "export", "checks", "parse", "demo", "db", "history", "runs", "schedule", "status",
    "browse", "verify", "correct", "corrections", "review", "show", "worker",
)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_with_an_example_and_takes_db(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "example" in text and f"disclosure {command}" in text
    assert "--db URL" in text


def test_the_parser_knows_exactly_the_documented_commands():
    parser = build_parser()
    (subparsers,) = [a for a in parser._actions if a.dest == "command"]
    assert set(subparsers.choices) == set(COMMANDS)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"`disclosure {command}" in readme


@pytest.mark.parametrize("name", sorted(SEED_IDENTITIES))
def test_parse_reads_each_seed(name, tmp_path):
    result = run_cli("parse", str(SEEDS / name), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    record = json.loads(result.stdout)
    assert (record["body"], record["year"], record["template"]) == SEED_IDENTITIES[name]
    given = [v for v in record["values"] if v["value"] is not None]
    assert len(given) > 150
    assert all(Decimal(v["value"]) == 0 for v in given)
    assert {v["table"] for v in record["values"]} == {"proactive", "requests", "appeals"}
    if name.startswith("001"):
        reconsideration = [v for v in record["values"] if v["row"] == "reconsideration"]
        assert len(reconsideration) == 5 and all(v["value"] is None for v in reconsideration)


def test_parse_of_a_missing_file_is_a_one_line_error(tmp_path, capsys):
    assert main(["parse", str(tmp_path / "nope.pdf")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("disclosure: error:") and "nope.pdf" in err and "\n" not in err


def test_unreachable_database_is_a_one_line_error(tmp_path, capsys):
    assert main(["export", "--out", str(tmp_path / "x.csv"), "--db", "postgresql+psycopg://postgres@127.0.0.1:1/none"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("disclosure: error:") and "\n" not in err
    assert not (tmp_path / "x.csv").exists()


def test_bad_arguments_exit_with_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--format", "xlsx", "--out", "x"])
    assert exit_.value.code == 2


def test_export_of_an_empty_archive_migrates_it_and_writes_a_header(tmp_path):
    db = tmp_path / "sub" / "empty.sqlite"
    out = tmp_path / "n.csv"
    assert main(["export", "--format", "csv", "--out", str(out), "--db", f"sqlite:///{db}"]) == 0
    assert db.exists()
    assert out.read_text(encoding="utf-8").startswith(
        "report_id,body,year,template,source_url,source_reason,table,row,column,value"
    )


def test_db_upgrade_reads_the_database_from_the_environment(tmp_path, monkeypatch, capsys):
    db = tmp_path / "env.sqlite"
    monkeypatch.setenv("DISCLOSURE_DB", f"sqlite:///{db}")
    assert main(["db", "upgrade"]) == 0
    assert db.exists() and "latest revision" in capsys.readouterr().out


def test_demo_crawls_the_simulated_portal(tmp_path):
    result = run_cli("demo", "--db", f"sqlite:///{tmp_path / 'demo.sqlite'}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "serving the simulated portal" in result.stdout
    summary = [line for line in result.stdout.splitlines() if line.endswith("annual reports in the archive:")]
    assert summary and int(summary[0].split()[0]) >= 10
