"""A simulated TRS WCM county government portal with a column of annual disclosure reports.

Used by the end-to-end tests and by ``disclosure demo``. Everything is built in memory,
deterministically, and served on 127.0.0.1 only.
"""

from collections.abc import Callable

from .generic_site import build_generic_site
from .gkmlpt_site import build_gkmlpt_site
from .hanweb_site import build_hanweb_site
from .model import ExpectedReport, Resource, Site
from .server import PortalServer
from .site import build_site

# One simulated portal per platform, for ``disclosure demo --platform NAME`` and the tests.
SITES: dict[str, Callable[[], Site]] = {
    "trs": build_site,
    "generic": build_generic_site,
    "gkmlpt": build_gkmlpt_site,
    "hanweb": build_hanweb_site,
}

__all__ = ["SITES", "ExpectedReport", "PortalServer", "Resource", "Site", "build_site"]
