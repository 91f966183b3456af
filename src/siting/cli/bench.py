"""`siting bench`: the benchmark harness of a source checkout (``python -m benchmarks``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..errors import SpecError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench", help="run the benchmark harness (same flags as python -m benchmarks)",
        description="Run a grid of suites x models x formulations x backends, each run in its "
                    "own process, and write CSV, Markdown and plots. Every flag after 'bench' "
                    "goes to the harness: `siting bench --help` lists them.",
        add_help=False)
    p.add_argument("harness_args", nargs=argparse.REMAINDER)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    harness_args = list(args.harness_args)
    if harness_args[:1] == ["--"]:
        harness_args = harness_args[1:]
    return int(_harness().main(harness_args))


def _harness() -> Any:
    """The checkout's benchmark harness (benchmarks/ is not part of the installed package).

    Found from the working folder: the first folder upwards holding ``benchmarks/harness.py``
    next to a ``pyproject.toml``, i.e. run ``siting bench`` inside a clone of the repository.
    """
    here = Path.cwd().resolve()
    root = next((d for d in (here, *here.parents)
                 if (d / "benchmarks" / "harness.py").is_file() and (d / "pyproject.toml").is_file()),
                None)
    if root is None:
        raise SpecError("siting bench runs inside a source checkout: no benchmarks/harness.py "
                        f"in {here} or above (cd into a clone of the repository)")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from benchmarks import harness

    return harness
