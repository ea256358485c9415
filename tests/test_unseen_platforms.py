"""The crawler on Hanweb and gkmlpt portals built apart from its adapters (``simportal.unseen_*``),
crawled as a user does: every report with every number; on the Hanweb one, three nights —
the first crawl, an unchanged re-crawl for a few percent of the bytes, and a night with an
edit, a withdrawal, an item dropped from the list and a new report."""

from __future__ import annotations

import contextlib
import csv
import io
import json
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from crawler.platforms.gkmlpt import PLATFORM as GKMLPT
from crawler.platforms.hanweb import PLATFORM as HANWEB
from disclosure.cli import main
from extract.decode import decode
from simportal import PortalServer
from simportal import unseen_hanweb as hanweb
from simportal.unseen_gkmlpt import PREFIX, build_unseen_gkmlpt_site
from simportal.unseen_hanweb import build_unseen_hanweb_site, report_path
from storage.db import open_archive, session_scope
from storage.models import Capture, Document

from .cli_runner import run_cli
from .test_end_to_end import assert_exported_as_built


def crawl(url_or_name: str, db: str, cwd, *registry: str) -> None:
    target = ("--url", url_or_name) if not registry else (url_or_name, *registry)
    done = run_cli("crawl", *target, "--db", db, "--allow-network", "127.0.0.0/8", "--delay", "0", cwd=cwd)
    assert done.returncode == 0, done.stderr[-3000:]


