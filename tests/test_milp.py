"""The solver-neutral MILP: builder assembly, validation, HiGHS round trip."""

from __future__ import annotations

import numpy as np
import pytest

import siting
import siting.testing
from siting.backends import get_backend
from siting.errors import SpecError
from siting.milp import MilpBuilder
from siting.options import SolveOptions


def _knapsack() -> siting.MilpProblem:
    b = MilpBuilder("max")
    x = b.add_vars("x", 3, upper=1.0, integer=True, cost=np.array([5.0, 4.0, 3.0]))
    b.add_rows("weight", 1, np.zeros(3, int), x.start + np.arange(3), np.array([2.0, 3.0, 1.0]),
               upper=4.0)
    return b.build(objective_granularity=1.0)


def test_builder_blocks_and_matrix():
    milp = _knapsack()
    assert milp.n_cols == 3 and milp.n_rows == 1 and milp.nnz == 3
    assert milp.blocks["x"].slice == slice(0, 3)
    assert milp.A.toarray().tolist() == [[2.0, 3.0, 1.0]]
    assert milp.integrality.all()


def test_solve_and_violation():
    milp = _knapsack()
    sol = get_backend("highs").solve(milp, SolveOptions())
    assert sol.status is siting.Status.OPTIMAL
    assert sol.objective == pytest.approx(8.0) and sol.bound == pytest.approx(8.0)
    assert milp.max_violation(sol.x) <= 1e-9
    assert milp.max_violation(np.ones(3)) == pytest.approx(2.0)


def test_validate_rejects_nan():
    b = MilpBuilder()
    b.add_vars("x", 2, cost=np.array([1.0, np.nan]))
    with pytest.raises(SpecError, match="NaN"):
        b.build()


def test_validate_rejects_crossed_bounds():
    b = MilpBuilder()
    b.add_vars("x", 1, lower=2.0, upper=1.0)
    with pytest.raises(SpecError, match="lower bound above"):
        b.build()


def test_duplicate_entries_are_summed():
    b = MilpBuilder()
    x = b.add_vars("x", 2)
    b.add_rows("r", 1, np.array([0, 0, 0]), x.start + np.array([0, 0, 1]), 1.0, lower=1.0)
    milp = b.build()
    assert milp.A.toarray().tolist() == [[2.0, 1.0]]


def test_infeasible_and_unbounded_are_values():
    b = MilpBuilder()
    x = b.add_vars("x", 1, upper=1.0, integer=True)
    b.add_rows("r", 1, np.array([0]), np.array([x.start]), 1.0, lower=2.0)
    sol = get_backend("highs").solve(b.build(), SolveOptions())
    assert sol.status is siting.Status.INFEASIBLE and sol.x is None
    b = MilpBuilder("max")
    b.add_vars("x", 1, cost=1.0, integer=True)
    sol = get_backend("highs").solve(b.build(), SolveOptions())
    assert sol.status in (siting.Status.UNBOUNDED, siting.Status.NO_SOLUTION)
    assert not sol.has_solution


def test_radius_model_is_smaller_than_classic():
    inst = siting.testing.random_instance(5, n=60, m=60)
    from siting.formulations import get_formulation
    from siting.problems import PMedian

    radius = get_formulation("p-median", "radius").build(inst, PMedian(p=10))
    classic = get_formulation("p-median", "classic").build(inst, PMedian(p=10))
    assert radius.nnz < classic.nnz
    assert radius.objective_granularity == 1.0


def test_unknown_backend_has_install_hint():
    with pytest.raises(siting.BackendUnavailableError, match="unknown backend"):
        get_backend("nope")
