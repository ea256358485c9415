"""The `disclosure` command line: one job per command, a thin layer over the library."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from extract import PARSER_VERSION, ExtractionError
from extract.limits import DEFAULT_LIMITS, Limits
from storage import ArchiveUnavailable
from storage.db import DATABASE_FAILURES, database_failure, database_url, open_archive, session_scope, upgrade
from storage.queries import report_values
from storage.verify import repair_archive, verify_archive
from storage.warc import DIR_ENV_VAR as WARC_DIR_ENV_VAR

from . import registry
from .checks import CHECK_COLUMNS, all_checks, check_line, count_line, export_checks, select_checks
from .crawling import CrawlSummary
from .export import FORMATS, SHAPES, ExportError, Filters, export_parquet, export_records_parquet, export_rows, stream_rows
from .schedule import DEFAULT_AT, DEFAULT_TIMEZONE
from .progress import wanted as progress_wanted
from .runs import RunSummary, run_crawl, run_extraction, run_queued_extraction

if TYPE_CHECKING:  # PDF, Word and Redis clients load only for the commands that use them
    from .extraction import ExtractionSummary

EXAMPLES = {
    "crawl": "examples:\n  disclosure crawl --url http://127.0.0.1:8765/xxgk/gknb/index.html\n"
    "  disclosure crawl simulated-county\n"
    "  disclosure crawl --redis redis://10.0.0.5:6379/0 --db postgresql+psycopg://team@10.0.0.5/archive",
    "extract": "examples:\n  disclosure extract --all\n  disclosure extract --all --jobs 4 --against 1\n"
    "  disclosure extract --all --queue redis://10.0.0.5:6379/0 --db postgresql+psycopg://team@10.0.0.5/archive",
    "worker": "examples:\n  disclosure worker --queue redis://10.0.0.5:6379/0 --db postgresql+psycopg://team@10.0.0.5/archive "
    "--warc-dir /mnt/archive/warc\n  disclosure worker --queue redis://127.0.0.1:6379/0 --burst   # until the queue is empty",
    "export": "examples:\n  disclosure export --format csv --out numbers.csv\n"
    "  disclosure export --format jsonl --out numbers.jsonl\n"
    "  disclosure export --out numbers.csv --checks-out checks.csv\n"
    "  disclosure export --format parquet --shape wide --year 2022 --out reports-2022.parquet\n"
    "  disclosure export --format csv --body 镇 --status current --as-of 2024-06-30 --out numbers.csv",
    "checks": "examples:\n  disclosure checks\n  disclosure checks --rule requests.carry_over --body 城关镇 --all\n"
    "  disclosure checks --reviewed",
    "correct": "examples:\n  disclosure correct 12 requests.granted.total 12 --reason \"page 3 prints 12; read as 72\"\n"
    "  disclosure correct 12 proactive.fees.amount_10k_yuan none --reason \"the cell is blank\" --by 李明",
    "corrections": "examples:\n  disclosure corrections\n  disclosure corrections --report 12 --json",
    "review": "examples:\n  disclosure review 4711 confirm --note \"the report's own sum is off by 2\"\n"
    "  disclosure review a93 dismiss --note \"2022 carried_out misread: the PDF prints 3\" --by 李明",
    "parse": "examples:\n  disclosure parse ~/reports/留车镇2021年报.docx\n  disclosure parse --limit wall_seconds=20 --limit pdf_pages=50 scan.pdf",
    "demo": "example:\n  disclosure demo\n  disclosure demo --platform generic",
    "verify": "examples:\n  disclosure verify --db sqlite:///data/disclosure.sqlite\n"
    "  disclosure verify --repair      # drop index rows whose WARC record is gone, trim cut files",
    "db": "example:\n  disclosure db upgrade --db postgresql+psycopg://postgres@127.0.0.1/test",
    "runs": "examples:\n  disclosure runs\n  disclosure runs --json --limit 5",
    "schedule": "examples:\n  disclosure schedule --at 02:30 --timezone Asia/Shanghai\n"
    "  disclosure schedule --once        # one run now (for cron)",
    "status": "examples:\n  disclosure status\n  disclosure status --json --today 2025-04-01",
    "browse": "examples:\n  disclosure browse\n  disclosure browse --port 8002 --db sqlite:///data/disclosure.sqlite",
    "show": "examples:\n  disclosure show 12\n  disclosure show --body 留车镇人民政府 --year 2022\n  disclosure show 12 --json",
    "history": "examples:\n  disclosure history http://127.0.0.1:8765/xxgk/gknb/202402/t20240225_1565043.html\n"
    "  disclosure history --json http://127.0.0.1:8765/xxgk/gknb/202402/t20240225_1565043.html",
}


class UsageError(Exception):
    """The run cannot work as asked; the message is the one line the user sees."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "warc_dir", None):
        os.environ[WARC_DIR_ENV_VAR] = args.warc_dir  # crawl subprocesses and workers see it too
    saved = logging.root.handlers[:], logging.root.level
    _log_warnings_to_stderr()
    try:
        return args.handler(args)
    except (UsageError, ArchiveUnavailable, registry.RegistryError, OSError) as error:
        print(f"disclosure: error: {error}", file=sys.stderr)
        return 2
    except DATABASE_FAILURES as error:
        print(f"disclosure: error: {database_failure(error)}", file=sys.stderr)
        return 2
    finally:
        # main() is also called in-process (tests, scripts): leave logging as it was
        logging.root.handlers[:], logging.root.level = saved


