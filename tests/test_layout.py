"""Imports go one way: crawler → storage, the command line → storage and extract;
extract stands alone (no network, no database)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "extract": {"scrapy", "sqlalchemy", "alembic", "storage", "crawler", "disclosure", "requests", "urllib.request", "socket"},
    "storage": {"scrapy", "crawler", "disclosure"},
    "crawler": {"disclosure"},
    "simportal": {"storage", "crawler", "disclosure"},
}

# The one thing extract talks to over a socket: the long-lived LibreOffice it starts as its own
# child process (lo_server, and unoserver_main, which runs in it), on 127.0.0.1 only (checked
# below). That is a pipe to a child, not the network.
LOOPBACK_CHILD = {"extract/lo_server.py": {"socket"}, "extract/unoserver_main.py": {"socket"}}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_only_downstream(package):
    offences = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in imported_modules(path):
            if name in LOOPBACK_CHILD.get(str(path.relative_to(ROOT)), ()):
                continue
            if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN[package]):
                offences.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offences


def test_the_loopback_child_talks_to_127_0_0_1_only():
    import re

    for relative in LOOPBACK_CHILD:
        source = (ROOT / relative).read_text(encoding="utf-8")
        addresses = set(re.findall(r"\b\d{1,3}(?:\.\d{1,3}){3}\b|localhost|0\.0\.0\.0", source))
        assert addresses == {"127.0.0.1"}, f"{relative} names {addresses}"
