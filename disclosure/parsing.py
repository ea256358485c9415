"""`disclosure parse`: one local file through extraction, as JSON."""

from __future__ import annotations

import mimetypes
from datetime import UTC, datetime
from pathlib import Path

from extract import Document, ExtractionError
from extract.limits import DEFAULT_LIMITS, Limits

from .export import plain_decimal
from .workers import extract_limited


def parse_file(path: Path, limits: Limits = DEFAULT_LIMITS) -> Document:
    """One local file read in a worker process under ``limits``, as a capture would be."""
    content = path.read_bytes()
    content_type, _ = mimetypes.guess_type(path.name)
    modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    outcome = extract_limited(
        content, url=path.resolve().as_uri(), content_type=content_type, fetched_at=modified, limits=limits
    )
    if outcome.document is None:
        raise ExtractionError(outcome.error or "unknown error")
    return outcome.document


def document_json(document: Document) -> dict:
    identity = document.identity
    return {
        "body": identity.body,
        "year": identity.year,
        "year_source": identity.year_source,
        "template": document.template,
        "title": document.title,
        "is_annual_report": document.is_annual_report,
        "reason": document.reason,
        "format": document.format,
        "metadata": dict(document.metadata),
        "attachments": [{"url": link.url, "text": link.text} for link in document.attachments],
        "values": [
            {
                "table": v.table,
                "row": v.row,
                "column": v.column,
                "value": plain_decimal(v.value),
                "raw": v.raw,
                "source": v.source,
                "confidence": v.confidence,
                "unit": v.unit,
            }
            for v in document.values
        ],
        "checks": [
            {
                "rule": c.rule,
                "scope": c.scope,
                "status": c.status,
                "cells": list(c.cells),
                "difference": plain_decimal(c.difference),
            }
            for c in document.checks
        ],
        "warnings": list(document.warnings),
        "sha256": document.sha256,
        "parser_version": document.parser_version,
    }
