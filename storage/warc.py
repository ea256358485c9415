"""Raw bytes in standard WARC 1.1 files (warcio), one gzip member per record.

The database is the index: per payload the file (relative to the archive's WARC folder),
the offset and the length of the record that holds it, so one payload is one seek.
A response record carries the HTTP status, headers and payload, with its request in a
``request`` record (``WARC-Concurrent-To``); a payload the archive already holds is written
again only as a ``revisit`` record (identical-payload-digest profile).

Each process writes its own files (named with time, host and pid) and starts a new one
past ``max_bytes``, so several crawler processes can share one folder.
"""

from __future__ import annotations

import base64
import hashlib
import http
import io
import os
import shutil
import socket
import tempfile
import threading
import weakref
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

DIR_ENV_VAR = "DISCLOSURE_WARC_DIR"
MAX_BYTES_ENV_VAR = "DISCLOSURE_WARC_MAX_BYTES"
DEFAULT_DIR = "data/warc"
DEFAULT_MAX_BYTES = 1_000_000_000
SUFFIX = ".warc.gz"
SOFTWARE = "disclosure (warcio)"
# Scrapy hands over the decoded body: headers that describe the bytes as sent no longer
# describe the stored payload, so they are kept under another name.
_RENAMED = {"content-encoding", "transfer-encoding", "content-length"}
_CHUNK = 1 << 20
# Level 1: HTML shrinks almost as much as at 6 (about 15% larger output) for less than half
# the CPU, which a crawl shares with Scrapy. Payloads that barely shrink (PDF, Word, images:
# already compressed) are stored (level 0): deflating them costs the most and saves ~5%.
GZIP_LEVEL = 1
_STORED = 0
_SAMPLE = 1 << 12
_INCOMPRESSIBLE = 0.9

record = dataclass(frozen=True, slots=True, kw_only=True)


class PayloadMissing(KeyError):
    """The index names a record that is not (or no longer) in the WARC files."""


@record
class Location:
    file: str  # relative to the WARC folder
    offset: int
    length: int


@record
class Fetch:
    """One HTTP exchange as the archive keeps it."""

    url: str  # as requested
    final_url: str  # after redirects: the record's WARC-Target-URI
    status: int
    headers: Mapping[str, Sequence[str]]
    body: bytes
    fetched_at: datetime
    method: str = "GET"
    request_headers: Mapping[str, Sequence[str]] | None = None
    redirects: Sequence[str] = ()


@record
class FileScan:
    """A WARC file's gzip members: those complete, and where a cut-off one starts."""

    file: str
    size: int
    members: tuple[tuple[int, int], ...]  # (offset, length) of each complete record
    truncated_at: int | None  # offset of an incomplete trailing member, None when whole


def sha256_digest(sha256_hex: str) -> str:
    """``WARC-Payload-Digest`` value for a hex sha256 (base32, as sha1 digests are written)."""
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode("ascii")


