"""The simulated county portal: what it serves, and that its known values are sound."""

from __future__ import annotations

import io
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from decimal import Decimal
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import docx
import pdfplumber
import pytest

from extract.keys import (
    APPEAL_COLUMNS,
    APPEAL_ROWS,
    APPLICANT_COLUMNS,
    REQUEST_COLUMNS,
    all_keys,
    outcome_rows,
    request_rows,
)
from simportal import PortalServer, build_site

VARIANTS = ("demo", "unseen")
PAGER = re.compile(r'createPageHTML\((\d+),\s*(\d+),\s*"index",\s*"html"\)')
HREF = re.compile(r'<li>.*?<a href="([^"]+)"[^>]*title="([^"]+)"')


@pytest.fixture(scope="module", params=VARIANTS)
def served(request):
    site = build_site(request.param)
    with PortalServer(site) as server:
        yield site, server


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def list_page_urls(server: PortalServer) -> list[str]:
    status, _, body = fetch(server.start_url)
    assert status == 200
    count = int(PAGER.search(body.decode("utf-8")).group(1))
    return [server.start_url] + [urljoin(server.start_url, f"index_{i}.html") for i in range(1, count)]


# ---- serving ---------------------------------------------------------------------------

def test_page_count_in_pager_matches_the_list_pages(served):
    site, server = served
    urls = list_page_urls(server)
    assert len(urls) >= 3
    for index, url in enumerate(urls):
        status, _, body = fetch(url)
        assert status == 200, url
        assert PAGER.search(body.decode("utf-8")).groups() == (str(len(urls)), str(index))
    status, _, _ = fetch(urljoin(server.start_url, f"index_{len(urls)}.html"))
    assert status == 404


def test_pager_function_is_served_or_inline(served):
    site, server = served
    html = fetch(server.start_url)[2].decode("utf-8")
    defined_inline = "function createPageHTML(" in html
    script_status = fetch(server.url + "/js/page.js")[0]
    assert defined_inline or ('src="/js/page.js"' in html and script_status == 200)


def test_list_items_lead_to_every_report_non_report_and_dead_link(served):
    site, server = served
    listed = set()
    for url in list_page_urls(server):
        html = fetch(url)[2].decode("utf-8")
        listed.update(urlsplit(urljoin(url, href)).path for href, _ in HREF.findall(html))
    reports = {report.page_path for report in site.expected}
    dead_items = {path for path in site.dead_links if path.endswith(".html")}
    assert listed == reports | set(site.non_reports) | dead_items
    assert 18 <= len(listed) <= 25
    assert dead_items, "the column should list at least one item whose page is gone"


def test_unknown_and_dead_paths_are_404(served):
    site, server = served
    for path in ("/no/such/page.html", site.column_path + "index_99.html", *site.dead_links):
        status, headers, _ = fetch(server.url + path)
        assert status == 404, path


def test_headers_describe_the_body(served):
    site, server = served
    path = site.expected[0].page_path
    status, headers, body = fetch(server.url + path)
    assert status == 200
    assert int(headers["Content-Length"]) == len(body) == len(site.pages[path].body)
    assert headers["Content-Type"] == site.pages[path].content_type
    assert parsedate_to_datetime(headers["Last-Modified"]).year >= 2020
    attachment = next(p for p in site.pages if p.endswith(".pdf"))
    _, headers, body = fetch(server.url + attachment)
    assert headers["Content-Type"] == "application/pdf" and body.startswith(b"%PDF")


def test_every_answer_says_its_connection_closes(served):
    """The server closes the connection after each answer (HTTP/1.0); without saying so, a
    client pooling connections sends its next request on a closed one, and a POST sent that
    way is lost rather than retried."""
    site, server = served
    path = site.expected[0].page_path
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert re.search(rb"^Connection: close\r?$", head, re.MULTILINE | re.IGNORECASE), head
    assert len(body) == len(site.pages[path].body)  # whole, then the server closed


def test_robots_allows_all(served):
    site, server = served
    status, _, body = fetch(server.url + "/robots.txt")
    assert status == 200
    assert re.search(rb"User-agent: \*\s+Disallow:\s*$", body)


