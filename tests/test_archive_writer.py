"""The crawl's archive writer: captures written off the reactor thread, several per transaction,
each one whole or not at all."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.archive_writer import ArchiveWriter
from storage.archive import store_capture
from storage.models import Capture, Document

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def capture_work(number: int):
    def work(session: Session):
        return store_capture(
            session, url=f"http://127.0.0.1/item_{number}.html", final_url=f"http://127.0.0.1/item_{number}.html",
            status=200, headers={"Content-Type": "text/html"}, body=f"<p>report {number}</p>".encode(),
            fetched_at=T0, portal="changhe", role="item",
        )

    return work


def settled(done) -> list:
    outcome: list = []
    done.addCallbacks(outcome.append, outcome.append)
    return outcome


def run_now(function, *args):
    function(*args)


def test_captures_queued_together_share_transactions_and_each_is_stored_once(engine):
    writer = ArchiveWriter(engine, batch_size=5, batch_seconds=5, call_in_reactor=run_now)
    outcomes = [settled(writer.submit(capture_work(number))) for number in range(12)]
    writer.submit(capture_work(3))  # the same response again: seen again, not stored twice
    writer.close()  # waits for every write: nothing is left queued

    assert writer.batches == 3  # 5 + 5 + 3, the last one flushed by close
    assert all(len(outcome) == 1 for outcome in outcomes)
    assert all(outcome[0].is_new_document for outcome in outcomes)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Document)) == 12
        assert session.scalar(select(func.count()).select_from(Capture)) == 12


def test_a_failing_write_fails_alone_and_the_rest_of_its_batch_is_kept(engine):
    def broken(session: Session):
        raise ValueError("this capture cannot be stored")

    writer = ArchiveWriter(engine, batch_size=10, batch_seconds=5, call_in_reactor=run_now)
    before = settled(writer.submit(capture_work(1)))
    failed = settled(writer.submit(broken))
    after = settled(writer.submit(capture_work(2)))
    writer.close()

    assert before[0].is_new_version and after[0].is_new_version
    assert failed[0].check(ValueError) and "cannot be stored" in failed[0].getErrorMessage()
    with Session(engine) as session:
        urls = set(session.scalars(select(Document.url)))
    assert urls == {"http://127.0.0.1/item_1.html", "http://127.0.0.1/item_2.html"}


def test_a_closed_writer_takes_no_more_work(engine):
    writer = ArchiveWriter(engine, call_in_reactor=run_now)
    writer.close()
    try:
        writer.submit(capture_work(1))
    except RuntimeError as error:
        assert "closed" in str(error)
    else:
        raise AssertionError("a closed writer accepted work")
