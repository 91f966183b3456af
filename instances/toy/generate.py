"""Generate the toy OR-Library-format p-median instance shipped with siting (seeded).

    python instances/toy/generate.py   # rewrites toy_pmed.txt

A random geometric graph on 40 vertices (edges between the 4 nearest neighbours plus a ring for
connectivity), integer edge costs, p = 4, in the format of OR-Library pmed files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np


def main(seed: int = 20261129, n: int = 40, p: int = 4) -> str:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, size=(n, 2))
    d = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    edges = set()
    for i in range(n):
        for j in np.argsort(d[i])[1:5]:
            edges.add((min(i, int(j)), max(i, int(j))))
        edges.add((min(i, (i + 1) % n), max(i, (i + 1) % n)))
    lines = [f"{n} {len(edges)} {p}"]
    lines += [f"{a + 1} {b + 1} {max(1, round(d[a, b]))}" for a, b in sorted(edges)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    Path(__file__).with_name("toy_pmed.txt").write_text(main())
