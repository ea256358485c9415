"""Datasette over a SQLite archive: metadata from the data dictionary, canned queries for the
common questions, facets, and two pages of pictures (a body over the years, coverage).

Canned queries read the researcher views (migration 0009), so they say what the export says.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from disclosure.dictionary import RelationDoc, key_docs, relations

PAGES = Path(__file__).parent / "pages"
FACETS = {
    "report_requests_v": ["region", "year", "template", "body_kind"],
    "report_numbers_v": ["region", "year", "template", "table_name"],
    "coverage_v": ["county", "year", "coverage"],
    "reports": ["year", "template", "status"],
    "bodies": ["region", "kind"],
}
UNITS = {"blobs": {"size": "byte"}}

_COUNTY = "(:county = '' OR county LIKE '%' || :county || '%' OR region LIKE '%' || :county || '%')"

QUERIES = {
    "requests_by_body_year": {
        "title": "Requests received, processed and granted per body and year",
        "description": "From report_requests_v: one row per report. body: part of a name (empty: all).",
        "sql": """SELECT body, county, year, requests_new, requests_processed, granted, partly_granted,
       granted_share, status, report_id
FROM report_requests_v
WHERE (:body = '' OR body LIKE '%' || :body || '%')
ORDER BY body, year""",
    },
    "townships_granting_under_half": {
        "title": "Townships that granted fewer than half of their requests, and whether their reports changed",
        "description": "granted below half of the requests processed in the year, for a county (part of its name or region; empty: all). changed_after_publication: a new edition of the report's bytes, withdrawn or superseded; corrections: cells corrected in the archive.",
        "sql": """SELECT body, county, year, requests_processed, granted, granted_share,
       changed_after_publication, editions, corrections, status, report_id, source_url
FROM report_requests_v
WHERE body_kind = 'township' AND year = CAST(:year AS INTEGER) AND """ + _COUNTY + """
  AND granted * 2 < requests_processed
ORDER BY granted_share, body""",
    },
    "failed_checks": {
        "title": "Failed consistency checks of the current reports",
        "description": "Rules 1-4 and 6 from each report's current reading, rule 5 across years. reviews: how many "
        "reviews the line has had; `disclosure checks --reviewed` says whether one still applies (its cells read the same).",
        "sql": """SELECT r.id AS report_id, b.name AS body, r.year AS year, x.rule AS rule, x.scope AS scope, x.cells AS cells,
       x.difference AS difference, c.url AS source_url,
       (SELECT COUNT(*) FROM check_reviews v WHERE v.report_id = r.id AND v.rule = x.rule AND v.scope = x.scope) AS reviews
FROM check_results_v x
JOIN reports r ON r.extraction_id = x.extraction_id
LEFT JOIN bodies b ON b.id = r.body_id
LEFT JOIN captures c ON c.id = r.capture_id
WHERE x.status = 'fail'
UNION ALL
SELECT a.report_id, b.name, a.year, a.rule, a.scope, a.cells, a.difference, a.source_url,
       (SELECT COUNT(*) FROM check_reviews v WHERE v.report_id = a.report_id AND v.rule = a.rule AND v.scope = a.scope)
FROM archive_checks_v a
JOIN reports r ON r.id = a.report_id AND r.parser_version = a.parser_version
LEFT JOIN bodies b ON b.id = r.body_id
WHERE a.status = 'fail'
ORDER BY body, year, rule""",
    },
    "late_reports": {
        "title": "Late and missing reports",
        "description": "From coverage_v: late = published after 31 March of the next year; missing = no report archived for a year the archive knows.",
        "sql": """SELECT county, body, year, coverage, published, report_id
