"""`siting init --demand BLOCKS --sites SITES [--out scenario.toml]`: a starter scenario."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import EXIT_NO_SOLUTION, EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="write a starter community scenario from your two layers",
                       description="Read the blocks and sites layers, detect the id, community, "
                       "population, households, area, cost and services columns (English or "
                       "Chinese names such as 人口, 老年人, 面积, 造价) and write a commented "
                       "scenario (Chinese and English comments) that siting validate accepts. "
                       "A file with several layers is given as FILE#LAYER.")
    p.add_argument("--demand", required=True, metavar="FILE[#LAYER]",
                   help="residential blocks (GeoPackage, GeoJSON, Shapefile, GeoParquet, CSV)")
    p.add_argument("--sites", required=True, metavar="FILE[#LAYER]", help="candidate sites")
    p.add_argument("--out", default="scenario.toml", metavar="FILE",
                   help="scenario to write (default scenario.toml)")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..starter import write_starter

    out = Path(args.out)
    found = write_starter(args.demand, args.sites, out, force=args.force)
    for note in found.get("layer_notes", []):
        print(f"siting: {note}")
    print(f"wrote {out}: community, {found['blocks']} blocks in {found['districts']} "
          f"communities, {found['sites']} sites, services {', '.join(found['services'])}")
    for w in found.get("warnings") or []:
        print(f"  warning: {w}")
    reasons = found.get("infeasible_because") or []
    for r in reasons:
        print(f"  infeasible: {r}")
    print(f"next: siting validate {out}   then   siting solve {out} --out out/plan")
    return EXIT_NO_SOLUTION if reasons else EXIT_OK
