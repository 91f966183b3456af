"""p-median / p-center on sparse reach: infeasible exactly when no p sites reach every demand
point (a set cover), from every formulation, even where the piece count says nothing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import siting
from siting.instance import Instance, SparseCosts
from siting.problems import PCenter, PMedian
from siting.reachability import component_infeasibility, cover_bound, reach_pieces
from siting.testing import assert_verified, brute_force, random_instance

EXACT = [("p-median", f) for f in ("benders", "benders-scip", "radius", "classic")] + \
        [("p-center", f) for f in ("search", "classic")]
HEURISTIC = [("p-median", "heuristic"), ("p-median", "lagrangian"), ("p-center", "heuristic")]
HELSINKI = Path(__file__).resolve().parents[2] / "instances" / "helsinki" / "helsinki.gpkg"


def _cycles(k: int, copies: int, weight: np.ndarray | None = None) -> Instance:
    """``copies`` disjoint odd cycles: demand point c reaches sites c and c+1 of its cycle.
    Each cycle is one piece whose points pairwise overlap, cover number (k+1)/2 each."""
    base = np.arange(k)
    i = np.concatenate([np.repeat(base, 2) + c * k for c in range(copies)])
    j = np.concatenate([np.stack([base, (base + 1) % k], 1).ravel() + c * k
                        for c in range(copies)])
    d = np.tile([3.0, 5.0], k * copies)
    n = k * copies
    return Instance(cost=SparseCosts.from_pairs(i, j, d, (n, n)),
                    weight=np.ones(n) if weight is None else weight,
                    demand_ids=np.array([f"d{x}" for x in range(n)]),
                    site_ids=np.array([f"s{x}" for x in range(n)]), name="cycles")


def test_cover_bound_is_a_packing_of_points_sharing_no_site():
    inst = _cycles(5, 2)
    need, who = cover_bound(inst)
    assert need == 4  # two per 5-cycle; the cover number is 6, the pieces only 2
    assert reach_pieces(inst).n_with_demand == 2
    i, j, _ = inst.pairs()
    sites = [set(j[i == w].tolist()) for w in who]
    assert all(not (a & b) for x, a in enumerate(sites) for b in sites[x + 1:])


def test_cover_bound_counts_required_sites_and_skips_what_they_serve():
    inst = replace(_cycles(5, 1), required=np.array([True, False, False, False, False]))
    need, who = cover_bound(inst)
    # s0 serves d0 and d4; d1..d3 (sites 1-2, 2-3, 3-4) pack two
    assert need == 3 and who.size == 2
    assert "1 required site(s) plus 2 demand points" in component_infeasibility(
        inst, PMedian(p=2))


@pytest.mark.parametrize("kind,formulation", EXACT)
@pytest.mark.parametrize("k,copies,p", [(5, 1, 2), (5, 2, 5), (7, 1, 3)])
def test_no_p_sites_reach_everyone_is_infeasible_with_the_reason(kind, formulation, k, copies, p):
    # the cheap checks cannot see it (pieces and packing both <= p): the model must decide;
    # (5, 2, 5) has a feasible cover LP (2.5 per cycle), so only the integer master proves it
    inst = _cycles(k, copies)
    problem = PMedian(p=p) if kind == "p-median" else PCenter(p=p)
    assert component_infeasibility(inst, problem) is None
    res = siting.solve(inst, problem, formulation=formulation)
    assert res.status is siting.Status.INFEASIBLE, res.summary()
    assert res.decision is None
    assert res.messages[0].startswith(f"no set of p = {p} sites reaches every demand point")


@pytest.mark.parametrize("kind,formulation", HEURISTIC)
def test_heuristics_on_sparse_infeasible_reach_give_no_answer_not_an_error(kind, formulation):
    inst = _cycles(5, 1)
    problem = PMedian(p=2) if kind == "p-median" else PCenter(p=2)
    res = siting.solve(inst, problem, formulation=formulation,
                       options=siting.SolveOptions(time_limit=2.0))
    assert res.status in (siting.Status.INFEASIBLE, siting.Status.NO_SOLUTION), res.summary()
    assert res.decision is None


@pytest.mark.parametrize("kind,formulation", EXACT)
def test_a_light_point_is_served_not_priced_away(kind, formulation):
    # 5-cycle, p = 3: a zero-weight point still needs a site within reach; a penalty price
    # for unreachable pairs alone would leave it unserved
    weight = np.array([0.0, 1000.0, 1000.0, 1000.0, 1000.0])
    inst = _cycles(5, 1, weight)
    problem = PMedian(p=3) if kind == "p-median" else PCenter(p=3, weighted=True)
    expected, _ = brute_force(inst, problem)
    res = siting.solve(inst, problem, formulation=formulation)
    assert res.status is siting.Status.OPTIMAL, res.summary()
    assert_verified(res)
    assert res.objective == pytest.approx(expected)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("kind,formulation", EXACT)
def test_sparse_feasible_instances_agree_with_brute_force(kind, formulation, seed):
    rng = np.random.default_rng(seed)
    inst = random_instance(seed, n=12, m=8, sparse_radius=40.0, fixed_costs=False)
    lost = np.flatnonzero(np.bincount(inst.pairs()[0], minlength=inst.n_demand) == 0)
    if lost.size:  # keep points that reach some site: only the p question is left
        from siting.reachability import drop_demand
        inst = drop_demand(inst, lost)
    inst = replace(inst, weight=np.where(rng.random(inst.n_demand) < 0.2, 0.0, inst.weight))
    p = int(rng.integers(2, 6))
    problem = PMedian(p=p) if kind == "p-median" else PCenter(p=p)
    expected, _ = brute_force(inst, problem)
    res = siting.solve(inst, problem, formulation=formulation)
    if expected is None:
        assert res.status is siting.Status.INFEASIBLE, res.summary()
        assert res.messages[0].startswith("no set of p")
        return
    assert res.status is siting.Status.OPTIMAL, res.summary()
    assert_verified(res)
    assert res.objective == pytest.approx(expected, rel=1e-7, abs=1e-6)


@pytest.fixture(scope="module")
def helsinki():
    gpd = pytest.importorskip("geopandas")
    import pandas as pd

    b = gpd.read_file(HELSINKI, layer="buildings").to_crs(4326).head(80)
    s = gpd.read_file(HELSINKI, layer="sites").to_crs(4326)
    poly = s[s.geom_type != "Point"]
    s = pd.concat([poly, s[s.geom_type == "Point"].head(30 - len(poly))])
    return b, s


@pytest.mark.parametrize("kind,formulation", EXACT)
def test_helsinki_p12_within_150m_is_infeasible_not_a_verification_error(
        helsinki, kind, formulation):
    from siting.frames import solve_frames

    b, s = helsinki
    out = solve_frames(b, s, kind, p=12, cutoff=150, unreachable="drop",
                       formulation=formulation)
    res = out.result
    assert res.status is siting.Status.INFEASIBLE, res.summary()
    assert "a set-cover bound" in res.messages[0]
    assert res.timings.total < 5.0  # decided before any model is built


def _zero_weights(inst: Instance, seed: int, share: float) -> Instance:
    rng = np.random.default_rng(seed)
    return replace(inst, weight=np.where(rng.random(inst.n_demand) < share, 0.0, inst.weight))


@pytest.mark.parametrize("seed,p", [(2, 12), (3, 16), (5, 16), (9, 20), (11, 12)])
def test_sparse_p_median_formulations_agree_beyond_brute_force(seed, p):
    # 150 x 40 within a radius of 22 with zero weights: greedy leaves points unserved, the
    # cover start, feasibility cuts and Lagrangian fixing all take part (all five cases
    # reported a too-high "optimal" or a VerificationError before)
    from siting.reachability import drop_demand

    inst = random_instance(seed, n=150, m=40, sparse_radius=22.0, fixed_costs=False)
    lost = np.flatnonzero(np.bincount(inst.pairs()[0], minlength=inst.n_demand) == 0)
    inst = _zero_weights(drop_demand(inst, lost), seed, 0.2)
    ref = siting.solve(inst, PMedian(p=p), formulation="classic")
    assert ref.status is siting.Status.OPTIMAL
    for formulation in ("benders", "benders-scip", "radius"):
        res = siting.solve(inst, PMedian(p=p), formulation=formulation)
        assert res.status is siting.Status.OPTIMAL, (formulation, res.summary())
        assert_verified(res)
        assert res.objective == pytest.approx(ref.objective), formulation


@pytest.mark.parametrize("seed,p", [(3, 10), (6, 10), (8, 5), (9, 5)])
def test_benders_lagrangian_bound_holds_with_weightless_points_on_complete_costs(seed, p):
    # a weightless point's multiplier must stay 0: it grew and overstated the Lagrangian
    # bound, and reduced-cost fixing then cut the optimum off (an "optimal" above classic)
    inst = _zero_weights(random_instance(seed, n=150, m=40, fixed_costs=False), seed, 0.3)
    ref = siting.solve(inst, PMedian(p=p), formulation="classic")
    res = siting.solve(inst, PMedian(p=p), formulation="benders")
    assert res.status is siting.Status.OPTIMAL
    assert res.objective == pytest.approx(ref.objective)


@pytest.mark.parametrize("seed,p", [(0, 10), (0, 11), (2, 10), (5, 11), (5, 12)])
@pytest.mark.parametrize("formulation", ["benders", "benders-scip"])
def test_benders_masters_decide_without_a_feasible_incumbent(monkeypatch, seed, p, formulation):
    # no greedy cover start: the masters with the feasibility cuts alone must prove
    # infeasible ((0, 10), (2, 10), (5, 11): past the cheap checks) or find the optimum
    from siting.formulations import benders
    from siting.reachability import drop_demand

    monkeypatch.setattr(benders, "_cover_start", lambda *args: None)
    inst = random_instance(seed, n=150, m=40, sparse_radius=22.0, fixed_costs=False)
    lost = np.flatnonzero(np.bincount(inst.pairs()[0], minlength=inst.n_demand) == 0)
    inst = drop_demand(inst, lost)
    assert component_infeasibility(inst, PMedian(p=p)) is None
    ref = siting.solve(inst, PMedian(p=p), formulation="classic")
    res = siting.solve(inst, PMedian(p=p), formulation=formulation)
    assert res.status is ref.status, res.summary()
    if ref.status is siting.Status.OPTIMAL:
        assert_verified(res)
        assert res.objective == pytest.approx(ref.objective)
    else:
        assert res.messages[0].startswith(f"no set of p = {p} sites")
