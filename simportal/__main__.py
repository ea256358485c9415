"""python -m simportal [--platform NAME] [--variant demo|unseen] [--port N]: serve a simulated county portal."""

from __future__ import annotations

import argparse

from . import SITES
from .server import PortalServer
from .site import build_site
from .variants import VARIANTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simportal",
        description="Serve a simulated county disclosure portal on 127.0.0.1. "
                    "Example: python -m simportal --variant unseen --port 8081",
    )
    parser.add_argument("--platform", choices=sorted(SITES), default="trs",
                        help="the portal's platform (default: trs)")
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="demo", help="which TRS portal")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    site = build_site(args.variant) if args.platform == "trs" else SITES[args.platform]()
    server = PortalServer(site, port=args.port)
    print(server.start_url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