class _OneLineFormatter(logging.Formatter):
    """Scrapy logs expected network failures with tracebacks; the message says enough."""

    def formatException(self, exc_info) -> str:
        return ""


def _log_warnings_to_stderr() -> None:
    # The handler, not only the root logger, carries the level: Scrapy lowers the root's.
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(_OneLineFormatter("%(levelname)s %(name)s: %(message)s"))
    logging.root.handlers[:] = [handler]
    logging.root.setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="URL",
        help="SQLAlchemy URL of the archive (default: $DISCLOSURE_DB, else sqlite:///data/disclosure.sqlite)",
    )
    common.add_argument(
        "--warc-dir",
        metavar="DIR",
        help="folder of the archive's WARC files for a server database (default: $DISCLOSURE_WARC_DIR, "
        "else ./data/warc); a SQLite archive keeps them beside its file, in <name>.warc/",
    )
    parser = argparse.ArgumentParser(
        prog="disclosure",
        description="Crawl, archive, extract and export government information-disclosure annual reports.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, handler):
        sub = commands.add_parser(
            name,
            parents=[common],
            help=help_text,
            description=help_text,
            epilog=EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(handler=handler)
        return sub

    crawl = command("crawl", "Crawl portal columns into the archive, then extract what is new.", cmd_crawl)
    crawl.add_argument("names", nargs="*", metavar="NAME", help="portals from the registry (default: all)")
    crawl.add_argument("--url", action="append", default=[], help="a list page of a column to crawl (repeatable)")
    crawl.add_argument("--registry", metavar="PATH", help="portal registry file (default: the bundled one)")
    crawl.add_argument(
        "--allow-network",
        action="append",
        default=[],
        metavar="CIDR",
        help="only send requests to these networks (default: $DISCLOSURE_ALLOWED_NETWORKS, else any)",
    )
    crawl.add_argument(
        "--delay", type=float, metavar="SECONDS", help="seconds between requests to one host (default 0.5, adaptive)"
    )
    crawl.add_argument("--no-extract", action="store_true", help="archive only; extract later")
    crawl.add_argument(
        "--redis", metavar="URL",
        help="share the crawl with other processes through this Redis (redis://host:6379/0): run the same command on each machine",
    )
    crawl.add_argument("--redis-namespace", metavar="NAME", help="Redis key prefix of the crawl (default: from --db and the portals)")
    _limit_option(crawl)

    extract = command("extract", "Extract stored captures with the current parser, from the archive alone.", cmd_extract)
    extract.add_argument("--all", action="store_true", help="re-read every capture, not only those not yet read")
    extract.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: one per CPU core)")
    extract.add_argument(
        "--against", metavar="VERSION", help="parser version to compare with (default: the newest other one)"
    )
    extract.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        help="show a progress bar on standard error (default: when it is a terminal)",
    )
    extract.add_argument(
        "--queue", metavar="URL",
        help="put the captures on this Redis queue (redis://host:6379/0) for `disclosure worker` processes, and wait",
    )
    extract.add_argument("--no-wait", action="store_true", help="with --queue: return once the captures are queued")
    extract.add_argument(
        "--write-batch", type=int, metavar="N",
        help="results written per transaction (default 64; 1 writes each as soon as it is read)",
    )
    _limit_option(extract)

    worker = command("worker", "Read captures queued by `extract --queue` and store the results (any machine).", cmd_worker)
    worker.add_argument("--queue", metavar="URL", required=True, help="the Redis of the queue (redis://host:6379/0)")
    worker.add_argument("--burst", action="store_true", help="stop when the queue is empty")

    export = command("export", "Write the current numbers of every annual report, one row per number.", cmd_export)
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--out", required=True, metavar="PATH", help="file to write ('-' for standard output)")
    export.add_argument("--shape", choices=SHAPES, default="long",
                        help="long: one row per number; wide: one row per report, one column per canonical key")
    export.add_argument("--region", metavar="TEXT", help="only bodies whose region contains TEXT")
    export.add_argument("--body", metavar="TEXT", help="only bodies whose name contains TEXT")
    export.add_argument("--year", type=int, action="append", default=[], help="only reports on this year (repeatable)")
    export.add_argument("--template", action="append", default=[], choices=("v2019", "v2021"), help="repeatable")
    export.add_argument("--status", action="append", default=[], choices=("current", "withdrawn", "superseded"),
                        help="only reports of this status (repeatable)")
    export.add_argument("--as-of", type=_date, metavar="DATE",
                        help="the numbers as the archive knew them at the end of DATE (UTC)")
    export.add_argument(
        "--checks-out", metavar="PATH", help="also write every consistency check, one per row, in the same format"
    )

    checks = command("checks", "List the failed consistency checks of the current reports (rules 1-6).", cmd_checks)
    checks.add_argument("--rule", metavar="RULE", help="one rule, or a family: requests, appeals, prose")
    checks.add_argument("--body", metavar="NAME", help="only bodies whose name contains NAME")
    checks.add_argument("--all", action="store_true", help="also list passed, fitted and not assessable checks")
    checks.add_argument("--reviewed", action="store_true", help="also list failed checks already reviewed")

    correct = command("correct", "Correct one cell of a report; exports use it, the published reading stays.", cmd_correct)
    correct.add_argument("report_id", type=int, metavar="REPORT_ID", help="the report id exports and show print")
    correct.add_argument("key", metavar="KEY", help="table.row.column, e.g. requests.granted.total")
    correct.add_argument("value", metavar="VALUE", help="the number as printed (ASCII digits), or none")
    correct.add_argument("--reason", required=True, metavar="TEXT", help="why: what the document prints, where")
    correct.add_argument("--by", metavar="NAME", help="who corrects (default: your login name)")

    corrections = command("corrections", "List corrections: open, resolved, conflict (a third reading) or replaced.", cmd_corrections)
    corrections.add_argument("--report", type=int, metavar="ID", help="only this report's")
    corrections.add_argument("--json", action="store_true", help="print JSON")

    review = command("review", "Mark a failed check a published error (confirm) or a misreading (dismiss).", cmd_review)
    review.add_argument("check_id", metavar="CHECK_ID", help="the id disclosure checks prints: [check ID]")
    review.add_argument("decision", choices=("confirm", "dismiss"))
    review.add_argument("--note", required=True, metavar="TEXT", help="what was found")
    review.add_argument("--by", metavar="NAME", help="who reviews (default: your login name)")

    parse = command("parse", "Extract one local file (HTML, DOCX, DOC/WPS, XLSX/XLS, PDF or text) and print it as JSON.", cmd_parse)
    parse.add_argument("file", type=Path)
    _limit_option(parse)

    demo = command("demo", "Serve the bundled simulated county portal on 127.0.0.1 and crawl it.", cmd_demo)
    demo.add_argument("--port", type=int, default=0, help="port for the portal (default: any free port)")
    demo.add_argument("--platform", default="trs", metavar="NAME",
                      help="which platform's simulated portal to serve: trs (default), generic, …")

    runs = command("runs", "List the crawl runs: per portal requests, 304s, new/changed/withdrawn documents, why columns ended.", cmd_runs)
    runs.add_argument("--json", action="store_true", help="print JSON")
    runs.add_argument("--limit", type=int, default=20, metavar="N", help="newest N runs (default 20)")

    schedule = command("schedule", "Crawl the registry every night in the foreground, one run at a time.", cmd_schedule)
    _crawl_options(schedule)
    schedule.add_argument("--at", default=DEFAULT_AT, metavar="HH:MM", help=f"time of day (default {DEFAULT_AT})")
    schedule.add_argument("--timezone", default=DEFAULT_TIMEZONE, help=f"time zone of --at (default {DEFAULT_TIMEZONE})")
    schedule.add_argument("--once", action="store_true", help="run one scheduled run now and exit")

    status = command("status", "Portal health after the last runs, late reports and recent fetch failures.", cmd_status)
    status.add_argument("--json", action="store_true", help="print JSON")
    status.add_argument("--today", type=_date, metavar="YYYY-MM-DD", help="the date to judge lateness by (default: today, UTC)")

    browse = command("browse", "Browse a SQLite archive in datasette on 127.0.0.1: views, canned queries, charts.", cmd_browse)
    browse.add_argument("--port", type=int, default=8001, help="port on 127.0.0.1 (default 8001)")

    show = command("show", "One report: its three tables, checks, sources and versions, and the change from the year before.", cmd_show)
    show.add_argument("report_id", metavar="REPORT_ID", type=int, nargs="?", help="the report's id (export, checks)")
    show.add_argument("--body", metavar="NAME", help="the body's name, as any of its reports prints it (with --year)")
    show.add_argument("--year", type=int, metavar="YEAR", help="the year the report is on (with --body)")
    show.add_argument("--json", action="store_true", help="print JSON")

    history = command("history", "A document's captures, withdrawals and, for reports, the cells that changed.", cmd_history)
    history.add_argument("url", metavar="URL", help="the document's URL, as it was requested")
    history.add_argument("--json", action="store_true", help="print JSON")

    verify = command(
        "verify",
        "Check the archive: every stored byte against its sha256, every row against the rows it names.",
        cmd_verify,
    )
    verify.add_argument("--repair", action="store_true",
                        help="fix the index: drop rows whose WARC record is gone (fetched again next crawl)")

    db = command("db", "Manage the archive's schema.", cmd_db)
    db.add_argument("action", choices=["upgrade"], help="apply the migrations")
    return parser


