"""From a stored capture's bytes to one ``Document``: the single entry point of extraction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .checks import check_prose, check_values
from .classify import classify
from .decode import decode
from .errors import ExtractionError
from .html import read_page
from .identity import identify, title_from_text
from .limits import DEFAULT_LIMITS, Limits, check_input, check_page_chars, check_zip_members
from .office import docx_text, pdf_text
from .records import Document, Link, Tables
from .sniff import sniff_format
from .tables import tables_from_docx, tables_from_html_element, tables_from_pdf, tables_from_text

if TYPE_CHECKING:
    from .sheets import Sheet

_UNSUPPORTED = {
    "ofd": "OFD documents are not supported yet",
    "zip": "ZIP archives are not read; extract the files inside first",
    "unknown": "unrecognised content: neither HTML, text, PDF, an office file nor an image",
}
_IMAGE_ONLY = "image only: the picture cannot be read, so no numbers were read"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Reading:
    """What one format reader found, before identity and classification."""

    title: str | None = None
    text: str = ""
    metadata: tuple[tuple[str, str], ...] = ()
    published: str | None = None
    attachments: tuple[Link, ...] = ()
    tables: Tables = Tables(template=None)
    warnings: tuple[str, ...] = ()


def extract_document(content: bytes, *, url: str | None = None, content_type: str | None = None,
                     fetched_at: datetime | None = None, limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read one capture. Same bytes and arguments always give the same Document.

    Raises ``ExtractionError`` when the content cannot be read at all, ``LimitExceeded``
    (one of them) when it is over one of ``limits``.
    """
    if not content:
        raise ExtractionError("the content is empty")
    sha256 = hashlib.sha256(content).hexdigest()
    kind = sniff_format(content, content_type=content_type, url=url)
    if kind in _UNSUPPORTED:
        raise ExtractionError(_UNSUPPORTED[kind])
    check_input(content, kind, limits)
    try:
        reading = _READERS[kind](content, url=url, content_type=content_type, fetched_at=fetched_at, limits=limits)
    except RecursionError:
        raise ExtractionError("the document nests its elements too deeply to be read") from None
    return _document(reading, sha256=sha256, url=url, kind=kind)


def _document(reading: _Reading, *, sha256: str, url: str | None, kind: str) -> Document:
    tables = reading.tables
    identity = identify(reading.title, reading.text, reading.metadata)
    is_report, reason = classify(identity.title or reading.title, reading.text, _has_template_tables(tables))
    checks = check_values(tables.template, tables.values, fitted=tables.fitted) if tables.template else ()
    checks = (*checks, *check_prose(reading.text, tables.values))
    return Document(
        sha256=sha256,
        url=url,
        format=kind,
        title=identity.title or reading.title,
        text=reading.text,
        metadata=reading.metadata,
        published=reading.published,
        attachments=reading.attachments,
        is_annual_report=is_report,
        reason=reason,
        identity=identity,
        template=tables.template,
        values=tables.values,
        checks=tuple(checks),
        warnings=(*reading.warnings, *tables.warnings),
    )


def _has_template_tables(tables: Tables) -> bool:
    """Numbers in the requests or appeals table, or several elsewhere: one stray row is not the template."""
    numbers = [value for value in tables.values if value.value is not None]
    return any(value.table in ("requests", "appeals") for value in numbers) or len(numbers) >= 5


def _read_html(content: bytes, *, url: str | None, content_type: str | None,
               fetched_at: datetime | None, limits: Limits = DEFAULT_LIMITS) -> _Reading:
    decoded = decode(content, content_type)
    check_page_chars(decoded.text, limits)
    page = read_page(decoded.text, url=url, fetched_at=fetched_at)
    tables, table_warnings = _tables(tables_from_html_element, page.body)
    warnings = [*decoded.warnings, *page.warnings, *table_warnings]
    if page.body_has_images and all(value.value is None for value in tables.values):
        warnings.append("no tables in the body but images: the tables may be published as images")
    return _Reading(title=page.title or title_from_text(page.text), text=page.text, metadata=page.metadata,
                    published=page.published, attachments=page.attachments, tables=tables,
                    warnings=tuple(warnings))


def _read_text(content: bytes, *, url: str | None, content_type: str | None,
               fetched_at: datetime | None, limits: Limits = DEFAULT_LIMITS) -> _Reading:
    decoded = decode(content, content_type)
    check_page_chars(decoded.text, limits)
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    tables, table_warnings = _tables(tables_from_text, text)
    return _Reading(title=title_from_text(text), text=text, tables=tables,
                    warnings=(*decoded.warnings, *table_warnings))


