"""Generate a synthetic large city (seeded) for the scale benchmarks and batch runs.

    python instances/generators/large_city.py OUT_DIR [--demand 100000] [--sites 10000]
        [--seed 1] [--radius 1000] [--budgets 200,300,400] [--time-limit 120]

Writes OUT_DIR/demand.csv (id,x,y,population), OUT_DIR/sites.csv (id,x,y,cost) in metres
(EPSG:32650), one MCLP scenario per budget (budget = k x mean site cost) and a batch manifest
``manifest.toml`` for ``siting batch``. The same seed always gives the same city
(numpy default_rng); benchmarks/scale/*.py build the identical city in memory.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from siting.testing.city import generate_city, scenario_toml, write_city_layers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--demand", type=int, default=100_000)
    ap.add_argument("--sites", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--radius", type=float, default=1000.0)
    ap.add_argument("--budgets", default="200,300,400",
                    help="budgets as multiples of the mean site cost, comma separated")
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--formulation", default=None)
    args = ap.parse_args()
    city = generate_city(args.demand, args.sites, seed=args.seed)
    demand, sites = write_city_layers(city, args.out)
    runs = []
    for k in (float(b) for b in args.budgets.split(",")):
        budget = round(k * float(city.site_cost.mean()))
        name = f"{city.name}-b{k:g}"
        (args.out / f"{name}.toml").write_text(scenario_toml(
            name, demand, sites, {"kind": "mclp", "radius": args.radius, "budget": budget},
            time_limit=args.time_limit, formulation=args.formulation))
        runs.append(f'[[run]]\nscenario = "{name}.toml"\nname = "{name}"\n')
    (args.out / "manifest.toml").write_text("\n".join(runs))
    print(f"wrote {args.out}: {args.demand} blocks, {args.sites} sites, {len(runs)} scenarios")


if __name__ == "__main__":
    main()
