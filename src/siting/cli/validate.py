"""`siting validate SCENARIO.toml`: check a scenario and its data without solving."""

from __future__ import annotations

import argparse
import json
import sys

from . import EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a scenario file and its data without solving",
                       description="Validate a scenario: keys, files, layers, columns, CRS and "
                       "travel costs. Nothing is solved or written.")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario .toml file")
    p.add_argument("--json", action="store_true", help="print what was found as JSON")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.add_argument("--verbose", action="store_true", help="show every step and note")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import pipeline
    from ..outputs.progress import make_progress
    from ..scenario import load_scenario

    scenario = load_scenario(args.scenario)
    found = pipeline.validate(scenario, make_progress(quiet=args.quiet, verbose=args.verbose))
    if args.json:
        json.dump(found, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    elif not args.quiet:
        dist = found.get("distance", {})
        pairs = f", {dist['pairs']} reachable pairs ({dist['metric']})" if dist else ""
        print(f"{args.scenario}: ok: {found['problem']}, {found['demand_points']} demand points, "
              f"{found['sites']} sites, CRS {found['crs']}{pairs}")
    return EXIT_OK
