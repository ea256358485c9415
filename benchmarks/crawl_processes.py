"""Crawl throughput with two crawler processes sharing one crawl through Redis, against one.

    python benchmarks/crawl_processes.py [--reports 600] [--json]

A TRS county portal of ``--reports`` annual reports (``benchmarks/large_portal.py``) is
served without delay on 127.0.0.1. ``disclosure crawl --redis … --delay 0 --no-extract`` runs
once as one process, then as two processes started together, each time into a fresh
PostgreSQL schema and WARC folder. Throughput is documents archived per second, over the
wall-clock time from start to the last process's end (process start and the shared crawl's
idle wait before it ends included), and over the span of the fetches themselves (the first
capture's time to the last's). The ratio two/one aims at 1.7 or more; on a 2-CPU machine
that also runs the portal, PostgreSQL and Redis, the load average printed tells how far off
that is. The last line with ``--json`` is the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "benchmarks"):
    if str(folder) not in sys.path:  # run as a plain script from anywhere
        sys.path.insert(0, str(folder))

PG = os.environ.get("DISCLOSURE_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("DISCLOSURE_BENCH_REDIS", "redis://127.0.0.1:6379/0")


def crawl(processes: int, start_url: str, folder: Path) -> dict:
    import psycopg
    from sqlalchemy import create_engine, func, select

    from storage.models import Capture

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    dsn = PG.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    db = f"{PG}?options=-csearch_path%3D{schema}"
    env = {**os.environ, "DISCLOSURE_WARC_DIR": str(folder / schema)}
    try:
        subprocess.run([sys.executable, "-m", "disclosure", "db", "upgrade", "--db", db], env=env, cwd=ROOT,
                       check=True, capture_output=True)
        command = [sys.executable, "-m", "disclosure", "crawl", "--url", start_url, "--db", db,
                   "--allow-network", "127.0.0.0/8", "--delay", "0", "--no-extract",
                   "--redis", REDIS, "--redis-namespace", f"bench:{schema}"]
        servers_before = server_cpu()
        children_before, own_before = _cpu(resource.RUSAGE_CHILDREN), _cpu(resource.RUSAGE_SELF)
        began, began_at = time.perf_counter(), time.time()
        running = [subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True) for _ in range(processes)]
        errors = [process.communicate()[1] for process in running]
        wall = time.perf_counter() - began
        crawl_cpu = _cpu(resource.RUSAGE_CHILDREN) - children_before
        portal_cpu = _cpu(resource.RUSAGE_SELF) - own_before  # the portal's threads: this process waits meanwhile
        servers = {name: round(seconds - servers_before.get(name, 0.0), 2) for name, seconds in server_cpu().items()}
        for process, error in zip(running, errors, strict=True):
            if process.returncode != 0:
                raise SystemExit(f"a crawl process failed ({process.returncode}):\n{error[-3000:]}")
        engine = create_engine(db)
        try:
            with engine.connect() as connection:
                count, first, last = connection.execute(
                    select(func.count(Capture.id), func.min(Capture.fetched_at), func.max(Capture.fetched_at))
                ).one()
        finally:
            engine.dispose()
    finally:
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")
    span = (last - first).total_seconds()
    return {"processes": processes, "captures": count, "wall_seconds": round(wall, 2), "fetch_seconds": round(span, 2),
            "per_second_wall": round(count / wall, 1), "per_second_fetching": round(count / max(span, 1e-6), 1),
            "to_first_fetch_seconds": round(first.timestamp() - began_at, 2),
            "after_last_fetch_seconds": round(began_at + wall - last.timestamp(), 2),
            "cpu_seconds": {"crawl_processes": round(crawl_cpu, 2), "portal": round(portal_cpu, 2), **servers}}


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def server_cpu() -> dict[str, float]:
    """CPU seconds so far of the local Redis and PostgreSQL (every client's, the server's children
    included), read from /proc where there is one; nothing elsewhere."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    totals: dict[str, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        kind = "redis" if name.startswith("redis-server") else "postgresql" if name.startswith("postgres") else None
        if kind is not None:
            fields = text[text.rindex(")") + 2:].split()
            # utime, stime, and the children's it waited for (the server's finished backends)
            totals[kind] = totals.get(kind, 0.0) + sum(int(fields[i]) for i in (11, 12, 13, 14)) / tick
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=600, help="annual reports on the portal (default 600)")
    parser.add_argument("--json", action="store_true", help="end with the figures as one JSON line")
    args = parser.parse_args(argv)
    if args.reports < 1:
        parser.error("--reports must be at least 1")

    from large_portal import build_large_site

    from simportal import PortalServer

    load_before = os.getloadavg()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in load_before)} on {os.cpu_count()} CPUs")
    site = build_large_site(args.reports)
    print(f"portal: {args.reports} reports, {len(site.pages)} URLs")
    with tempfile.TemporaryDirectory() as folder, PortalServer(site) as server:
        one = crawl(1, server.start_url, Path(folder))
        two = crawl(2, server.start_url, Path(folder))
    load_after = os.getloadavg()
    figures = {
        "reports": args.reports,
        "one": one,
        "two": two,
        "ratio_wall": round(two["per_second_wall"] / one["per_second_wall"], 3),
        "ratio_fetching": round(two["per_second_fetching"] / one["per_second_fetching"], 3),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
    }
    for run in (one, two):
        print(f"{run['processes']} process(es): {run['captures']} captures in {run['wall_seconds']:.1f}s wall "
              f"({run['per_second_wall']}/s), fetching {run['fetch_seconds']:.1f}s ({run['per_second_fetching']}/s); "
              f"{run['to_first_fetch_seconds']:.1f}s to the first fetch, "
              f"{run['after_last_fetch_seconds']:.1f}s after the last")
        print("  CPU seconds: " + ", ".join(f"{name} {seconds:.1f}" for name, seconds in run["cpu_seconds"].items()))
    print(f"two/one: {figures['ratio_wall']:.2f} wall, {figures['ratio_fetching']:.2f} fetching (aim >= 1.7)")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in load_after)}")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
