"""A simulated portal served slowly, counting the requests it answers at the same time.

Every page of a built Site becomes a route that holds the request for ``seconds``: crawls
last long enough to be interrupted or overlapped, and ``max_in_flight`` shows how many
requests one host had to answer at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

from simportal import Site
from simportal.model import Request, Resource


class InFlight:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.max_in_flight = 0
        self.answered = 0

    def __enter__(self) -> InFlight:
        with self._lock:
            self.now += 1
            self.max_in_flight = max(self.max_in_flight, self.now)
        return self

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self.now -= 1
            self.answered += 1


def slow_site(site: Site, seconds: float) -> tuple[Site, InFlight]:
    counter = InFlight()

    def hold(resource: Resource):
        def route(request: Request) -> Resource:
            with counter:
                time.sleep(seconds)
            return resource

        return route

    routes = {path: hold(resource) for path, resource in site.pages.items()}
    for path, route in site.routes.items():
        routes[path] = lambda request, route=route: (time.sleep(seconds), route(request))[1]
    return replace(site, routes=routes), counter


def stand_in_site(site: Site, body: str, *, status: int = 200) -> Site:
    """The same paths, every one answering the same stand-in page (a block page, a soft 404)."""
    page = Resource(body=body.encode("utf-8"), content_type="text/html; charset=utf-8", status=status)
    return replace(site, pages={path: page for path in site.pages}, routes={})