FROM coverage_v
WHERE coverage IN ('late', 'missing') AND """ + _COUNTY + """
ORDER BY county, body, year""",
    },
    "body_over_years": {
        "title": "One body's requests and outcomes over the years",
        "description": "The totals column of the requests table per year (drawn at /chart).",
        "sql": """SELECT year, body,
       SUM(CASE WHEN row_key = 'new' THEN value END) AS new,
       SUM(CASE WHEN row_key = 'total' THEN value END) AS processed,
       SUM(CASE WHEN row_key = 'granted' THEN value END) AS granted,
       SUM(CASE WHEN row_key = 'partly_granted' THEN value END) AS partly_granted,
       SUM(CASE WHEN row_key LIKE 'denied_%' THEN value END) AS denied,
       SUM(CASE WHEN row_key LIKE 'unable_%' THEN value END) AS unable,
       SUM(CASE WHEN row_key LIKE 'rejected_%' THEN value END) AS not_processed,
       SUM(CASE WHEN row_key LIKE 'other%' THEN value END) AS other
FROM report_numbers_v
WHERE table_name = 'requests' AND column_key = 'total' AND status <> 'superseded'
  AND body_id = CAST(:body_id AS INTEGER)
GROUP BY year, body
ORDER BY year""",
    },
    "bodies_with_reports": {
        "title": "Bodies with reports",
        "sql": """SELECT body_id, body, body_kind, county, region, COUNT(*) AS reports
FROM report_requests_v
GROUP BY body_id, body, body_kind, county, region
ORDER BY county, body""",
    },
    "coverage_matrix": {
        "title": "Coverage: bodies × years (drawn at /coverage)",
        "description": "archived / late / missing / withdrawn per body and year, for a county (empty: all).",
        "sql": """SELECT county, body, year, coverage, report_id
FROM coverage_v
WHERE """ + _COUNTY + """
ORDER BY county, body, year""",
    },
}


def metadata(database: str, found: list[RelationDoc] | None = None) -> dict:
    """Datasette metadata for an archive served under the name ``database``."""
    found = relations() if found is None else found
    tables = {}
    for relation in found:
        entry: dict = {
            "title": relation.title or relation.name,
            "description": relation.meaning or "",
            "columns": {c.name: c.meaning or "" for c in relation.columns},
        }
        if relation.name in FACETS:
            entry["facets"] = FACETS[relation.name]
        if relation.name in UNITS:
            entry["units"] = UNITS[relation.name]
        tables[relation.name] = entry
    if "report_numbers_v" in tables:
        entry = tables["report_numbers_v"]
        entry["description_html"] = f"<p>{escape(entry['description'])}</p>{_keys_html()}"
    return {
        "title": "Government information-disclosure annual reports",
        "description_html": "The disclosure archive: every report's numbers under canonical keys, with provenance "
        "(every key's meaning, label and unit under <code>report_numbers_v</code>). Pictures: "
        '<a href="/chart">a body\'s requests over the years</a>, <a href="/coverage">coverage: bodies × years</a>.',
        "description": "The disclosure archive: every report's numbers under canonical keys, with provenance.",
        "databases": {database: {"tables": tables, "queries": QUERIES}},
    }


def pages(database: str, folder: Path) -> Path:
    """Write the pages, naming the database, into ``folder/pages`` (a datasette template dir)."""
    target = folder / "pages"
    target.mkdir(parents=True, exist_ok=True)
    for page in PAGES.glob("*.html"):
        (target / page.name).write_text(page.read_text(encoding="utf-8").replace("__DATABASE__", database),
                                        encoding="utf-8")
    return folder


def _keys_html() -> str:
    """The canonical keys with meaning, the template's label and unit, as a table."""
    rows = "".join(
        f"<tr><td><code>{escape(k.key)}</code></td><td>{escape(k.meaning)}</td><td>{escape(k.label)}</td>"
        f"<td>{escape(k.unit)}</td><td>{escape(', '.join(k.templates))}</td></tr>"
        for k in key_docs()
    )
    return (
        "<details><summary>Canonical keys: meaning, label, unit</summary><table>"
        "<tr><th>key</th><th>meaning</th><th>label</th><th>unit</th><th>templates</th></tr>"
        f"{rows}</table></details>"
    )
