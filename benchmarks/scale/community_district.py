"""Scale target: the embedded community model on a 50,000-block district, 5 services,
3,000 candidate sites: <= 0.5 % proven gap within 300 s.

    python benchmarks/scale/community_district.py [--blocks 50000] [--sites 3000] [--seed 7]
        [--time-limit 300] [--out DIR]

Generates the district with siting.community.demo (seeded; area scaled with the block count so
the density matches the demo district), writes the GeoPackage and a scenario based on
instances/demo_district/scenario.toml with five services, runs the scenario pipeline and prints
one JSON line (status, objective, bound, gap, wall time, peak RSS).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import tempfile
import time
from pathlib import Path

SCENARIO = """name = "community-{blocks}x{sites}"
[demand]
path = "district.gpkg"
layer = "blocks"
id = "id"
[sites]
path = "district.gpkg"
layer = "sites"
id = "id"
[distance]
metric = "euclidean"
[problem]
kind = "community"
objective = "coverage"
budget = {budget}
catalogue = "default"
services = ["elderly_care", {{ name = "childcare", weight = 4.0 }},
            {{ name = "after_school", weight = 2.0 }}, "meals", "health"]
[problem.rules]
space_per_100_households = 0
[problem.columns]
segments = {{ elderly = "elderly", infant = "infant", school = "school", total = "total" }}
households = "households"
[solver]
backend = "highs"
time_limit = {time_limit}
rel_gap = 0.005
[outputs]
gpkg = false
html = false
png = false
"""


def main() -> None:
    from siting.community.demo import generate, write
    from siting.pipeline import run
    from siting.scenario import load_scenario

    ap = argparse.ArgumentParser()
    ap.add_argument("--blocks", type=int, default=50_000)
    ap.add_argument("--sites", type=int, default=3_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--budget", type=float, default=None,
                    help="yuan (default: the demo's 30 M scaled by the block count)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    scale = math.sqrt(args.blocks / 3000)
    folder = Path(tempfile.mkdtemp(prefix="community-scale-"))
    t0 = time.perf_counter()
    district = generate(args.seed, width=6400.0 * scale, height=4800.0 * scale,
                        n_blocks=args.blocks, n_sites=args.sites,
                        cols=max(4, round(4 * scale)), rows=max(4, round(4 * scale)))
    write(district, str(folder / "district.gpkg"))
    budget = args.budget if args.budget is not None else 30e6 * args.blocks / 3000
    (folder / "scenario.toml").write_text(SCENARIO.format(
        blocks=args.blocks, sites=args.sites, budget=int(budget), time_limit=args.time_limit))
    gen = time.perf_counter() - t0
    t1 = time.perf_counter()
    outcome = run(load_scenario(folder / "scenario.toml"), args.out)
    wall = time.perf_counter() - t1
    s = outcome.summary
    print(json.dumps({
        "blocks": args.blocks, "sites": args.sites, "services": 5, "budget": budget,
        "status": s.get("status"), "objective": s.get("objective"), "bound": s.get("bound"),
        "gap": s.get("gap"), "generate_s": round(gen, 2), "solve_wall_s": round(wall, 2),
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "folder": str(folder)}))


if __name__ == "__main__":
    main()
