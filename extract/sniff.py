"""Decide a capture's format from its first bytes, then its content type, then its URL."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

FORMATS = ("html", "text", "pdf", "docx", "doc", "wps", "rtf", "xls", "xlsx", "ofd", "zip", "image")

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")
_MARKUP = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|div|table|p|script|link)\b",
    re.IGNORECASE | re.DOTALL,
)
_TAG_SOUP = re.compile(rb"<(?:html|body|div|table|p|br)\b[^>]*>", re.IGNORECASE)

_BY_CONTENT_TYPE = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "text/plain": "text",
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/msword": "doc",
    "application/vnd.ms-works": "wps",
    "application/kswps": "wps",
    "application/wps-office.wps": "wps",
    "application/wps-office.doc": "doc",
    "application/rtf": "rtf",
    "text/rtf": "rtf",
    "application/vnd.ms-excel": "xls",
    "application/wps-office.et": "xls",
    "application/wps-office.xls": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/ofd": "ofd",
    "application/zip": "zip",
}
_BY_SUFFIX = {
    ".html": "html", ".htm": "html", ".shtml": "html", ".jsp": "html", ".txt": "text",
    ".pdf": "pdf", ".docx": "docx", ".doc": "doc", ".wps": "wps", ".rtf": "rtf", ".xls": "xls",
    ".xlsx": "xlsx", ".et": "xls", ".ofd": "ofd", ".zip": "zip",
    ".png": "image", ".jpg": "image", ".jpeg": "image", ".gif": "image", ".bmp": "image",
    ".tif": "image", ".tiff": "image", ".webp": "image",
}


def sniff_format(content: bytes, *, content_type: str | None = None, url: str | None = None) -> str:
    """One of ``FORMATS``. Magic bytes win over the declared type, which wins over the URL."""
    declared = _from_content_type(content_type) or _from_url(url)
    head = content[:2048].lstrip(b"\xef\xbb\xbf")
    if b"%PDF-" in content[:1024]:
        return "pdf"
    if head.startswith(_OLE):
        return _ole_kind(content, declared)
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(content, declared)
    # portals often serve Word's RTF under a .doc name
    if head.startswith(b"{\\rtf"):
        return "rtf"
    if _is_image(head):
        return "image"
    if declared == "image":
        return "image"
    if _MARKUP.match(head) or _TAG_SOUP.search(head):
        return "html"
    if declared in ("html", "text"):
        return declared
    if b"\x00" not in head:
        return "text"
    return declared or "unknown"


def _from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    mime = content_type.split(";")[0].strip().lower()
    if mime.startswith("image/"):
        return "image"
    return _BY_CONTENT_TYPE.get(mime)


def _from_url(url: str | None) -> str | None:
    if not url:
        return None
    path = urlsplit(url).path.lower()
    for suffix, kind in _BY_SUFFIX.items():
        if path.endswith(suffix):
            return kind
    return None


def _is_image(head: bytes) -> bool:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    # "BM" alone is too short a signature to trust for anything that is not binary
    return any(head.startswith(magic) for magic in _IMAGE_MAGIC if magic != b"BM") or (
        head.startswith(b"BM") and b"\x00" in head[:64]
    )


def _ole_kind(content: bytes, declared: str | None) -> str:
    if declared in ("doc", "wps", "xls"):
        return declared
    # OLE directory entry names are UTF-16LE
    if "WordDocument".encode("utf-16-le") in content:
        return "doc"
    if "Workbook".encode("utf-16-le") in content:
        return "xls"
    return "doc"


def _zip_kind(content: bytes, declared: str | None) -> str:
    # local file headers carry member names, so a truncated archive still shows them
    if b"word/" in content:
        return "docx"
    if b"xl/" in content:
        return "xlsx"
    if declared in ("docx", "xlsx", "ofd"):
        return declared
    if b"OFD.xml" in content:
        return "ofd"
    return "zip"
