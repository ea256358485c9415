"""Refuse requests to hosts outside the configured networks, before any byte is sent."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest, NotConfigured


class AllowedNetworksMiddleware:
    def __init__(self, networks: list[str], stats=None) -> None:
        self.networks = tuple(ipaddress.ip_network(n, strict=False) for n in networks)
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        networks = crawler.settings.getlist("DISCLOSURE_ALLOWED_NETWORKS")
        if not networks:
            raise NotConfigured("no network restriction")
        return cls(networks, crawler.stats)

    def process_request(self, request):
        host = urlsplit(request.url).hostname or ""
        if not self.allows(host):
            if self.stats:
                self.stats.inc_value("disclosure/refused_network")
            raise IgnoreRequest(f"{host} is outside the allowed networks")
        return None

    def allows(self, host: str) -> bool:
        addresses = _addresses(host) if host else []
        return bool(addresses) and all(
            any(address in network for network in self.networks) for address in addresses
        )


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return []
    return [ipaddress.ip_address(info[4][0]) for info in infos]
