"""A progress bar on standard error, or nothing: standard output stays for the summary."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Progress(Protocol):
    def update(self, n: int = 1) -> object: ...


class _Silent:
    def update(self, n: int = 1) -> None:
        pass


def wanted(choice: bool | None) -> bool:
    """``--progress`` / ``--no-progress`` when given, else only when standard error is a terminal."""
    if choice is not None:
        return choice
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def progress_bar(total: int, *, enabled: bool, description: str = "") -> Iterator[Progress]:
    """A bar counting to ``total``; log records printed meanwhile go above it, not through it."""
    if not enabled:
        yield _Silent()
        return
    from tqdm import tqdm
    from tqdm.contrib.logging import logging_redirect_tqdm

    with logging_redirect_tqdm(), tqdm(
        total=total, desc=description, unit="capture", file=sys.stderr, dynamic_ncols=True
    ) as bar:
        yield bar
