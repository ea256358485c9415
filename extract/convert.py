"""Legacy office files (.doc, .wps, .rtf, .xls) to their OOXML form through LibreOffice.

LibreOffice runs headless in a private, temporary profile, so conversions can run
side by side and never touch (or wait for) a user's running instance. The output
zip is rewritten with fixed timestamps: the same bytes always convert to the same
bytes with the same LibreOffice.

Starting LibreOffice costs about two seconds, so a process keeps one running through
unoserver (``lo_server``) when unoserver and a Python with LibreOffice's ``uno`` module
are installed, and restarts it when it dies or hangs. A file that long-lived instance
cannot convert, or a machine without unoserver, goes through ``soffice --convert-to``.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile
import zipfile
from pathlib import Path

from .errors import ExtractionError
from .lo_fonts import chinese_fonts_environment

TIMEOUT_SECONDS = 120
_INSTALL_HINT = "run scripts/system-packages or install LibreOffice"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_OLE_WORD_STREAM = "WordDocument".encode("utf-16-le")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# what LibreOffice writes for each target, and the zip members a good result holds
_TARGETS = {"docx": ("docx:MS Word 2007 XML", "word/document.xml"),
            "xlsx": ("xlsx:Calc MS Excel 2007 XML", "xl/workbook.xml")}
_DESCRIPTIONS = {"doc": "legacy .doc", "wps": "WPS document", "rtf": "RTF document", "xls": "legacy .xls"}


def soffice_path() -> str | None:
    """The LibreOffice executable on PATH, or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_docx(content: bytes, *, kind: str = "doc", timeout: float = TIMEOUT_SECONDS) -> bytes:
    """DOCX bytes from a .doc, .wps or .rtf file's bytes."""
    return _convert(content, kind=kind, target="docx", timeout=timeout)


def to_xlsx(content: bytes, *, kind: str = "xls", timeout: float = TIMEOUT_SECONDS) -> bytes:
    """XLSX bytes from a spreadsheet LibreOffice can open (.xls, .et)."""
    return _convert(content, kind=kind, target="xlsx", timeout=timeout)


def _convert(content: bytes, *, kind: str, target: str, timeout: float) -> bytes:
    described = _DESCRIPTIONS.get(kind, kind)
    program = soffice_path()
    if program is None:
        raise ExtractionError(f"{described} needs LibreOffice (soffice) on PATH: {_INSTALL_HINT}")
    import_filter = _server_import_filter(content, kind, target)
    if import_filter is not None:
        from .lo_server import convert_on_server

        converted = convert_on_server(content, target=target, filter_name=_TARGETS[target][0].split(":", 1)[1],
                                      import_filter=import_filter or None, timeout=timeout)
        if converted is not None:
            try:
                return _normalized_zip(converted, _TARGETS[target][1], described)
            except ExtractionError:
                pass  # the one-shot conversion below says what went wrong, as it always has
    with tempfile.TemporaryDirectory(prefix="disclosure-soffice-") as work:
        work_dir = Path(work)
        source = work_dir / f"input{_input_suffix(content, kind)}"
        source.write_bytes(content)
        output_dir = work_dir / "out"
        filter_name, member = _TARGETS[target]
        command = [
            program,
            f"-env:UserInstallation={(work_dir / 'profile').as_uri()}",
            "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
            "--convert-to", filter_name, "--outdir", str(output_dir), str(source),
        ]
        problem = _run(command, timeout=timeout, work_dir=work_dir)
        result = output_dir / f"input.{target}"
        if not result.exists():
            raise ExtractionError(f"{described} cannot be read: LibreOffice could not convert it ({problem})")
        return _normalized_zip(result.read_bytes(), member, described)


def _server_import_filter(content: bytes, kind: str, target: str) -> str | None:
    """The import filter for the long-lived LibreOffice ("" to let it detect), None to convert per file.

    That instance gets bytes without a file name, so it cannot weigh the name as ``soffice``
    does: it takes only files that are plainly what they claim (a damaged or odd one is
    converted per file and fails or succeeds as it always has).
    """
    if target != "docx":
        return None
    if kind in ("doc", "wps") and content.startswith(_OLE_MAGIC) and _OLE_WORD_STREAM in content:
        return "MS Word 97"
    if kind == "rtf" and content.lstrip().startswith(b"{\\rtf"):
        return ""
    return None


def _input_suffix(content: bytes, kind: str) -> str:
    # Kingsoft .wps files are Word 97 files inside; Microsoft Works .wps files are not.
    if kind == "wps":
        return ".doc" if _OLE_WORD_STREAM in content else ".wps"
    return {"xls": ".xls", "rtf": ".rtf", "doc": ".doc"}.get(kind, f".{kind}")


def _run(command: list[str], *, timeout: float, work_dir: Path) -> str:
    """Runs LibreOffice; returns what it said on failure (it exits 0 even when it converts nothing)."""
    environment = {**os.environ, "HOME": str(work_dir), **chinese_fonts_environment(work_dir)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=work_dir,
                               env=environment, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # LibreOffice starts helper processes: end the whole session it leads
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise ExtractionError(f"LibreOffice did not finish converting within {timeout:g} s") from None
    said = [line for line in (stderr + stdout).decode("utf-8", "replace").splitlines()
            if line.strip() and "javaldx" not in line]
    return said[-1].strip() if said else f"exit status {process.returncode}"


def _normalized_zip(content: bytes, member: str, described: str) -> bytes:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as source:
            names = source.namelist()
            if member not in names:
                raise ExtractionError(f"{described} cannot be read: LibreOffice wrote no {member}")
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as target:
                for info in source.infolist():
                    fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
                    fixed.compress_type = info.compress_type
                    fixed.external_attr = info.external_attr
                    target.writestr(fixed, source.read(info.filename))
    except zipfile.BadZipFile as error:
        raise ExtractionError(f"{described} cannot be read: LibreOffice wrote a damaged file ({error})") from error
    return buffer.getvalue()
