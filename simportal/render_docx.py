"""A report as a Word file, tables with merged cells, byte-for-byte the same on every build."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, time, timezone

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from .model import ReportPlan
from .prose import intro, report_title, sections, signature
from .report_html import report_grids
from .tables import Grid, column_count, place

_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def report_docx(plan: ReportPlan) -> bytes:
    document = Document()
    _set_font(document)
    moment = datetime.combine(plan.published, time(9, 0), tzinfo=timezone.utc)
    props = document.core_properties
    props.author = props.last_modified_by = plan.body.name
    props.title = report_title(plan)
    props.created = props.modified = moment
    props.revision = 1

    heading = document.add_paragraph(report_title(plan))
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(intro(plan))
    grids = report_grids(plan)
    for section in sections(plan):
        document.add_paragraph(section.heading)
        for text in section.paragraphs:
            document.add_paragraph(text)
        if section.table:
            _add_table(document, grids[section.table])
    for line in signature(plan):
        document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _set_font(document) -> None:
    style = document.styles["Normal"]
    style.font.name = "宋体"
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")


def _add_table(document, grid: Grid) -> None:
    table = document.add_table(rows=len(grid), cols=column_count(grid))
    table.style = "Table Grid"
    # one snapshot of the unmerged cells: table.cell() re-walks the whole table on every call;
    # spans never overlap, so each corner cell is still in place when its turn comes
    cells = [row.cells for row in table.rows]
    for r, c, cell in place(grid):
        target = cells[r][c]
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(cells[r + cell.rowspan - 1][c + cell.colspan - 1])
        target.text = cell.text
        target.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed member times: python-docx stamps the current time."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