def cmd_crawl(args) -> int:
    db_url = database_url(args.db)
    open_archive(db_url).dispose()
    portals = _crawl_targets(args)
    networks = args.allow_network or _env_list("DISCLOSURE_ALLOWED_NETWORKS")
    if args.delay is not None and args.delay < 0:
        raise UsageError("--delay cannot be negative")
    shared = _redis_crawl_settings(args, db_url, portals)
    run = run_crawl(
        portals, db_url, allowed_networks=networks, delay=args.delay, extract=not args.no_extract,
        jobs=_jobs(None), progress=progress_wanted(None), limits=_limits(args), settings_overrides=shared,
    )
    _print_run(run)
    if not shared and all(s.responses == 0 for s in run.crawls):
        raise UsageError("nothing could be fetched: check the URLs and that the portal is reachable")
    return 0


def _redis_crawl_settings(args, db_url: str, portals: list[registry.Portal]) -> dict | None:
    if not getattr(args, "redis", None):
        return None
    from crawler.distributed import archive_namespace, check_redis, redis_settings

    try:
        check_redis(args.redis)
    except ValueError as error:
        raise UsageError(str(error)) from error
    namespace = args.redis_namespace or archive_namespace(db_url, [p.name for p in portals])
    return redis_settings(args.redis, namespace)


