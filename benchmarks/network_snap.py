"""Network build + edge snapping at scale: 10^5 points on a ~10^5-edge street grid.

Usage: ``python -m benchmarks.network_snap [--side 225] [--points 100000] [--sites 200]``.
The grid (side × side nodes, jittered, two-way streets, every fifth street with a bend) is
written as an edge-list CSV with WKT geometry and read back through ``load_network`` (the user's
path), then 10^5 demand points are snapped onto its edges, and for a last step costs to
``--sites`` sites are computed with a 1 km cutoff. Prints one JSON object (wall and CPU seconds
per stage -- CPU time shows the work when the machine is shared -- and peak resident memory).
Results: benchmarks/results/network_snap.txt.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from pathlib import Path

import numpy as np

CRS = "EPSG:3067"


def write_grid(path: Path, side: int, seed: int) -> int:
    import pandas as pd

    rng = np.random.default_rng(seed)
    k = np.arange(side * side)
    x = (k % side) * 80.0 + rng.normal(0, 6, k.size) + 380_000
    y = (k // side) * 80.0 + rng.normal(0, 6, k.size) + 6_670_000
    right = k[(k % side) < side - 1]
    up = k[k < side * (side - 1)]
    u = np.concatenate([right, up])
    v = np.concatenate([right + 1, up + side])
    mx, my = (x[u] + x[v]) / 2, (y[u] + y[v]) / 2
    bend = rng.random(u.size) < 0.2
    mx[bend] += rng.normal(0, 12, bend.sum())
    my[bend] += rng.normal(0, 12, bend.sum())
    length = np.hypot(mx - x[u], my - y[u]) + np.hypot(x[v] - mx, y[v] - my)
    wkt = [f"LINESTRING ({a:.2f} {b:.2f}, {c:.2f} {d:.2f}, {e:.2f} {f:.2f})"
           for a, b, c, d, e, f in zip(x[u], y[u], mx, my, x[v], y[v])]
    pd.DataFrame({"u": u, "v": v, "length": length.round(3), "u_x": x[u].round(2),
                  "u_y": y[u].round(2), "v_x": x[v].round(2), "v_y": y[v].round(2),
                  "geometry": wkt}).to_csv(path, index=False)
    return int(u.size)


def measure(side: int, n_points: int, n_sites: int, seed: int = 0) -> dict[str, float]:
    from siting.geo.network import load_network, network_costs
    from siting.geo.snap import snap_points

    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "grid.csv"
        n_edges = write_grid(csv, side, seed)
        t0, c0 = time.perf_counter(), time.process_time()
        net = load_network(csv, "walking", CRS)
        t1, c1 = time.perf_counter(), time.process_time()
    lines = net.lines(CRS)
    rng = np.random.default_rng(seed + 1)
    lo = np.array([380_000.0, 6_670_000.0])
    span = (side - 1) * 80.0
    pts = lo + rng.random((n_points, 2)) * span
    t2, c2 = time.perf_counter(), time.process_time()
    snap = snap_points(lines, net.elength, net.snappable, pts, 500.0)
    t3, c3 = time.perf_counter(), time.process_time()
    n_comp, _ = net.components()
    t4 = time.perf_counter()
    sites = lo + rng.random((n_sites, 2)) * span
    c4 = time.process_time()
    nc = network_costs(net, pts, sites, CRS, 1000.0, detour_check=False)
    t5, c5 = time.perf_counter(), time.process_time()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {"nodes": net.n_nodes, "edges": n_edges, "points": n_points, "sites": n_sites,
            "read_build_s": t1 - t0, "snap_s": t3 - t2, "build_plus_snap_s": (t1 - t0) + (t3 - t2),
            "cpu_read_build_s": c1 - c0, "cpu_snap_s": c3 - c2,
            "cpu_costs_s": c5 - c4,
            "components_s": t4 - t3, "components": n_comp,
            "costs_cutoff_1km_s": t5 - t4, "pairs_within_1km": nc.costs.nnz,
            "snapped": int(snap.on.sum()), "peak_mb": peak}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=225)
    ap.add_argument("--points", type=int, default=100_000)
    ap.add_argument("--sites", type=int, default=200)
    args = ap.parse_args()
    out = measure(args.side, args.points, args.sites)
    print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in out.items()}))


if __name__ == "__main__":
    main()