def test_external_link_is_present_but_not_served(served):
    site, server = served
    assert b'href="http://www.gov.cn/"' in site.pages[site.column_path + "index.html"].body
    assert all(path.startswith("/") for path in site.pages)
    assert b'href="/xxgk/tzgg/index.html"' in site.pages[site.column_path + "index.html"].body
    notices = [p for p in site.pages if p.startswith("/xxgk/tzgg/") and not p.endswith("index.html")]
    assert notices and not set(notices) & ({r.page_path for r in site.expected} | set(site.non_reports))


def test_server_binds_loopback_only():
    site = build_site("demo")
    with pytest.raises(ValueError, match="loopback"):
        PortalServer(site, host="0.0.0.0")
    with PortalServer(site) as server:
        assert server.host == "127.0.0.1"
        assert server._httpd.socket.getsockname()[0] == "127.0.0.1"
        assert server.start_url == f"http://127.0.0.1:{server.port}{site.column_path}index.html"
        with socket.create_connection(("127.0.0.1", server.port), timeout=5):
            pass


def test_module_entry_point_prints_the_start_url():
    process = subprocess.Popen(
        [sys.executable, "-m", "simportal", "--variant", "unseen"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        start_url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/zwgk/zfxxgkndbg/index\.html", start_url)
        status, _, body = fetch(start_url)
        assert status == 200 and "云溪县".encode() in body
    finally:
        process.terminate()
        process.wait(timeout=10)


# ---- the known values ------------------------------------------------------------------

def rule_failures(template: str, values) -> tuple[list[str], int]:
    """Spec rules 1-4 over ``values``; cells not given make a line not assessable."""
    failures: list[str] = []
    assessed = 0

    def check(name: str, left: list, right: list) -> None:
        nonlocal assessed
        if any(v is None for v in left + right):
            return
        assessed += 1
        if sum(left, Decimal(0)) != sum(right, Decimal(0)):
            failures.append(name)

    def req(row: str, column: str):
        return values[("requests", row, column)]

    for column in REQUEST_COLUMNS:
        check(f"1:{column}", [req("new", column), req("carried_in", column)],
              [req("total", column), req("carried_out", column)])
        check(f"2:{column}", [req("total", column)], [req(row, column) for row in outcome_rows(template)])
    for row in request_rows(template):
        check(f"3:{row}", [req(row, "total")], [req(row, column) for column in APPLICANT_COLUMNS])
    for row in APPEAL_ROWS:
        check(f"4:{row}", [values[("appeals", row, "total")]],
              [values[("appeals", row, column)] for column in APPEAL_COLUMNS[:-1]])
    return failures, assessed


@pytest.mark.parametrize("variant", VARIANTS)
def test_expected_values_obey_rules_and_are_not_all_zero(variant):
    site = build_site(variant)
    for report in site.expected:
        assert tuple(report.values) == all_keys(report.template)
        failures, assessed = rule_failures(report.template, report.values)
        assert failures == [], (report.page_path, failures)
        assert assessed >= 30, report.page_path
        numbers = [v for v in report.values.values() if v is not None]
        assert sum(1 for v in numbers if v != 0) >= 20, report.page_path


def test_rule_check_in_this_test_can_fail():
    report = build_site("demo").expected[0]
    broken = dict(report.values)
    broken[("requests", "granted", "commercial")] += 1
    failures, _ = rule_failures(report.template, broken)
    assert {"2:commercial", "3:granted"} <= set(failures)


@pytest.mark.parametrize("variant", VARIANTS)
def test_expected_reports_cover_the_hard_cases(variant):
    site = build_site(variant)
    expected = site.expected
    assert {r.tables_in for r in expected} == {"page", "attachment", "both"}
    assert {r.template for r in expected} == {"v2019", "v2021"}
    assert any(r.template == "v2019" and r.year >= 2021 for r in expected)
    assert any(v is None for r in expected for v in r.values.values())
    v2019 = [r for r in expected if r.template == "v2019"]
    assert any(v < 0 for r in v2019 for k, v in r.values.items() if k[2] == "change" and v is not None)
    fees = [r.values[("proactive", "fees", "amount_10k_yuan")] for r in expected if r.template == "v2021"]
    assert any(fee is not None and fee.as_tuple().exponent == -4 for fee in fees)
    assert len({r.body for r in expected}) >= 5
    assert {r.year for r in expected} == {2019, 2020, 2021, 2022, 2023}


def test_variants_differ():
    demo, unseen = build_site("demo"), build_site("unseen")
    assert demo.county != unseen.county and demo.column_path != unseen.column_path
    assert {r.body for r in demo.expected}.isdisjoint({r.body for r in unseen.expected})
    assert list_page_count(demo) != list_page_count(unseen)


def list_page_count(site) -> int:
    pattern = re.compile(re.escape(site.column_path) + r"index(_\d+)?\.html$")
    return sum(1 for path in site.pages if pattern.match(path))


def test_build_is_deterministic():
    again = build_site.__wrapped__("demo")
    first = build_site("demo")
    assert again.pages.keys() == first.pages.keys()
    assert all(again.pages[p].body == first.pages[p].body for p in first.pages)
    assert again.expected == first.expected


def test_unknown_variant_is_refused():
    with pytest.raises(ValueError, match="unknown variant"):
        build_site("nowhere")


# ---- page contents ---------------------------------------------------------------------

def page_text(site, path: str) -> str:
    body = site.pages[path].body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("gb18030")


def test_prose_counts_agree_with_tables():
    site = build_site("demo")
    for report in site.expected:
        if report.tables_in == "attachment":
            continue
        text = page_text(site, report.page_path)
        new = report.values[("requests", "new", "total")]
        out = report.values[("requests", "carried_out", "total")]
        appeals = report.values[("appeals", "reconsideration", "total")]
        assert f"本年新收政府信息公开申请{new}件" in text
        assert f"结转下年度{out}件" in text
        assert f"行政复议{appeals}件" in text


def test_gbk_pages_decode_and_carry_the_title(served):
    site, server = served
    gbk = []
    for report in site.expected:
        body = site.pages[report.page_path].body
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            gbk.append(report)
    assert len(gbk) >= 2
    headers_seen = set()
    for report in gbk:
        status, headers, body = fetch(server.url + report.page_path)
        text = body.decode("gb18030")
        assert report.body.removesuffix("人民政府") in text and "政府信息公开工作年度报告" in text
        declares_meta = "charset=gb2312" in text
        headers_seen.add((headers["Content-Type"], declares_meta))
    # one page declares GBK only in <meta>; one is GBK with a wrong or missing declaration
    assert ("text/html", True) in headers_seen
    assert any(not meta for _, meta in headers_seen)


def attachments_of(site, report, suffix: str) -> list[str]:
    text = page_text(site, report.page_path)
    folder = report.page_path.rsplit("/", 1)[0] + "/"
    return [folder + name for name in re.findall(r'href="\./(P0\d{20}' + re.escape(suffix) + ')"', text)
            if folder + name in site.pages]


@pytest.mark.parametrize("variant", VARIANTS)
def test_pdf_attachment_text_has_body_name_and_numbers(variant):
    site = build_site(variant)
    checked = 0
    for report in site.expected:
        for path in attachments_of(site, report, ".pdf"):
            with pdfplumber.open(io.BytesIO(site.pages[path].body)) as pdf:
                text = "\n".join(page.extract_text() or "" for page in pdf.pages)
            assert report.body in text
            row = " ".join(str(report.values[("appeals", r, c)]) for r in APPEAL_ROWS for c in APPEAL_COLUMNS)
            assert row in text
            checked += 1
    assert checked >= 1


@pytest.mark.parametrize("variant", VARIANTS)
def test_docx_attachment_has_the_tables_with_the_same_numbers(variant):
    site = build_site(variant)
    checked = 0
    for report in site.expected:
        for path in attachments_of(site, report, ".docx"):
            document = docx.Document(io.BytesIO(site.pages[path].body))
            assert len(document.tables) == 3
            appeals = [cell.text for cell in document.tables[2].rows[-1].cells]
            assert appeals == [str(report.values[("appeals", r, c)])
                               for r in APPEAL_ROWS for c in APPEAL_COLUMNS]
            new_row = [cell.text for cell in document.tables[1].rows[3].cells]
            assert new_row[3:] == [str(report.values[("requests", "new", c)]) for c in REQUEST_COLUMNS]
            checked += 1
    assert checked >= 1
    assert any(r.tables_in == "both" and attachments_of(site, r, ".docx") for r in site.expected)


def test_attachment_only_page_says_little():
    site = build_site("demo")
    for report in site.expected:
        text = page_text(site, report.page_path)
        if report.tables_in == "attachment":
            assert "详见附件" in text and "MsoNormalTable" not in text
        else:
            assert text.count("MsoNormalTable") == 3