def _crawl_targets(args) -> list[registry.Portal]:
    if args.url:
        if args.names:
            raise UsageError("give either --url or portal names, not both")
        return [registry.Portal(name=_host(u), start_urls=(u,)) for u in args.url]
    path = registry.registry_path(args.registry)
    portals = registry.select(registry.load_registry(path), args.names)
    if not portals:
        raise UsageError(f"the registry {path} lists no portals")
    return portals


def cmd_extract(args) -> int:
    from .extraction import UnknownVersion, check_against, describe_changes, version_changes
    from .queue import BatchesFailed, Enqueued

    jobs = _jobs(args.jobs)
    engine = open_archive(database_url(args.db))
    try:
        if args.against is not None:
            check_against(engine, args.against)
        if args.queue:
            summary = run_queued_extraction(engine, args.queue, redo=args.all, limits=_limits(args), wait=not args.no_wait)
            if isinstance(summary, Enqueued):
                print(f"queued {summary.captures} captures in {len(summary.job_ids)} batches on {args.queue}")
                return 0
        else:
            if args.write_batch is not None and args.write_batch < 1:
                raise UsageError("--write-batch must be at least 1")
            summary = run_extraction(
                engine, redo=args.all, jobs=jobs, progress=progress_wanted(args.progress), limits=_limits(args),
                write_batch=args.write_batch,
            )
        print(_extract_line(summary))
        print(describe_changes(version_changes(engine, summary.parser_version, against=args.against)))
    except (UnknownVersion, BatchesFailed) as error:
        raise UsageError(str(error)) from None
    finally:
        engine.dispose()
    return 0


