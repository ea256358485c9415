"""Re-extracting a fixed archive (the labelled corpus stored as captures) stores the same rows.

``tests/reextraction_rows.json`` holds every extraction row, value and check the archive
gave when it was written. A change to how extraction runs (parsing, workers, batches,
LibreOffice) must leave it unchanged; a change to what is read is regenerated on purpose:

    python -m tests.test_reextraction_identical
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from disclosure.extraction import extract_archive
from extract import PARSER_VERSION
from extract.convert import soffice_path
from storage.archive import store_capture
from storage.db import open_archive
from storage.models import Capture, CheckResult, ExtractedValue, Extraction

CORPUS = Path(__file__).parent / "corpus"
SNAPSHOT = Path(__file__).parent / "reextraction_rows.json"


def store_corpus(engine: Engine) -> int:
    cases = sorted(path for path in CORPUS.iterdir() if (path / "label.json").is_file())
    labels = [(case, json.loads((case / "label.json").read_text(encoding="utf-8"))) for case in cases]
    # the seed cases are local files (file:// URLs), not captures of a portal
    labels = [(case, label) for case, label in labels if label["url"].startswith(("http://", "https://"))]
    with Session(engine) as session, session.begin():
        for case, label in labels:
            store_capture(session, url=label["url"], final_url=label["url"], status=200,
                          headers={"Content-Type": label["content_type"] or ""},
                          body=(case / label["file"]).read_bytes(),
                          fetched_at=datetime.fromisoformat(label["fetched_at"]),
                          content_type=label["content_type"], spider="corpus", portal="corpus")
    return len(labels)


def extraction_rows(engine: Engine) -> dict[str, dict]:
    """Every stored field of every extraction at the current parser version, by capture URL."""
    rows: dict[str, dict] = {}
    with Session(engine) as session:
        found = session.execute(
            select(Capture.url, Extraction).join(Extraction, Extraction.capture_id == Capture.id)
            .where(Extraction.parser_version == PARSER_VERSION).order_by(Capture.url)
        ).all()
        for url, extraction in found:
            values = session.scalars(select(ExtractedValue).where(ExtractedValue.extraction_id == extraction.id)
                                     .order_by(ExtractedValue.id)).all()
            checks = session.scalars(select(CheckResult).where(CheckResult.extraction_id == extraction.id)
                                     .order_by(CheckResult.id)).all()
            rows[url] = {
                "status": extraction.status, "error": extraction.error,
                "is_annual_report": extraction.is_annual_report, "reason": extraction.reason,
                "body": extraction.body, "year": extraction.year, "template": extraction.template,
                "title": extraction.title, "published": extraction.published,
                "metadata": extraction.metadata_, "warnings": extraction.warnings, "text": extraction.text,
                "values": [[v.table_name, v.row_key, v.column_key, _text(v.value), v.raw, v.value_source,
                            v.confidence, v.unit] for v in values],
                "checks": [[c.rule, c.scope, c.status, c.cells, _text(c.difference)] for c in checks],
            }
    return rows


def _text(number) -> str | None:
    return None if number is None else str(number)


def reextract(archive_url: str, *, jobs: int) -> dict[str, dict]:
    engine = open_archive(archive_url)
    try:
        store_corpus(engine)
        extract_archive(engine, jobs=jobs)
        return extraction_rows(engine)
    finally:
        engine.dispose()


@pytest.mark.skipif(soffice_path() is None, reason="the corpus's .doc files need LibreOffice")
def test_reextraction_stores_the_snapshot_rows(tmp_path):
    # the snapshot was made with one job: two store the same rows
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    rows = json.loads(json.dumps(reextract(f"sqlite:///{tmp_path / 'archive.sqlite'}", jobs=2)))
    assert sorted(rows) == sorted(snapshot)
    changed = [url for url in snapshot if rows[url] != snapshot[url]]
    assert not changed, f"{len(changed)} captures read differently, first {changed[0]}: " \
                        f"{_first_difference(snapshot[changed[0]], rows[changed[0]])}"


def _first_difference(expected: dict, actual: dict) -> str:
    for key in expected:
        if expected[key] != actual.get(key):
            return f"{key}: {str(expected[key])[:300]!r} became {str(actual.get(key))[:300]!r}"
    return "extra fields"


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as work:
        snapshot = reextract(f"sqlite:///{Path(work) / 'archive.sqlite'}", jobs=1)
    lines = ",\n".join(f"{json.dumps(url, ensure_ascii=False)}: {json.dumps(row, ensure_ascii=False, sort_keys=True)}"
                       for url, row in sorted(snapshot.items()))
    SNAPSHOT.write_text("{\n" + lines + "\n}\n", encoding="utf-8")
    print(f"wrote {len(snapshot)} captures' rows to {SNAPSHOT}", file=sys.stderr)
