"""Hostile and broken files read under the extraction limits: each ends within the limits, as
a clear failure or a reading, and none takes more than 1 GiB or 60 s of its worker.

The outcome, time and peak memory of every case are printed at the end of the test run.
"""

from __future__ import annotations

import pytest

from extract.limits import DEFAULT_LIMITS
from simportal import build_site
from tests import hostile
from tests.hostile import Case

GiB = 1024 * 1024 * 1024
HTML = "text/html; charset=utf-8"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SUMMARY: list[str] = []
_RESULTS: dict[str, hostile.Result] = {}


def _report_page() -> tuple[bytes, int]:
    site = build_site("demo")
    report = next(r for r in site.expected if r.tables_in in ("page", "both"))
    numbers = sum(value is not None for value in report.values.values())
    return site.pages[report.page_path].body, numbers


PAGE, PAGE_NUMBERS = _report_page()

CASES = (
    Case("pdf-stream-inflating-to-1GiB", "application/pdf", hostile.pdf_stream_bomb, "failed"),
    Case("docx-member-inflating-to-1.1GB", DOCX, hostile.docx_member_bomb, "failed", "member_bytes"),
    Case("pdf-of-400-pages", "application/pdf", lambda: hostile.pdf_of_pages(400), "failed", "pdf_pages"),
    Case("page-of-20MB-with-a-pasted-image", HTML,
         lambda: hostile.report_page_with_pasted_image(PAGE, 20 * 1024 * 1024), "numbers"),
    Case("numbers-in-arabic-indic-digits", HTML, lambda: hostile.with_digits_of_another_script(PAGE), "read"),
    Case("numbers-in-devanagari-digits", HTML,
         lambda: hostile.with_digits_of_another_script(PAGE, "\u0966"), "read"),
    Case("html-nested-10000-deep", HTML, hostile.deeply_nested_html, "failed", "nests its elements too deeply"),
    Case("html-absurd-spans", HTML, hostile.absurd_spans_html, "read"),
    Case("docx-billion-laughs", DOCX, hostile.billion_laughs_docx, "failed"),
    Case("docx-external-entity", DOCX, hostile.xxe_docx, "read"),
    Case("pdf-encrypted", "application/pdf", hostile.encrypted_pdf, "failed"),
    Case("pdf-truncated", "application/pdf", lambda: hostile.truncated(hostile.pdf_of_pages(3)), "failed"),
    Case("docx-truncated", DOCX, lambda: hostile.truncated(hostile.plain_docx()), "failed"),
    Case("docx-served-as-doc", "application/msword", hostile.plain_docx, "read"),
)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, hostile.Result]:
    folder = tmp_path_factory.mktemp("hostile")
    for case in CASES:
        path = folder / case.name
        path.write_bytes(case.make())
        _RESULTS[case.name] = hostile.run_case(
            path, case.content_type, wall_seconds=DEFAULT_LIMITS.wall_seconds, memory_bytes=DEFAULT_LIMITS.memory_bytes
        )
    SUMMARY[:] = [
        f"hostile files: {len(CASES)} read under the default limits "
        f"({DEFAULT_LIMITS.wall_seconds:g} s, {DEFAULT_LIMITS.memory_bytes // (1024 * 1024)} MiB per worker)",
        *(
            f"  {r.name:<36} {r.seconds:5.1f} s {r.peak_bytes / (1024 * 1024):7.0f} MiB  {r.outcome[:90]}"
            for r in _RESULTS.values()
        ),
    ]
    return _RESULTS


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_hostile_file_ends_within_the_limits(results, case):
    result = results[case.name]
    assert result.outcome != "killed at the wall-time limit"
    assert result.seconds < 60 + 15  # the limit, and a cold process's start-up
    assert result.peak_bytes < GiB, f"{case.name} took {result.peak_bytes:,} bytes"
    if case.expect == "failed":
        assert result.outcome.startswith(("failed: ", "worker died")), result.outcome
        assert case.error in result.error
    elif case.expect == "numbers":
        assert result.numbers == PAGE_NUMBERS, result.outcome
    else:
        assert result.outcome.startswith("read: "), result.outcome


@pytest.mark.parametrize("name", ["numbers-in-arabic-indic-digits", "numbers-in-devanagari-digits"])
def test_digits_of_other_scripts_are_never_numbers(results, name):
    assert results[name].numbers == 0


def test_an_external_entity_is_never_resolved():
    from extract import extract_document

    document = extract_document(hostile.xxe_docx(), url="http://127.0.0.1:1/a.docx", content_type=DOCX)
    assert "root:" not in document.text
