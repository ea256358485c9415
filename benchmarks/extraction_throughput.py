"""Extraction throughput on the labelled corpus (tests/corpus): reports per second.

    python benchmarks/extraction_throughput.py [--seconds 10] [--jobs N] [--json]

Each figure is a ratio against a baseline measured in the same run:

1. ``extract_document`` on the corpus's HTML, DOCX and PDF reports, each format timed on
   its own; HTML against ``trafilatura.extract`` on the same bytes (the body-text step our
   HTML reading builds on), the two taking turns report by report: ``html_vs_trafilatura``;
2. .doc files through the long-lived LibreOffice (unoserver) after the first, against one
   ``soffice --convert-to`` per file: ``doc_vs_soffice`` (and seconds per .doc);
3. ``disclosure.extraction.extract_archive(engine, redo=True, jobs=N)`` over a temporary
   SQLite archive holding the corpus's HTML, PDF, DOCX, text and sheet files as captures
   (the mix of a real archive; .doc is timed in 2), for every N from 1 to ``--jobs``
   (default: the CPU count), against N=1: ``jobs_N_vs_1``; with the peak resident memory
   of the largest worker. The archive holds enough copies of the corpus for the run with
   the most workers to last about ``--seconds``: a re-extraction runs for hours, while each
   worker loads OCR and numpy on its first scan and first workbook (~0.8 s of CPU), which a
   run of three seconds would count as a tenth of its work. The runs go 1..N three times,
   alternated, and each N's best run is kept (a busy moment on the machine hits one run,
   not all). Before them, the worker start-up: the time to the first result of a fresh
   pool, the first one of the process (it starts the fork server, which loads the readers)
   and one after it;
4. the machine's own ceiling for 3: two processes reading the corpus in themselves at once,
   each warmed first and sharing nothing, against one: ``processes_2_vs_1``.

First the project's modules are compiled to bytecode, as an installed package has them
(a checkout run with PYTHONDONTWRITEBYTECODE=1 would compile them in every process).
Every measurement repeats its work until ``--seconds`` have passed, after one untimed
pass that loads the libraries. With ``--json`` the last line is one JSON object of the
figures. Not part of the test run: the figures depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "tests" / "corpus"
# .doc is timed on its own: starting one LibreOffice per worker would swamp a short run
IN_PROCESS_FORMATS = ("html", "docx", "pdf", "text", "xlsx")
# The jobs runs, 1..N, are gone through this many times; each N's best is kept.
ROUNDS = 3


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


def timed_in_turn(work: Callable[[Sample], object], baseline: Callable[[Sample], object], samples: Sequence[Sample],
                  seconds: float) -> tuple[Rate, Rate]:
    """``work`` and ``baseline`` on each sample in turn, the one that goes first changing every pass,
    until ``seconds`` have passed (after an untimed pass of each): a busy moment on the machine
    slows both sides alike, and the ratio of their rates stands."""
    for sample in samples:
        work(sample)
        baseline(sample)
    spent = {work: 0.0, baseline: 0.0}
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        order = (work, baseline) if done // len(samples) % 2 == 0 else (baseline, work)
        for sample in samples:
            for side in order:
                began = time.perf_counter()
                side(sample)
                spent[side] += time.perf_counter() - began
        done += len(samples)
    return Rate(done, spent[work]), Rate(done, spent[baseline])


def ours(sample: Sample) -> object:
    from extract import extract_document

    return extract_document(sample.content, url=sample.url, content_type=sample.content_type,
                            fetched_at=sample.fetched_at)


def trafilatura_alone(sample: Sample) -> object:
    import trafilatura

    return trafilatura.extract(sample.content, url=sample.url, include_tables=True, deduplicate=False,
                               with_metadata=False)


def per_format(samples: list[Sample], seconds: float, figures: dict) -> None:
    print(f"extract_document, one process (~{seconds:g} s per line)")
    for fmt in ("html", "docx", "pdf"):
        reports = [s for s in samples if s.format == fmt and s.has_tables]
        if fmt == "html":
            rate, baseline = timed_in_turn(ours, trafilatura_alone, reports, seconds)
        else:
            rate = timed(ours, reports, seconds)
        print(f"  {fmt:<5} {len(reports):>3} reports  {rate.per_second:8.1f} reports/s  "
              f"({rate.items} in {rate.seconds:.1f} s)")
        figures[f"{fmt}_reports_per_second"] = round(rate.per_second, 2)
        if fmt == "html":
            print(f"  trafilatura.extract alone on the same HTML  {baseline.per_second:8.1f} reports/s  "
                  f"({baseline.items} in {baseline.seconds:.1f} s)")
            figures["html_vs_trafilatura"] = round(rate.per_second / baseline.per_second, 3)
            print(f"  ratio ours/trafilatura: {figures['html_vs_trafilatura']:.2f} "
                  "(ours also reads the tables, metadata, identity and checks)")


def legacy_office(samples: list[Sample], seconds: float, figures: dict) -> None:
    from extract import lo_server
    from extract.convert import soffice_path, to_docx

    docs = [s for s in samples if s.format == "doc"]
    if not docs or soffice_path() is None:
        print(".doc: no .doc in the corpus or no LibreOffice; skipped")
        return
    os.environ["DISCLOSURE_NO_UNOSERVER"] = "1"
    start = time.perf_counter()
    for sample in docs:
        to_docx(sample.content)
    per_file = (time.perf_counter() - start) / len(docs)
    del os.environ["DISCLOSURE_NO_UNOSERVER"]
    start = time.perf_counter()
    to_docx(docs[0].content)
    first = time.perf_counter() - start
    if lo_server.server_pid() is None:
        print(f".doc: {per_file:.2f} s per file with soffice per file; unoserver or uno is not installed")
        figures["doc_seconds_soffice"] = round(per_file, 3)
        return
    warm_rate = timed(lambda sample: to_docx(sample.content), docs, seconds)
    warm = 1 / warm_rate.per_second
    figures.update(doc_seconds_soffice=round(per_file, 3), doc_seconds_first=round(first, 3),
                   doc_seconds_warm=round(warm, 3), doc_vs_soffice=round(per_file / warm, 2))
    print(f".doc to DOCX, {len(docs)} files: soffice per file {per_file:.2f} s each; one LibreOffice kept "
          f"running: first {first:.2f} s (its start), then {warm:.2f} s each ({warm_rate.items} in "
          f"{warm_rate.seconds:.1f} s); ratio {per_file / warm:.1f}")


def worker_start(figures: dict) -> None:
    """Seconds to the first result of a fresh one-worker pool: the process's first, then another."""
    from disclosure.workers import LimitedWorkers
    from extract import extract_document
    from extract.limits import DEFAULT_LIMITS
    from storage.archive import CaptureRef

    url = "http://127.0.0.1:1/notice.html"
    ref = CaptureRef(capture_id=0, sha256="", url=url, final_url=url, content_type="text/html",
                     fetched_at=datetime(2024, 3, 1, tzinfo=UTC))
    seconds = []
    for _ in range(2):
        start = time.perf_counter()
        with LimitedWorkers(1, extract_document, DEFAULT_LIMITS) as pool:
            pool.outcome(pool.submit(ref, "<html><body><h1>通知</h1><p>无</p></body></html>".encode()))
            seconds.append(time.perf_counter() - start)
    figures.update(worker_start_first_seconds=round(seconds[0], 3), worker_start_seconds=round(seconds[1], 3))
    print(f"worker start-up, to the first result of a fresh pool: {seconds[0]:.2f} s for the process's first "
          f"(it starts the fork server, which loads the readers), {seconds[1]:.3f} s for one after it")


