"""The readers' libraries, loaded and warmed, for processes forked to read captures.

Importing this module loads the readers of HTML, PDF, DOCX and text with their libraries
(lxml, trafilatura, pypdfium2, pdfplumber, python-docx) and fills trafilatura's justext stoplists,
which it otherwise builds on the first page that falls back to justext. A process forked
afterwards reads its first capture as fast as its hundredth: ``disclosure.workers`` has its
fork server import this module once, and every worker is a fork of that server.

Only what survives a fork is done here: modules and plain Python data. A worker's data
memory (``memory_bytes``) starts with what is loaded here, ~90 MiB with the command's own
modules, about what a worker that loads the readers itself holds after its first pages. Left
to the first capture that needs them: the OCR engine (onnxruntime's thread pool does not
survive a fork; OpenCV alone adds ~150 MiB of data memory) and openpyxl (it loads numpy,
whose OpenBLAS reserves ~80 MiB), for the few captures that are scans or workbooks.
"""

from __future__ import annotations

import importlib
import os

READER_MODULES = (
    "extract.document",
    "extract.tables.html",
    "extract.tables.docx",
    "extract.tables.pdf",
    "extract.sheets",
    "trafilatura",
    "pdfplumber",
    "docx",
)


def warm_up() -> None:
    for name in READER_MODULES:
        importlib.import_module(name)
    from trafilatura.external import jt_stoplist_init

    jt_stoplist_init()


warm_up()

# The process that loaded the readers: in a forked worker, its fork server's, not its own.
LOADED_BY = os.getpid()
