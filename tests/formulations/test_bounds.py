"""Bounds from the instance alone (formulations/bounds.py): valid against brute force, and
present on every time-limited result."""

from __future__ import annotations

import math

import numpy as np
import pytest

import siting
from siting.formulations.bounds import instance_bound, rounded
from siting.instance import Instance
from siting.options import SolveOptions
from siting.problems import CFLP, LSCP, MCLP, UFL, PCenter, PMedian
from siting.testing import brute_force, random_instance

SEEDS = range(8)


def _vertex_instance(seed: int, n: int = 9) -> Instance:
    """Sites are the demand points (cost 0 to themselves), as in OR-Library pmed."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, size=(n, 2))
    D = np.round(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    return Instance(cost=D, weight=rng.integers(1, 6, size=n).astype(float),
                    demand_ids=np.arange(n), site_ids=np.arange(n),
                    fixed_cost=rng.integers(20, 120, size=n).astype(float), name=f"v{seed}")


def _instances(seed: int) -> list[Instance]:
    return [random_instance(seed, n=9, m=6, integer=seed % 2 == 0),
            _vertex_instance(seed),
            random_instance(seed, n=9, m=7).with_flags(required=[1 + seed % 7],
                                                       forbidden=[1 + (seed + 3) % 7])]


def _problems(seed: int) -> list:
    return [PMedian(p=1 + seed % 3), PCenter(p=1 + seed % 3),
            PCenter(p=2, weighted=True), LSCP(radius=45.0 + 5 * seed),
            LSCP(radius=30.0, drop_unreachable=True), MCLP(radius=30.0, p=2),
            MCLP(radius=35.0, budget=150.0), MCLP(radius=25.0, p=2, budget=100.0), UFL()]


@pytest.mark.parametrize("seed", SEEDS)
def test_bound_never_passes_the_brute_force_optimum(seed):
    for inst in _instances(seed):
        for problem in _problems(seed):
            optimum, _ = brute_force(inst, problem)
            bound = rounded(inst, problem, instance_bound(inst, problem, seconds=0.2))
            if optimum is None or bound is None:
                continue
            what = f"{problem} on {inst.name}: bound {bound} optimum {optimum}"
            if isinstance(problem, MCLP):
                assert bound >= optimum - 1e-9, what
            else:
                assert bound <= optimum + 1e-9, what


@pytest.mark.parametrize("seed", range(3))
def test_cflp_bound_below_optimum(seed):
    inst = random_instance(seed, n=6, m=4, capacities=True)
    for problem in (CFLP(), CFLP(single_source=True)):
        optimum, _ = brute_force(inst, problem)
        bound = rounded(inst, problem, instance_bound(inst, problem, seconds=0.2))
        assert optimum is not None and bound is not None
        assert bound <= optimum + 1e-9, (problem, bound, optimum)


def test_vertex_pmedian_bound_is_not_trivial():
    """On sites = demand points every nearest cost is 0: the bound must still be useful."""
    inst = _vertex_instance(3, n=12)
    optimum, _ = brute_force(inst, PMedian(p=3))
    bound = instance_bound(inst, PMedian(p=3), seconds=0.0)
    assert optimum is not None and 0 < bound <= optimum


def test_pcenter_bound_uses_second_nearest():
    inst = _vertex_instance(5, n=10)
    optimum, _ = brute_force(inst, PCenter(p=2))
    bound = instance_bound(inst, PCenter(p=2))
    assert optimum is not None and 0 < bound <= optimum


def test_time_limited_orlib_pmedian_reports_a_bound(shared_instances):
    """Issue #21 item 2: pmed20 classic with a 2 s limit reported bound None (or 0, gap 1)."""
    path = shared_instances / "orlib-pmed" / "pmed20.txt"
    inst = siting.load_instance(path)
    res = siting.solve(inst, "p-median", p=inst.default_p, formulation="classic",
                       options=SolveOptions(time_limit=2.0))
    assert res.has_solution
    if res.status is not siting.Status.OPTIMAL:
        assert res.bound is not None and math.isfinite(res.bound), res.summary()
        assert 0 < res.bound <= res.objective
        assert res.gap is not None and res.gap < 1.0, res.summary()  # main: 1 (bound 0)


@pytest.mark.parametrize("seed", range(6))
def test_p_dispersion_bound_is_never_below_the_optimum(seed: int) -> None:
    from itertools import combinations

    import numpy as np

    from siting.formulations.bounds import instance_bound
    from siting.instance import Instance
    from siting.problems import PDispersion

    rng = np.random.default_rng(seed)
    n, p = 9, 3 + seed % 3
    xy = rng.integers(0, 100, size=(n, 2)).astype(float)
    d = np.floor(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    ids = np.array([f"s{k}" for k in range(n)])
    forbidden = np.zeros(n, bool)
    forbidden[seed % n] = seed % 2 == 1
    inst = Instance(cost=d, weight=np.ones(n), demand_ids=ids, site_ids=ids, forbidden=forbidden)
    allowed = np.flatnonzero(~forbidden)
    best = max(min(d[a, b] for a, b in combinations(S, 2))
               for S in combinations(allowed, p))
    bound = instance_bound(inst, PDispersion(p=p))
    assert bound is not None and bound >= best - 1e-9, (bound, best)
