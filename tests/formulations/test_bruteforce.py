"""Every model and formulation against brute-force enumeration on seeded random instances."""

from __future__ import annotations

import numpy as np
import pytest

import siting
from siting.problems import CFLP, LSCP, MCLP, UFL, PCenter, PMedian
from siting.testing import assert_verified, brute_force, random_instance

SEEDS = range(6)


def _check(inst, problem, formulation=None, **solve_kw):
    expected, _ = brute_force(inst, problem)
    res = siting.solve(inst, problem, formulation=formulation, **solve_kw)
    if expected is None:
        assert res.status is siting.Status.INFEASIBLE, res.summary()
        return res
    assert res.status is siting.Status.OPTIMAL, res.summary()
    assert_verified(res)
    assert res.objective == pytest.approx(expected, rel=1e-7, abs=1e-6)
    assert res.bound == pytest.approx(expected, rel=1e-6, abs=1e-6)
    return res


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("formulation", ["radius", "classic", "benders"])
@pytest.mark.parametrize("integer", [True, False])
def test_p_median(seed, formulation, integer):
    inst = random_instance(seed, n=9, m=6, integer=integer)
    _check(inst, PMedian(p=1 + seed % 3), formulation)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("formulation", ["radius", "classic", "benders"])
def test_p_median_required_forbidden(seed, formulation):
    inst = random_instance(seed, n=9, m=7).with_flags(required=[1 + seed % 7],
                                                      forbidden=[1 + (seed + 3) % 7])
    _check(inst, PMedian(p=3), formulation)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("formulation", ["search", "classic"])
@pytest.mark.parametrize("weighted", [False, True])
def test_p_center(seed, formulation, weighted):
    inst = random_instance(seed, n=9, m=6, integer=seed % 2 == 0)
    if seed % 3 == 0:
        inst = inst.with_flags(required=[2], forbidden=[5])
    _check(inst, PCenter(p=2, weighted=weighted), formulation)


@pytest.mark.parametrize("seed", SEEDS)
def test_lscp(seed):
    inst = random_instance(seed, n=10, m=7)
    radius = float(np.sort(inst.dense_cost().min(axis=1))[-1]) + 5  # every point coverable
    _check(inst, LSCP(radius=radius))
    # unit costs when no site costs are given
    unit = random_instance(seed, n=10, m=7, fixed_costs=False)
    _check(unit, LSCP(radius=radius))


def test_lscp_unreachable_is_reported_not_dropped():
    inst = random_instance(3, n=10, m=5)
    radius = float(np.sort(inst.dense_cost().min(axis=1))[-2]) - 1e-6  # one point out of reach
    res = siting.solve(inst, LSCP(radius=radius))
    assert res.status is siting.Status.INFEASIBLE
    assert not res.has_solution
    assert "no candidate site within" in res.messages[0]
    dropped = siting.solve(inst, LSCP(radius=radius, drop_unreachable=True))
    assert dropped.status is siting.Status.OPTIMAL
    assert_verified(dropped)
    assert any("left out" in m for m in dropped.messages)
    expected, _ = brute_force(inst, LSCP(radius=radius, drop_unreachable=True))
    assert dropped.objective == pytest.approx(expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("limits", [(2, None), (None, 150.0), (3, 200.0)])
def test_mclp(seed, limits):
    p, budget = limits
    inst = random_instance(seed, n=12, m=7, sparse_radius=None)
    if seed % 2:
        inst = inst.with_flags(required=[1])
    _check(inst, MCLP(radius=30.0, p=p, budget=budget))


@pytest.mark.parametrize("seed", SEEDS)
def test_mclp_sparse_costs(seed):
    inst = random_instance(seed, n=12, m=7, sparse_radius=45.0)
    assert inst.is_sparse
    _check(inst, MCLP(radius=30.0, p=2))
    _check(inst, LSCP(radius=45.0, drop_unreachable=True))


@pytest.mark.parametrize("seed", SEEDS)
def test_ufl(seed):
    inst = random_instance(seed, n=9, m=6)
    if seed % 2:
        inst = inst.with_flags(required=[2], forbidden=[4])
    _check(inst, UFL())


@pytest.mark.parametrize("seed", SEEDS)
def test_cflp_multi_source(seed):
    inst = random_instance(seed, n=8, m=5, capacities=True)
    _check(inst, CFLP())


@pytest.mark.parametrize("seed", range(4))
def test_cflp_single_source(seed):
    inst = random_instance(seed, n=6, m=4, capacities=True)
    _check(inst, CFLP(single_source=True))


def test_sparse_and_dense_agree():
    dense = random_instance(11, n=15, m=8)
    sparse = random_instance(11, n=15, m=8, sparse_radius=1e9)
    for problem in (PMedian(p=3), UFL(), MCLP(radius=25, p=3), PCenter(p=2)):
        a = siting.solve(dense, problem)
        b = siting.solve(sparse, problem)
        assert a.objective == pytest.approx(b.objective)
