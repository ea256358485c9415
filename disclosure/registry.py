"""The portal registry: which disclosure columns ``disclosure crawl NAME`` knows.

A TOML file of ``[[portal]]`` tables, each with ``name``, ``region``, ``start_urls``
(list pages of the annual-report column) and optional:

- ``platform``: the portal's platform, one of ``crawler.platforms`` ("trs", "hanweb",
  "gkmlpt", "generic"); without it the platform is detected from the first list page;
- ``revalidate_days``: how often (in days, default 1; 0: every run) documents already in the archive
  are asked for again with conditional requests; large portals may take longer;
- ``[portal.hints]``: ``item_pattern``, a regular expression a document URL must match
  to be followed.
The bundled registry is ``disclosure/portals.toml``; ``--registry`` or
``$DISCLOSURE_PORTALS`` names another.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from crawler.platforms import all_platforms

BUNDLED = Path(__file__).with_name("portals.toml")


class RegistryError(ValueError):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Portal:
    name: str
    region: str = ""
    start_urls: tuple[str, ...]
    hints: dict[str, str] = field(default_factory=dict)
    platform: str | None = None  # None: detected from the first list page
    revalidate_days: int = 1


def registry_path(explicit: str | None = None) -> Path:
    return Path(explicit or os.environ.get("DISCLOSURE_PORTALS") or BUNDLED)


def load_registry(path: Path) -> dict[str, Portal]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"portal registry {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise RegistryError(f"portal registry {path} is not valid TOML: {error}") from None
    portals: dict[str, Portal] = {}
    for number, entry in enumerate(data.get("portal", []), start=1):
        name = entry.get("name")
        urls = entry.get("start_urls")
        if not name or not urls or not isinstance(urls, list):
            raise RegistryError(f"{path}: portal #{number} needs a name and a list of start_urls")
        if name in portals:
            raise RegistryError(f"{path}: portal {name!r} is listed twice")
        portals[name] = Portal(
            name=name,
            region=entry.get("region", ""),
            start_urls=tuple(urls),
            hints=dict(entry.get("hints", {})),
            platform=_platform(path, name, entry.get("platform")),
            revalidate_days=_revalidate_days(path, name, entry.get("revalidate_days", 1)),
        )
    return portals


def _platform(path: Path, portal: str, value: object) -> str | None:
    if value is None:
        return None
    known = [platform.name for platform in all_platforms()]
    if value not in known:
        raise RegistryError(f"{path}: portal {portal!r}: platform {value!r} is not one of {', '.join(known)}")
    return value


def _revalidate_days(path: Path, portal: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RegistryError(f"{path}: portal {portal!r}: revalidate_days must be a whole number of days (0: every run)")
    return value


def select(portals: dict[str, Portal], names: list[str]) -> list[Portal]:
    if not names:
        return list(portals.values())
    unknown = [n for n in names if n not in portals]
    if unknown:
        known = ", ".join(sorted(portals)) or "none"
        raise RegistryError(f"unknown portal {', '.join(unknown)} (known: {known})")
    return [portals[n] for n in names]


def portal_regions(path: str | None = None) -> dict[str, str]:
    """Each registered portal's region by name; empty when the registry cannot be read."""
    try:
        return {name: portal.region for name, portal in load_registry(registry_path(path)).items()}
    except RegistryError:
        return {}
