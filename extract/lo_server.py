"""One long-lived LibreOffice per process, driven through unoserver's XML-RPC interface.

unoserver's server imports LibreOffice's ``uno`` module, which lives in the Python
LibreOffice was built for (Debian: ``/usr/bin/python3`` with ``python3-uno``), not
necessarily ours: the server runs under that Python with our copy of unoserver on its
path (``unoserver_main``: it opens documents hidden and ends with the process that started
it), and LibreOffice lays documents out with Chinese fonts first (``lo_fonts``); the client
side is plain XML-RPC. Nothing here is required: ``convert_on_server`` returns None whenever
the server cannot be used, and the caller converts the old way.
"""

from __future__ import annotations

import atexit
import functools
import http.client
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

from .lo_fonts import chinese_fonts_environment

START_SECONDS = 60
_SERVER_SCRIPT = Path(__file__).with_name("unoserver_main.py")
_UNO_PYTHONS = ("/usr/bin/python3", "/usr/lib/libreoffice/program/python", "/opt/libreoffice/program/python")


def server_pid() -> int | None:
    """The running unoserver's process id in this process, if one runs."""
    return _server.process.pid if _server is not None and _server.alive() else None


@functools.cache
def uno_python() -> str | None:
    """A Python that can import ``uno``, or None."""
    for candidate in (sys.executable, *_UNO_PYTHONS, shutil.which("python3")):
        if candidate and Path(candidate).exists():
            try:
                found = subprocess.run([candidate, "-c", "import uno"], capture_output=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if found.returncode == 0:
                return candidate
    return None


def _unoserver_path() -> str | None:
    spec = importlib.util.find_spec("unoserver")
    if spec is None or not spec.submodule_search_locations:
        return None
    return str(Path(next(iter(spec.submodule_search_locations))).parent)


class _Transport(xmlrpc.client.Transport):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        connection = super().make_connection(host)
        connection.timeout = self.timeout
        return connection


class LibreOfficeServer:
    """unoserver and its LibreOffice on free loopback ports, in a private profile."""

    def __init__(self, python: str, unoserver_path: str) -> None:
        self._work = tempfile.TemporaryDirectory(prefix="disclosure-unoserver-")
        work = Path(self._work.name)
        self.port, uno_port = _free_port(), _free_port()
        environment = {**os.environ, "HOME": str(work), **chinese_fonts_environment(work),
                       "PYTHONPATH": os.pathsep.join(filter(None, (unoserver_path, os.environ.get("PYTHONPATH"))))}
        self.process = subprocess.Popen(
            [python, "-c", _SERVER_SCRIPT.read_text(encoding="utf-8"),
             "--interface", "127.0.0.1", "--uno-interface", "127.0.0.1",
             "--port", str(self.port), "--uno-port", str(uno_port),
             "--user-installation", str(work / "profile"), "--quiet"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work,
            env=environment, start_new_session=True,
        )

    def wait_ready(self, seconds: float = START_SECONDS) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                self._proxy(5).info()
                return True
            except (OSError, http.client.HTTPException, xmlrpc.client.Error):
                time.sleep(0.2)
        return False

    def convert(self, content: bytes, *, target: str, filter_name: str, import_filter: str | None,
                timeout: float) -> bytes:
        """Raises OSError when the server is gone or hangs, xmlrpc Fault when LibreOffice refuses the file."""
        result = self._proxy(timeout).convert(None, xmlrpc.client.Binary(content), None, target, filter_name,
                                              [], False, import_filter, None)
        if result is None:
            raise xmlrpc.client.Fault(0, "no output")
        return result.data

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        try:  # unoserver and the LibreOffice it started: the profile is thrown away anyway
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self._work.cleanup()

    def _proxy(self, timeout: float) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(f"http://127.0.0.1:{self.port}", transport=_Transport(timeout),
                                         allow_none=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


_server: LibreOfficeServer | None = None
_unavailable = False


def _running_server() -> LibreOfficeServer | None:
    global _server, _unavailable
    if _server is not None and _server.alive():
        return _server
    if _server is not None:
        _server.stop()
        _server = None
    if _unavailable:
        return None
    python, path = uno_python(), _unoserver_path()
    if python is None or path is None:
        _unavailable = True
        return None
    server = LibreOfficeServer(python, path)
    if not server.wait_ready():
        server.stop()
        _unavailable = True  # it will not start: this process converts one file at a time
        return None
    _server = server
    return server


def convert_on_server(content: bytes, *, target: str, filter_name: str, import_filter: str | None = None,
                      timeout: float) -> bytes | None:
    """The converted bytes, or None when the long-lived LibreOffice could not give them."""
    global _server
    if os.environ.get("DISCLOSURE_NO_UNOSERVER"):  # one LibreOffice start per file, as without unoserver
        return None
    for _attempt in range(2):
        server = _running_server()
        if server is None:
            return None
        try:
            return server.convert(content, target=target, filter_name=filter_name, import_filter=import_filter,
                                  timeout=timeout)
        except xmlrpc.client.Fault:
            return None
        except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError):
            # died or hung on this file: a fresh one gets one more try
            server.stop()
            _server = None
    return None


@atexit.register
def _stop_server() -> None:
    if _server is not None:
        _server.stop()
