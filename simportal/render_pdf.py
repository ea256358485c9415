"""A report as a PDF: Chinese text in the built-in STSong-Light CID font, tables drawn ruled."""

from __future__ import annotations

import io
from html import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .model import ReportPlan
from .prose import intro, report_title, sections, signature
from .report_html import report_grids
from .tables import Grid, column_count, place

_FONT = "STSong-Light"
_WIDTH = 17 * cm
# label columns of the requests table need room; the 7 number columns share the rest
_REQUEST_WIDTHS = (1.3 * cm, 2.0 * cm, 4.5 * cm) + (1.3 * cm,) * 7


def _styles() -> dict[str, ParagraphStyle]:
    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(_FONT))
    body = ParagraphStyle("body", fontName=_FONT, fontSize=10.5, leading=16, firstLineIndent=21,
                          wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=body, fontSize=16, leading=24, alignment=TA_CENTER,
                                firstLineIndent=0),
        "heading": ParagraphStyle("heading", parent=body, fontSize=12, leading=20),
        "body": body,
        "right": ParagraphStyle("right", parent=body, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", fontName=_FONT, fontSize=7.5, leading=9.5, alignment=TA_CENTER,
                               wordWrap="CJK"),
    }


def report_pdf(plan: ReportPlan) -> bytes:
    styles = _styles()
    grids = report_grids(plan)
    story = [Paragraph(escape(report_title(plan)), styles["title"]), Spacer(1, 8),
             Paragraph(escape(intro(plan)), styles["body"])]
    for section in sections(plan):
        story.append(Paragraph(escape(section.heading), styles["heading"]))
        story.extend(Paragraph(escape(text), styles["body"]) for text in section.paragraphs)
        if section.table:
            widths = _REQUEST_WIDTHS if section.table == "requests" else None
            story.append(_table(grids[section.table], styles["cell"], widths))
            story.append(Spacer(1, 6))
    story.extend(Paragraph(escape(line), styles["right"]) for line in signature(plan))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm,
        bottomMargin=2 * cm, title=report_title(plan), author=plan.body.name, invariant=1,
    )
    document.build(story)
    return buffer.getvalue()


def _table(grid: Grid, style: ParagraphStyle, widths: tuple[float, ...] | None) -> Table:
    count = column_count(grid)
    data: list[list[object]] = [[""] * count for _ in grid]
    commands: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), _FONT),
    ]
    for r, c, cell in place(grid):
        data[r][c] = Paragraph("<br/>".join(escape(p) for p in cell.text.split("\n")), style)
        if cell.rowspan > 1 or cell.colspan > 1:
            commands.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
    return Table(data, colWidths=widths or [_WIDTH / count] * count, style=TableStyle(commands),
                 repeatRows=0)
