"""How the project runs LibreOffice: Chinese fonts first, documents opened hidden."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from extract.lo_fonts import chinese_fonts_environment

SERVER_SCRIPT = Path(__file__).resolve().parents[1] / "extract" / "unoserver_main.py"
needs_fontconfig = pytest.mark.skipif(shutil.which("fc-match") is None or shutil.which("fc-list") is None,
                                      reason="fontconfig's fc-match is not installed")


def font_match(family: str, field: str, environment: dict[str, str] | None = None) -> str:
    found = subprocess.run(["fc-match", "-f", f"%{{{field}}}", family], capture_output=True, text=True,
                           env={**os.environ, **(environment or {})}, check=True, timeout=60)
    return found.stdout


def installed_families() -> set[str]:
    listed = subprocess.run(["fc-list", "-f", "%{family[0]}\n"], capture_output=True, text=True, check=True,
                            timeout=60).stdout
    return {line for line in listed.splitlines() if line}


def chinese_font_installed() -> bool:
    listed = subprocess.run(["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=60)
    return bool(listed.stdout.strip())


@needs_fontconfig
def test_a_chinese_font_the_machine_lacks_resolves_to_one_covering_chinese(tmp_path):
    if not chinese_font_installed():
        pytest.skip("no font covering Chinese is installed (scripts/system-packages installs one)")
    environment = chinese_fonts_environment(tmp_path)
    for family in ("仿宋_GB2312", "方正小标宋简体", "宋体"):
        if family in installed_families():
            continue
        assert "zh-cn" in font_match(family, "lang", environment).split("|"), family


@needs_fontconfig
def test_an_installed_font_stays_itself(tmp_path):
    environment = chinese_fonts_environment(tmp_path)
    for family in sorted(installed_families())[:5]:
        assert font_match(family, "family[0]", environment) == family


@needs_fontconfig
def test_the_users_fontconfig_file_still_applies(tmp_path, monkeypatch):
    installed = sorted(installed_families())
    if not installed:
        pytest.skip("no fonts installed")
    users = tmp_path / "users-fonts.conf"
    users.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">fonts.conf</include>
  <alias binding="strong"><family>Report Font Of Some Office</family><prefer><family>{installed[-1]}</family></prefer></alias>
</fontconfig>
""", encoding="utf-8")
    monkeypatch.setenv("FONTCONFIG_FILE", str(users))
    work = tmp_path / "work"
    work.mkdir()
    environment = chinese_fonts_environment(work)
    assert font_match("Report Font Of Some Office", "family[0]", environment) == installed[-1]


def load_server_script():
    spec = importlib.util.spec_from_file_location("unoserver_main", SERVER_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # the script imports uno only in main()
    return module


class Property:
    def __init__(self, Name, Value):  # noqa: N803 (UNO's PropertyValue takes these names)
        self.Name, self.Value = Name, Value


class Desktop:
    def __init__(self):
        self.loads = []
        self.frames = "the desktop's frames"

    def loadComponentFromURL(self, url, frame, flags, properties):  # noqa: N802
        self.loads.append((url, frame, flags, {p.Name: p.Value for p in properties}))
        return "document"


def test_the_server_opens_documents_hidden_in_a_frame_of_their_own():
    script = load_server_script()

    class Converter:  # what unoserver's UnoConverter.__init__ does that matters here
        def __init__(self, interface, port):
            self.desktop = Desktop()

    script.open_documents_hidden(Converter, Property)
    converter = Converter("127.0.0.1", 2002)
    document = converter.desktop.loadComponentFromURL("file:///tmp/in.doc", "_default", 0,
                                                      (Property("ReadOnly", True),))
    assert document == "document"
    assert converter.desktop.loads == [("file:///tmp/in.doc", "_blank", 0, {"ReadOnly": True, "Hidden": True})]
    assert converter.desktop.frames == "the desktop's frames"


def test_the_server_script_runs_under_libreoffices_python():
    from extract import lo_server

    python, unoserver_path = lo_server.uno_python(), lo_server._unoserver_path()
    if python is None or unoserver_path is None:
        pytest.skip("no Python with LibreOffice's uno module, or unoserver is not installed")
    ran = subprocess.run([python, "-c", SERVER_SCRIPT.read_text(encoding="utf-8"), "--help"], capture_output=True,
                         text=True, timeout=120, env={**os.environ, "PYTHONPATH": unoserver_path})
    assert ran.returncode == 0, ran.stderr
    assert "--uno-port" in ran.stdout


def test_the_server_waits_for_libreoffice_only_until_it_listens():
    import socket
    import threading
    import time

    script = load_server_script()
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        waited = script.SleepUntilListening(listening.getsockname()[1])
        start = time.monotonic()
        waited.sleep(5)
        assert time.monotonic() - start < 1
        retried = threading.Thread(target=waited.sleep, args=(0.4,))  # the serving thread, after an error
        start = time.monotonic()
        retried.start()
        retried.join()
        assert 0.4 <= time.monotonic() - start < 2
        closed_port = listening.getsockname()[1]
    start = time.monotonic()
    script.SleepUntilListening(closed_port).sleep(0.4)  # nobody listens: the whole time
    assert 0.4 <= time.monotonic() - start < 2
    assert script.SleepUntilListening(closed_port).monotonic() > 0  # the rest of time is time's


def test_the_server_reads_libreoffices_port_as_unoserver_does():
    script = load_server_script()
    assert script.uno_port(["--port", "2003", "--uno-port", "40111", "--quiet"]) == 40111
    assert script.uno_port(["--uno-port=40112"]) == 40112
    assert script.uno_port(["--help"]) == 2002
