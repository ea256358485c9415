"""Extraction: stored bytes in, plain records out. No network, no database, no wall clock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import ExtractionError
from .records import Document
from .version import PARSER_VERSION

if TYPE_CHECKING:
    from .document import extract_document

__all__ = ["PARSER_VERSION", "Document", "ExtractionError", "extract_document"]


def __getattr__(name: str) -> Any:
    # loaded on first use so that importing the vocabulary (extract.keys, extract.records)
    # does not pull in trafilatura, pdfplumber and python-docx
    if name == "extract_document":
        from .document import extract_document

        return extract_document
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
