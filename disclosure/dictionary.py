"""The data dictionary, generated from the code: every table, view and column of the archive
and every canonical key, with its meaning in English and the template's Chinese label.

The archive's tables and views are read from a freshly migrated SQLite archive, so what is
described is what the migrations make. The meanings live here, in one place; a test fails
when a table, view, column or key has none (or a table or view no title). ``python -m disclosure.dictionary`` prints the
Markdown that ``docs/data-dictionary.md`` holds.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect

from extract.keys import OTHER_OUTCOMES, TEMPLATES, all_keys
from storage.db import open_archive
from storage.models import Base

SKIPPED_TABLES = frozenset({"alembic_version", "apscheduler_jobs"})

VIEW_DOCS = {
    "report_values_v": "Every number every parser version read from every capture, with body, year, template, URL, sha256 and parser version (all readings, not only current ones).",
    "check_results_v": "Every consistency check (rules 1-4, 6) of every reading, with its document and parser version.",
    "latest_captures_v": "Each document's latest capture, with its role and when it was withdrawn.",
    "archive_checks_v": "The checks across reports (rule 5: carried_in of year Y = carried_out of Y-1) of each parser version.",
    "report_numbers_v": "The current numbers of every report, one row per number: the reading the export takes, with body, region, status and provenance.",
    "report_requests_v": "One row per report: its request figures (new, processed, granted), the share granted, and whether it changed after publication.",
    "coverage_v": "Bodies × years: for every body with a report and every year the archive knows, whether its report is archived, late, missing or withdrawn.",
}

TITLES = {
    "archive_checks": "Checks across reports (rule 5)",
    "blobs": "Archived bytes",
    "bodies": "Publishing bodies",
    "body_aliases": "Names of bodies",
    "capture_links": "What the crawler read from pages: links, list readings",
    "captures": "Captures (versions of documents)",
    "check_results": "Consistency checks of readings",
    "check_reviews": "Reviews of failed checks",
    "corrections": "Corrections of cells",
    "crawl_run_portals": "Crawl runs per portal",
    "crawl_runs": "Crawl runs",
    "documents": "Documents (URLs)",
    "extracted_values": "Numbers read",
    "extractions": "Readings of captures",
    "fetch_failures": "Requests without an answer",
    "report_sources": "Documents of reports",
    "reports": "Annual reports",
    "run_locks": "Run locks",
    "archive_checks_v": "Checks across reports, by parser version",
    "check_results_v": "Consistency checks with their documents",
    "coverage_v": "Coverage: bodies × years",
    "latest_captures_v": "Latest capture of each document",
    "report_numbers_v": "Current numbers of every report",
    "report_requests_v": "Requests per report",
    "report_values_v": "Every number of every reading",
}

# Meanings by "table.column" first, then by column name alone (names shared by many tables).
COLUMN_DOCS = {
    "id": "The row's id.",
    "sha256": "SHA-256 of the archived bytes the row was read from.",
    "url": "The URL as requested.",
    "final_url": "The URL after redirects.",
    "portal": "The portal (registry name) the document was found on.",
    "parser_version": "The parser version that read the numbers (extract/version.py).",
    "body": "The publishing body's name as the report prints it.",
    "body_id": "The publishing body (bodies.id).",
    "year": "The year the report is on (not the year it was published).",
    "template": "The report's template: v2019 or v2021 (decided from its table headers).",
    "report_id": "The report (reports.id): the id `disclosure show` and `disclosure correct` take.",
    "document_id": "The document (documents.id).",
    "capture_id": "The capture (captures.id).",
    "extraction_id": "The extraction (extractions.id): one parser version's reading of one capture.",
    "parent_document_id": "The page an attachment was linked from (documents.id); NULL for a page.",
    "fetched_at": "When the bytes were fetched (UTC).",
    "first_seen_at": "When the archive first saw it (UTC).",
    "updated_at": "When the row last changed (UTC).",
    "table_name": "Canonical table: proactive, requests or appeals.",
    "row_key": "Canonical row key (see Canonical keys).",
    "column_key": "Canonical column key (see Canonical keys).",
    "key": "The canonical key table.row.column.",
    "value": "The number, exact; NULL when the report gives none. Unit: see the key.",
    "value_text": "The number as exact text (no float rounding).",
    "raw": "The cell's text as printed.",
    "value_source": "How the number was read: published (the document's text), ocr (an image) or correction.",
    "confidence": "OCR's confidence in the number (0-1); NULL for printed text.",
    "unit": "A unit printed in the cell (\"元\", \"万\", \"件\"), as printed.",
    "rule": "The consistency rule (README, Consistency checks).",
    "scope": "The line the rule was applied to: a column or row key.",
    "cells": "The cells the rule compared (canonical keys; prose:WORDS for rule 6).",
    "difference": "Left side minus right side of the rule, on failure.",
    "is_annual_report": "Whether the document was read as an annual report.",
    "source_url": "The URL of the document the numbers were read from.",
    "withdrawn_at": "When the document first answered 404/410 after having been published; NULL while it answers.",
    "role": "How the crawler reached the document: list, item or attachment.",
    "link_text": "The text of the link the document was found by.",
    "content_type": "The Content-Type header of the response.",
    "last_seen_at": "When this version was last seen unchanged (UTC).",
    "times_seen": "How many fetches returned this version.",
    "status": "The row's status (see the table).",
    "region": "The region of the body's portal, as the registry writes it.",
    "blobs.size": "Size of the bytes.",
    "blobs.warc_file": "The WARC file that holds the bytes (relative to the archive's WARC folder).",
    "blobs.warc_offset": "Offset of the WARC record in that file.",
    "blobs.warc_length": "Length of the WARC record, compressed.",
    "blobs.content": "The raw bytes (archives from before WARC storage).",
    "bodies.name": "The body's name as printed, the latest reading.",
    "bodies.normalized_name": "The name with whitespace and full-width forms folded: how aliases are matched.",
    "bodies.kind": "county_government, department, township, street_office or other (from the name).",
    "bodies.parent_body_id": "The county body it belongs to, where the name or the portal says so.",
    "bodies.region_code": "行政区划代码 (administrative division code) when the region gives one.",
    "bodies.credit_code": "统一社会信用代码 (unified social credit code), from the first part of 索引号.",
    "bodies.organization_code": "组织机构代码 (the older 9-digit organisation code) from 索引号.",
    "bodies.site_code": "The portal's own code for the body.",
    "body_aliases.name": "A way the body's name was printed.",
    "body_aliases.normalized_name": "That name, normalised.",
    "body_aliases.region": "The region the name was seen in (\"\" when unknown).",
    "reports.status": "current, withdrawn (its page answers 404/410) or superseded (by a corrected edition).",
    "reports.capture_id": "The capture behind the current numbers.",
    "reports.extraction_id": "The extraction behind the current numbers.",
    "reports.parser_version": "The parser version of the current numbers.",
    "reports.title": "The report's title as printed.",
    "reports.numbers_sha256": "SHA-256 of the current cells: the same numbers on another portal are the same report.",
    "report_sources.role": "page or attachment.",
    "report_sources.is_current": "Whether this document's reading gives the report's numbers.",
    "report_sources.portal": "The portal the document was found on (a republication has another).",
    "documents.url": "The URL, once per document.",
    "capture_links.links": "The links the crawler followed from this capture's page, [[url, link text], …]: a re-crawl that finds the page unchanged asks for them again without reading it. Empty: read, nothing followed (not a report).",
    "captures.blob_sha256": "The archived bytes (blobs.sha256).",
    "captures.status": "HTTP status of the response.",
    "captures.headers": "The response headers (JSON).",
    "captures.spider": "The spider that fetched it.",
    "fetch_failures.reason": "Why the request got no answer (DNS, refused, timeout, over-size).",
    "fetch_failures.failed_at": "When (UTC).",
    "extractions.status": "ok, or failed (with error).",
    "extractions.error": "Why the capture could not be read.",
    "extractions.reason": "Why it was (or was not) taken for an annual report.",
    "extractions.title": "The document's title.",
    "extractions.published": "The publication date the page prints.",
    "extractions.metadata": "Published key/value pairs (索引号, 发布机构, ...) in page order.",
    "extractions.warnings": "What looked odd while reading (typo'd labels, units, hybrids ...).",
    "extractions.text": "The document's text.",
    "extractions.extracted_at": "When it was read (UTC).",
    "check_results.status": "pass, fail, fitted (numbers chosen to satisfy the rule) or not_assessable.",
    "archive_checks.status": "pass, fail or not_assessable.",
    "previous_report_id": "The body's report of the previous year.",
    "previous_source_url": "Where the previous year's numbers were read.",
    "checked_at": "When the check was computed (UTC).",
    "archive_checks_v.check_id": "The archive_checks row (printed as a<id> by disclosure checks).",
    "check_reviews.rule": "The rule of the reviewed check.",
    "check_reviews.scope": "The line of the reviewed check.",
    "check_reviews.cells": "The cells and values the review was made on; it applies while they read the same.",
    "check_reviews.decision": "confirm (a published error) or dismiss (a misreading).",
    "check_reviews.note": "Why.",
    "check_reviews.reviewed_by": "Who reviewed it.",
    "check_reviews.reviewed_at": "When (UTC).",
    "check_reviews.check_ref": "The check id it was made on, as disclosure checks printed it.",
    "check_reviews.parser_version": "The parser version the check was made with.",
    "corrections.value": "The corrected value; NULL: the report gives no number.",
    "corrections.read_value": "The value the parser read when the correction was made.",
    "corrections.read_parser_version": "The parser version that read it.",
    "corrections.reason": "Why the cell was corrected.",
    "corrections.corrected_by": "Who corrected it.",
    "corrections.corrected_at": "When (UTC).",
    "crawl_runs.started_at": "When the run started (UTC).",
    "crawl_runs.finished_at": "When it ended (UTC).",
    "crawl_runs.heartbeat_at": "The running process's last sign of life.",
    "crawl_runs.trigger": "What started it: cli or schedule.",
    "crawl_runs.status": "running, finished, failed or interrupted.",
    "crawl_runs.host": "The host it ran on.",
    "crawl_runs.pid": "Its process id.",
    "crawl_runs.error": "Why it failed.",
    "crawl_runs.extraction": "What the extraction after the crawl did (JSON).",
    "crawl_run_portals.run_id": "The run (crawl_runs.id).",
    "crawl_run_portals.requests": "Requests sent.",
    "crawl_run_portals.not_modified": "304 answers: documents seen unchanged.",
    "crawl_run_portals.responses": "Responses archived.",
    "crawl_run_portals.new_documents": "Documents seen for the first time.",
    "crawl_run_portals.changed_documents": "Documents with a new version.",
    "crawl_run_portals.withdrawn_documents": "Documents that now answer 404/410.",
    "crawl_run_portals.new_reports": "Annual reports seen for the first time.",
    "crawl_run_portals.http_errors": "Responses with an HTTP error status.",
    "crawl_run_portals.failed_fetches": "Requests with no answer.",
    "crawl_run_portals.refused": "Requests refused before sending (outside the allowed networks).",
    "crawl_run_portals.bytes_received": "Bytes of response bodies received, as sent.",
    "crawl_run_portals.outcomes": "Per column: why it ended, list pages, items listed (JSON).",
    "crawl_run_portals.health": "What looked wrong after the run (JSON).",
    "run_locks.name": "The lock's name.",
    "run_locks.holder_host": "The host holding it.",
    "run_locks.holder_pid": "The process holding it.",
    "run_locks.acquired_at": "When it was taken (UTC).",
    "run_locks.expires_at": "When it lapses unless renewed (UTC).",
    "report_numbers_v.body_kind": "The body's kind (bodies.kind).",
    "report_numbers_v.county": "The county body the body belongs to (its parent), by name; a county government's own name.",
    "report_numbers_v.status": "The report's status: current, withdrawn or superseded.",
    "report_requests_v.body_kind": "The body's kind (bodies.kind).",
    "report_requests_v.county": "The county body the body belongs to (its parent), by name; a county government's own name.",
    "report_requests_v.status": "The report's status: current, withdrawn or superseded.",
    "report_requests_v.requests_new": "requests.new.total: requests received in the year (件).",
    "report_requests_v.requests_processed": "requests.total.total: requests dealt with in the year (件), the base of granted_share.",
    "report_requests_v.granted": "requests.granted.total: requests granted in full (件).",
    "report_requests_v.partly_granted": "requests.partly_granted.total: requests granted in part (件).",
    "report_requests_v.granted_share": "granted / requests_processed (0-1, 4 decimals); NULL when nothing was processed.",
    "report_requests_v.editions": "The most distinct versions (bytes) any document of the report was captured in.",
    "report_requests_v.corrections": "Cells of the report corrected in the archive (disclosure corrections).",
    "report_requests_v.changed_after_publication": "1 when the report changed after it was first archived (a new edition of its bytes, withdrawn or superseded), else 0.",
    "coverage_v.body_kind": "The body's kind (bodies.kind).",
    "coverage_v.county": "The county body the body belongs to (its parent), by name; a county government's own name.",
    "coverage_v.coverage": "archived, late (published after 31 March of the next year), missing (no report archived) or withdrawn.",
    "coverage_v.published": "The publication date the report prints.",
    "latest_captures_v.status": "HTTP status of the latest capture.",
    "check_results_v.status": "pass, fail, fitted or not_assessable.",
    "archive_checks_v.status": "pass, fail or not_assessable.",
}

# ---------------------------------------------------------------------------- keys
ROWS = {
    "proactive": {
        "regulations": ("Rules (规章)", "规章"),
        "normative_docs": ("Normative documents", "行政规范性文件"),
        "licensing": ("Administrative licensing", "行政许可"),
        "other_services": ("Other external management services", "其他对外管理服务事项"),
        "penalty": ("Administrative penalties", "行政处罚"),
        "enforcement": ("Administrative compulsion", "行政强制"),
        "fees": ("Administrative fees", "行政事业性收费"),
        "procurement": ("Government centralised procurement", "政府集中采购"),
    },
    "requests": {
        "new": ("Requests received this year", "一、本年新收政府信息公开申请数量"),
        "carried_in": ("Requests carried over from last year", "二、上年结转政府信息公开申请数量"),
        "granted": ("Granted", "三（一）予以公开"),
        "partly_granted": ("Partly granted", "三（二）部分公开"),
        "denied_state_secret": ("Denied: state secret", "三（三）1.属于国家秘密"),
        "denied_law_prohibited": ("Denied: other laws forbid", "三（三）2.其他法律行政法规禁止公开"),
        "denied_security_stability": ("Denied: security and stability", "三（三）3.危及\"三安全一稳定\""),
        "denied_third_party": ("Denied: third-party rights", "三（三）4.保护第三方合法权益"),
        "denied_internal_affairs": ("Denied: internal affairs", "三（三）5.属于三类内部事务信息"),
        "denied_process_info": ("Denied: process information", "三（三）6.属于四类过程性信息"),
        "denied_enforcement_file": ("Denied: enforcement file", "三（三）7.属于行政执法案卷"),
        "denied_inquiry": ("Denied: administrative inquiry", "三（三）8.属于行政查询事项"),
        "unable_not_held": ("Unable: not held", "三（四）1.本机关不掌握相关政府信息"),
        "unable_needs_creation": ("Unable: would have to be created", "三（四）2.没有现成信息需要另行制作"),
        "unable_unclear": ("Unable: still unclear after correction", "三（四）3.补正后申请内容仍不明确"),
        "rejected_petition": ("Not processed: petition or complaint", "三（五）1.信访举报投诉类申请"),
        "rejected_duplicate": ("Not processed: duplicate", "三（五）2.重复申请"),
        "rejected_publication": ("Not processed: asks for publications", "三（五）3.要求提供公开出版物"),
        "rejected_excessive": ("Not processed: excessive repeated requests", "三（五）4.无正当理由大量反复申请"),
        "rejected_confirmation": ("Not processed: asks to confirm or reissue", "三（五）5.要求行政机关确认或重新出具已获取信息"),
        "other": ("Otherwise handled (one row: v2019 and hybrids)", "三（六）其他处理"),
        "other_no_correction": ("Otherwise handled: not corrected in time", "三（六）1.申请人无正当理由逾期不补正…"),
        "other_no_fee": ("Otherwise handled: fee not paid", "三（六）2.申请人逾期未按收费通知要求缴纳费用…"),
        "other_other": ("Otherwise handled: other", "三（六）3.其他"),
        "total": ("Total processed", "三（七）总计"),
        "carried_out": ("Carried over to next year", "四、结转下年度继续办理"),
    },
    "appeals": {
        "reconsideration": ("Administrative reconsideration", "行政复议"),
        "litigation_direct": ("Lawsuits without reconsideration first", "行政诉讼·未经复议直接起诉"),
        "litigation_after_reconsideration": ("Lawsuits after reconsideration", "行政诉讼·复议后起诉"),
    },
}
COLUMNS = {
    "proactive": {
        "issued": ("issued this year", "本年制发件数", "documents"),
        "repealed": ("repealed this year", "本年废止件数", "documents"),
        "in_force": ("in force", "现行有效件数", "documents"),
        "new_made": ("newly made this year", "本年新制作数量", "documents"),
        "new_published": ("newly published this year", "本年新公开数量", "documents"),
        "total_published": ("published in total", "对外公开总数量", "documents"),
        "prev_year_count": ("items last year", "上一年项目数量", "items"),
        "change": ("change this year (may be negative)", "本年增/减", "items"),
        "decisions": ("decisions this year", "本年处理决定数量", "decisions"),
        "amount_10k_yuan": ("amount collected", "本年收费金额（万元）", "10,000 yuan (万元)"),
        "projects": ("procurement projects", "采购项目数量", "projects"),
        "amount": ("procurement amount", "采购总金额", "money as printed (the template names no unit)"),
    },
    "requests": {
        "natural_person": ("from natural persons", "自然人", "requests"),
        "commercial": ("from businesses", "商业企业", "requests"),
        "research": ("from research institutions", "科研机构", "requests"),
        "social_org": ("from social organisations", "社会公益组织 / 社会组织", "requests"),
        "legal_service": ("from legal service institutions", "法律服务机构", "requests"),
        "other_org": ("from other organisations", "其他", "requests"),
        "total": ("all applicants", "总计", "requests"),
    },
    "appeals": {
        "upheld": ("upheld", "结果维持", "cases"),
        "corrected": ("corrected", "结果纠正", "cases"),
        "other": ("other outcome", "其他结果", "cases"),
        "pending": ("pending", "尚未审结", "cases"),
        "total": ("total", "总计", "cases"),
    },
}


@dataclass(frozen=True, slots=True)
class KeyDoc:
    key: str
    templates: tuple[str, ...]
    meaning: str
    label: str
    unit: str


@dataclass(frozen=True, slots=True)
class ColumnDoc:
    name: str
    type: str
    meaning: str | None


@dataclass(frozen=True, slots=True)
class RelationDoc:
    name: str
    kind: str  # "table" | "view"
    title: str | None
    meaning: str | None
    columns: tuple[ColumnDoc, ...]


def key_docs() -> list[KeyDoc]:
    """Every canonical key, in document order, with the templates that give it."""
    found: dict[str, list[str]] = {}
    parts: dict[str, tuple[str, str, str]] = {}
    for template in TEMPLATES:
        for others in (None, *OTHER_OUTCOMES.values()):
            for table, row, column in all_keys(template, others):
                key = f"{table}.{row}.{column}"
                parts[key] = (table, row, column)
                if template not in found.setdefault(key, []):
                    found[key].append(template)
    docs = []
    for key, (table, row, column) in parts.items():
        row_meaning, row_label = ROWS[table][row]
        column_meaning, column_label, unit = COLUMNS[table][column]
        docs.append(KeyDoc(key, tuple(found[key]), f"{row_meaning}, {column_meaning}",
                           f"{row_label} / {column_label}", unit))
    return docs


def column_meaning(relation: str, column: str) -> str | None:
    return COLUMN_DOCS.get(f"{relation}.{column}") or COLUMN_DOCS.get(column)


def _table_meaning(name: str) -> str | None:
    for mapper in Base.registry.mappers:
        if mapper.local_table.name == name and mapper.class_.__doc__:
            return " ".join(mapper.class_.__doc__.strip().split("\n\n")[0].split())
    return None


def _type_name(column) -> str:
    name = type(column.type).__name__
    return {"ExactDecimal": "decimal (exact, as text)", "UTCDateTime": "timestamp (UTC)"}.get(name, str(column.type).lower())


def relations() -> list[RelationDoc]:
    """The archive's tables and views as the migrations make them."""
    with tempfile.TemporaryDirectory() as folder:
        engine = open_archive(f"sqlite:///{Path(folder) / 'dictionary.sqlite'}")
        try:
            inspector = inspect(engine)
            tables = sorted(set(inspector.get_table_names()) - SKIPPED_TABLES)
            views = sorted(inspector.get_view_names())
            view_columns = {view: [c["name"] for c in inspector.get_columns(view)] for view in views}
        finally:
            engine.dispose()
    found = []
    for name in tables:
        model = Base.metadata.tables.get(name)
        columns = model.columns if model is not None else ()
        found.append(RelationDoc(name, "table", TITLES.get(name), _table_meaning(name), tuple(
            ColumnDoc(c.name, _type_name(c), column_meaning(name, c.name)) for c in columns)))
    for name in views:
        found.append(RelationDoc(name, "view", TITLES.get(name), VIEW_DOCS.get(name), tuple(
            ColumnDoc(c, "", column_meaning(name, c)) for c in view_columns[name])))
    return found


