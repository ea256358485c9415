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
            if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN[package]):
                offences.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offences