def cmd_worker(args) -> int:
    from .queue import connect, run_worker

    run_worker(connect(args.queue), database_url(args.db), burst=args.burst)
    return 0


def _limit_option(sub) -> None:
    names = ", ".join(Limits.names())
    sub.add_argument(
        "--limit", action="append", default=[], metavar="NAME=VALUE",
        help=f"change an extraction limit (repeatable): {names}; see README 'Limits'",
    )


def _limits(args) -> Limits:
    overrides = {}
    for text in args.limit:
        name, equals, value = text.partition("=")
        if not equals:
            raise UsageError(f"--limit takes NAME=VALUE, not {text!r}")
        overrides[name.strip()] = value.strip()
    try:
        return DEFAULT_LIMITS.with_overrides(overrides)
    except ValueError as error:
        raise UsageError(str(error)) from None


def _jobs(requested: int | None) -> int:
    if requested is None:
        return os.cpu_count() or 1
    if requested < 1:
        raise UsageError("--jobs must be at least 1")
    return requested


def _print_run(run: RunSummary) -> None:
    for summary in run.crawls:
        print(_crawl_line(summary))
    if run.extraction is not None:
        print(_extract_line(run.extraction))
    for portal in run.portals:
        for problem in portal.health:
            print(f"flagged {portal.portal}: {problem['problem']}: {problem['detail']}")
    earlier = f" (found earlier run {', '.join(map(str, run.interrupted))} interrupted)" if run.interrupted else ""
    print(f"run {run.run_id} {run.status}{earlier}: disclosure runs --limit 1")


def _crawl_options(sub) -> None:
    sub.add_argument("names", nargs="*", metavar="NAME", help="portals from the registry (default: all)")
    sub.add_argument("--registry", metavar="PATH", help="portal registry file (default: the bundled one)")
    sub.add_argument(
        "--allow-network", action="append", default=[], metavar="CIDR",
        help="only send requests to these networks (default: $DISCLOSURE_ALLOWED_NETWORKS, else any)",
    )
    sub.add_argument("--delay", type=float, metavar="SECONDS", help="seconds between requests to one host")
    sub.add_argument("--no-extract", action="store_true", help="archive only; extract later")
    _limit_option(sub)


