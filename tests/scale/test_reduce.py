"""Reductions keep the optimum: brute force and exact solves before/after, on small instances."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import siting
from siting.instance import Instance
from siting.problems import LSCP, MCLP
from siting.reduce import identical_rows, reduce_covering
from siting.testing import brute_force
from siting.testing.city import generate_city, radius_instance


def _small(seed: int, n: int = 40, m: int = 9, flags: bool = False) -> Instance:
    rng = np.random.default_rng(seed)
    dxy = rng.uniform(0, 10, size=(n, 2))
    sxy = rng.uniform(0, 10, size=(m, 2))
    D = np.round(np.linalg.norm(dxy[:, None] - sxy[None], axis=2), 1)
    cost = rng.integers(1, 4, size=m).astype(float)  # few values -> many cost ties
    w = rng.integers(0, 5, size=n).astype(float)
    req = forb = None
    if flags:
        req = np.zeros(m, bool)
        req[0] = True
        forb = np.zeros(m, bool)
        forb[1] = True
    return Instance(cost=D, weight=w, demand_ids=np.arange(n), site_ids=np.arange(m),
                    fixed_cost=cost, required=req, forbidden=forb, name=f"small{seed}")


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("flags", [False, True])
def test_mclp_reduction_keeps_brute_force_optimum(seed: int, flags: bool) -> None:
    inst = _small(seed, flags=flags)
    prob = MCLP(radius=3.0, p=3, budget=5.0)
    want, _ = brute_force(inst, prob)
    for form in ("reduced", "cover"):
        res = siting.solve(inst, prob, formulation=form)
        assert res.is_optimal
        assert res.verification is not None and res.verification.feasible
        assert res.objective == pytest.approx(want)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("flags", [False, True])
def test_lscp_reduction_keeps_brute_force_optimum(seed: int, flags: bool) -> None:
    inst = _small(seed, flags=flags)
    prob = LSCP(radius=3.5, drop_unreachable=True)
    want, _ = brute_force(inst, prob)
    res = siting.solve(inst, prob, formulation="reduced")
    plain = siting.solve(inst, prob, formulation="cover")
    assert res.is_optimal and plain.is_optimal
    assert res.objective == pytest.approx(want)
    assert plain.objective == pytest.approx(want)


def test_reductions_shrink_a_city_and_keep_the_exact_optimum() -> None:
    city = generate_city(1500, 150, seed=3)
    inst = radius_instance(city, 600.0)
    budget = float(12 * city.site_cost.mean())
    prob = MCLP(radius=600.0, budget=budget)
    red = reduce_covering(inst, prob)
    assert red.instance is not None
    assert red.instance.n_demand < inst.n_demand  # clustered blocks share cover sets
    assert red.instance.weight.sum() + red.offset <= inst.weight.sum()
    a = siting.solve(inst, prob, formulation="reduced")
    b = siting.solve(inst, prob, formulation="cover")
    assert a.is_optimal and b.is_optimal
    assert a.objective == pytest.approx(b.objective)
    assert any("merge demand" in msg for msg in a.messages)

    lscp = LSCP(radius=900.0, drop_unreachable=True)
    a = siting.solve(inst, lscp, formulation="reduced")
    b = siting.solve(inst, lscp, formulation="cover")
    assert a.is_optimal and b.is_optimal
    assert a.objective == pytest.approx(b.objective)
    assert any("fix essential" in msg for msg in a.messages)


def test_lscp_unreachable_without_permission_is_infeasible() -> None:
    inst = _small(0)
    res = siting.solve(inst, LSCP(radius=0.1), formulation="reduced")
    assert res.status.value == "infeasible"
    assert "drop_unreachable" in " ".join(res.messages)


def test_everything_settled_by_essential_sites() -> None:
    # two far-apart sites, each the only cover of its points: both essential, no MILP left
    D = np.array([[0.0, 9.0], [1.0, 9.0], [9.0, 0.0]])
    inst = Instance(cost=D, weight=np.ones(3), demand_ids=np.arange(3), site_ids=np.array(["a", "b"]),
                    fixed_cost=np.array([2.0, 3.0]))
    res = siting.solve(inst, LSCP(radius=1.0), formulation="reduced")
    assert res.is_optimal and res.objective == 5.0 and res.open_sites == ["a", "b"]


def test_identical_rows_groups_exactly() -> None:
    rows = [[0, 2], [1], [0, 2], [], [1], [0, 1, 2]]
    i = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    j = np.concatenate([np.asarray(r, dtype=np.int64) for r in rows])
    C = sp.csr_array((np.ones(i.size, np.int32), (i, j)), shape=(len(rows), 3))
    lab = identical_rows(C)
    assert lab[0] == lab[2] and lab[1] == lab[4]
    assert len(set(lab.tolist())) == 4


@pytest.mark.parametrize("seed", range(4))
def test_pairwise_rules_in_blocks_and_cut_by_the_deadline_stay_exact(seed, monkeypatch):
    # issue #21: the overlap products run in blocks that read the deadline; blocks of 4 give
    # the one-block answer (and the reduced solve the brute-force optimum), and a rule cut
    # after its first block drops a subset of those sites: each keeps a chain of dominators
    # whose top is undominated, so never dropped
    import siting.reduce as reduce

    inst = _small(seed, n=60, m=14)
    C = reduce.coverage_matrix(inst, 3.0)
    cost, req = inst.site_costs().astype(float), np.zeros(inst.n_sites, bool)
    whole = reduce.dominated_sites(C, cost, req)
    monkeypatch.setattr(reduce, "PAIRWISE_BLOCK", 4)
    np.testing.assert_array_equal(reduce.dominated_sites(C, cost, req), whole)
    cut = reduce.dominated_sites(C, cost, req, deadline=0.0)
    assert not (cut & ~whole).any()
    prob = LSCP(radius=3.5, drop_unreachable=True)
    want, _ = brute_force(inst, prob)
    res = siting.solve(inst, prob, formulation="reduced")
    assert res.is_optimal and res.objective == pytest.approx(want)
