"""``siting serve SCENARIO``: the planner's workbench in the browser (see docs/workbench.md)."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from ..errors import SpecError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="open a scenario in the planning workbench (local web app)")
    p.add_argument("scenario", help="scenario TOML file")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--no-browser", action="store_true", help="print the URL, do not open it")
    p.add_argument("--exports", help="folder for exported what-ifs (default: SCENARIO's "
                   "folder/whatif)")
    p.add_argument("--time-limit", type=float, default=None,
                   help="longest solve the page may run, seconds (default 3600)")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="page language")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        from .. import serve as serve_mod
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise SpecError(f"siting serve needs the serve extra ({exc.name} is missing): "
                        "pip install 'siting[serve]'") from None
    if not 0 < args.port < 65536:
        raise SpecError(f"--port {args.port}: use 1-65535")
    if args.time_limit is not None and not 0 < args.time_limit <= serve_mod.MAX_TIME_LIMIT:
        raise SpecError(f"--time-limit {args.time_limit}: use (0, {serve_mod.MAX_TIME_LIMIT:g}]")
    if not _loopback(args.host):
        print(f"siting: warning: --host {args.host} makes the workbench reachable from other "
              "machines; anyone who can reach it can run solves and read the scenario folder",
              file=sys.stderr)
    serve_mod.serve(Path(args.scenario), host=args.host, port=args.port,
                    open_browser=not args.no_browser,
                    exports=Path(args.exports) if args.exports else None,
                    time_limit=args.time_limit or serve_mod.MAX_TIME_LIMIT, lang=args.lang)
    return 0


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