def cmd_runs(args) -> int:
    from storage.runs import list_runs

    from .runs import find_interrupted, run_lines, runs_json

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    engine = open_archive(database_url(args.db))
    try:
        find_interrupted(engine, datetime.now(UTC))
        with session_scope(engine) as session:
            runs = list_runs(session, limit=args.limit)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(runs_json(runs), ensure_ascii=False, indent=2))
    else:
        print("\n".join(run_lines(runs)) if runs else "no crawl runs in this archive yet: disclosure crawl")
    return 0


def cmd_schedule(args) -> int:
    from .schedule import LockHeld, parse_at, run_lock, serve

    db_url = database_url(args.db)
    networks = args.allow_network or _env_list("DISCLOSURE_ALLOWED_NETWORKS")
    if args.delay is not None and args.delay < 0:
        raise UsageError("--delay cannot be negative")
    portals = _crawl_targets(argparse.Namespace(url=[], names=args.names, registry=args.registry))
    if args.once:
        try:
            with run_lock(db_url):
                run = run_crawl(
                    portals, db_url, trigger="schedule", allowed_networks=networks, delay=args.delay,
                    extract=not args.no_extract, jobs=_jobs(None), limits=_limits(args),
                )
        except LockHeld as held:
            print(f"disclosure: not running: {held}", file=sys.stderr)
            return 1
        _print_run(run)
        return 0
    try:
        parse_at(args.at)
        ZoneInfo(args.timezone)
    except (ValueError, ZoneInfoNotFoundError) as error:
        raise UsageError(f"{error}") from None
    child = ["--db", db_url, *args.names]
    child += ["--registry", str(registry.registry_path(args.registry))]
    child += [item for network in networks for item in ("--allow-network", network)]
    child += ["--delay", str(args.delay)] if args.delay is not None else []
    child += ["--no-extract"] if args.no_extract else []
    child += [item for limit in args.limit for item in ("--limit", limit)]
    serve(db_url, at=args.at, timezone=args.timezone, child_argv=child, announce=print)
    return 0


def cmd_status(args) -> int:
    from .status import archive_status, status_json, status_lines

    today = args.today or datetime.now(UTC).date()
    engine = open_archive(database_url(args.db))
    try:
        with session_scope(engine) as session:
            status = archive_status(session, today=today, parser_version=PARSER_VERSION)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(status_json(status), ensure_ascii=False, indent=2))
    else:
        print("\n".join(status_lines(status)))
    return 0


def cmd_browse(args) -> int:
    from .browse import BrowseError, browse

    try:
        return browse(database_url(args.db), args.port)
    except BrowseError as error:
        raise UsageError(str(error)) from None


def cmd_show(args) -> int:
    from .show import ShowError, find_report, render, report_view

    if (args.report_id is None) == (args.body is None):
        raise UsageError("name a report: disclosure show REPORT_ID, or disclosure show --body NAME --year YEAR")
    if args.body is not None and args.year is None:
        raise UsageError("--body needs --year: disclosure show --body NAME --year YEAR")
    engine = open_archive(database_url(args.db))
    try:
        with session_scope(engine) as session:
            report_id = args.report_id if args.report_id is not None else find_report(session, body=args.body, year=args.year)
            view = report_view(session, report_id, PARSER_VERSION)
    except ShowError as error:
        raise UsageError(str(error)) from None
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(view.as_json(), ensure_ascii=False, indent=2))
    else:
        print(render(view))
    return 0


