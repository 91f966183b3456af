"""CFLP `lagrangian` (the cflp default): Lagrangian bound, exact site fixing, Lagrangian
branch-and-bound on the rest. Checked against brute force, capopt, the strong model, and its own
pieces; weak-root variants force the tree to do the proof, and a deterministic clock stops it."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

import siting
import siting.verify
from siting.backends import get_backend
from siting.formulations import get_formulation
from siting.formulations.base import Context
from siting.formulations.cflp_lagrangian import CFLPLagrangian, _bound, _cover_knapsack, _pairs
from siting.options import SolveOptions
from siting.problems import CFLP
from siting.readers import load_instance
from siting.testing import assert_verified, brute_force, random_instance
from tests.conftest import read_optima


def test_lagrangian_is_the_cflp_default():
    assert get_formulation("cflp").name == "lagrangian"


@pytest.mark.parametrize("seed", range(8))
def test_equals_brute_force(seed):
    inst = random_instance(seed, n=9, m=6, capacities=True)
    expected, _ = brute_force(inst, CFLP())
    res = siting.solve(inst, CFLP(), formulation="lagrangian")
    assert res.status is siting.Status.OPTIMAL, res.summary()
    assert_verified(res)
    assert res.objective == pytest.approx(expected, rel=1e-7, abs=1e-6)
    assert res.bound == pytest.approx(expected, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_required_and_forbidden_sites(seed):
    inst = random_instance(seed, n=9, m=6, capacities=True)
    req = np.zeros(inst.n_sites, bool)
    req[0] = True
    forb = np.zeros(inst.n_sites, bool)
    forb[1] = True
    inst = replace(inst, required=req, forbidden=forb)
    expected, _ = brute_force(inst, CFLP())
    res = siting.solve(inst, CFLP(), formulation="lagrangian")
    assert_verified(res)
    assert res.decision.open[0] and not res.decision.open[1]
    assert res.objective == pytest.approx(expected, rel=1e-7, abs=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_bound_is_valid_for_any_multipliers(seed):
    """L(u) never exceeds the optimum, whatever u (the fixing relies on it)."""
    inst = random_instance(seed, n=9, m=6, capacities=True)
    opt, _ = brute_force(inst, CFLP())
    P = _pairs(inst)
    rng = np.random.default_rng(seed)
    for _ in range(50):
        u = rng.uniform(-50, 400, P.n) * rng.choice([0.1, 1.0, 10.0])
        L = _bound(P, u)[0]
        assert L <= opt + 1e-6 * max(1.0, abs(opt))


@pytest.mark.parametrize("seed", range(20))
def test_cover_knapsack_is_exact(seed):
    rng = np.random.default_rng(seed)
    k = int(rng.integers(1, 9))
    cost = rng.uniform(0, 10, k)
    size = rng.integers(1, 6, k)
    goal = int(rng.integers(1, size.sum() + 2))
    got = _cover_knapsack(cost, size, goal)
    best = np.inf
    for r in range(k + 1):
        for sub in itertools.combinations(range(k), r):
            if size[list(sub)].sum() >= goal:
                best = min(best, cost[list(sub)].sum())
    if not np.isfinite(best):
        assert got is None
    else:
        assert got is not None and size[got].sum() >= goal
        assert cost[got].sum() == pytest.approx(best)


def _capa_like(seed: int, m: int = 20, n: int = 200, capacity: float = 1500.0):
    """Beasley's capa/b/c shape at a smaller size: uniform points, cost = demand x distance."""
    from siting.instance import Instance

    rng = np.random.default_rng(seed)
    fx, cx = rng.uniform(0, 1000, (m, 2)), rng.uniform(0, 1000, (n, 2))
    q = rng.integers(1, 101, n).astype(float)
    D = np.sqrt(((cx[:, None, :] - fx[None, :, :]) ** 2).sum(-1))
    return Instance(cost=q[:, None] * D, weight=np.ones(n), demand_ids=np.arange(n),
                    site_ids=np.arange(m), fixed_cost=rng.uniform(1.37e5, 2.25e5, m).round(),
                    capacity=np.full(m, capacity), demand=q, name=f"capa-like-{seed}")


@pytest.mark.parametrize("seed", [0, 1])
def test_fixing_shrinks_the_milp_and_keeps_the_optimum(seed):
    inst = _capa_like(seed)
    strong = siting.solve(inst, CFLP(), formulation="strong")
    lag = siting.solve(inst, CFLP(), formulation="lagrangian")
    assert strong.status is lag.status is siting.Status.OPTIMAL
    assert_verified(lag)
    assert lag.objective == pytest.approx(strong.objective, rel=1e-7)
    closes = [m for m in lag.messages if "fixing closes" in m]
    assert closes and int(closes[0].split("closes ")[1].split()[0]) > 0, lag.messages


def test_time_limited_run_is_honest():
    inst = _capa_like(3, m=40, n=400, capacity=1500.0)
    res = siting.solve(inst, CFLP(), formulation="lagrangian",
                       options=SolveOptions(time_limit=0.5))
    assert res.status in (siting.Status.OPTIMAL, siting.Status.FEASIBLE), res.summary()
    assert_verified(res)
    assert res.bound is not None and res.bound <= res.objective + 1e-6 * res.objective


