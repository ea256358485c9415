"""`disclosure history URL`: a document's captures, withdrawals and changed cells, as text or JSON."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine

from storage.db import session_scope
from storage.history import CellChange, DocumentHistory, document_history

from .export import plain_decimal


class UnknownDocument(LookupError):
    pass


def load_history(engine: Engine, url: str, parser_version: str) -> DocumentHistory:
    with session_scope(engine) as session:
        try:
            return document_history(session, url, parser_version)
        except KeyError:
            raise UnknownDocument(
                f"the archive has no document {url} (give the URL as it was requested; "
                "see latest_captures_v for the archived URLs)"
            ) from None


def history_json(history: DocumentHistory) -> dict:
    return _plain(asdict(history))


def history_text(history: DocumentHistory) -> str:
    h = history
    lines = [f"{h.url}"]
    about = [f"{h.role or 'document'} of {h.portal or 'no portal'}", f"first seen {_time(h.first_seen_at)}"]
    lines.append("  " + ", ".join(about))
    if h.parent_url:
        lines.append(f"  linked from {h.parent_url}")
    if h.withdrawn_at:
        lines.append(f"  WITHDRAWN since {_time(h.withdrawn_at)}")
    lines.append(f"captures ({len(h.captures)}):")
    lines.append(f"  {'fetched':<20} {'last seen':<20} {'seen':>5} {'status':>6} {'bytes':>10}  sha256")
    for c in h.captures:
        lines.append(
            f"  {_time(c.fetched_at):<20} {_time(c.last_seen_at):<20} {c.times_seen:>5} {c.status:>6} "
            f"{c.size:>10}  {c.sha256}"
        )
    if h.withdrawals:
        lines.append("withdrawals:")
        for w in h.withdrawals:
            until = f"answered again {_time(w.until)}" if w.until else "still withdrawn"
            lines.append(f"  from {_time(w.since)} ({w.status}), {until}")
    if h.failures:
        lines.append("requests without an answer:")
        lines.extend(f"  {_time(f.failed_at)}  {f.reason}" for f in h.failures)
    if h.readings:
        lines.append(f"readings as an annual report (parser {h.parser_version}): {h.readings}")
        for change in h.changes:
            lines.append(
                f"  capture {change.from_capture} -> {change.to_capture} ({_time(change.fetched_at)}): "
                + (f"{len(change.cells)} cells changed" if change.cells else "no cell changed")
            )
            lines.extend(f"    {_cell_line(cell)}" for cell in change.cells)
    if h.attachments:
        lines.append("attachments (see their own history):")
        lines.extend(f"  {url}" for url in h.attachments)
    return "\n".join(lines)


def _cell_line(cell: CellChange) -> str:
    old = _value(cell.old) if cell.old_given else "(no cell)"
    new = _value(cell.new) if cell.new_given else "(no cell)"
    return f"{cell.table}.{cell.row}.{cell.column}: {old} -> {new}"


def _value(value: Decimal | None) -> str:
    return "not given" if value is None else plain_decimal(value)


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return value
