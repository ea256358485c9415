"""A simulated TRS WCM county government portal with a column of annual disclosure reports.

Used by the end-to-end tests and by ``disclosure demo``. Everything is built in memory,
deterministically, and served on 127.0.0.1 only.
"""

from .model import ExpectedReport, Resource, Site
from .server import PortalServer
from .site import build_site

__all__ = ["ExpectedReport", "PortalServer", "Resource", "Site", "build_site"]
