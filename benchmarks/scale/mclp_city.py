"""Scale target: budgeted MCLP, 100,000 blocks x 10,000 sites, Euclidean 1 km radius.

    python benchmarks/scale/mclp_city.py [--demand 100000] [--sites 10000] [--seed 1]
        [--radius 1000] [--budget-sites 300] [--time-limit 120] [--formulation reduced]

Prints one JSON line: sizes, status, objective, bound, gap, times, CPU seconds of the solve,
the machine's load average before and after (the machine is shared: wall time alone says little),
peak RSS (GiB). The budget is ``--budget-sites`` times the mean site cost. ``--formulation
windows`` is the city-scale one (exact window search + Lagrangian bound; issue 18).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

import numpy as np

import siting
from siting.options import SolveOptions
from siting.scale.generate import generate_city, radius_instance


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demand", type=int, default=100_000)
    ap.add_argument("--sites", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--radius", type=float, default=1000.0)
    ap.add_argument("--budget-sites", type=float, default=300.0)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--rel-gap", type=float, default=1e-3)
    ap.add_argument("--formulation", default="reduced")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()

    t0 = time.perf_counter()
    city = generate_city(args.demand, args.sites, seed=args.seed)
    inst = radius_instance(city, args.radius)
    gen_s = time.perf_counter() - t0
    budget = float(np.round(args.budget_sites * city.site_cost.mean()))
    opts = SolveOptions(time_limit=args.time_limit, rel_gap=args.rel_gap, threads=args.threads)
    load0 = os.getloadavg()[0]
    cpu0 = time.process_time()
    t1 = time.perf_counter()
    res = siting.solve(inst, "mclp", radius=args.radius, budget=budget,
                       formulation=args.formulation, options=opts)
    wall = time.perf_counter() - t1
    cpu = time.process_time() - cpu0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(json.dumps({
        "instance": inst.name, "pairs": inst.cost.nnz, "budget": budget,
        "formulation": args.formulation, "status": res.status.value,
        "objective": res.objective, "bound": res.bound, "gap": res.gap,
        "verified": res.verification is not None and res.verification.feasible,
        "generate_s": round(gen_s, 2), "solve_wall_s": round(wall, 2),
        "solve_cpu_s": round(cpu, 1),
        "load_avg_1min": [round(load0, 1), round(os.getloadavg()[0], 1)],
        "peak_rss_gib": round(peak, 2), "model_size": res.model_size,
        "messages": list(res.messages),
    }))


if __name__ == "__main__":
    main()
