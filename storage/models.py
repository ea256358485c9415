"""The archive's tables. Every change here needs a migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "pk": "pk_%(table_name)s",
    "fk": "fk_%(table_name)s__%(column_0_N_name)s__%(referred_table_name)s",
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s__%(column_0_N_name)s",
    "ck": "ck_%(table_name)s__%(constraint_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC, returns aware UTC datetimes on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware datetime (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal kept as its exact text: "-3", "12.3456" and "0" come back as written.

    SQLite has no exact numeric type, so text is the one portable choice; the
    researcher views cast it to NUMERIC.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"expected Decimal, got {type(value).__name__}: {value!r}")
        if not value.is_finite():
            raise ValueError(f"cannot store non-finite number {value}")
        return str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)

    @property
    def python_type(self) -> type:
        return Decimal


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), Decimal: ExactDecimal(), dict[str, Any]: JSON()}


class Blob(Base):
    """One distinct payload: where its bytes lie in the archive's WARC files (``storage/warc.py``)."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    # The response record holding it: file name in the WARC folder, gzip member offset and length.
    warc_file: Mapped[str] = mapped_column(String(255))
    warc_offset: Mapped[int] = mapped_column(BigInteger)
    warc_length: Mapped[int] = mapped_column(BigInteger)


class Document(Base):
    """One requested URL: a page, or an attachment linked from a page."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    portal: Mapped[str | None] = mapped_column(String(200))
    parent_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    link_text: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime]
    # How the crawler reached it: "list" | "item" | "attachment"; the next run asks again the same way.
    role: Mapped[str | None] = mapped_column(String(16))
    # When it first answered 404/410 after having been published; NULL while it answers.
    withdrawn_at: Mapped[datetime | None] = mapped_column(index=True)

    parent: Mapped[Document | None] = relationship(remote_side=[id], lazy="raise")
    captures: Mapped[list[Capture]] = relationship(back_populates="document", lazy="raise")


class FetchFailure(Base):
    """A request that got no HTTP answer (DNS, refused, timeout, over-size): retried next run."""

    __tablename__ = "fetch_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(index=True)


class Capture(Base):
    """One distinct observed version of a document: what it was, and from when to when."""

    __tablename__ = "captures"
    # A document's captures in time order: its newest version, its editions.
    __table_args__ = (Index("ix_captures_document_fetched", "document_id", "fetched_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, Any]]
    content_type: Mapped[str | None] = mapped_column(String(200))
    spider: Mapped[str | None] = mapped_column(String(100))
    fetched_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    times_seen: Mapped[int] = mapped_column(Integer, default=1)

    document: Mapped[Document] = relationship(back_populates="captures", lazy="raise")
    blob: Mapped[Blob] = relationship(lazy="raise")
    extractions: Mapped[list[Extraction]] = relationship(back_populates="capture", lazy="raise")


class CaptureLinks(Base):
    """What the crawler read from a page's capture, recorded when it read the page: an item
    page's links it followed, a list page's items and further list requests. A re-crawl that
    finds the page unchanged goes on from them without reading it."""

    __tablename__ = "capture_links"

    capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id", ondelete="CASCADE"), primary_key=True)
    # The capture's bytes the links were read from: a row left behind by a deleted capture
    # whose id came back for other bytes does not count.
    sha256: Mapped[str] = mapped_column(String(64))
    # An item page: [[url, link text], ...], empty when no file followed (not a report).
    # A list page: rows of its reading, as ``crawler.platforms.recorded_reading`` writes them.
    links: Mapped[list[Any]] = mapped_column(JSON)


class Extraction(Base):
    """What one parser version read from one capture, or why it could not."""

    __tablename__ = "extractions"
    __table_args__ = (
        UniqueConstraint("capture_id", "parser_version"),
        CheckConstraint("status IN ('ok', 'failed')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    capture_id: Mapped[int] = mapped_column(ForeignKey("captures.id", ondelete="CASCADE"))
    parser_version: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    is_annual_report: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    template: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    published: Mapped[str | None] = mapped_column(String(32))
    # Published key/value pairs in page order, as [[key, value], ...].
    metadata_: Mapped[list[Any] | None] = mapped_column("metadata", JSON)
    warnings: Mapped[list[Any] | None] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)
    extracted_at: Mapped[datetime]

    capture: Mapped[Capture] = relationship(back_populates="extractions", lazy="raise")
    values: Mapped[list[ExtractedValue]] = relationship(
        back_populates="extraction",
        lazy="raise",
        passive_deletes=True,
        order_by="ExtractedValue.id",
    )
    checks: Mapped[list[CheckResult]] = relationship(
        back_populates="extraction", lazy="raise", passive_deletes=True, order_by="CheckResult.id"
    )


class ExtractedValue(Base):
    """One table cell under its canonical key; ``value`` NULL means the report gave no number."""

    __tablename__ = "extracted_values"
    # One cell of one reading, as the views pick them (report_requests_v).
    __table_args__ = (Index("ix_extracted_values_cell", "extraction_id", "table_name", "row_key", "column_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No index of its own: ix_extracted_values_cell leads with it (one index, not two, per cell).
    extraction_id: Mapped[int] = mapped_column(ForeignKey("extractions.id", ondelete="CASCADE"))
    table_name: Mapped[str] = mapped_column(String(32))
    row_key: Mapped[str] = mapped_column(String(64))
    column_key: Mapped[str] = mapped_column(String(64))
    value: Mapped[Decimal | None]
    raw: Mapped[str | None] = mapped_column(Text)
    # How the number was read: "published" (the document's text) or "ocr" (an image).
    value_source: Mapped[str] = mapped_column(String(16), default="published", server_default="published")
    confidence: Mapped[float | None] = mapped_column(Float)
    unit: Mapped[str | None] = mapped_column(String(16))

    extraction: Mapped[Extraction] = relationship(back_populates="values", lazy="raise")


class CheckResult(Base):
    """One consistency rule applied to one line of a report's tables."""

    __tablename__ = "check_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    extraction_id: Mapped[int] = mapped_column(
        ForeignKey("extractions.id", ondelete="CASCADE"), index=True
    )
    rule: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    cells: Mapped[list[Any] | None] = mapped_column(JSON)
    difference: Mapped[Decimal | None]

    extraction: Mapped[Extraction] = relationship(back_populates="checks", lazy="raise")