class WorkerPeak:
    """The largest peak resident memory (VmHWM) of a worker while a run lasts, sampled from /proc:
    workers are children of the fork server, not of this process, so getrusage does not count them
    (the server itself, which loaded the readers, holds less than any worker)."""

    def __init__(self) -> None:
        self.kib = 0
        self._done = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> WorkerPeak:
        self._watcher.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._done.set()
        self._watcher.join()

    def _watch(self) -> None:
        # a high-water mark, kept while a worker lives: a look a second finds it, and costs the
        # workers ~0.7% of a core (a scan of /proc takes ~7 ms)
        while not self._done.wait(1.0):
            self.kib = max([self.kib, *(_high_water_kib(pid) for pid in _descendants())])


def _descendants() -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found = [os.getpid()]
    for pid in found:  # grows while it is walked: children, then theirs
        found += [child for child, parent in parents.items() if parent == pid]
    return found[1:]


def _high_water_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def archive_run(samples: list[Sample], seconds: float, jobs: int, figures: dict) -> None:
    from sqlalchemy.orm import Session

    from disclosure.extraction import extract_archive
    from storage.archive import store_capture
    from storage.db import open_archive

    readable = [s for s in samples if s.format in IN_PROCESS_FORMATS and s.url.startswith("http")]
    worker_start(figures)
    for sample in readable:  # loads the libraries (with --only jobs they are not loaded yet)
        ours(sample)
    start = time.perf_counter()
    for sample in readable:  # this pass sizes the archive
        ours(sample)
    # sized so that the run with the most workers, the shortest, lasts about --seconds too
    copies = max(1, round(seconds * jobs / (time.perf_counter() - start)))
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
            kinds = ", ".join(f"{sum(s.format == f for s in readable)} {f}" for f in IN_PROCESS_FORMATS)
            print(f"extract_archive over a SQLite archive: {captures} captures "
                  f"({copies} copies of {len(readable)} corpus files: {kinds}); jobs=1..{jobs} {ROUNDS} times, "
                  "alternated, each one's best run kept")
            extract_archive(engine, redo=False)  # warm-up: the first run also creates the rows it replaces
            best: dict[int, Rate] = {}
            peak_kib = 0
            for _ in range(ROUNDS):
                for count in range(1, jobs + 1):
                    with WorkerPeak() as peak:
                        start = time.perf_counter()
                        summary = extract_archive(engine, redo=True, jobs=count)
                        elapsed = time.perf_counter() - start
                    peak_kib = max(peak_kib, peak.kib)
                    rate = Rate(summary.captures, elapsed)
                    best[count] = max(best.get(count, rate), rate, key=lambda r: r.per_second)
                    print(f"  jobs={count}: {rate.per_second:8.1f} captures/s  ({summary.captures} in {elapsed:.1f} s, "
                          f"workers started included; {summary.reports} reports, {summary.failures} failures)  "
                          f"peak worker memory {peak.kib / 1024:.0f} MiB")
            for count, rate in best.items():
                ratio = rate.per_second / best[1].per_second
                figures[f"jobs_{count}_vs_1"] = round(ratio, 3)
                figures[f"jobs_{count}_captures_per_second"] = round(rate.per_second, 2)
                print(f"  best of jobs={count}: {rate.per_second:8.1f} captures/s  ratio to jobs=1 {ratio:.2f}")
            figures["worker_peak_mib"] = round(peak_kib / 1024, 1)
        finally:
            engine.dispose()


