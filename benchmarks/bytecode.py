"""The project's modules compiled to bytecode before a benchmark runs, as an installed package
has them: a checkout run with PYTHONDONTWRITEBYTECODE=1 would compile them again in every
process it starts (a crawl, a worker), and the figures would measure the compiler."""

from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("crawler", "extract", "storage", "disclosure", "simportal", "migrations", "benchmarks")


def compile_project() -> None:
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)
    print(f"compiled the project's bytecode ({', '.join(PACKAGES)}), as an installed package has it")
