"""The fonts LibreOffice lays a converted document out with.

Chinese reports name fonts a Linux machine rarely has (宋体, 仿宋_GB2312, 方正小标宋简体).
fontconfig stands a Latin font in for an unknown name, so LibreOffice finds every Chinese
character missing and looks for a fallback font run by run: over half of a .doc's
conversion time. LibreOffice gets a fontconfig file of its own that asks for fonts covering
Chinese first; a missing font then resolves to the machine's Chinese font at once. Layout
is all it changes: the converted text and the font names the document records stay the same.
"""

from __future__ import annotations

import os
from pathlib import Path
from xml.sax.saxutils import escape

_CONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">{base}</include>
  <match target="pattern">
    <edit name="lang" mode="assign" binding="strong"><string>zh-cn</string></edit>
  </match>
</fontconfig>
"""


def chinese_fonts_environment(work_dir: Path) -> dict[str, str]:
    """Environment variables for a LibreOffice run in ``work_dir`` (the config file is written there)."""
    base = os.environ.get("FONTCONFIG_FILE") or "fonts.conf"  # relative: found in fontconfig's own folder
    config = work_dir / "fonts-chinese-first.conf"
    config.write_text(_CONFIG.format(base=escape(base)), encoding="utf-8")
    return {"FONTCONFIG_FILE": str(config)}
