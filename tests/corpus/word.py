"""Reports written the way offices write them in Word, then exported by LibreOffice.

python-docx builds a Word-style document: a title block in 小标宋/黑体, body prose in
仿宋_GB2312 with a two-character first-line indent and fixed 28 pt line spacing, 宋体
tables with single borders, merged header cells and header text broken over lines,
the signature on the right. LibreOffice (headless, private profile) exports it to PDF
and to Word 97; with a CJK font installed the PDF carries a text layer. Long tables
break across pages as Word lays them out: rows may split at the page break and the
header is not repeated.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import datetime, time, timezone
from pathlib import Path

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from simportal.tables import Grid, column_count, place

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
TABLE_FONT = "宋体"


class Unavailable(Exception):
    """A tool the producer needs is missing."""


def _fonts(run_or_style, east_asia: str, size: float, *, bold: bool = False) -> None:
    font = run_or_style.font
    font.name = "Times New Roman"
    font.size = Pt(size)
    font.bold = bold or None
    properties = run_or_style.element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        properties.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asia)


def _paragraph(document, text: str, *, font: str = BODY_FONT, size: float = 16, bold: bool = False,
               align=None, indent: bool = True, line: float = 28):
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(line)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        paragraph.alignment = align
    _fonts(paragraph.add_run(text), font, size, bold=bold)
    return paragraph


def _borders(table) -> None:
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        for name, value in (("val", "single"), ("sz", "4"), ("space", "0"), ("color", "000000")):
            element.set(qn(f"w:{name}"), value)
        borders.append(element)
    properties.append(borders)


def _cell_text(cell, text: str, *, header: bool, size: float, distribute: bool = False) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    words = not text.lstrip("-").replace(".", "", 1).isdigit()
    # 分散对齐: the characters of a label spread over the cell's width ("尚 未 审 结" in the PDF)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.DISTRIBUTE if distribute and words else WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
    for index, part in enumerate(text.split("\n")):
        run = paragraph.add_run(part)
        _fonts(run, TABLE_FONT, size, bold=header)
        if index < text.count("\n"):
            run.add_break()


def _table(document, grid: Grid, widths_cm: Sequence[float], *, size: float = 10.5, distribute: bool = False) -> None:
    width = column_count(grid)
    table = document.add_table(rows=len(grid), cols=width)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borders(table)
    cells = [row.cells for row in table.rows]
    for r, c, cell in place(grid):
        target = cells[r][c]
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(cells[r + cell.rowspan - 1][c + cell.colspan - 1])
        _cell_text(target, cell.text, header=cell.header, size=size, distribute=distribute)
    for index, column in enumerate(table.columns):
        column.width = Cm(widths_cm[index])
    for row in table.rows:
        for index, cell in enumerate(row.cells):
            cell.width = Cm(widths_cm[index])


# column widths (cm) of the three tables in the official Word templates, page width about 15.5 cm
WIDTHS = {"proactive": (4.6, 3.6, 3.6, 3.7), "requests": (1.3, 1.5, 3.4, 1.3, 1.2, 1.2, 1.4, 1.4, 1.2, 1.4),
          "appeals": (1.03,) * 15}


def _page_number(section, where: str) -> None:
    """"- 3 -" centred in the footer, as the official document format has it (some put it on top)."""
    paragraph = (section.header if where == "header" else section.footer).paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(paragraph.add_run("- "), TABLE_FONT, 14)
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)
    _fonts(paragraph.add_run(" -"), TABLE_FONT, 14)


def word_document(*, title_lines: Sequence[str], intro: str, sections: Sequence, grids: dict[str, Grid],
                  signature: Sequence[str], moment: datetime, author: str, padding: int = 0,
                  table_size: float = 10.5, appeals_size: float = 9, page_number: str = "footer",
                  distribute: bool = False) -> bytes:
    """The report as a Word file; ``padding`` extra prose lines before the requests table move its page break."""
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _fonts(document.styles["Normal"], BODY_FONT, 16)
    _page_number(section, page_number)
    props = document.core_properties
    props.author = props.last_modified_by = author
    props.title = "".join(title_lines)
    props.created = props.modified = moment.replace(tzinfo=timezone.utc)
    props.revision = 3

    for line in title_lines:
        _paragraph(document, line, font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, line=36)
    _paragraph(document, "", indent=False)
    _paragraph(document, intro)
    for part in sections:
        _paragraph(document, part.heading, font=HEADING_FONT)
        for text in part.paragraphs:
            _paragraph(document, text)
        if part.table == "requests":
            for _ in range(padding):
                _paragraph(document, "（注：本表数据来源于本机关政府信息公开申请登记台账。）")
        if part.table:
            size = appeals_size if part.table == "appeals" else table_size
            _table(document, grids[part.table], WIDTHS[part.table], size=size, distribute=distribute)
    _paragraph(document, "", indent=False)
    for line in signature:
        paragraph = _paragraph(document, line, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
        paragraph.paragraph_format.right_indent = Cm(1)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def export(docx: bytes, target: str) -> bytes:
    """``docx`` saved by LibreOffice as ``pdf`` or ``doc``."""
    program = shutil.which("soffice") or shutil.which("libreoffice")
    if program is None:
        raise Unavailable("LibreOffice (soffice) is not on PATH")
    filter_name = {"pdf": "pdf:writer_pdf_Export", "doc": "doc:MS Word 97"}[target]
    with tempfile.TemporaryDirectory(prefix="corpus-word-") as work:
        folder = Path(work)
        (folder / "report.docx").write_bytes(docx)
        subprocess.run([program, f"-env:UserInstallation={(folder / 'profile').as_uri()}", "--headless",
                        "--norestore", "--convert-to", filter_name, "--outdir", str(folder / "out"),
                        str(folder / "report.docx")], check=True, capture_output=True, timeout=180)
        data = (folder / "out" / f"report.{target}").read_bytes()
    if target == "pdf" and "年度报告" not in _first_page_text(data):
        raise Unavailable("LibreOffice exported no Chinese text: install a CJK font (scripts/system-packages)")
    return fixed_pdf(data) if target == "pdf" else data


def _first_page_text(pdf: bytes) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        return "".join(document[0].get_textpage().get_text_range().split())
    finally:
        document.close()


_PDF_DATE = re.compile(rb"\((D:[0-9]{14})([^)]*)\)")
_PDF_ID = re.compile(rb"/ID\s*\[\s*<[0-9A-Fa-f]+>\s*<[0-9A-Fa-f]+>\s*\]")
_HEX = re.compile(rb"<[0-9A-Fa-f]+>")
_PDF_CHECKSUM = re.compile(rb"/DocChecksum /([0-9A-Fa-f]+)")


def fixed_pdf(data: bytes) -> bytes:
    """The PDF with its dates, file ids and checksum replaced by fixed ones of the same length
    (offsets stay valid), so a rebuild gives the same bytes."""
    data = _PDF_DATE.sub(lambda m: b"(D:20240101090000" + m.group(2) + b")", data)
    data = _PDF_CHECKSUM.sub(lambda m: b"/DocChecksum /" + b"0" * len(m.group(1)), data)
    return _PDF_ID.sub(lambda m: _HEX.sub(lambda h: b"<" + b"0" * (len(h.group(0)) - 2) + b">", m.group(0)), data)


def moment_of(day) -> datetime:
    return datetime.combine(day, time(9, 0))
