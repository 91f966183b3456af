"""HiGHS skips its feasibility-jump heuristic only when a feasible MIP start is given (the
heuristic's one job is a first incumbent), never when the caller set it, and answers stay the
same either way."""

from __future__ import annotations

import numpy as np
import pytest

from siting.backends import get_backend
from siting.backends.highs import start_makes_jump_moot
from siting.milp import MilpBuilder
from siting.options import SolveOptions

pytest.importorskip("highspy")


def _knapsack(n: int = 30, seed: int = 3):
    rng = np.random.default_rng(seed)
    b = MilpBuilder("max", name="knapsack")
    x = b.add_vars("x", n, lower=0.0, upper=1.0, integer=True,
                   cost=rng.integers(5, 40, n).astype(float))
    b.add_rows("cap", 1, np.zeros(n), x.start + np.arange(n),
               rng.integers(3, 20, n).astype(float), upper=60.0)
    return b.build()


def test_jump_is_skipped_only_for_a_feasible_start_the_caller_left_it_to_us() -> None:
    p = _knapsack()
    zero, full = np.zeros(p.n_cols), np.ones(p.n_cols)
    assert start_makes_jump_moot(p, SolveOptions(), zero)
    assert not start_makes_jump_moot(p, SolveOptions(), None)
    assert not start_makes_jump_moot(p, SolveOptions(), full)         # over capacity
    caller = SolveOptions(backend_options={"mip_heuristic_run_feasibility_jump": True})
    assert not start_makes_jump_moot(p, caller, zero)


def test_the_optimum_does_not_depend_on_the_start() -> None:
    p = _knapsack()
    highs = get_backend("highs")
    cold = highs.solve(p, SolveOptions())
    warm = highs.solve(p, SolveOptions(), start=np.zeros(p.n_cols))
    assert cold.status.value == warm.status.value == "optimal"
    assert warm.objective == pytest.approx(cold.objective)
