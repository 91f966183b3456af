"""Command-line front end. Holds no logic: parse flags, call the library, print, exit.

Exit codes: 0 a solution was found (optimal or feasible); 1 the solve ended without a solution
(infeasible, no solution in the time limit); 2 bad input or usage (one line on stderr);
130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn
from importlib import import_module

from ..errors import SitingError

# one module per command; each exposes add_parser(subparsers) and run(args) -> int
COMMANDS = ["solve", "backends", "batch", "schema", "validate", "export", "frontier", "bench",
            "report", "serve", "init"]

EXIT_OK, EXIT_NO_SOLUTION, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, no usage dump
        self.exit(EXIT_USAGE, f"siting: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="siting", description="Exact facility siting.")
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"siting {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        import_module(f".{name}", __name__).add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code. Run as the command itself (``argv`` None), the process
    ends at once if a solver thread that ignored its stop is still running
    (:func:`siting.signals.exit_now`): the results are written by then."""
    rc = _main(list(sys.argv[1:] if argv is None else argv))
    if argv is None:
        from ..signals import exit_now

        return exit_now(rc)
    return rc


def _main(argv: list[str]) -> int:
    if argv[:1] == ["bench"]:  # every later flag belongs to the harness, not to argparse here
        argv = ["bench", "--", *argv[1:]]
    parser = build_parser()
    args = parser.parse_args(argv)
    from ..signals import exit_code, handle_termination  # SIGTERM takes the Ctrl-C path

    try:
        with handle_termination():
            rc = int(args.run(args))
        return exit_code(rc) if rc == EXIT_INTERRUPTED else rc
    except SitingError as exc:
        print(f"siting: error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt as exc:
        print(f"siting: interrupted ({exc})" if str(exc) else "siting: interrupted",
              file=sys.stderr)
        return exit_code(EXIT_INTERRUPTED)
    except BrokenPipeError:  # e.g. `siting schema | head`: the reader left, nothing to report
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _one_line(text: str) -> str:
    return " ".join(text.split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
