"""`siting validate SCENARIO.toml`: check a scenario and its data without solving."""

from __future__ import annotations

import argparse
import json
import sys

from . import EXIT_NO_SOLUTION, EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check a scenario file and its data without solving",
                       description="Validate a scenario: keys, files, layers, columns, CRS and "
                       "travel costs; for network distances the pieces of the network, "
                       "off-network points, access legs and detours. Nothing is solved or written. Exit 1 when the request is "
                       "infeasible before solving (p below the pieces holding demand).")
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
        verdict = "infeasible" if found.get("infeasible") else "ok"
        print(f"{args.scenario}: {verdict}: {found['problem']}, {found['demand_points']} demand "
              f"points, {found['sites']} sites, CRS {found['crs']}{pairs}")
        if found.get("infeasible"):
            print(f"  {found['infeasible']}")
        if dist.get("network_report"):
            from ..geo.netreport import report_lines

            for line in report_lines(dist["network_report"]):
                print(f"  {line}")
        lost = dist.get("unreachable", {})
        if lost.get("count"):
            print(f"  {lost['count']} demand point(s) reach no site (weight {lost['weight']:g}; "
                  f"distance.unreachable = {lost['policy']!r}): {', '.join(lost['ids'])}")
    return EXIT_NO_SOLUTION if found.get("infeasible") else EXIT_OK
