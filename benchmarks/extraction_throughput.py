"""Extraction throughput on the labelled corpus (tests/corpus): reports per second.

    python benchmarks/extraction_throughput.py [--seconds 6] [--jobs 2]

1. ``extract_document`` on the corpus's HTML, DOCX and PDF reports, each format timed on
   its own, against ``trafilatura.extract`` on the same HTML bytes as the baseline (the
   body-text step that our HTML reading builds on);
2. ``disclosure.extraction.extract_archive(engine, redo=True, jobs=N)`` over a temporary
   SQLite archive holding the corpus files as captures, for one job and for ``--jobs``.

Every measurement repeats its work until ``--seconds`` have passed, after one untimed
pass that loads the libraries. Not part of the test run: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "tests" / "corpus"
# .doc needs a LibreOffice process per file: it would time LibreOffice, not the extractor
IN_PROCESS_FORMATS = ("html", "docx", "pdf", "text", "xlsx")


@dataclass(frozen=True, slots=True)
class Sample:
    name: str
    content: bytes
    url: str
    content_type: str | None
    fetched_at: datetime
    format: str
    has_tables: bool


def load_corpus(folder: Path = CORPUS) -> list[Sample]:
    samples = []
    for case in sorted(path for path in folder.iterdir() if (path / "label.json").is_file()):
        label = json.loads((case / "label.json").read_text(encoding="utf-8"))
        samples.append(Sample(name=case.name, content=(case / label["file"]).read_bytes(), url=label["url"],
                              content_type=label["content_type"],
                              fetched_at=datetime.fromisoformat(label["fetched_at"]), format=label["format"],
                              has_tables=bool(label["values"])))
    return samples


@dataclass(frozen=True, slots=True)
class Rate:
    items: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.items / self.seconds


def timed(work: Callable[[Sample], object], samples: Sequence[Sample], seconds: float) -> Rate:
    """Items per second over whole passes through ``samples``, after an untimed warm-up pass."""
    for sample in samples:
        work(sample)
    done = 0
    start = time.perf_counter()
    while True:
        for sample in samples:
            work(sample)
        done += len(samples)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return Rate(done, elapsed)


def ours(sample: Sample) -> object:
    from extract import extract_document

    return extract_document(sample.content, url=sample.url, content_type=sample.content_type,
                            fetched_at=sample.fetched_at)


def trafilatura_alone(sample: Sample) -> object:
    import trafilatura

    return trafilatura.extract(sample.content, url=sample.url, include_tables=True, deduplicate=False,
                               with_metadata=False)


def per_format(samples: list[Sample], seconds: float) -> None:
    print(f"extract_document, one process (~{seconds:g} s per line)")
    for fmt in ("html", "docx", "pdf"):
        reports = [s for s in samples if s.format == fmt and s.has_tables]
        rate = timed(ours, reports, seconds)
        print(f"  {fmt:<5} {len(reports):>3} reports  {rate.per_second:8.1f} reports/s  "
              f"({rate.items} in {rate.seconds:.1f} s)")
        if fmt == "html":
            baseline = timed(trafilatura_alone, reports, seconds)
            print(f"  trafilatura.extract alone on the same HTML  {baseline.per_second:8.1f} reports/s  "
                  f"({baseline.items} in {baseline.seconds:.1f} s)")
            print(f"  ratio ours/trafilatura: {rate.per_second / baseline.per_second:.2f} "
                  "(ours also reads the tables, metadata, identity and checks)")


def archive_run(samples: list[Sample], seconds: float, jobs: int) -> None:
    from sqlalchemy.orm import Session

    from disclosure.extraction import extract_archive
    from storage.archive import store_capture
    from storage.db import open_archive

    readable = [s for s in samples if s.format in IN_PROCESS_FORMATS]
    start = time.perf_counter()
    for sample in readable:  # the libraries are loaded by now: this pass sizes the archive
        ours(sample)
    copies = max(1, round(seconds / (time.perf_counter() - start)))
    with tempfile.TemporaryDirectory(prefix="disclosure-bench-") as work:
        engine = open_archive(f"sqlite:///{Path(work) / 'archive.sqlite'}")
        try:
            with Session(engine) as session, session.begin():
                for copy in range(copies):
                    for sample in readable:
                        url = f"{sample.url}?copy={copy}"  # one document per copy, the bytes stored once
                        store_capture(session, url=url, final_url=url, status=200,
                                      headers={"Content-Type": sample.content_type or ""}, body=sample.content,
                                      fetched_at=sample.fetched_at, content_type=sample.content_type,
                                      spider="benchmark", portal="corpus")
            captures = copies * len(readable)
            print(f"extract_archive over a SQLite archive: {captures} captures "
                  f"({copies} copies of {len(readable)} corpus files; .doc left out)")
            extract_archive(engine, redo=False)  # warm-up: the first run also creates the rows it replaces
            rates = {}
            for count in sorted({1, jobs}):
                start = time.perf_counter()
                summary = extract_archive(engine, redo=True, jobs=count)
                elapsed = time.perf_counter() - start
                rates[count] = Rate(summary.captures, elapsed)
                print(f"  jobs={count}: {rates[count].per_second:8.1f} captures/s  ({summary.captures} in "
                      f"{elapsed:.1f} s; {summary.reports} reports, {summary.failures} failures)")
            if jobs != 1:
                print(f"  ratio jobs={jobs}/jobs=1: {rates[jobs].per_second / rates[1].per_second:.2f} "
                      "(the jobs run includes starting its workers, each importing the extractor afresh)")
        finally:
            engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="example: python benchmarks/extraction_throughput.py --seconds 6 --jobs 2")
    parser.add_argument("--seconds", type=float, default=6.0, help="time per measurement (default 6)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes to compare with one (default 2)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="labelled corpus folder (default tests/corpus)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    samples = load_corpus(args.corpus)
    if not samples:
        parser.error(f"no cases in {args.corpus}; build them with: python -m tests.corpus.build")
    # other work on the machine skews every figure, the jobs ratio most
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start")
    per_format(samples, args.seconds)
    archive_run(samples, args.seconds, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
