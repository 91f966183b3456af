"""Neighbourhood search on a solver-neutral MILP: the restricted MILP is the original with the
other columns fixed, an answer is kept only when strictly better, and the point stays feasible."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting.backends import get_backend
from siting.milp import MilpBuilder, MilpProblem
from siting.neighbourhood import NeighbourhoodSearch
from siting.options import SolveOptions
from siting.solution import Status


def knapsack(seed: int, n: int = 12) -> tuple[MilpProblem, np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(seed)
    value = rng.integers(1, 30, n).astype(float)
    weight = rng.integers(1, 20, n).astype(float)
    cap = float(weight.sum() // 3)
    b = MilpBuilder("max")
    x = b.add_vars("x", n, lower=0.0, upper=1.0, integer=True)
    b.add_rows("cap", 1, np.zeros(n), x.start + np.arange(n), weight, upper=cap)
    # a local row per pair (x_0 + x_1 <= 1, ...): rows without a free column must drop out
    pairs = np.arange(0, n - 1, 2)
    b.add_rows("pair", pairs.size, np.r_[np.arange(pairs.size), np.arange(pairs.size)],
               np.r_[pairs, pairs + 1], np.ones(2 * pairs.size), upper=1.0)
    milp = b.build()
    milp = MilpProblem(**{**milp.__dict__, "c": value})
    return milp, value, weight, cap


def highs(sub: MilpProblem, start: np.ndarray, seconds: float) -> tuple[np.ndarray | None, bool]:
    sol = get_backend("highs").solve(sub, SolveOptions(time_limit=seconds), start=start)
    return sol.x, sol.status is Status.OPTIMAL


def best_with_fixed(milp: MilpProblem, x: np.ndarray, free: np.ndarray) -> float:
    best = -np.inf
    for bits in itertools.product([0.0, 1.0], repeat=free.size):
        y = x.copy()
        y[free] = bits
        if milp.max_violation(y) <= 1e-9:
            best = max(best, milp.objective_value(y))
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_window_reaches_the_best_plan_with_the_rest_fixed(seed: int) -> None:
    milp, value, weight, cap = knapsack(seed)
    x0 = np.zeros(milp.n_cols)
    x0[[0, 3]] = 1.0  # a feasible start: x_0 and x_3 are in different pair rows
    assert milp.max_violation(x0) == 0
    nb = NeighbourhoodSearch(milp, x0)
    free = np.array([2, 3, 4, 5, 6])
    sub, rows = nb.restrict(free)
    assert sub.n_cols == free.size
    # pair rows of columns (0,1), (8,9), (10,11) have no free column: dropped
    assert set(rows.tolist()) == {0, 2, 3, 4}
    expected = best_with_fixed(milp, x0, free)
    outcome = nb.improve(free, highs, 10.0)
    assert outcome.proven
    assert nb.objective == pytest.approx(expected)
    assert outcome.gain == pytest.approx(expected - milp.objective_value(x0))
    assert milp.max_violation(nb.x) <= 1e-9
    assert nb.x[[0, 1, 7, 8, 9, 10, 11]].tolist() == x0[[0, 1, 7, 8, 9, 10, 11]].tolist()


def test_a_worse_or_equal_answer_leaves_the_plan_alone() -> None:
    milp, *_ = knapsack(4)
    x0 = np.zeros(milp.n_cols)
    nb = NeighbourhoodSearch(milp, x0)
    nb.improve(np.arange(milp.n_cols), highs, 10.0)
    best = nb.x.copy()
    again = nb.improve(np.array([0, 1, 2]), highs, 10.0)  # nothing better with the rest fixed
    assert again.gain == 0.0 and nb.x.tolist() == best.tolist()

    def worse(sub: MilpProblem, start: np.ndarray, seconds: float):  # type: ignore[no-untyped-def]
        return np.zeros_like(start), False

    assert nb.improve(np.array([0, 1, 2, 3]), worse, 1.0).gain == 0.0
    assert nb.x.tolist() == best.tolist()


def test_an_answer_that_breaks_a_row_of_the_whole_model_is_refused() -> None:
    milp, *_ = knapsack(5)
    nb = NeighbourhoodSearch(milp, np.zeros(milp.n_cols))

    def cheat(sub: MilpProblem, start: np.ndarray, seconds: float):  # type: ignore[no-untyped-def]
        return np.ones_like(start), True  # every item: over the capacity

    assert nb.improve(np.arange(milp.n_cols), cheat, 1.0).gain == 0.0
    assert nb.x.sum() == 0
