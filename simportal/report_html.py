"""The TRS_Editor body of an annual report's detail page."""

from __future__ import annotations

from html import escape

from .model import ReportPlan
from .prose import intro, report_title, sections, signature
from .render_html import paragraph, word_table
from .tables import Grid, appeals_grid, proactive_grid, requests_grid


def report_grids(plan: ReportPlan) -> dict[str, Grid]:
    return {
        "proactive": proactive_grid(plan.template, plan.values),
        "requests": requests_grid(plan.template, plan.values, plan.social_org_label),
        "appeals": appeals_grid(plan.values),
    }


def attachment_links(links: tuple[tuple[str, str], ...]) -> str:
    """``links`` are (href, file name); written the way TRS pages list 附件."""
    if not links:
        return ""
    items = "".join(
        f'<p class="fujian"><a href="{href}" target="_blank" oldsrc="{href.removeprefix("./")}">'
        f"附件：{escape(name)}</a></p>"
        for href, name in links
    )
    return f'<div class="fjlb">{items}</div>'


def report_content(plan: ReportPlan, links: tuple[tuple[str, str], ...]) -> str:
    title = report_title(plan)
    if plan.tables_in == "attachment":
        return "\n".join((
            paragraph(title, bold=True, center=True),
            paragraph(f"根据《中华人民共和国政府信息公开条例》规定，现将{plan.body.name}{plan.year}年"
                      "政府信息公开工作年度报告予以公布，详见附件。"),
            attachment_links(links),
        ))
    grids = report_grids(plan)
    parts = [paragraph(title, bold=True, center=True), paragraph(intro(plan))]
    for section in sections(plan):
        parts.append(paragraph(section.heading, bold=True, indent=True))
        parts.extend(paragraph(text) for text in section.paragraphs)
        if section.table:
            parts.append(word_table(grids[section.table]))
    body, day = signature(plan)
    parts.append(f'<p class="MsoNormal" align="right" style="text-align:right">{escape(body)}</p>')
    parts.append(f'<p class="MsoNormal" align="right" style="text-align:right">{day}</p>')
    parts.append(attachment_links(links))
    return "\n".join(parts)