def cmd_history(args) -> int:
    from .history import UnknownDocument, history_json, history_text, load_history

    engine = open_archive(database_url(args.db))
    try:
        history = load_history(engine, args.url, PARSER_VERSION)
    except UnknownDocument as error:
        raise UsageError(str(error)) from None
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(history_json(history), ensure_ascii=False, indent=2))
    else:
        print(history_text(history))
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def cmd_export(args) -> int:
    filters = Filters(region=args.region, body=args.body, years=tuple(args.year),
                      templates=tuple(args.template), statuses=tuple(args.status))
    as_of = None if args.as_of is None else datetime.combine(args.as_of, datetime.max.time(), UTC)
    engine = open_archive(database_url(args.db))
    try:
        with session_scope(engine) as session:
            rows, reports = stream_rows(session, PARSER_VERSION, as_of, filters)  # read as written
            if args.format == "parquet":
                count = _write_binary(args.out, lambda out: export_parquet(rows, out, args.shape))
            else:
                count = _write(args.out, lambda out: export_rows(rows, out, args.format, args.shape))
            checks = [c for c in all_checks(session, PARSER_VERSION) if c.report_id in reports] if args.checks_out else []
    except ExportError as error:
        raise UsageError(str(error)) from None
    finally:
        engine.dispose()
    what = "reports" if args.shape == "wide" else f"numbers of {len(reports)} reports"
    print(f"exported {count} {what} to {args.out}", file=sys.stderr)
    if args.checks_out:
        if args.format == "parquet":
            records = [{name: getattr(c, name) for name in CHECK_COLUMNS} for c in checks]
            _write_binary(args.checks_out, lambda out: export_records_parquet(CHECK_COLUMNS, records, out))
        else:
            _write(args.checks_out, lambda out: export_checks(checks, out, args.format))
        print(f"exported {len(checks)} checks to {args.checks_out}", file=sys.stderr)
    return 0


def _write_binary(path: str, write) -> int:
    if path == "-":
        return write(sys.stdout.buffer)
    with open(path, "wb") as out:
        return write(out)


def _write(path: str, write) -> int:
    if path == "-":
        return write(sys.stdout)
    with open(path, "w", encoding="utf-8", newline="") as out:
        return write(out)


def cmd_checks(args) -> int:
    from storage.corrections import review_states

    from .checks import shown
    from .corrections import review_text

    engine = open_archive(database_url(args.db))
    try:
        with session_scope(engine) as session:
            checks = select_checks(all_checks(session, PARSER_VERSION), rule=args.rule, body=args.body)
            reviews = review_states(session, checks)
    finally:
        engine.dispose()
    applying = {check_id for check_id, state in reviews.items() if state.applies}
    for check in shown(checks, applying, everything=args.all, reviewed=args.reviewed):
        state = reviews.get(check.check_id)
        print(check_line(check, review_text(state) if state else None))
    hidden = sum(1 for c in checks if c.status == "fail" and c.check_id in applying)
    if hidden and not (args.all or args.reviewed):
        print(f"{hidden} reviewed failures not listed: disclosure checks --reviewed")
    print(f"{count_line(checks)} (parser {PARSER_VERSION})")
    return 0


def cmd_correct(args) -> int:
    from storage.corrections import CorrectionError

    from .corrections import correct, correction_line

    engine = open_archive(database_url(args.db))
    try:
        state = correct(engine, report_id=args.report_id, key=args.key, value=args.value, reason=args.reason,
                        by=args.by, parser_version=PARSER_VERSION)
    except CorrectionError as error:
        raise UsageError(str(error)) from None
    finally:
        engine.dispose()
    print(correction_line(state))
    return 0


def cmd_corrections(args) -> int:
    from .corrections import corrections_json, corrections_text, list_corrections

    engine = open_archive(database_url(args.db))
    try:
        states = list_corrections(engine, PARSER_VERSION, args.report)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(corrections_json(states), ensure_ascii=False, indent=2))
    else:
        print(corrections_text(states))
    return 0


def cmd_review(args) -> int:
    from storage.corrections import CorrectionError

    from .corrections import review, review_text

    engine = open_archive(database_url(args.db))
    try:
        check, state = review(engine, check_id=args.check_id, decision=args.decision, note=args.note, by=args.by,
                              parser_version=PARSER_VERSION)
    except CorrectionError as error:
        raise UsageError(str(error)) from None
    finally:
        engine.dispose()
    print(check_line(check, review_text(state)))
    return 0


