"""Seeded look-alikes of the OR-Library instances that are not in the shared folder.

    python -m benchmarks.lookalikes OUT_DIR [--seed 0]

Writes ``pmedlike21.txt`` ... ``pmedlike40.txt`` (the n, edge count and p of pmed21-40: a ring
of n edges plus random edges, costs 1-100, OR-Library pmed format) and ``capalike.txt``,
``capblike.txt``, ``capclike.txt``: one data set per OR-Library set A, B, C, as Beasley (1988)
publishes them - 100 sites x 1000 customers each, different data per set, every capacity the
literal word ``capacity`` so that the harness runs each file at its set's four capacities
(capa 8000-14000, capb 5000-8000, capc 5000-7250; ``suites.CAP_SETTINGS``). The data: uniform
points in a 1000 x 1000 square, demand 1-100, cost of serving a customer = demand x distance,
fixed costs 1.37-2.25 M. ``--capacities 5000,6000`` writes one data set at numeric capacities
instead (``caplike5000.txt`` ...). They are NOT the real files (those are not in the shared
folder): they have the shapes the targets name, so the harness can be run on them with
``--holdout OUT_DIR`` (no known optima; answers are still re-verified). Real pmed21-40 / capa-c
files go in a folder the same way.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

#: (n, edges, p) of pmed21-40 (Beasley 1985)
PMED_SHAPES = {
    21: (500, 5000, 5), 22: (500, 5000, 10), 23: (500, 5000, 50), 24: (500, 5000, 100),
    25: (500, 5000, 167), 26: (600, 7200, 5), 27: (600, 7200, 10), 28: (600, 7200, 60),
    29: (600, 7200, 120), 30: (600, 7200, 200), 31: (700, 9800, 5), 32: (700, 9800, 10),
    33: (700, 9800, 70), 34: (700, 9800, 140), 35: (800, 12800, 5), 36: (800, 12800, 10),
    37: (800, 12800, 80), 38: (900, 16200, 5), 39: (900, 16200, 10), 40: (900, 16200, 90),
}


def pmed_like(n: int, edges: int, p: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    lines = [f" {n} {edges} {p} "]
    lines += [f" {i} {i % n + 1} {rng.integers(1, 101)} " for i in range(1, n + 1)]
    for _ in range(edges - n):
        a, b = rng.integers(1, n + 1, 2)
        lines.append(f" {a} {b} {rng.integers(1, 101)} ")
    return "\n".join(lines) + "\n"


#: one seed offset per OR-Library large set: capa, capb and capc hold different data
CAP_SETS = {"capa": 1, "capb": 2, "capc": 3}


def cap_like(capacity: int | None, seed: int, m: int = 100, n: int = 1000) -> str:
    """One cap-format file; ``capacity=None`` writes the word ``capacity`` as capa/b/c do."""
    rng = np.random.default_rng(seed)
    fixed = rng.uniform(1.37e6, 2.25e6, m).round()
    sites, customers = rng.uniform(0, 1000, (m, 2)), rng.uniform(0, 1000, (n, 2))
    demand = rng.integers(1, 101, n)
    dist = np.sqrt(((customers[:, None, :] - sites[None, :, :]) ** 2).sum(-1))
    cost = demand[:, None] * dist
    cap = "capacity" if capacity is None else str(capacity)
    lines = [f" {m} {n} "] + [f" {cap} {f:.0f}. " for f in fixed]
    for i in range(n):
        lines.append(f" {demand[i]} ")
        lines += [" " + " ".join(f"{v:.5f}" for v in cost[i, k:k + 7]) + " "
                  for k in range(0, m, 7)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.lookalikes", description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=0, help="added to each file's own seed")
    ap.add_argument("--capacities", help="comma list of numeric capacities: one data set (capa's "
                    "seed) written once per capacity, instead of capalike/capblike/capclike")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for k, (n, e, p) in PMED_SHAPES.items():
        (args.out / f"pmedlike{k}.txt").write_text(pmed_like(n, e, p, args.seed + k))
    if args.capacities:
        caps = [int(c) for c in args.capacities.split(",")]
        for cap in caps:
            (args.out / f"caplike{cap}.txt").write_text(cap_like(cap, args.seed + 1))
        written = f"{len(caps)} cap look-alikes (one data set)"
    else:
        for name, offset in CAP_SETS.items():
            (args.out / f"{name}like.txt").write_text(cap_like(None, args.seed + offset))
        written = "capalike/capblike/capclike (one data set each, four capacities per set)"
    print(f"wrote {len(PMED_SHAPES)} pmed look-alikes and {written} to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
