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
   document asked for again (``revalidate_days = 0``, as the next night's run finds them);
4. the floor under the nightly figure: the bare spider asking again for every URL it fetched,
   with the ETag / Last-Modified each answered (nothing parsed, nothing kept), as a fraction
   of the first crawl's time. At two requests at a time per host, the requests alone cost this.

Times are wall-clock times of the whole command, process start included, as a user waits
for them; the project's modules are compiled to bytecode first, as an installed package has
them. The counts come from the run records (``disclosure runs --json``) and from the
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


def bare_crawl(start_url: str, validators_out: Path) -> None:
    """The baseline, run in its own process: follow the links, keep nothing but each answer's
    validators (ETag, Last-Modified, for the conditional baseline), print the stats."""
    import re

    import scrapy

    pager = re.compile(r"createPageHTML\((\d+),\s*(\d+)")
    validators: dict[str, dict[str, str]] = {}

    class BareSpider(scrapy.Spider):
        name = "bare"
        start_urls = [start_url]

        def keep_validators(self, response) -> None:
            kept = {header: response.headers[header].decode("latin-1") for header in ("ETag", "Last-Modified")
                    if header in response.headers}
            validators[response.url] = kept

        def parse(self, response):
            self.keep_validators(response)
            for href in response.css("ul.list li a::attr(href)").getall():
                yield response.follow(href, callback=self.parse_item)
            found = pager.search(response.text)
            if found:
                for index in range(1, int(found.group(1))):
                    yield response.follow(f"index_{index}.html", callback=self.parse)

        def parse_item(self, response):
            self.keep_validators(response)
            for href in response.css("div.fjlb a::attr(href)").getall():
                yield response.follow(href, callback=self.keep_nothing)

        def keep_nothing(self, response):
            self.keep_validators(response)

    run_bare(BareSpider)
    validators_out.write_text(json.dumps(validators), encoding="utf-8")


def bare_revalidation(validators_in: Path) -> None:
    """The floor of a nightly re-crawl, run in its own process: every URL the bare spider
    fetched asked for again with its validators (``If-None-Match`` / ``If-Modified-Since``),
    nothing parsed, nothing kept."""
    import scrapy

    validators = json.loads(validators_in.read_text(encoding="utf-8"))
    names = {"ETag": "If-None-Match", "Last-Modified": "If-Modified-Since"}

    class BareRevalidation(scrapy.Spider):
        name = "bare-revalidation"

        async def start(self):
            for url, kept in validators.items():
                headers = {names[header]: value for header, value in kept.items()}
                yield scrapy.Request(url, headers=headers, callback=self.keep_nothing, dont_filter=True)

        def keep_nothing(self, response):
            return None

    run_bare(BareRevalidation)


def run_bare(spider_class) -> None:
    """Crawl with the project's politeness settings and no pipeline or middleware of its own;
    print Scrapy's counts as JSON."""
    from scrapy.crawler import CrawlerProcess

    from disclosure.crawling import crawler_settings

    settings = crawler_settings("sqlite://", allowed_networks=["127.0.0.0/8"])
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    settings.set("DOWNLOADER_MIDDLEWARES", {}, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_class)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    print(json.dumps({
        "requests": stats.get("downloader/request_count", 0),
        "not_modified": stats.get("downloader/response_status_count/304", 0),
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
    # the baselines' own processes
    parser.add_argument("--bare", nargs=2, metavar=("URL", "VALIDATORS_OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--bare-revalidation", metavar="VALIDATORS", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare:
        bare_crawl(args.bare[0], Path(args.bare[1]))
        return 0
    if args.bare_revalidation:
        bare_revalidation(args.bare_revalidation)
        return 0
    if args.reports < 1:
        parser.error("--reports must be at least 1")

    from bytecode import compile_project
    from large_portal import build_large_site

    from simportal import PortalServer

    compile_project()

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    began = time.perf_counter()
    site = build_large_site(args.reports)
    print(f"portal: {args.reports} reports, {len(site.pages)} URLs, "
          f"{sum(len(r.body) for r in site.pages.values()) / 1e6:.1f} MB, generated in {time.perf_counter() - began:.1f}s")
    with tempfile.TemporaryDirectory() as folder, PortalServer(site) as server:
        db = f"sqlite:///{Path(folder) / 'archive.sqlite'}"
        validators = Path(folder) / "validators.json"
        bare_time, bare_out = timed([sys.executable, __file__, "--bare", server.start_url, str(validators)])
        bare = json.loads(bare_out.stdout.strip().splitlines()[-1])
        floor_time, floor_out = timed([sys.executable, __file__, "--bare-revalidation", str(validators)])
        floor = json.loads(floor_out.stdout.strip().splitlines()[-1])
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
        # the bare spider's own conditional requests for every URL it fetched, nothing else
        "bare_revalidation": {"requests": floor["requests"], "not_modified": floor["not_modified"],
                              "seconds": round(floor_time, 2), "over_first": round(floor_time / first_time, 3)},
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
    floor_figures = figures["bare_revalidation"]
    print(f"floor of a nightly crawl: the bare spider asking again for its {floor_figures['requests']} URLs with "
          f"their validators ({floor_figures['not_modified']} answered 304) took {floor_figures['seconds']:.1f}s "
          f"= {floor_figures['over_first']:.1%} of the first crawl's time")
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