def _read_docx(content: bytes, *, url: str | None, content_type: str | None,
               fetched_at: datetime | None, limits: Limits = DEFAULT_LIMITS) -> _Reading:
    text = docx_text(content)
    tables, table_warnings = _tables(tables_from_docx, content)
    return _Reading(title=title_from_text(text), text=text, tables=tables, warnings=table_warnings)


def _read_pdf(content: bytes, *, url: str | None, content_type: str | None,
              fetched_at: datetime | None, limits: Limits = DEFAULT_LIMITS) -> _Reading:
    text, pages = pdf_text(content)
    if not text.strip():
        from .ocr import pdf_page_images

        images, total = pdf_page_images(content)
        return _scan_reading(images, total, f"image only: the PDF's {pages} page(s) have no text layer (scanned?)")
    tables, table_warnings = _tables(tables_from_pdf, content)
    return _Reading(title=title_from_text(text), text=text, tables=tables, warnings=table_warnings)


def _read_image(content: bytes, *, url: str | None, content_type: str | None,
                fetched_at: datetime | None, limits: Limits = DEFAULT_LIMITS) -> _Reading:
    from .ocr import image_file_pages

    try:
        images, total = image_file_pages(content)
    except ExtractionError as error:
        return _Reading(warnings=(f"{_IMAGE_ONLY}: {error}",))
    return _scan_reading(images, total, "image only: a picture of the report")


def _scan_reading(images: list, total: int, what: str) -> _Reading:
    """A scanned PDF's or an image file's pages read by OCR; every number carries its confidence."""
    from .scan import read_scan

    try:
        scan = read_scan(images, total_pages=total)
    # the OCR engine or the image code tripping over one odd picture must not stop the run
    except Exception as error:  # noqa: BLE001
        return _Reading(warnings=(f"{what}; OCR failed ({type(error).__name__}: {error}), so no numbers were read",))
    if not any(value.value is not None for value in scan.tables.values) and not scan.text.strip():
        return _Reading(warnings=(f"{what}; OCR found no text, so no numbers were read", *scan.warnings))
    return _Reading(title=title_from_text(scan.text), text=scan.text, tables=scan.tables,
                    warnings=(f"{what}; read by OCR", *scan.warnings))


def _read_converted(kind: str) -> Callable[..., _Reading]:
    """A reader for a format LibreOffice turns into DOCX (.doc, .wps, .rtf)."""

    def read(content: bytes, **context: Any) -> _Reading:
        from .convert import to_docx

        converted = to_docx(content, kind=kind)
        check_zip_members(converted, context.get("limits", DEFAULT_LIMITS))
        return _read_docx(converted, **context)

    return read


def _read_xlsx(content: bytes, *, url: str | None, content_type: str | None,
               fetched_at: datetime | None, limits: Limits = DEFAULT_LIMITS) -> _Reading:
    from .sheets import read_xlsx

    return _sheets_reading(read_xlsx(content))


def _read_xls(content: bytes, *, url: str | None, content_type: str | None,
              fetched_at: datetime | None, limits: Limits = DEFAULT_LIMITS) -> _Reading:
    from .convert import soffice_path, to_xlsx
    from .sheets import read_xls, read_xlsx

    try:
        return _sheets_reading(read_xls(content))
    except ExtractionError:
        # xlrd reads BIFF only; LibreOffice also opens WPS (.et) and other workbooks it cannot.
        # Anything else LibreOffice would open as an empty sheet rather than refuse.
        if soffice_path() is None or not _has_workbook_stream(content):
            raise
    return _sheets_reading(read_xlsx(to_xlsx(content)))


def _has_workbook_stream(content: bytes) -> bool:
    # OLE directory entry names are UTF-16LE
    return any(name.encode("utf-16-le") + b"\x00\x00" in content for name in ("Workbook", "Book"))


def _sheets_reading(sheets: tuple[Sheet, ...]) -> _Reading:
    from .sheets import sheets_text
    from .tables.sheet import tables_from_sheets

    text = sheets_text(sheets)
    tables, table_warnings = _tables(tables_from_sheets, sheets)
    return _Reading(title=title_from_text(text), text=text, tables=tables, warnings=table_warnings)


_READERS = {
    "html": _read_html, "text": _read_text, "docx": _read_docx, "pdf": _read_pdf,
    "doc": _read_converted("doc"), "wps": _read_converted("wps"), "rtf": _read_converted("rtf"),
    "xlsx": _read_xlsx, "xls": _read_xls, "image": _read_image,
}


def _tables(reader: Callable[[Any], Tables], source: Any) -> tuple[Tables, tuple[str, ...]]:
    try:
        return reader(source), ()
    except ExtractionError:
        raise
    # a table reader tripping over one odd document must not lose the rest of the record
    except Exception as error:  # noqa: BLE001
        return Tables(template=None), (f"table reader failed: {type(error).__name__}: {error}",)
