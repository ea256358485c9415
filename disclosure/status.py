"""Portal health after a run, late reports, recent fetch failures: what `disclosure status` shows.

A portal is flagged when something looks broken: its column gave reports before and
none now, it answers with a stand-in page (block page, maintenance page, soft 404), or
its lists no longer parse. A body whose report for year Y is still missing after
31 March of Y+1 is *late*, which says nothing about the portal. The date comes in as
``today``, so the verdicts are reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from crawler.columns import LIST_UNREADABLE
from extract.pagekind import CHALLENGE_MAX_BYTES, page_kind
from storage.frontier import recent_fetch_failures
from storage.health import pages_fetched_since, report_years, reports_seen
from storage.runs import latest_portal_runs

record = dataclass(frozen=True, slots=True, kw_only=True)

SHOWN_FAILURES = 20
# Reports of year Y are due by this day of year Y+1 (国务院办公厅: by 31 March).
DUE_MONTH, DUE_DAY = 3, 31


def portal_health(
    session: Session,
    portal: str,
    *,
    since: datetime,
    start_urls: Sequence[str],
    outcomes: Sequence[dict],
    parser_version: str,
    revalidate_days: float = 0,
) -> list[dict]:
    """What looks wrong with ``portal`` after the run that began at ``since``: [{problem, detail}].

    A report seen within the portal's ``revalidate_days`` before the run was not asked for
    again (it is fresh), so it still counts as reached.
    """
    problems = []
    for outcome in outcomes:
        if outcome.get("ended") == LIST_UNREADABLE:
            detail = outcome.get("detail") or "no list page could be read"
            problems.append({"problem": "lists unreadable", "detail": f"{outcome.get('column_url')}: {detail}"})
    stand_ins: dict[str, list[str]] = {}
    pages = pages_fetched_since(session, portal, since, max_bytes=CHALLENGE_MAX_BYTES, urls=start_urls)
    for page in pages:
        verdict = page_kind(page.content, page.content_type, page.status)
        if verdict.is_stand_in:
            stand_ins.setdefault(verdict.kind, []).append(f"{page.url} ({verdict.reason})")
    for kind, where in stand_ins.items():
        more = f" and {len(where) - 1} more" if len(where) > 1 else ""
        problems.append({"problem": kind, "detail": f"{where[0]}{more}"})
    seen = reports_seen(session, portal, since - timedelta(days=revalidate_days), parser_version)
    if seen.before and not seen.now:
        problems.append(
            {"problem": "no reports", "detail": f"{seen.before} reports reached before, none in this run"}
        )
    return problems


@record
class LateReport:
    body: str
    year: int
    due: date


def late_reports(session: Session, *, today: date, parser_version: str) -> list[LateReport]:
    """Per body, each year since its first report in the archive whose report is past due and missing."""
    late = []
    for body, years in sorted(report_years(session, parser_version).items()):
        last_due = today.year - 1 if today > date(today.year, DUE_MONTH, DUE_DAY) else today.year - 2
        for year in range(min(years), last_due + 1):
            if year not in years:
                late.append(LateReport(body=body, year=year, due=date(year + 1, DUE_MONTH, DUE_DAY)))
    return late


@record
class PortalStatus:
    portal: str
    run_id: int
    problems: tuple[dict, ...]
    outcomes: tuple[dict, ...]


@record
class Status:
    today: date
    portals: tuple[PortalStatus, ...]
    late: tuple[LateReport, ...]
    fetch_failures: tuple[dict, ...]  # requests whose latest try got no answer, newest first


def archive_status(session: Session, *, today: date, parser_version: str) -> Status:
    portals = tuple(
        PortalStatus(portal=name, run_id=run_id, problems=run.health, outcomes=run.outcomes)
        for name, (run_id, run) in sorted(latest_portal_runs(session).items())
    )
    return Status(
        today=today,
        portals=portals,
        late=tuple(late_reports(session, today=today, parser_version=parser_version)),
        fetch_failures=_fetch_failures(session),
    )


def _fetch_failures(session: Session) -> tuple[dict, ...]:
    return tuple(
        {
            "url": row.url,
            "portal": row.portal,
            "role": row.role,
            "reason": row.reason,
            "failed_at": row.failed_at.isoformat(),
            "failures": row.failures,
        }
        for row in recent_fetch_failures(session)
    )


def status_lines(status: Status) -> list[str]:
    lines = []
    broken = [p for p in status.portals if p.problems]
    lines.append(f"portals: {len(status.portals)} crawled, {len(broken)} flagged")
    for portal in status.portals:
        if not portal.problems:
            lines.append(f"  ok      {portal.portal} (run {portal.run_id})")
        for problem in portal.problems:
            lines.append(f"  FLAGGED {portal.portal} (run {portal.run_id}): {problem['problem']}: {problem['detail']}")
    lines.append(f"late reports (due by 31 March of the next year, as of {status.today.isoformat()}): {len(status.late)}")
    for late in status.late:
        lines.append(f"  {late.body} {late.year}: due {late.due.isoformat()}")
    lines.append(f"fetch failures (documents whose latest request got no answer): {len(status.fetch_failures)}")
    for failure in status.fetch_failures[:SHOWN_FAILURES]:
        lines.append(
            f"  {failure['url']} ({failure['portal']}): {failure['reason']}; "
            f"{failure['failures']} since it last answered, last {failure['failed_at']}"
        )
    if len(status.fetch_failures) > SHOWN_FAILURES:
        lines.append(f"  … and {len(status.fetch_failures) - SHOWN_FAILURES} more (disclosure status --json)")
    return lines


def status_json(status: Status) -> dict:
    return {
        "today": status.today.isoformat(),
        "portals": [
            {"portal": p.portal, "run_id": p.run_id, "ok": not p.problems, "problems": list(p.problems),
             "outcomes": list(p.outcomes)}
            for p in status.portals
        ],
        "late": [{"body": l.body, "year": l.year, "due": l.due.isoformat()} for l in status.late],
        "fetch_failures": list(status.fetch_failures),
    }
