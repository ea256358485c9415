"""Text of DOCX and PDF attachments."""

from __future__ import annotations

import io
import logging

import docx
import pypdfium2
from docx.table import Table
from docx.text.paragraph import Paragraph

from .errors import ExtractionError

_QUALIFIED_P = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"
_QUALIFIED_TBL = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tbl"

# pdfminer logs every recoverable oddity of a damaged file at WARNING
logging.getLogger("pdfminer").setLevel(logging.ERROR)


def docx_text(content: bytes) -> str:
    """Paragraphs and tables in document order; table cells separated by tabs."""
    try:
        document = docx.Document(io.BytesIO(content))
        return "\n".join(_docx_blocks(document))
    # python-docx raises zipfile, KeyError, lxml and its own errors on damaged files
    except Exception as error:  # noqa: BLE001
        raise ExtractionError(f"DOCX cannot be read ({type(error).__name__}: {error})") from error


def _docx_blocks(document: docx.document.Document) -> list[str]:
    lines: list[str] = []
    for child in document.element.body.iterchildren():
        if child.tag == _QUALIFIED_P:
            lines.append(Paragraph(child, document).text)
        elif child.tag == _QUALIFIED_TBL:
            lines.extend(_table_lines(Table(child, document)))
    return lines


def _table_lines(table: Table) -> list[str]:
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            # a merged cell is returned once per grid column it spans
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        lines.append("\t".join(cells))
    return lines


def pdf_text(content: bytes) -> tuple[str, int]:
    """The text layer of every page, and the number of pages."""
    # pdfium reads a text layer about twenty times faster than pdfminer; the tables still
    # come from pdfplumber, which places every character
    try:
        document = pypdfium2.PdfDocument(content)
        try:
            pages = [_page_text(page) for page in document]
        finally:
            document.close()
    except Exception as error:  # noqa: BLE001  (pdfium raises PdfiumError, and others on damaged files)
        raise ExtractionError(f"PDF cannot be read ({type(error).__name__}: {error})") from error
    if not pages:
        raise ExtractionError("PDF has no readable pages (truncated or damaged file)")
    return "\n".join(pages), len(pages)


def _page_text(page) -> str:
    textpage = page.get_textpage()
    try:
        return textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
    finally:
        textpage.close()
        page.close()
