"""Crawl throughput on a large simulated portal, and what a second crawl of it costs.

    python benchmarks/crawl_throughput.py [--reports 2000] [--json]

A TRS county portal of ``--reports`` annual reports (``benchmarks/large_portal.py``,
generated in memory, one in ten with a PDF attachment) is served on 127.0.0.1. Then:

1. a bare Scrapy spider that follows the same links (list pages and their pager, items,
   the attachments of items) and keeps nothing, with the project's politeness settings;
2. ``disclosure crawl --delay 0 --no-extract`` into a fresh SQLite archive: responses per
   second against the bare spider's (aim: at least 0.8);
3. the same command twice more on the unchanged portal, each as a fraction of the first
   crawl's requests, bytes received and time (aim: bytes at most 5%, time at most 10%):
   "same day", the registry's default cadence (the lists are asked for again, the items and
   attachments seen within the day are read from the archive), then "nightly", every known
   document asked for again (``revalidate_days = 0``, as the next night's run finds them).

Times are wall-clock times of the whole command, process start included, as a user waits
for them. The counts come from the run records (``disclosure runs --json``) and from the
bare spider's Scrapy stats. The last line with ``--json`` is the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for folder in (ROOT, ROOT / "benchmarks"):
    if str(folder) not in sys.path:  # run as a plain script from anywhere
        sys.path.insert(0, str(folder))


def bare_crawl(start_url: str) -> None:
    """The baseline, run in its own process: follow the links, keep nothing, print the stats."""
    import re

    import scrapy
    from scrapy.crawler import CrawlerProcess

    from disclosure.crawling import crawler_settings

    pager = re.compile(r"createPageHTML\((\d+),\s*(\d+)")

    class BareSpider(scrapy.Spider):
        name = "bare"
        start_urls = [start_url]

        def parse(self, response):
            for href in response.css("ul.list li a::attr(href)").getall():
                yield response.follow(href, callback=self.parse_item)
            found = pager.search(response.text)
            if found:
                for index in range(1, int(found.group(1))):
                    yield response.follow(f"index_{index}.html", callback=self.parse)

        def parse_item(self, response):
            for href in response.css("div.fjlb a::attr(href)").getall():
                yield response.follow(href, callback=self.keep_nothing)

        def keep_nothing(self, response):
            return None

    settings = crawler_settings("sqlite://", allowed_networks=["127.0.0.0/8"])
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("DOWNLOADER_MIDDLEWARES", {}, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({
        "requests": stats.get("downloader/request_count", 0),
        "responses": stats.get("downloader/response_count", 0),
        "bytes": stats.get("downloader/response_bytes", 0),
    }))


def timed(command: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", cwd=ROOT)
    took = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} … failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return took, done


def run_record(db: str, run_id: int) -> dict:
    _, listed = timed([sys.executable, "-m", "disclosure", "runs", "--json", "--db", db])
    (run,) = [run for run in json.loads(listed.stdout) if run["id"] == run_id]
    (portal,) = run["portals"]
    return portal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=2000, help="annual reports on the portal (default 2000)")
    parser.add_argument("--json", action="store_true", help="end with the figures as one JSON line")
    parser.add_argument("--bare", metavar="URL", help=argparse.SUPPRESS)  # the baseline's own process
    args = parser.parse_args(argv)
    if args.bare:
        bare_crawl(args.bare)
        return 0
    if args.reports < 1:
        parser.error("--reports must be at least 1")

    from large_portal import build_large_site

    from simportal import PortalServer

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    began = time.perf_counter()
    site = build_large_site(args.reports)
    print(f"portal: {args.reports} reports, {len(site.pages)} URLs, "
          f"{sum(len(r.body) for r in site.pages.values()) / 1e6:.1f} MB, generated in {time.perf_counter() - began:.1f}s")
    with tempfile.TemporaryDirectory() as folder, PortalServer(site) as server:
        db = f"sqlite:///{Path(folder) / 'archive.sqlite'}"
        bare_time, bare_out = timed([sys.executable, __file__, "--bare", server.start_url])
        bare = json.loads(bare_out.stdout.strip().splitlines()[-1])
        portal = f'[[portal]]\nname = "changhe"\nstart_urls = ["{server.start_url}"]\n'
        same_day = Path(folder) / "portals.toml"
        same_day.write_text(portal, encoding="utf-8")
        # revalidate_days = 0: every known document asked for again, as the next night's run does
        nightly = Path(folder) / "nightly.toml"
        nightly.write_text(portal + "revalidate_days = 0\n", encoding="utf-8")

        def crawl(registry: Path) -> list[str]:
            return [sys.executable, "-m", "disclosure", "crawl", "changhe", "--registry", str(registry), "--db", db,
                    "--allow-network", "127.0.0.0/8", "--delay", "0", "--no-extract"]

        first_time, _ = timed(crawl(same_day))
        first = run_record(db, 1)
        seconds = {}
        for number, (name, registry) in enumerate((("same_day", same_day), ("nightly", nightly)), start=2):
            took, _ = timed(crawl(registry))
            seconds[name] = (took, run_record(db, number))

    bare_rate = bare["responses"] / bare_time
    ours_rate = first["responses"] / first_time
    figures = {
        "reports": args.reports,
        "bare": {"responses": bare["responses"], "bytes": bare["bytes"], "seconds": round(bare_time, 2),
                 "responses_per_second": round(bare_rate, 1)},
        "first": {"requests": first["requests"], "responses": first["responses"], "bytes": first["bytes_received"],
                  "seconds": round(first_time, 2), "responses_per_second": round(ours_rate, 1)},
        "throughput_ratio": round(ours_rate / bare_rate, 3),
    }
    for name, (took, run) in seconds.items():
        figures[name] = {"requests": run["requests"], "not_modified": run["not_modified"],
                         "bytes": run["bytes_received"], "seconds": round(took, 2)}
        figures[f"{name}_over_first"] = {
            "requests": round(run["requests"] / max(first["requests"], 1), 3),
            "bytes": round(run["bytes_received"] / max(first["bytes_received"], 1), 3),
            "time": round(took / first_time, 3),
        }
    print(f"bare Scrapy spider: {bare['responses']} responses, {bare['bytes'] / 1e6:.1f} MB in {bare_time:.1f}s "
          f"= {bare_rate:.1f}/s")
    print(f"disclosure crawl:   {first['responses']} responses, {first['bytes_received'] / 1e6:.1f} MB in "
          f"{first_time:.1f}s = {ours_rate:.1f}/s")
    print(f"throughput ours/bare: {figures['throughput_ratio']:.2f} (aim >= 0.8)")
    for name, label in (("same_day", "same day (default cadence)"), ("nightly", "nightly (revalidate_days = 0)")):
        run, ratios = figures[name], figures[f"{name}_over_first"]
        print(f"second crawl, {label}: {run['requests']} requests ({run['not_modified']} answered 304), "
              f"{run['bytes'] / 1e6:.2f} MB in {run['seconds']:.1f}s")
        print(f"  /first: requests {ratios['requests']:.1%}, bytes {ratios['bytes']:.1%} (aim <= 5%), "
              f"time {ratios['time']:.1%} (aim <= 10%)")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
