"""Scale target: p-median 20,000 blocks x 20,000 sites (Euclidean), solution within 1 % of its
reported bound in <= 300 s, on sparse k-nearest candidate lists (never a dense 20k x 20k array).

    python benchmarks/scale/pmedian_city.py [--n 20000] [--p 500] [--k 100] [--seed 2]
        [--time-limit 280]

The Lagrangian bound caps each multiplier at the point's k-th nearest cost, so it is a lower
bound for the full Euclidean problem too, not only for the truncated candidate lists.
"""

from __future__ import annotations

import argparse
import json
import resource
import time

import siting
from siting.options import SolveOptions
from siting.scale.generate import generate_city, knn_instance


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--sites", type=int, default=None)
    ap.add_argument("--p", type=int, default=500)
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=280.0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    city = generate_city(args.n, args.sites or args.n, seed=args.seed)
    inst = knn_instance(city, args.k)
    gen = time.perf_counter() - t0
    t1 = time.perf_counter()
    res = siting.solve(inst, "p-median", p=args.p, formulation="lagrangian",
                       options=SolveOptions(time_limit=args.time_limit, rel_gap=1e-4))
    wall = time.perf_counter() - t1
    print(json.dumps({
        "instance": inst.name, "p": args.p, "k": args.k, "pairs": inst.cost.nnz,
        "status": res.status.value, "objective": res.objective, "bound": res.bound,
        "gap": res.gap, "verified": res.verification is not None and res.verification.feasible,
        "generate_s": round(gen, 2), "solve_wall_s": round(wall, 2),
        "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "messages": list(res.messages)}))


if __name__ == "__main__":
    main()