def warc_dir(db_url: str, explicit: str | os.PathLike | None = None) -> Path | None:
    """Where an archive's WARC files live: beside a SQLite file (``<name>.warc/``), else the
    folder given, ``$DISCLOSURE_WARC_DIR`` or ``./data/warc``. None for an in-memory SQLite."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        path = Path(database)
        return path.with_name(path.stem + ".warc")
    return Path(explicit or os.environ.get(DIR_ENV_VAR) or DEFAULT_DIR)


def max_bytes_setting() -> int:
    value = os.environ.get(MAX_BYTES_ENV_VAR, "")
    return int(value) if value.isascii() and value.isdigit() and int(value) > 0 else DEFAULT_MAX_BYTES


class WarcStore:
    """One archive's WARC folder: appends records to this process's current file, reads any."""

    def __init__(self, folder: str | os.PathLike, *, max_bytes: int | None = None) -> None:
        self.folder = Path(folder)
        self.max_bytes = max_bytes or max_bytes_setting()
        self._lock = threading.Lock()
        self._file = None
        self._name: str | None = None
        self._pid: int | None = None
        self._sequence = 0

    # -- writing -------------------------------------------------------------------------

    def write_fetch(self, fetch: Fetch, sha256: str) -> Location:
        """A response record (and its request) holding the payload; returns where it is."""
        digest = sha256_digest(sha256)
        http_headers = _http_headers(fetch.status, fetch.headers, len(fetch.body))
        warc_headers = {
            "WARC-Date": _warc_date(fetch.fetched_at),
            "WARC-Payload-Digest": digest,
            **_provenance(fetch),
        }
        with self._lock:
            writer = self._writer()
            response = writer.create_warc_record(
                fetch.final_url, "response", payload=io.BytesIO(fetch.body), length=len(fetch.body),
                http_headers=http_headers, warc_headers_dict=warc_headers,
            )
            location = self._append(writer, response, level=_level_for(fetch.body))
            self._append(writer, _request(writer, fetch, response))
            self._rotate_if_full()
        return location

    def write_revisit(self, fetch: Fetch, sha256: str, original: Location) -> Location:
        """A revisit record: this fetch returned a payload already held at ``original``."""
        refers_to = self.record_headers(original)
        http_headers = _http_headers(fetch.status, fetch.headers, len(fetch.body))
        warc_headers = {
            "WARC-Date": _warc_date(fetch.fetched_at),
            "WARC-Refers-To": refers_to.get_header("WARC-Record-ID"),
            **_provenance(fetch),
        }
        with self._lock:
            writer = self._writer()
            revisit = writer.create_revisit_record(
                fetch.final_url, sha256_digest(sha256),
                refers_to.get_header("WARC-Target-URI") or "", refers_to.get_header("WARC-Date") or "",
                http_headers=http_headers, warc_headers_dict=warc_headers,
            )
            location = self._append(writer, revisit)
            self._append(writer, _request(writer, fetch, revisit))
            self._rotate_if_full()
        return location

    def write_resource(self, uri: str, body: bytes, sha256: str, when: datetime) -> Location:
        """A payload known without its HTTP exchange (moved from an older archive)."""
        with self._lock:
            writer = self._writer()
            resource = writer.create_warc_record(
                uri, "resource", payload=io.BytesIO(body), length=len(body),
                warc_content_type="application/octet-stream",
                warc_headers_dict={"WARC-Date": _warc_date(when), "WARC-Payload-Digest": sha256_digest(sha256)},
            )
            location = self._append(writer, resource, level=_level_for(body))
            self._rotate_if_full()
        return location

    def current_file(self) -> str | None:
        """The file this process appends to now, if any."""
        return self._name if self._file is not None and self._pid == os.getpid() else None

    def close(self) -> None:
        with self._lock:
            if self._file is not None and self._pid == os.getpid():
                self._file.close()
            self._file = None

    def _writer(self) -> WARCWriter:
        if self._file is None or self._pid != os.getpid():
            # a forked child never appends to its parent's file
            self._open_new_file()
        return WARCWriter(self._file, gzip=True, warc_version="1.1")

    def _open_new_file(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._pid = os.getpid()
        self._sequence += 1
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        self._name = f"disclosure-{stamp}-{_host_name()}-{self._pid}-{self._sequence:05d}{SUFFIX}"
        self._file = open(self.folder / self._name, "xb")  # noqa: SIM115 - kept open across records
        writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        info = writer.create_warcinfo_record(self._name, {"software": SOFTWARE, "format": "WARC File Format 1.1"})
        self._append(writer, info)

    def _append(self, writer: WARCWriter, warc_record, *, level: int = GZIP_LEVEL) -> Location:
        offset = self._file.tell()
        WARCWriter(_GzipMember(self._file, level), gzip=False, warc_version="1.1").write_record(warc_record)
        self._file.flush()  # before the index row is committed: a killed process keeps it
        return Location(file=self._name, offset=offset, length=self._file.tell() - offset)

    def _rotate_if_full(self) -> None:
        if self._file.tell() >= self.max_bytes:
            self._file.close()
            self._file = None

    # -- reading -------------------------------------------------------------------------

    def read_payload(self, location: Location) -> bytes:
        """The payload of the record at ``location``: one seek and one gzip member."""
        with self._open(location) as stream:
            record = _record_at(stream, location)
            return record.raw_stream.read()

    def record_headers(self, location: Location) -> StatusAndHeaders:
        with self._open(location) as stream:
            return _record_at(stream, location).rec_headers

    def read_payloads(self, locations: Iterable[Location]) -> Iterator[tuple[Location, bytes]]:
        """Payloads in file and offset order, each file opened once."""
        by_file: dict[str, list[Location]] = {}
        for location in locations:
            by_file.setdefault(location.file, []).append(location)
        for name in sorted(by_file):
            try:
                stream = open(self.folder / name, "rb")  # noqa: SIM115
            except FileNotFoundError:
                for location in by_file[name]:
                    yield location, None
                continue
            with stream:
                for location in sorted(by_file[name], key=lambda loc: loc.offset):
                    try:
                        yield location, _record_at(stream, location).raw_stream.read()
                    except PayloadMissing:
                        yield location, None

    def files(self) -> list[str]:
        if not self.folder.is_dir():
            return []
        return sorted(p.name for p in self.folder.iterdir() if p.name.endswith(SUFFIX) and p.is_file())

    def _open(self, location: Location):
        try:
            return open(self.folder / location.file, "rb")
        except FileNotFoundError as error:
            raise PayloadMissing(f"WARC file {location.file} is not in {self.folder}") from error


class _GzipMember:
    """One record as one gzip member, at ``level`` (warcio's own wrapper uses 9, several times
    slower on the PDFs and Word files that make most of an archive's bytes)."""

    def __init__(self, out, level: int = GZIP_LEVEL) -> None:
        self.out = out
        self.compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS | 16)

    def write(self, data: bytes) -> None:
        self.out.write(self.compressor.compress(data))

    def flush(self) -> None:
        self.out.write(self.compressor.flush())
        self.out.flush()