def test_single_source_uses_the_strong_model():
    inst = random_instance(2, n=6, m=4, capacities=True)
    expected, _ = brute_force(inst, CFLP(single_source=True))
    res = siting.solve(inst, CFLP(single_source=True), formulation="lagrangian")
    assert_verified(res)
    assert res.objective == pytest.approx(expected, rel=1e-7, abs=1e-6)
    assert any("single-source" in m for m in res.messages)


@pytest.mark.orlib
@pytest.mark.parametrize("name", ["cap41", "cap64", "cap94", "cap104", "cap131", "cap134"])
def test_matches_capopt(shared_instances, name):
    folder = shared_instances / "orlib-cap"
    if not (folder / f"{name}.txt").is_file():
        pytest.skip(f"{name} not in this instance folder")
    res = siting.solve(load_instance(folder / f"{name}.txt"), CFLP(), formulation="lagrangian")
    assert res.status is siting.Status.OPTIMAL, res.summary()
    assert_verified(res)
    assert res.objective == pytest.approx(read_optima(folder)[name], abs=1e-3)


class _OneStep(CFLPLagrangian):
    """One subgradient step at the root and three per node: weak bounds and a weak
    incumbent, so the tree branches and does the proof."""

    iterations = 1
    node_iterations = 3


def _run(form: CFLPLagrangian, inst, time_limit: float = 60.0):
    ctx = Context(instance=inst, problem=CFLP(), backend=get_backend("highs"),
                  options=SolveOptions(time_limit=time_limit))
    return form.run(ctx)


def _tree_nodes(messages) -> int:
    notes = [m for m in messages if "tree on" in m]
    return int(notes[0].split(": ")[2].split()[0]) if notes else 0


@pytest.mark.parametrize("seed", range(10))
def test_tree_from_a_weak_root_equals_brute_force(seed):
    inst = random_instance(seed, n=10, m=7, capacities=True)
    expected, _ = brute_force(inst, CFLP())
    out = _run(_OneStep(), inst)
    assert out.status is siting.Status.OPTIMAL, out.messages
    assert out.objective == pytest.approx(expected, rel=1e-7, abs=1e-6), out.messages
    assert out.bound == pytest.approx(expected, rel=1e-6, abs=1e-6)
    ver = siting.verify.verify(inst, CFLP(), out.decision)
    assert ver.feasible and ver.objective == pytest.approx(expected, rel=1e-7, abs=1e-6)


def test_the_weak_root_leaves_work_for_the_tree():
    """Guards the test above: most seeds must reach the tree with nodes to explore."""
    ran = [_tree_nodes(_run(_OneStep(), random_instance(s, n=10, m=7, capacities=True)).messages)
           for s in range(10)]
    assert sum(k > 1 for k in ran) >= 5, ran


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tree_matches_the_strong_model_at_tight_capacity(seed):
    """capa/b/c-like with capacity just above demand / k (the caplike7250 situation)."""
    inst = _capa_like(seed, m=16, n=120)
    k = int(np.ceil(inst.demand.sum() / 1500.0))
    inst = replace(inst, capacity=np.full(inst.n_sites, inst.demand.sum() / (k - 0.05)).round())
    strong = siting.solve(inst, CFLP(), formulation="strong")
    out = _run(_OneStep(), inst)
    assert strong.status is siting.Status.OPTIMAL
    assert out.status is siting.Status.OPTIMAL, out.messages
    assert out.objective == pytest.approx(strong.objective, rel=1e-7), out.messages
    assert _tree_nodes(out.messages) > 1, out.messages


class _StopAfter(Context):
    """A context whose clock runs out after ``calls`` checks (a deterministic time limit)."""

    calls: int = 0

    def out_of_time(self) -> bool:
        self.calls -= 1
        return self.calls < 0


def test_a_stopped_tree_reports_a_valid_bound():
    inst = _capa_like(1, m=16, n=120)
    k = int(np.ceil(inst.demand.sum() / 1500.0))
    inst = replace(inst, capacity=np.full(inst.n_sites, inst.demand.sum() / (k - 0.05)).round())
    opt = siting.solve(inst, CFLP(), formulation="strong").objective
    stopped = 0
    for calls in (6, 12, 25, 50):
        ctx = _StopAfter(instance=inst, problem=CFLP(), backend=get_backend("highs"),
                         options=SolveOptions(time_limit=60))
        ctx.calls = calls
        out = _OneStep().run(ctx)
        assert out.bound is not None and out.bound <= opt + 1e-6 * opt, (calls, out.messages)
        assert out.objective >= opt - 1e-6 * opt
        assert siting.verify.verify(inst, CFLP(), out.decision).feasible
        if out.status is siting.Status.OPTIMAL:
            assert out.objective == pytest.approx(opt, rel=1e-7)
        else:
            assert out.status is siting.Status.FEASIBLE and out.bound < out.objective
            stopped += any("stopped" in m for m in out.messages)
    assert stopped >= 1, "no run stopped inside the tree: the test checks nothing"