def export(db: str, cwd) -> list[dict]:
    """``disclosure export`` in this process: only crawls need a fresh one."""
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["export", "--format", "csv", "--out", str(cwd / "numbers.csv"), "--db", db]) == 0
    with open(cwd / "numbers.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def runs(db: str) -> list[dict]:
    """Each run's portal of ``disclosure runs --json``, oldest first."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["runs", "--json", "--db", db]) == 0
    ordered = sorted(json.loads(printed.getvalue()), key=lambda run: run["id"])
    return [portal for run in ordered for portal in run["portals"]]


def listed_items(site) -> int:
    return len(site.expected) + len(site.non_reports) + sum("/module/" not in p and "/attachment/" not in p
                                                             for p in site.dead_links)


# ---- the adapters on pages they were not written with -----------------------------------

def test_hanweb_reads_its_own_unit_on_a_page_with_a_side_list_of_another_column():
    site = build_unseen_hanweb_site()
    page = site.pages[hanweb.COLUMN_PATH + "index.html"]
    url = "http://h.example" + hanweb.COLUMN_PATH + "index.html"
    read = HANWEB.read_list(url, decode(page.body, page.content_type).text)
    embedded = hanweb.PER_PAGE * hanweb.GROUP_SIZE
    assert read.announced_total == listed_items(site) > embedded == len(read.items)
    assert [urlsplit(r.url).path for r in read.more] == [hanweb.PROXY_PATH] * 2
    assert dict(read.more[0].form)["columnid"] == hanweb.COLUMN_ID
    assert dict(read.more[0].form)["unitid"] == hanweb.UNIT_ID
    assert all(item.date and "..." not in item.title for item in read.items)


def test_hanweb_keeps_direct_files_of_a_separate_attachment_block_but_not_the_footer():
    body = "根据《中华人民共和国政府信息公开条例》编制本报告。" * 30
    page = f"""<html><body><div id="zoom"><p>{body}</p></div>
    <div class="xgfj"><span>相关附件：</span><ul><li><a href="/attach/-1/ab12.docx">报告.docx</a></li>
    <li><a href="/module/download/downfile.jsp?classid=0&amp;filename=cd34.pdf">报告.pdf</a></li></ul></div>
    <div class="foot"><a href="/attach/0/site_report.pdf">网站年度工作报表</a> 主办单位：某县人民政府办公室</div></body></html>"""
    found = [link.url for link in HANWEB.attachments("http://h.example/art/2024/1/2/art_1_2.html", page)]
    assert found == ["http://h.example/attach/-1/ab12.docx",
                     "http://h.example/module/download/downfile.jsp?classid=0&filename=cd34.pdf"]


def test_gkmlpt_reads_a_quoted_site_id_and_drops_the_column_fragment_of_links():
    site = build_unseen_gkmlpt_site()
    index = site.pages[f"{PREFIX}/gkmlpt/index"].body.decode("utf-8")
    read = GKMLPT.read_list(f"http://g.example{PREFIX}/gkmlpt/index", index)
    assert [r.url for r in read.more] == [f"http://g.example{PREFIX}/gkmlpt/api/all/1835?page=1&sid=755207"]
    post = "http://g.example/gkmlpt/content/4/4001/post_4001234.html"
    answer = json.dumps({"total": "16", "articles": [{
        "title": "某局2023年政府信息公开工作年度报告", "url": post + "#1837", "created_at": "2024-01-15 09:30:00",
        "attachments": [{"name": "报告.pdf", "url": "/attachment/1/2/3.pdf#page=1"}]}]})
    page = GKMLPT.read_list("http://g.example/gkmlpt/api/all/1835?page=1&sid=1", answer)
    assert [(i.url, i.date, i.parent_url) for i in page.items] == [
        (post, "2024-01-15", None),
        ("http://g.example/attachment/1/2/3.pdf", "2024-01-15", post),
    ]
    assert page.announced_total == 16 and len(page.more) == 15  # page size unknown: one article a page


# ---- crawled as a user does ---------------------------------------------------------------

def test_a_gkmlpt_portal_not_seen_before_gives_every_report_with_every_number(tmp_path):
    site = build_unseen_gkmlpt_site()
    db = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    with PortalServer(site) as server:
        crawl(server.start_url, db, tmp_path)
    export(db, tmp_path)
    assert_exported_as_built(site, tmp_path / "numbers.csv")
    ((outcome,),) = [portal["outcomes"] for portal in runs(db)]
    assert (outcome["platform"], outcome["ended"]) == ("gkmlpt", "complete"), outcome
    assert outcome["announced_total"] == outcome["items_listed"] == listed_items(site), outcome


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """The Hanweb portal crawled on three "nights" by ``disclosure crawl NAME``, the last after it
    changed; minutes apart, so the registry asks for every archived document each run."""
    workdir = tmp_path_factory.mktemp("unseen_hanweb")
    db = f"sqlite:///{workdir / 'archive.sqlite'}"
    first, later = build_unseen_hanweb_site(), build_unseen_hanweb_site(later=True)
    with PortalServer(first) as server:
        registry = workdir / "portals.toml"
        registry.write_text(f'[[portal]]\nname = "liaochuan"\nstart_urls = ["{server.start_url}"]\n'
                            "revalidate_days = 0\n", encoding="utf-8")
        crawl("liaochuan", db, workdir, "--registry", str(registry))
        rows_first = export(db, workdir)
        crawl("liaochuan", db, workdir, "--registry", str(registry))
        server.site = later
        crawl("liaochuan", db, workdir, "--registry", str(registry))
    return {"db": db, "url": server.url, "first": first, "later": later, "rows_first": rows_first,
            "rows": export(db, workdir), "runs": runs(db), "workdir": workdir}


def test_a_hanweb_portal_not_seen_before_gives_every_report_with_every_number(nights, tmp_path):
    path = tmp_path / "first.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(nights["rows_first"][0]))
        writer.writeheader()
        writer.writerows(nights["rows_first"])
    assert_exported_as_built(nights["first"], path)
    (outcome,) = nights["runs"][0]["outcomes"]
    assert (outcome["platform"], outcome["ended"]) == ("hanweb", "complete"), outcome
    assert outcome["announced_total"] == outcome["items_listed"] == listed_items(nights["first"]), outcome


def test_the_unchanged_portal_is_recrawled_for_a_few_percent_of_the_bytes(nights):
    first, again, _ = nights["runs"]
    assert again["new_documents"] == again["changed_documents"] == again["withdrawn_documents"] == 0
    (outcome,) = first["outcomes"]
    # every published document answers 304 but the proxy's POSTed list pages, which answer in full
    proxy_answers = outcome["list_pages"] - 1
    assert again["not_modified"] == first["responses"] - first["http_errors"] - proxy_answers
    assert again["bytes_received"] <= 0.05 * first["bytes_received"], (again["bytes_received"], first["bytes_received"])


def test_the_changed_night_finds_the_edit_the_withdrawal_and_the_new_report(nights):
    *_, changed = nights["runs"]
    # changed: the edited page, the column page and the proxy answers its new first record shifted
    assert changed["withdrawn_documents"] == 1 and changed["changed_documents"] >= 2 and changed["new_reports"] >= 1
    (outcome,) = changed["outcomes"]
    assert outcome["announced_total"] == outcome["items_listed"] == listed_items(nights["first"]) - 1
    later, rows = nights["later"], nights["rows"]
    current = [row for row in rows if row["status"] == "current"]
    path = nights["workdir"] / "current.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(current)
    assert_exported_as_built(later, path)  # the edited cells with their new values, the new report, the unlisted one
    withdrawn_url = nights["url"] + report_path(nights["first"], *hanweb.WITHDRAWN)
    assert {row["status"] for row in rows if row["source_url"] == withdrawn_url} == {"withdrawn"}
    engine = open_archive(nights["db"])
    with session_scope(engine) as session:
        withdrawn_at = dict(session.execute(select(Document.url, Document.withdrawn_at)).all())
        statuses: dict[str, list[int]] = {}
        for url, status in session.execute(select(Capture.url, Capture.status).order_by(Capture.id)):
            statuses.setdefault(url, []).append(status)
    engine.dispose()
    assert withdrawn_at[withdrawn_url] is not None and statuses[withdrawn_url] == [200, 404]
    assert statuses[nights["url"] + report_path(later, *hanweb.EDITED)] == [200, 200]
    assert statuses[nights["url"] + report_path(later, *hanweb.ADDED)] == [200]
    unlisted_url = nights["url"] + report_path(later, *hanweb.UNLISTED)
    assert withdrawn_at[unlisted_url] is None and statuses[unlisted_url] == [200]