def _level_for(payload: bytes) -> int:
    """Stored when a few KB from the payload's middle do not shrink by a tenth at level 1."""
    if len(payload) <= _SAMPLE:
        return GZIP_LEVEL
    middle = len(payload) // 2
    sample = payload[middle - _SAMPLE // 2 : middle + _SAMPLE // 2]
    return _STORED if len(zlib.compress(sample, 1)) > _INCOMPRESSIBLE * len(sample) else GZIP_LEVEL


def _record_at(stream, location: Location):
    stream.seek(location.offset)
    try:
        record = next(iter(ArchiveIterator(stream, no_record_parse=False)))
    except StopIteration:
        raise PayloadMissing(f"no WARC record at {location.file}:{location.offset}") from None
    except Exception as error:  # warcio raises several kinds on damaged input
        raise PayloadMissing(f"unreadable WARC record at {location.file}:{location.offset}: {error}") from error
    return record


def scan_file(folder: Path, name: str) -> FileScan:
    """Walk a file's gzip members: each complete one (CRC checked) is a whole record."""
    path = folder / name
    members: list[tuple[int, int]] = []
    offset = 0
    truncated_at = None
    with open(path, "rb") as stream:
        pending = b""
        while True:
            decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
            consumed = 0
            data = pending
            pending = b""
            while True:
                if not data:
                    data = stream.read(_CHUNK)
                    if not data:
                        break
                try:
                    decompressor.decompress(data)
                except zlib.error:
                    break
                if decompressor.eof:
                    used = len(data) - len(decompressor.unused_data)
                    consumed += used
                    pending = decompressor.unused_data
                    break
                consumed += len(data)
                data = b""
            if decompressor.eof:
                members.append((offset, consumed))
                offset += consumed
                if not pending:
                    pending = stream.read(_CHUNK)
                if not pending:
                    break
            else:
                if consumed or data:
                    truncated_at = offset
                break
    return FileScan(file=name, size=path.stat().st_size, members=tuple(members), truncated_at=truncated_at)


def being_written(name: str) -> bool:
    """Whether a live process on this host may still be appending to the file ``name``: its
    last record may be half-written, not cut."""
    stem = name.removesuffix(SUFFIX)
    parts = stem.rsplit("-", 2)
    if len(parts) != 3 or not parts[1].isascii() or not parts[1].isdigit():
        return False
    host = parts[0].split("-", 2)[-1]
    if host != _host_name():
        return False
    if int(parts[1]) == os.getpid():
        with _stores_lock:
            return any(store.current_file() == name for store in [*_stores.values(), *_memory_stores.values()])
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _host_name() -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in socket.gethostname())


