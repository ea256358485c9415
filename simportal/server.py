"""Serve a built Site over HTTP on the loopback interface only."""

from __future__ import annotations

import hashlib
import ipaddress
import threading
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from .model import Request, Resource, Site

_NOT_FOUND = Resource(
    body=("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>"
          "<body><h1>404 Not Found</h1><p>您访问的页面不存在或已被删除。</p></body></html>").encode("utf-8"),
    content_type="text/html; charset=utf-8",
    status=404,
)


def lookup(site: Site, raw_path: str, request: Request | None = None) -> Resource:
    path = unquote(urlsplit(raw_path).path) or "/"
    route = site.routes.get(path)
    if route is not None:
        return route(request or _request("GET", raw_path, {}, b""))
    resource = site.pages.get(path)
    if resource is None and path.endswith("/"):
        resource = site.pages.get(path + "index.html")
    return resource or _NOT_FOUND


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)


def _validators(resource: Resource) -> tuple[tuple[str, str], ...]:
    """ETag and Last-Modified of a 200 resource (an ETag made from its bytes if it has none)."""
    if resource.status != 200:
        return ()
    etag = _header(resource.headers, "etag") or _etag(resource.body)
    modified = _header(resource.headers, "last-modified")
    return (("ETag", etag),) + ((("Last-Modified", modified),) if modified else ())


def _not_modified(validators: tuple[tuple[str, str], ...], request_headers: dict[str, str]) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when sent; else If-Modified-Since."""
    if not validators:
        return False
    etag = _header(validators, "etag")
    if "if-none-match" in request_headers:
        asked = [tag.strip() for tag in request_headers["if-none-match"].split(",")]
        return etag in asked or "*" in asked
    modified, since = _header(validators, "last-modified"), request_headers.get("if-modified-since")
    if not modified or not since:
        return False
    try:
        return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def _request(method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Request:
    parts = urlsplit(raw_path)
    form = {}
    if method == "POST" and "form-urlencoded" in headers.get("content-type", "form-urlencoded"):
        form = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return Request(
        method=method,
        path=unquote(parts.path) or "/",
        query={k: tuple(v) for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
        form={k: tuple(v) for k, v in form.items()},
        headers=headers,
    )


def _handler_for(server: PortalServer) -> type[BaseHTTPRequestHandler]:
    class PortalHandler(BaseHTTPRequestHandler):
        server_version = "TRS WCM"
        sys_version = ""

        def end_headers(self) -> None:
            # An HTTP/1.0 answer closes its connection; saying so keeps clients (Twisted's pool)
            # from reusing it, which a POST, never retried on a stale connection, would not survive.
            self.send_header("Connection", "close")
            super().end_headers()

        def do_GET(self) -> None:  # noqa: N802 - name fixed by http.server
            self._respond(include_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._respond(include_body=False)

        def do_POST(self) -> None:  # noqa: N802
            self._respond(include_body=True)

        def _respond(self, *, include_body: bool) -> None:
            headers = {name.lower(): value for name, value in self.headers.items()}
            length = int(headers.get("content-length") or 0)
            body = self.rfile.read(min(length, 1 << 20)) if length > 0 else b""
            request = _request(self.command, self.path, headers, body)
            # read the site on every request: a test may swap it between two crawls
            resource = lookup(server.site, self.path, request)
            validators = _validators(resource)
            if self.command in ("GET", "HEAD") and _not_modified(validators, headers):
                self.send_response(304)
                for name, value in validators:
                    self.send_header(name, value)
                self.end_headers()
                return
            self.send_response(resource.status)
            self.send_header("Content-Type", resource.content_type)
            self.send_header("Content-Length", str(len(resource.body)))
            for name, value in resource.headers:
                self.send_header(name, value)
            if resource.status == 200 and not _header(resource.headers, "etag"):
                self.send_header("ETag", _etag(resource.body))
            self.end_headers()
            if include_body:
                self.wfile.write(resource.body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # tests and the demo keep their output clean

    return PortalHandler


class PortalServer:
    """A ThreadingHTTPServer for ``site``; use as a context manager or call start()/stop()."""

    def __init__(self, site: Site, host: str = "127.0.0.1", port: int = 0) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"the simulated portal serves on loopback only, not {host}")
        self.site = site  # may be replaced while serving: the portal changes between crawls
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        bound_host, bound_port = self._httpd.server_address[:2]
        self.host = str(bound_host)
        self.port = int(bound_port)
        self.url = f"http://{self.host}:{self.port}"
        self.start_url = self.url + site.column_path + site.start_page

    def start(self) -> PortalServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, name="simportal", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
