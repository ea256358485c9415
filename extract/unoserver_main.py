"""unoserver as the long-lived LibreOffice runs it (``lo_server``), under LibreOffice's own Python.

Not imported by the package: ``lo_server`` hands this file's text to that Python with ``-c``
(run by path, its folder would come first on ``sys.path`` and ``html.py`` here would stand in
for the standard library's). Three changes to plain unoserver:

- the server lives in a process group of its own, which ends itself (LibreOffice included) when
  the process that started it is gone: a worker killed over its wall time leaves nothing behind;
- documents are opened hidden. unoserver opens each one in a window (a view laid out for the
  screen, then torn down); hidden, a .doc converts in about two thirds of the time, to the same
  text;
- it waits for LibreOffice only until LibreOffice listens: unoserver sleeps a fixed 5 s after
  starting it, then 2 s more, where LibreOffice itself is ready in one or two.
"""

import argparse
import os
import socket
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


class SleepUntilListening:
    """The ``time`` module, but ``sleep`` ends as soon as LibreOffice accepts connections on its port.

    Except for a retry after an error other than a refused connection (LibreOffice listens, the
    serving thread failed to connect for another reason): that waits in full, as unoserver meant.
    """

    def __init__(self, port: int) -> None:
        self._port = port

    def sleep(self, seconds: float) -> None:
        if threading.current_thread() is not threading.main_thread() and self._listening():
            time.sleep(seconds)
            return
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._listening():
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))

    def _listening(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self._port), timeout=0.5).close()
        except OSError:
            return False
        return True

    def __getattr__(self, name):
        return getattr(time, name)


def uno_port(arguments: list[str]) -> int:
    """The port LibreOffice listens on, as unoserver reads it from its arguments."""
    reading = argparse.ArgumentParser(add_help=False)
    reading.add_argument("--uno-port", default="2002")  # unoserver's default
    return int(reading.parse_known_args(arguments)[0].uno_port)


def end_with_parent() -> None:
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.killpg(0, 9)

    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    from unoserver import converter, server  # they import uno, which makes com.sun.star importable

    from com.sun.star.beans import PropertyValue

    end_with_parent()
    open_documents_hidden(converter.UnoConverter, PropertyValue)
    server.time = SleepUntilListening(uno_port(sys.argv[1:]))
    sys.argv[0] = "unoserver"
    sys.exit(server.main())


if __name__ == "__main__":
    main()