def payload_sha256(folder: Path, location: Location) -> tuple[str, str | None, int]:
    """(sha256 of the record's payload, its declared WARC-Payload-Digest, its length), hashed
    a chunk at a time."""
    try:
        stream = open(folder / location.file, "rb")  # noqa: SIM115
    except FileNotFoundError as error:
        raise PayloadMissing(f"WARC file {location.file} is not in {folder}") from error
    with stream:
        record = _record_at(stream, location)
        digest, length = hashlib.sha256(), 0
        for chunk in iter(lambda: record.raw_stream.read(_CHUNK), b""):
            digest.update(chunk)
            length += len(chunk)
        return digest.hexdigest(), record.rec_headers.get_header("WARC-Payload-Digest"), length


def truncate(folder: Path, scan: FileScan) -> None:
    """Cut a file back to its last complete record."""
    if scan.truncated_at is not None:
        with open(folder / scan.file, "r+b") as stream:
            stream.truncate(scan.truncated_at)


# -- the store of an engine ----------------------------------------------------------------

_stores: dict[Path, WarcStore] = {}  # per folder: the engines of one process share its files
_memory_stores: weakref.WeakKeyDictionary[Engine, WarcStore] = weakref.WeakKeyDictionary()
_stores_lock = threading.Lock()


def store_for(bind: Engine | Connection) -> WarcStore:
    """The WARC store of the archive ``bind`` opens, made on first use. An in-memory SQLite
    archive gets a temporary folder that goes with its engine."""
    engine = bind.engine
    folder = warc_dir(engine.url.render_as_string(hide_password=False))
    with _stores_lock:
        if folder is None:
            store = _memory_stores.get(engine)
            if store is None:
                temporary = Path(tempfile.mkdtemp(prefix="disclosure-warc-"))
                store = _memory_stores[engine] = WarcStore(temporary)
                weakref.finalize(engine, _discard, store)
            return store
        key = folder.resolve()
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = WarcStore(folder)
        return store


def _discard(store: WarcStore) -> None:
    store.close()
    shutil.rmtree(store.folder, ignore_errors=True)


# -- record parts --------------------------------------------------------------------------

def _http_headers(status: int, headers: Mapping[str, Sequence[str]], length: int) -> StatusAndHeaders:
    pairs = []
    for name, values in headers.items():
        for value in values:
            if name.lower() in _RENAMED:
                pairs.append((f"X-Archive-Orig-{name}", value))
            else:
                pairs.append((name, value))
    pairs.append(("Content-Length", str(length)))
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    return StatusAndHeaders(f"{status} {reason}", pairs, protocol="HTTP/1.1")


def _request(writer: WARCWriter, fetch: Fetch, response):
    headers = dict(fetch.request_headers or {})
    pairs = [(name, value) for name, values in headers.items() for value in values]
    parts = urlsplit(fetch.final_url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not any(name.lower() == "host" for name, _ in pairs):
        pairs.insert(0, ("Host", parts.netloc))
    request_headers = StatusAndHeaders(f"{fetch.method} {path} HTTP/1.1", pairs, is_http_request=True)
    return writer.create_warc_record(
        fetch.final_url, "request", http_headers=request_headers,
        warc_headers_dict={
            "WARC-Date": response.rec_headers.get_header("WARC-Date"),
            "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
        },
    )


def _provenance(fetch: Fetch) -> dict[str, str]:
    """The requested URL and the redirect chain, kept when they differ from the target."""
    headers = {}
    if fetch.url != fetch.final_url:
        headers["WARC-Disclosure-Requested-URI"] = fetch.url
    if fetch.redirects:
        headers["WARC-Disclosure-Redirects"] = " ".join(fetch.redirects)
    return headers


def _warc_date(moment: datetime) -> str:
    return datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True)
