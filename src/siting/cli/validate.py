"""`siting validate SCENARIO.toml`: check a scenario and its data without solving.

Exit 0: nothing found that rules out a plan; 1: the scenario cannot be feasible (every reason
is printed, naming the scenario key to change); 2: bad input. ``--json`` carries the same
verdict, reasons and warnings as the text.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import EXIT_NO_SOLUTION, EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a scenario file and its data without solving",
                       description="Validate a scenario: keys, files, layers, columns, CRS, "
                       "travel costs and every pre-solve diagnosis; for network distances the "
                       "pieces of the network, off-network points, access legs and detours. "
                       "Nothing is solved or written. Exit 1 when the scenario cannot be feasible "
                       "(the reasons name the keys to change), 2 on bad input.")
    p.add_argument("scenario", metavar="SCENARIO", help="scenario .toml file")
    p.add_argument("--json", action="store_true", help="print what was found as JSON")
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.add_argument("--verbose", action="store_true", help="show every step and note")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[], dest="overrides",
                   help="override a scenario key, e.g. --set problem.budget=3e6 (repeatable)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import pipeline
    from ..outputs.progress import make_progress
    from ..scenario import load_scenario

    scenario = load_scenario(args.scenario, overrides=args.overrides)
    found = pipeline.validate(scenario, make_progress(quiet=args.quiet, verbose=args.verbose))
    reasons = list(found.get("infeasible_because") or [])
    found["verdict"] = "infeasible" if reasons else "ok"
    if args.json:
        json.dump(found, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    elif reasons:
        print(f"{args.scenario}: infeasible: no plan can meet this scenario "
              f"({len(reasons)} reason(s)):")
        for r in reasons:
            print(f"  - {r}")
    elif not args.quiet:
        dist = found.get("distance", {})
        pairs = f", {dist['pairs']} reachable pairs ({dist['metric']})" if dist else ""
        print(f"{args.scenario}: ok: {found['problem']}, {found['demand_points']} demand points, "
              f"{found['sites']} sites, CRS {found['crs']}{pairs}")
    if not args.json and not args.quiet:
        dist = found.get("distance", {})
        if dist.get("network_report"):
            from ..geo.netreport import report_lines

            for line in report_lines(dist["network_report"]):
                print(f"  {line}")
        lost = dist.get("unreachable", {})
        if lost.get("count"):
            print(f"  {lost['count']} demand point(s) reach no site (weight {lost['weight']:g}; "
                  f"distance.unreachable = {lost['policy']!r}): {', '.join(lost['ids'])}")
    return EXIT_NO_SOLUTION if reasons else EXIT_OK