BODY_KINDS = ("county_government", "department", "township", "street_office", "other")
REPORT_STATUSES = ("current", "withdrawn", "superseded")


class Body(Base):
    """A publishing body: one per organisation, however its name is written or renamed."""

    __tablename__ = "bodies"
    __table_args__ = (CheckConstraint("kind IN ('" + "', '".join(BODY_KINDS) + "')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)  # as printed, the latest reading
    normalized_name: Mapped[str] = mapped_column(Text, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    parent_body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="SET NULL"), index=True)
    region: Mapped[str | None] = mapped_column(Text)  # the portal registry's region, as written
    region_code: Mapped[str | None] = mapped_column(String(12))  # 行政区划代码 when the region gives one
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)  # 统一社会信用代码
    organization_code: Mapped[str | None] = mapped_column(String(9), index=True)  # 组织机构代码
    site_code: Mapped[str | None] = mapped_column(String(64))  # the portal's own code for the body
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class BodyAlias(Base):
    """A way a body's name was printed (a renamed body keeps its old names here)."""

    __tablename__ = "body_aliases"
    __table_args__ = (UniqueConstraint("body_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(Text)
    normalized_name: Mapped[str] = mapped_column(Text, index=True)
    first_seen_at: Mapped[datetime]


class Report(Base):
    """One annual report of one body for one year, however many documents carry it.

    Its id is stable: re-extraction, new captures and new parser versions update the row.
    """

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint("status IN ('" + "', '".join(REPORT_STATUSES) + "')", name="status"),
        # A body's report for a year (coverage_v, show --body --year).
        Index("ix_reports_body_year", "body_id", "year", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("bodies.id", ondelete="SET NULL"), index=True)
    year: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16))
    # The current reading: the capture, extraction and parser version behind the numbers.
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    extraction_id: Mapped[int | None] = mapped_column(ForeignKey("extractions.id", ondelete="SET NULL"))
    parser_version: Mapped[str | None] = mapped_column(String(32))
    template: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    numbers_sha256: Mapped[str | None] = mapped_column(String(64))  # of the current cells; same numbers, same report
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ReportSource(Base):
    """A document that carries a report: its page, an attachment, or a republication elsewhere."""

    __tablename__ = "report_sources"
    __table_args__ = (CheckConstraint("role IN ('page', 'attachment')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    portal: Mapped[str | None] = mapped_column(String(200))
    is_current: Mapped[bool] = mapped_column(default=False)  # its reading gives the report's numbers
    first_seen_at: Mapped[datetime]


class Correction(Base):
    """A researcher's correction of one cell of a report; kept whatever later parser versions read.

    A report merged into another (found to be one publication) leaves ``report_id`` NULL; the
    page document then finds the report that carries it now.
    """

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    table_name: Mapped[str] = mapped_column(String(32))
    row_key: Mapped[str] = mapped_column(String(64))
    column_key: Mapped[str] = mapped_column(String(64))
    value: Mapped[Decimal | None]  # the corrected value; NULL: the report gives no number
    read_value: Mapped[Decimal | None]  # what the reading gave when the correction was made
    read_parser_version: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    corrected_by: Mapped[str] = mapped_column(String(200))
    corrected_at: Mapped[datetime]


class CheckReview(Base):
    """A failed check judged: a published error (confirmed) or a misreading (dismissed).

    Matched to later checks by report, rule, scope and the values of the cells, never by
    check row id (re-extraction makes new rows).
    """

    __tablename__ = "check_reviews"
    __table_args__ = (CheckConstraint("decision IN ('confirmed', 'dismissed')", name="decision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # as in corrections: NULL once the report is merged into another; the page document finds it
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"), index=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    rule: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(64))
    # [[cell name, value as text or null], ...] as the check read them
    cells: Mapped[list[Any]] = mapped_column(JSON)
    decision: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    reviewed_by: Mapped[str] = mapped_column(String(200))
    reviewed_at: Mapped[datetime]
    check_ref: Mapped[str] = mapped_column(String(32))  # the check id as printed then
    parser_version: Mapped[str] = mapped_column(String(32))


class ArchiveCheck(Base):
    """One rule applied across reports (spec rule 5): a year's report against the previous year's.

    Recomputed as a whole for a parser version from that version's current report values.
    """

    __tablename__ = "archive_checks"
    __table_args__ = (CheckConstraint("status IN ('pass', 'fail', 'not_assessable')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parser_version: Mapped[str] = mapped_column(String(32), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    body_id: Mapped[int] = mapped_column(ForeignKey("bodies.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    source_url: Mapped[str] = mapped_column(Text)
    previous_report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    previous_source_url: Mapped[str] = mapped_column(Text)
    cells: Mapped[list[Any] | None] = mapped_column(JSON)
    difference: Mapped[Decimal | None]
    checked_at: Mapped[datetime]


class CrawlRun(Base):
    """One crawl of some portal columns, then extraction and the cross-report checks.

    A run still ``running`` whose process is gone (or whose heartbeat stopped) is marked
    ``interrupted`` by the next run that looks.
    """

    __tablename__ = "crawl_runs"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'finished', 'failed', 'interrupted')", name="status"),
        CheckConstraint("trigger IN ('cli', 'schedule')", name="trigger"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    # The extraction that followed the crawl: {"parser_version", "captures", "reports", ...}
    extraction: Mapped[dict[str, Any] | None]

    portals: Mapped[list[CrawlRunPortal]] = relationship(
        back_populates="run", lazy="raise", passive_deletes=True, order_by="CrawlRunPortal.id"
    )


class CrawlRunPortal(Base):
    """What one run did on one portal, and why each of its columns ended."""

    __tablename__ = "crawl_run_portals"
    __table_args__ = (UniqueConstraint("run_id", "portal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id", ondelete="CASCADE"), index=True)
    portal: Mapped[str] = mapped_column(String(200), index=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    not_modified: Mapped[int] = mapped_column(Integer, default=0)  # 304: seen unchanged
    responses: Mapped[int] = mapped_column(Integer, default=0)  # responses archived
    new_documents: Mapped[int] = mapped_column(Integer, default=0)
    changed_documents: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn_documents: Mapped[int] = mapped_column(Integer, default=0)
    new_reports: Mapped[int] = mapped_column(Integer, default=0)
    http_errors: Mapped[int] = mapped_column(Integer, default=0)
    failed_fetches: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    bytes_received: Mapped[int] = mapped_column(BigInteger, default=0)  # response bodies, as sent
    # One entry per column: {"column_url", "ended", "detail", "list_pages", "items_listed", ...}
    outcomes: Mapped[list[Any] | None] = mapped_column(JSON)
    # What looked wrong after the run: [{"problem": "block page", "detail": "..."}]
    health: Mapped[list[Any] | None] = mapped_column(JSON)

    run: Mapped[CrawlRun] = relationship(back_populates="portals", lazy="raise")


class RunLock(Base):
    """A named lock held by one process at a time; expired or held by a dead process, it is taken over."""

    __tablename__ = "run_locks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder_host: Mapped[str] = mapped_column(String(255))
    holder_pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]
