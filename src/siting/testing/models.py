"""Small MILPs the solver tests share (in child processes too, so they live in the package)."""

from __future__ import annotations

import numpy as np

from ..milp import MilpBuilder, MilpProblem


def knapsacks(k: int, m: int, seed: int) -> MilpProblem:
    """m knapsack rows over k binaries (max): with k and m in the tens, every backend keeps
    searching for many seconds, long enough for a signal or a limit to land mid-solve."""
    rng = np.random.default_rng(seed)
    b = MilpBuilder("max", name="knapsacks")
    x = b.add_vars("x", k, upper=1.0, integer=True, cost=rng.integers(10, 99, k))
    rows = np.repeat(np.arange(m), k)
    cols = np.tile(x.start + np.arange(k), m)
    b.add_rows("cap", m, rows, cols, rng.integers(5, 50, m * k).astype(float),
               upper=np.full(m, 10.0 * k))
    return b.build()