def cmd_parse(args) -> int:
    from .parsing import document_json, parse_file

    if not args.file.is_file():
        raise UsageError(f"{args.file} is not a file")
    try:
        document = parse_file(args.file, _limits(args))
    except ExtractionError as error:
        raise UsageError(f"could not read {args.file}: {error}") from None
    json.dump(document_json(document), sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0


def cmd_demo(args) -> int:
    from simportal import SITES, PortalServer

    if args.platform not in SITES:
        raise UsageError(f"no simulated portal for platform {args.platform!r} (known: {', '.join(SITES)})")
    db_url = database_url(args.db)
    open_archive(db_url).dispose()
    site = SITES[args.platform]()
    with PortalServer(site, port=args.port) as server:
        print(f"serving the simulated portal of {site.county} at {server.start_url}")
        portal = registry.Portal(name="simulated-county", start_urls=(server.start_url,))
        run = run_crawl([portal], db_url, allowed_networks=["127.0.0.0/8"], delay=0, jobs=_jobs(None),
                        progress=progress_wanted(None))
    _print_run(run)
    print(_reports_table(db_url))
    print(f"archive: {db_url}\nnext: disclosure export --format csv --out numbers.csv")
    return 0


def cmd_verify(args) -> int:
    engine = open_archive(database_url(args.db))
    try:
        if args.repair:
            with session_scope(engine) as session:
                repaired = repair_archive(session)
            print(
                f"repaired: {repaired.blobs_dropped} lost payloads and {repaired.captures_dropped} captures "
                f"dropped, {repaired.documents_to_fetch} documents to fetch again, "
                f"{len(repaired.files_trimmed)} WARC files trimmed"
            )
        with session_scope(engine) as session:
            verified = verify_archive(session)
    finally:
        engine.dispose()
    for problem in verified.problems:
        print(f"problem: {problem.line()}")
    found = f"{len(verified.problems)} kinds of problem" if verified.problems else "no problems"
    print(
        f"verified {verified.blobs} blobs ({verified.blob_bytes:,} bytes), {verified.captures} captures, "
        f"{verified.extractions} extractions: {found}"
    )
    return 1 if verified.problems else 0


def cmd_db(args) -> int:
    db_url = database_url(args.db)
    upgrade(db_url)
    print(f"{db_url}: schema at the latest revision")
    return 0


def _reports_table(db_url: str) -> str:
    engine = open_archive(db_url)
    with session_scope(engine) as session:
        rows = report_values(session, PARSER_VERSION)
    engine.dispose()
    given = Counter()
    names = {}
    for row in rows:
        names[row.report_id] = (row.body or "?", row.year or "?", row.template or "?", row.source_url)
        if row.value is not None:
            given[row.report_id] += 1
    lines = [f"{len(names)} annual reports in the archive:"]
    for report_id, (body, year, template, url) in sorted(names.items(), key=lambda item: str(item[1])):
        lines.append(f"  {body} {year} {template}: {given[report_id]} numbers from {url}")
    return "\n".join(lines)


def _crawl_line(summary: CrawlSummary) -> str:
    line = (
        f"crawled {summary.portal}: {summary.responses} responses archived "
        f"({summary.new_versions} new or changed), {summary.http_errors} HTTP errors, "
        f"{summary.failed_fetches} failed fetches"
    )
    return line + (f", {summary.refused} refused (outside allowed networks)" if summary.refused else "")


def _extract_line(summary: ExtractionSummary) -> str:
    return (
        f"extracted {summary.captures} captures with parser {summary.parser_version}: "
        f"{summary.reports} read as annual-report documents (pages or attachments), "
        f"{summary.other_documents} other documents, "
        f"{summary.failures} failures"
    )


def _env_list(name: str) -> list[str]:
    return [part for part in os.environ.get(name, "").replace(",", " ").split() if part]


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc or url


if __name__ == "__main__":
    sys.exit(main())