def machine_ceiling(samples: list[Sample], seconds: float, figures: dict) -> None:
    """What two cores give this work with nothing shared: one process reading the corpus in
    itself, then two such processes at once, each warmed first. ``processes_2_vs_1`` is the
    most ``jobs_2_vs_1`` could reach on this machine."""
    import subprocess

    readable = [s for s in samples if s.format in IN_PROCESS_FORMATS and s.url.startswith("http")]
    start = time.perf_counter()
    for sample in readable:
        ours(sample)
    passes = max(1, round(seconds / (time.perf_counter() - start)))

    def alone_and_together(processes: int) -> float:
        command = [sys.executable, __file__, "--ceiling-passes", str(passes)]
        running = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT) for _ in range(processes)]
        return max(float(process.communicate()[0].split()[-1]) for process in running)

    one, two = alone_and_together(1), alone_and_together(2)
    ratio = 2 * one / two
    figures["processes_2_vs_1"] = round(ratio, 3)
    print(f"machine ceiling: {passes} passes over the corpus in one process {one:.1f} s, in each of two at once "
          f"{two:.1f} s: two processes do {ratio:.2f}x the work of one")


def ceiling_child(passes: int) -> None:
    readable = [s for s in load_corpus() if s.format in IN_PROCESS_FORMATS and s.url.startswith("http")]
    for sample in readable:  # warmed, as the workers of a long run are
        ours(sample)
    start = time.perf_counter()
    for _ in range(passes):
        for sample in readable:
            ours(sample)
    print(f"{time.perf_counter() - start:.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="example: python benchmarks/extraction_throughput.py --json")
    parser.add_argument("--seconds", type=float, default=10.0, help="time per measurement (default 10)")
    parser.add_argument("--jobs", type=int, default=max(2, os.cpu_count() or 1),
                        help="measure extract_archive with 1 to this many worker processes (default: the CPUs, "
                             "at least 2)")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="labelled corpus folder (default tests/corpus)")
    parser.add_argument("--json", action="store_true", help="end with one line of JSON holding every figure")
    parser.add_argument("--ceiling-passes", type=int, help=argparse.SUPPRESS)  # a ceiling process
    parser.add_argument("--only", choices=("formats", "jobs", "ceiling", "doc"), action="append",
                        help="measure only these figures (repeatable; default: all)")
    args = parser.parse_args(argv)
    if args.ceiling_passes:
        ceiling_child(args.ceiling_passes)
        return 0
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    samples = load_corpus(args.corpus)
    if not samples:
        parser.error(f"no cases in {args.corpus}; build them with: python -m tests.corpus.build")
    # other work on the machine skews every figure, the jobs ratio most
    figures: dict = {"cpus": os.cpu_count(), "load_at_start": round(os.getloadavg()[0], 2)}
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start")
    only = set(args.only or ("formats", "jobs", "ceiling", "doc"))
    from benchmarks.bytecode import compile_project

    compile_project()
    if "formats" in only:
        per_format(samples, args.seconds, figures)
    if "jobs" in only:
        archive_run(samples, args.seconds, args.jobs, figures)  # before LibreOffice runs: its memory is not a worker's
    if "ceiling" in only:
        machine_ceiling(samples, args.seconds, figures)
    if "doc" in only:
        legacy_office(samples, args.seconds, figures)
    figures["load_at_end"] = round(os.getloadavg()[0], 2)
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    if args.json:
        print(json.dumps(figures, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
