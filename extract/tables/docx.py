"""Rows from a .docx file: body paragraphs as one-cell rows, tables as grids.

python-docx repeats a merged cell in every grid slot it covers; repeats are
blanked (left and above), as in text converted from the same table.
"""

from __future__ import annotations

import io
import zipfile

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

Row = tuple[str, ...]


class DocxError(ValueError):
    """The bytes are not a readable .docx file."""


def _table_rows(table: Table) -> tuple[Row, ...]:
    rows: list[Row] = []
    above: list = []
    for row in table.rows:
        cells = list(row.cells)
        texts = []
        for index, cell in enumerate(cells):
            repeated_left = index > 0 and cells[index - 1]._tc is cell._tc
            repeated_above = index < len(above) and above[index]._tc is cell._tc
            texts.append("" if repeated_left or repeated_above else cell.text.strip())
        rows.append(tuple(texts))
        above = cells
    return tuple(rows)


def rows_from_docx(content: bytes) -> tuple[Row, ...]:
    try:
        document = Document(io.BytesIO(content))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as error:
        raise DocxError(f"not a readable .docx file: {error}") from error
    rows: list[Row] = []
    for element in document.element.body.iterchildren():
        if element.tag == qn("w:p"):
            text = Paragraph(element, document).text.strip()
            if text:
                rows.append((text,))
        elif element.tag == qn("w:tbl"):
            rows.extend(_table_rows(Table(element, document)))
    return tuple(rows)