def undocumented(found: list[RelationDoc]) -> list[str]:
    missing = [f"{r.kind} {r.name}" for r in found if not (r.meaning and r.title)]
    missing += [f"{r.name}.{c.name}" for r in found for c in r.columns if not c.meaning]
    return missing


def markdown(found: list[RelationDoc] | None = None) -> str:
    found = relations() if found is None else found
    lines = [
        "# Data dictionary",
        "",
        "Generated from the code by `python -m disclosure.dictionary > docs/data-dictionary.md`;",
        "a test fails when it is not current. Numbers are exact decimals; times are UTC.",
        "",
        "## Tables and views",
        "",
    ]
    for relation in found:
        lines += [f"### `{relation.name}` ({relation.kind}): {relation.title or ''}", "", relation.meaning or "", ""]
        lines += ["| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{c.name}` | {c.type} | {_cell(c.meaning or '')} |" for c in relation.columns]
        lines.append("")
    lines += [
        "## Canonical keys",
        "",
        "Every number is addressed by `table.row.column` (the `key` of `report_numbers_v`, the",
        "columns of the wide export). Labels are the template's; templates that print the row.",
        "",
        "| key | templates | meaning | label | unit |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| `{k.key}` | {', '.join(k.templates)} | {_cell(k.meaning)} | {_cell(k.label)} | {_cell(k.unit)} |"
        for k in key_docs()
    ]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    print(markdown(), end="")
