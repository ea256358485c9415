"""Reviews of failed checks: kept across re-extraction while the check's cells read the same,
stale once they read differently; `disclosure checks` hides what is reviewed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from disclosure.checks import all_checks
from disclosure.cli import main
from disclosure.extraction import extract_archive
from extract import PARSER_VERSION, extract_document
from storage.corrections import CorrectionError, record_review, review_states, reviews_for
from storage.db import session_scope

from storage.archive_checks import refresh_archive_checks

from .test_corrections import URL, shifted, stored_report

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


# Module-level: extraction workers import their extractor by name.
def misread_granted(content, **context):
    """granted.natural_person 5 read as 6: the granted row's applicants and the natural_person outcomes fail."""
    return shifted(extract_document(content, **context), {"requests.granted.natural_person": 1})


def misread_more(content, **context):
    """As before, and partly_granted.natural_person 2 read as 3: the outcomes line's cells change."""
    document = extract_document(content, **context)
    return shifted(document, {"requests.granted.natural_person": 1, "requests.partly_granted.natural_person": 1})


def earlier_carried_out_misread(content, *, url, **context):
    """The 2022 report's carried_out.total 2 read as 4: one carry-over line's cells change, it still fails."""
    document = extract_document(content, url=url, **context)
    return shifted(document, {"requests.carried_out.total": 2} if "2022" in url else {})


def failed(session, version):
    return {(c.rule, c.scope): c for c in all_checks(session, version) if c.status == "fail"}


@pytest.fixture
def misread(engine):
    stored_report(engine)
    extract_archive(engine, limits=None, parser_version="1", extractor=misread_granted)
    return engine


def review(engine, version, rule_scope, decision, note="checked against the PDF"):
    with session_scope(engine) as session:
        check = failed(session, version)[rule_scope]
        return record_review(session, check, decision=decision, note=note, by="李明", now=NOW).review.id


APPLICANTS = ("requests.applicants", "granted")
OUTCOMES = ("requests.outcomes", "natural_person")


def test_reviews_survive_re_extraction_while_their_cells_read_the_same(misread):
    with session_scope(misread) as session:
        assert set(failed(session, "1")) == {APPLICANTS, OUTCOMES}
    review(misread, "1", APPLICANTS, "confirm", note="the report's own row does not add up")
    review(misread, "1", OUTCOMES, "dismiss")
    with session_scope(misread) as session:
        first = failed(session, "1")
        states = review_states(session, list(first.values()))
        assert {k: states[c.check_id].state for k, c in first.items()} == {APPLICANTS: "confirmed", OUTCOMES: "dismissed"}

    extract_archive(misread, limits=None, parser_version="2", extractor=misread_more)
    with session_scope(misread) as session:
        second = failed(session, "2")
        states = review_states(session, all_checks(session, "2"))
        by_ids = reviews_for(session, [c.check_id for c in second.values()], "2")
    assert set(second) == {APPLICANTS, OUTCOMES, ("requests.applicants", "partly_granted")}
    assert second[APPLICANTS].check_id != first[APPLICANTS].check_id  # new rows: matched by report, rule, cells
    applicants, outcomes = states[second[APPLICANTS].check_id], states[second[OUTCOMES].check_id]
    assert (applicants.applies, applicants.state, applicants.review.note) == (
        True, "confirmed", "the report's own row does not add up")
    assert (outcomes.applies, outcomes.state) == (False, "stale")  # partly_granted.natural_person reads 3 now
    assert second[("requests.applicants", "partly_granted")].check_id not in states
    assert {k: v.state for k, v in by_ids.items()} == {k: v.state for k, v in states.items()}


def test_only_failed_checks_are_reviewed_and_a_decision_is_confirm_or_dismiss(misread):
    with session_scope(misread) as session:
        passed = next(c for c in all_checks(session, "1") if c.status == "pass")
        with pytest.raises(CorrectionError, match="not failed"):
            record_review(session, passed, decision="confirm", note="x", by="a", now=NOW)
        check = failed(session, "1")[APPLICANTS]
        with pytest.raises(CorrectionError, match="confirm"):
            record_review(session, check, decision="accept", note="x", by="a", now=NOW)
        with pytest.raises(CorrectionError, match="note"):
            record_review(session, check, decision="confirm", note="", by="a", now=NOW)


def test_checks_hides_reviewed_failures_unless_asked(engine, archive_url, capsys):
    stored_report(engine)
    extract_archive(engine, limits=None, parser_version=PARSER_VERSION, extractor=misread_granted)
    db = ["--db", archive_url]

    assert main(["checks", *db]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 3  # two failures and the counts
    ids = {line.split("[check ")[1].split("]")[0]: line for line in listed[:-1]}
    applicants = next(i for i, line in ids.items() if "requests.applicants [granted]" in line)

    assert main(["review", applicants, "confirm", "--note", "the row does not add up", "--by", "李明", *db]) == 0
    assert "confirmed by 李明" in capsys.readouterr().out
    assert main(["checks", *db]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 3 and "requests.outcomes [natural_person]" in listed[0]
    assert listed[1] == "1 reviewed failures not listed: disclosure checks --reviewed"
    assert main(["checks", "--reviewed", *db]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert any(f"[check {applicants}] — confirmed by 李明" in line and "the row does not add up" in line for line in shown)

    assert main(["review", "999999", "dismiss", "--note", "x", *db]) == 2
    assert "no check 999999" in capsys.readouterr().err
    assert main(["checks", "--all", *db]) == 0
    passed = next(line for line in capsys.readouterr().out.splitlines() if " pass: " in line)
    passed_id = passed.split("[check ")[1].split("]")[0]
    assert main(["review", passed_id, "dismiss", "--note", "x", *db]) == 2
    assert "not failed" in capsys.readouterr().err


def test_a_carry_over_review_holds_while_both_reports_read_the_same(engine):
    stored_report(engine)
    stored_report(engine, url=URL.replace("report", "report-2022"), title="留车镇人民政府2022年政府信息公开工作年度报告")
    extract_archive(engine, limits=None, parser_version="1")
    with session_scope(engine) as session:
        refresh_archive_checks(session, "1")
    carry = [("requests.carry_over", "natural_person"), ("requests.carry_over", "total")]
    with session_scope(engine) as session:
        assert set(carry) <= set(failed(session, "1"))  # carried_in 2023 is 3, carried_out 2022 is 2
        assert all(failed(session, "1")[k].check_id.startswith("a") for k in carry)
    for key in carry:
        review(engine, "1", key, "confirm", note="the two reports disagree as published")

    extract_archive(engine, limits=None, parser_version="2", extractor=earlier_carried_out_misread)
    with session_scope(engine) as session:
        refresh_archive_checks(session, "2")
        second = failed(session, "2")
        states = review_states(session, list(second.values()))
    assert states[second[carry[0]].check_id].state == "confirmed"
    assert states[second[carry[1]].check_id].state == "stale"  # 2022 carried_out.total reads 4 now
