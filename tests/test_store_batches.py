"""A write batch's captures stored together (``store_captures``) leave the archive exactly as the
same captures stored one per transaction: documents, captures, payloads, recorded links and
what each store says happened (new document, new version, withdrawn, reinstated)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from crawler.archive_writer import ArchiveWriter
from storage.archive import store_capture, store_captures
from storage.db import in_transaction, open_archive
from storage.models import Blob, Capture, CaptureLinks, Document

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PATHS = [f"/{n}.html" for n in range(5)]

response = st.fixed_dictionaries({
    "path": st.sampled_from(PATHS),
    "status": st.sampled_from([200, 200, 200, 404, 410, 500]),
    "body": st.sampled_from([b"a", b"b", b"c" * 3000]),
    "hours": st.integers(0, 20),
    "portal": st.sampled_from([None, "p", "q"]),
    "parent": st.sampled_from([None, None, *PATHS]),
    "link_text": st.sampled_from([None, "", "t1", "t2"]),
    "role": st.sampled_from([None, "item", "list"]),
    "links": st.sampled_from([None, (), (("http://h/x", "x"),), (("http://h/y", None),)]),
})
batches = st.lists(st.lists(response, min_size=1, max_size=8), min_size=1, max_size=5)


def capture(host: str, drawn: dict) -> dict:
    url = host + drawn["path"]
    return {
        "url": url, "final_url": url, "status": drawn["status"], "headers": {"Content-Type": ["text/html"]},
        "body": drawn["body"], "fetched_at": T0 + timedelta(hours=drawn["hours"]), "portal": drawn["portal"],
        "parent_url": host + drawn["parent"] if drawn["parent"] else None, "link_text": drawn["link_text"],
        "role": drawn["role"], "links": drawn["links"],
    }


def contents(engine, host: str):
    """The archive's rows for ``host``'s URLs, named by URL and time rather than by id."""
    def read(session):
        urls = {d.id: d.url for d in session.scalars(select(Document).where(Document.url.startswith(host)))}
        documents = sorted((d.url, d.portal, urls.get(d.parent_document_id), d.link_text, d.first_seen_at, d.role,
                            d.withdrawn_at) for d in session.scalars(select(Document)) if d.id in urls)
        captures = [c for c in session.scalars(select(Capture)) if c.document_id in urls]
        by_id = {c.id: (urls[c.document_id], c.fetched_at) for c in captures}
        rows = sorted((urls[c.document_id], c.blob_sha256, c.status, c.fetched_at, c.last_seen_at, c.times_seen,
                       c.content_type, str(c.headers)) for c in captures)
        links = sorted((by_id[row.capture_id], row.sha256, str(row.links))
                       for row in session.scalars(select(CaptureLinks)) if row.capture_id in by_id)
        payloads = sorted({(c.blob_sha256, session.get(Blob, c.blob_sha256).size) for c in captures})
        return documents, rows, links, payloads
    return in_transaction(engine, read)


def said(engine, results) -> list[tuple]:
    def read(session):
        return [(session.get(Document, r.document_id).url, session.get(Capture, r.capture_id).fetched_at, r.sha256,
                 r.is_new_version, r.is_new_document, r.withdrawn, r.reinstated) for r in results]
    return in_transaction(engine, read)


def test_a_batch_stored_together_is_stored_as_one_at_a_time(tmp_path):
    together, alone = (open_archive(f"sqlite:///{tmp_path / name}.sqlite") for name in ("together", "alone"))
    examples = iter(range(10_000))

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(batches)
    def check(drawn_batches):
        host = f"http://h{next(examples)}"  # each example its own documents in the two archives
        stored_together, stored_alone = [], []
        for drawn in drawn_batches:
            batch = [capture(host, one) for one in drawn]
            stored_together += in_transaction(together, lambda session, batch=batch: store_captures(session, batch))
            for one in batch:
                stored_alone.append(in_transaction(alone, lambda session, one=one: store_capture(session, **one)))
        assert contents(together, host) == contents(alone, host)
        assert said(together, stored_together) == said(alone, stored_alone)

    try:
        check()
    finally:
        together.dispose()
        alone.dispose()


def test_the_writer_hands_a_group_its_queued_values_at_once_and_redoes_them_alone_when_it_fails(tmp_path):
    engine = open_archive(f"sqlite:///{tmp_path / 'archive.sqlite'}")
    calls: list[list[str]] = []

    def store(session, values):
        calls.append([value["url"] for value in values])
        if any(value["url"].endswith("/bad.html") for value in values):
            raise ValueError("cannot be stored")
        return store_captures(session, values)

    good = [capture("http://g", {**dict.fromkeys(("portal", "parent", "link_text", "role", "links")), "path": path,
                                 "status": 200, "body": path.encode(), "hours": 0}) for path in PATHS[:3]]
    bad = {**good[0], "url": "http://g/bad.html", "final_url": "http://g/bad.html"}
    outcomes: list = []
    writer = ArchiveWriter(engine, batch_size=10, batch_seconds=5, call_in_reactor=lambda function, *a: function(*a))
    for values in (good[0], good[1], bad, good[2]):
        writer.submit_grouped(store, values).addCallbacks(outcomes.append, outcomes.append)
    writer.close()
    engine.dispose()

    assert calls[0] == ["http://g/0.html", "http://g/1.html", "http://g/bad.html", "http://g/2.html"]
    assert sorted(calls[1:]) == sorted([[u] for u in calls[0]])  # then each alone, in its own transaction
    assert [o.is_new_document for o in outcomes if not hasattr(o, "check")] == [True, True, True]
    (failure,) = [o for o in outcomes if hasattr(o, "check")]
    assert failure.check(ValueError)
    assert outcomes.index(failure) == 2  # each value's outcome in its place
