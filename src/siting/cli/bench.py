"""`siting bench`: the benchmark harness of a source checkout (``python -m benchmarks``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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


def _harness():  # type: ignore[no-untyped-def]
    """benchmarks/ lives beside src/ in the checkout, not inside the installed package."""
    root = Path(__file__).resolve().parents[3]
    if not (root / "benchmarks" / "harness.py").is_file():
        raise SpecError("siting bench needs a source checkout: benchmarks/ was not found "
                        f"beside {root / 'src'} (clone the repository and pip install -e .)")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from benchmarks import harness

    return harness
