"""Reading the three statistical tables of an annual report into canonical keys.

Each format is first turned into rows of cell strings in document order (text
outside tables as one-cell rows); ``mapper.read_rows`` does the rest.
"""

from __future__ import annotations

from ..records import Tables
from .mapper import read_rows
from .text import rows_from_text

__all__ = ["tables_from_docx", "tables_from_html", "tables_from_html_element", "tables_from_pdf", "tables_from_text"]

# The format readers are imported when first used: pdfplumber and python-docx are slow to load.


def tables_from_text(text: str) -> Tables:
    """Tables from seeds-like text: tab-separated rows, or one cell per line with blank lines between rows."""
    return read_rows(rows_from_text(text))


def tables_from_html(html: str) -> Tables:
    """Tables from a decoded HTML page or fragment; every <table> in it."""
    from .html import rows_from_html

    return read_rows(rows_from_html(html))


def tables_from_html_element(element) -> Tables:
    """Tables from an already parsed page or part of one (lxml), walked where it stands."""
    from .html import rows_from_element

    return read_rows(rows_from_element(element))


def tables_from_docx(content: bytes) -> Tables:
    """Tables from a .docx file's bytes (python-docx), merged cells counted once."""
    from .docx import rows_from_docx

    return read_rows(rows_from_docx(content))


def tables_from_pdf(content: bytes) -> Tables:
    """Tables from a PDF's bytes (pdfplumber): ruled tables, else the text lines split on whitespace."""
    from .pdf import rows_from_pdf

    return read_rows(rows_from_pdf(content))
