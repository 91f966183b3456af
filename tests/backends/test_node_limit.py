"""``SolveOptions.node_limit``: backends that declare ``supports_node_limit`` stop after that
many nodes and still answer honestly (a plan, a bound, optimal only when proven)."""

from __future__ import annotations

import numpy as np
import pytest

from siting.backends import get_backend
from siting.backends.base import Backend
from siting.milp import MilpBuilder, MilpProblem
from siting.options import SolveOptions
from siting.solution import Status


def multi_knapsack(n: int = 70, rows: int = 4, seed: int = 3) -> MilpProblem:
    """Hard enough that the root rarely closes it; every point with x = 0 is feasible."""
    rng = np.random.default_rng(seed)
    b = MilpBuilder("max", name="multi-knapsack")
    x = b.add_vars("x", n, lower=0.0, upper=1.0, integer=True,
                   cost=rng.integers(10, 100, n).astype(float))
    w = rng.integers(10, 100, (rows, n)).astype(float)
    r, c = np.nonzero(w)
    b.add_rows("cap", rows, r, x.start + c, w[r, c], upper=w.sum(axis=1) / 3)
    return b.build()


def test_a_backend_with_a_node_limit_stops_at_the_root_and_keeps_its_bound(
        backend: Backend) -> None:
    if not backend.supports_node_limit:
        pytest.skip(f"{backend.name} has no node limit")
    milp = multi_knapsack()
    full = backend.solve(milp, SolveOptions(time_limit=60))
    root = backend.solve(milp, SolveOptions(time_limit=60, node_limit=1),
                         start=np.zeros(milp.n_cols))
    assert full.status is Status.OPTIMAL
    assert root.has_solution and root.bound is not None and root.objective is not None
    assert root.objective <= full.objective + 1e-6 <= root.bound + 1e-6
    if root.status is Status.OPTIMAL:  # the root closed it: then it is the optimum
        assert root.objective == pytest.approx(full.objective)
    else:
        assert root.nodes is None or root.nodes <= 2


def test_the_root_of_a_large_mip_is_solved_by_interior_point_only_when_root_only() -> None:
    from siting.backends.highs import ROOT_BARRIER_MIN_NNZ, _root_by_barrier

    big = multi_knapsack(n=ROOT_BARRIER_MIN_NNZ // 4 + 1)
    assert big.nnz >= ROOT_BARRIER_MIN_NNZ
    assert _root_by_barrier(big, SolveOptions(node_limit=1))
    assert not _root_by_barrier(big, SolveOptions())  # a tree: node LPs want simplex
    assert not _root_by_barrier(big, SolveOptions(node_limit=1,
                                                  backend_options={"mip_lp_solver": "simplex"}))
    assert not _root_by_barrier(multi_knapsack(), SolveOptions(node_limit=1))


def test_highs_says_when_the_root_lp_ran_by_interior_point(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from siting.backends import highs as highs_module

    milp = multi_knapsack()
    monkeypatch.setattr(highs_module, "ROOT_BARRIER_MIN_NNZ", 1)
    sol = get_backend("highs").solve(milp, SolveOptions(time_limit=30, node_limit=1))
    assert any("interior point" in n for n in sol.notes)
    assert sol.has_solution and sol.bound is not None
