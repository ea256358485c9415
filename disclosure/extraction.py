"""Running extraction over the archive: stored bytes in, extraction rows out."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from extract import PARSER_VERSION, extract_document
from storage.archive import captures_to_extract, load_blob, record_extraction, record_failure
from storage.db import session_scope

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtractionSummary:
    parser_version: str
    captures: int
    reports: int
    other_documents: int
    failures: int


def extract_archive(engine: Engine, *, redo: bool = False) -> ExtractionSummary:
    """Extract every capture that has no result at the current parser version (all with ``redo``)."""
    with session_scope(engine) as session:
        pending = captures_to_extract(session, PARSER_VERSION, redo=redo)
    reports = others = failures = 0
    for capture in pending:
        with session_scope(engine) as session:
            content = load_blob(session, capture.sha256)
            try:
                document = extract_document(
                    content,
                    url=capture.final_url or capture.url,
                    content_type=capture.content_type,
                    fetched_at=capture.fetched_at,
                )
            except Exception as error:  # one bad capture must not stop the run
                failures += 1
                log.warning("extraction failed for %s: %s", capture.url, error)
                record_failure(
                    session, capture.capture_id, parser_version=PARSER_VERSION, error=_one_line(error)
                )
                continue
            record_extraction(session, capture.capture_id, document)
            if document.is_annual_report:
                reports += 1
            else:
                others += 1
    return ExtractionSummary(
        parser_version=PARSER_VERSION,
        captures=len(pending),
        reports=reports,
        other_documents=others,
        failures=failures,
    )


def _one_line(error: Exception) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
