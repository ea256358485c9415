"""The bounds every extraction runs under, so that no file can take a worker's time or memory.

Two kinds: the ones checked on the bytes before any reader opens them (``check_input``:
decompressed bytes per archive member, pages per PDF, characters per page), and the ones
the worker pool enforces on the process (wall time per capture, memory per worker). A
capture over any of them fails with ``LimitExceeded``, whose message starts with the
limit's name, and the run goes on.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, fields, replace

from .errors import ExtractionError

MiB = 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    # Seconds one capture may take in a worker; the worker is then replaced.
    wall_seconds: float = 60.0
    # Bytes of data memory one worker may hold (RLIMIT_DATA); past it the read fails.
    # With the libraries' code on top, a worker stays under 1 GiB.
    memory_bytes: int = 896 * MiB
    # Uncompressed size of any one member of a DOCX/XLSX (zip) file or stream of a PDF.
    member_bytes: int = 100 * MiB
    # Pages of one PDF.
    pdf_pages: int = 300
    # Characters of one HTML or text page once decoded (a 20 MB page with a pasted image fits).
    page_chars: int = 64 * MiB

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def with_overrides(self, overrides: dict[str, str]) -> Limits:
        """These limits with some set from text (``{"wall_seconds": "30"}``), as a user types them."""
        changed = {}
        for name, text in overrides.items():
            if name not in self.names():
                raise ValueError(f"unknown limit {name!r} (known: {', '.join(self.names())})")
            kind = type(getattr(self, name))
            try:
                value = kind(text)
            except ValueError:
                raise ValueError(f"limit {name} must be a number, not {text!r}") from None
            if value <= 0:
                raise ValueError(f"limit {name} must be positive, not {text!r}")
            changed[name] = value
        return replace(self, **changed)


DEFAULT_LIMITS = Limits()


class LimitExceeded(ExtractionError):
    """The capture is over one of the limits; ``limit`` names which."""

    def __init__(self, limit: str, detail: str) -> None:
        self.limit = limit
        super().__init__(f"limit exceeded: {limit} ({detail})")


def check_input(content: bytes, kind: str, limits: Limits) -> None:
    """Refuse, before any reader opens them, bytes that would blow past a limit."""
    if kind in ("docx", "xlsx"):
        check_zip_members(content, limits)
    elif kind == "pdf":
        check_pdf_streams(content, limits)
        check_pdf_pages(content, limits)


def check_zip_members(content: bytes, limits: Limits) -> None:
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return  # the reader says what is wrong with it
    for member in members:
        # zipfile never inflates a member past its declared size, so the declared size bounds it
        if member.file_size > limits.member_bytes:
            raise LimitExceeded(
                "member_bytes", f"{member.filename} inflates to {member.file_size:,} bytes, over {limits.member_bytes:,}"
            )


_STREAM_START = re.compile(rb"stream\r?\n")
_CHUNK = 64 * 1024


def check_pdf_streams(content: bytes, limits: Limits) -> None:
    """Inflate every Flate stream of a PDF, counting, not keeping, what comes out.

    PDF readers inflate a page's content stream whole: one stream that inflates to a GiB
    takes a GiB, whatever the file's size.
    """
    view = memoryview(content)
    for match in _STREAM_START.finditer(content):
        size = _inflated_size(view[match.end() :], limits.member_bytes)
        if size > limits.member_bytes:
            raise LimitExceeded(
                "member_bytes", f"a stream at byte {match.end():,} inflates past {limits.member_bytes:,} bytes"
            )


def _inflated_size(data: memoryview, cap: int) -> int:
    """Bytes the zlib stream at the start of ``data`` inflates to, counted up to just past ``cap``."""
    inflater = zlib.decompressobj()
    size = 0
    offset = 0
    pending = b""
    try:
        while not inflater.eof and size <= cap:
            if not pending:
                if offset >= len(data):
                    break
                pending = data[offset : offset + _CHUNK]
                offset += _CHUNK
            size += len(inflater.decompress(pending, _CHUNK))
            pending = inflater.unconsumed_tail
    except zlib.error:
        pass  # not Flate (an image, a plain stream) or damaged: its reader decides
    return size


def check_pdf_pages(content: bytes, limits: Limits) -> None:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(content)
    except pypdfium2.PdfiumError:
        return  # the reader says what is wrong with it
    try:
        pages = len(document)
    finally:
        document.close()
    if pages > limits.pdf_pages:
        raise LimitExceeded("pdf_pages", f"{pages} pages, over {limits.pdf_pages}")


def check_page_chars(text: str, limits: Limits) -> None:
    if len(text) > limits.page_chars:
        raise LimitExceeded("page_chars", f"{len(text):,} characters, over {limits.page_chars:,}")
