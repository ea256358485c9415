"""What a crawl loads when it starts: only what crawling on one machine needs."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Libraries of components a crawl on one machine never uses: Scrapy's consoles (aiohttp), its
# cookie middleware (tldextract, off here), the shared crawl's queue (scrapy-redis), page bodies
# (trafilatura: extraction runs apart).
NOT_FOR_A_CRAWL = ("aiohttp", "tldextract", "scrapy_redis", "trafilatura")

CRAWL_AND_LIST_MODULES = """
import atexit, json, runpy, sys
atexit.register(lambda: print(json.dumps(sorted({name.split(".")[0] for name in sys.modules}))))
sys.argv = ["disclosure", "crawl", "--url", "http://127.0.0.2:9/xxgk/index.html", "--db", sys.argv[1],
            "--allow-network", "127.0.0.0/8", "--no-extract"]
runpy.run_module("disclosure", run_name="__main__")
"""


def test_a_crawl_leaves_unused_libraries_unloaded(tmp_path):
    # 127.0.0.2:9 refuses the connection: the crawl starts, fails its fetches and ends
    done = subprocess.run(
        [sys.executable, "-c", CRAWL_AND_LIST_MODULES, f"sqlite:///{tmp_path / 'archive.sqlite'}"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "scrapy" in loaded and "crawler" in loaded, done.stderr[-2000:]  # the crawl did start
    assert "could not fetch" in done.stderr
    assert loaded.isdisjoint(NOT_FOR_A_CRAWL), sorted(loaded & set(NOT_FOR_A_CRAWL))
