"""unoserver as the long-lived LibreOffice runs it (``lo_server``), under LibreOffice's own Python.

Not imported by the package: ``lo_server`` hands this file's text to that Python with ``-c``
(run by path, its folder would come first on ``sys.path`` and ``html.py`` here would stand in
for the standard library's). Two changes to plain unoserver:

- the server lives in a process group of its own, which ends itself (LibreOffice included) when
  the process that started it is gone: a worker killed over its wall time leaves nothing behind;
- documents are opened hidden. unoserver opens each one in a window (a view laid out for the
  screen, then torn down); hidden, a .doc converts in about two thirds of the time, to the same
  text.
"""

import os
import runpy
import sys
import threading
import time


class HiddenLoads:
    """A LibreOffice desktop that opens every document hidden, in a frame of its own."""

    def __init__(self, desktop, property_value) -> None:
        self._desktop = desktop
        self._property_value = property_value

    def loadComponentFromURL(self, url, frame, flags, properties):  # noqa: N802 (the UNO name)
        hidden = (*properties, self._property_value(Name="Hidden", Value=True))
        return self._desktop.loadComponentFromURL(url, "_blank", flags, hidden)

    def __getattr__(self, name):
        return getattr(self._desktop, name)


def open_documents_hidden(converter_class, property_value) -> None:
    unoserver_init = converter_class.__init__

    def init(self, *args, **kwargs):
        unoserver_init(self, *args, **kwargs)
        self.desktop = HiddenLoads(self.desktop, property_value)

    converter_class.__init__ = init


def end_with_parent() -> None:
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.killpg(0, 9)

    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    from unoserver import converter  # imports uno, which makes com.sun.star importable

    from com.sun.star.beans import PropertyValue

    end_with_parent()
    open_documents_hidden(converter.UnoConverter, PropertyValue)
    sys.argv[0] = "unoserver"
    runpy.run_module("unoserver.server", run_name="__main__")


if __name__ == "__main__":
    main()
