"""Operator viability (community/viability.py): nearest shares recomputed by hand, the MILP
against exhaustive enumeration, the verifier's rejections and the catchment bound."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siting.community.diagnose import viability_notes
from siting.community.formulation import build_model
from siting.community.solve import solve
from siting.community.spec import CommunityProblem
from siting.community.verify import Plan, verify
from siting.community.viability import max_users, not_viable
from siting.solution import Status

from .helpers import (assert_matches_enumeration, planar_instance, plans, viability_problem,
                      viability_tables)


def _naive_users(inst, prob, s: int, hosts: np.ndarray, weights: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Loop over blocks: nearest hosting site within the outer tier, ties to the earlier row."""
    svc = prob.services[s]
    users = np.zeros(inst.n_sites)
    for i in range(inst.n_blocks):
        best = None
        for j in range(inst.n_sites):
            if not hosts[j]:
                continue
            d = float(np.hypot(*(inst.demand_xy[i] - inst.site_xy[j])))
            if d > svc.outer_radius:
                continue
            if best is None or d < best[0]:
                best = (d, j)
        if best is not None:
            users[best[1]] += weights[i]
    return users


@pytest.mark.parametrize("seed", range(6))
def test_users_are_nearest_shares(seed: int) -> None:
    prob = viability_problem()
    demand, sites = viability_tables(seed)
    inst = planar_instance(prob, demand, sites)
    rng = np.random.default_rng(seed)
    for _ in range(5):
        used = rng.uniform(size=inst.n_sites) < 0.7
        new = (rng.uniform(size=(inst.n_sites, inst.n_services)) < 0.6).astype(int)
        new = np.minimum(new, inst.max_new) * used[:, None]
        chk = verify(inst, prob, Plan(used, new))
        ops = chk.operations
        assert ops is not None
        for s in range(inst.n_services):
            want = _naive_users(inst, prob, s, chk.hosts[:, s], inst.population[:, s])
            assert ops.users[:, s] == pytest.approx(want), prob.services[s].name


CASES = [
    ("nearest", {"elderly": {"min_users": 45}, "health": {"min_users": 160}}, {}, {}),
    ("nearest-budget", {"elderly": {"min_users": 40}, "childcare": {"min_users": 8}},
     {"budget": 80}, {}),
    ("existing-viable", {"health": {"min_users": 250}}, {"viability": {"existing": True}}, {}),
    ("households", {"elderly": {"min_users": 60, "users": "households"}}, {"budget": 90}, {}),
    ("subsidy", {"elderly": {"operating_cost": 100, "revenue_per_user": 2.5},
                 "health": {"operating_cost": 300, "revenue_per_user": 1.2}},
     {"viability": {"subsidy_budget": 150}}, {}),
    ("allocation", {"elderly": {"min_users": 30, "capacity": 60}}, {"budget": 80}, {}),
]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_milp_equals_enumeration(case, seed: int) -> None:  # type: ignore[no-untyped-def]
    _, overrides, kw, _ = case
    names = ["elderly", "health"] if case[0] in ("allocation", "existing-viable") else None
    prob = viability_problem(names=names, overrides=overrides, **kw)
    demand, sites = viability_tables(seed)
    inst = planar_instance(prob, demand, sites)
    assert_matches_enumeration(inst, prob, solve(inst, prob))


def test_viability_binds_on_some_case() -> None:
    """The cases above are not vacuous: without the thresholds some optimum changes."""
    changed = 0
    for seed in (1, 2, 3, 4):
        demand, sites = viability_tables(seed)
        with_v = viability_problem(overrides=CASES[0][1])
        without = viability_problem()
        a = solve(planar_instance(with_v, demand, sites), with_v)
        b = solve(planar_instance(without, demand, sites), without)
        changed += abs(a.objective - b.objective) > 1e-6
    assert changed > 0


def _line(min_users: float = 100, **kw):  # type: ignore[no-untyped-def]
    """Blocks at x = 0, 100, 200, 300; sites p (x = 0), q (x = 300), r (x = 150, tie)."""
    demand = pd.DataFrame({"id": list("abcd"), "x": [0.0, 100.0, 200.0, 300.0], "y": 0.0,
                           "district": "N", "elderly": [60, 50, 40, 30]})
    sites = pd.DataFrame({"id": ["p", "q", "r"], "x": [0.0, 300.0, 150.0], "y": 0.0,
                          "area": 500.0, "cost": 10.0})
    prob = CommunityProblem.model_validate({"kind": "community", "services": [
        {"name": "canteen", "label": "Community canteen (社区食堂)", "segment": "elderly",
         "module_area": 100, "module_cost": 5, "min_users": min_users,
         "tiers": [{"radius": 400, "credit": 1.0}]}], **kw})
    return prob, planar_instance(prob, demand, sites)


def test_verifier_rejects_a_non_viable_module() -> None:
    prob, inst = _line(min_users=100)
    # p and q open: a, b -> p (110); c, d -> q (70 < 100)
    chk = verify(inst, prob, Plan(np.array([True, True, False]), np.array([[1], [1], [0]])))
    assert chk.operations is not None
    assert chk.operations.users[:, 0].tolist() == [110.0, 70.0, 0.0]
    assert any("canteen at site q is not viable: 70" in v and "threshold is 100" in v
               for v in chk.violations), chk.violations
    # r alone takes everyone; p and r: b is 100 from p and 50 from r -> r
    chk = verify(inst, prob, Plan(np.array([True, False, True]), np.array([[1], [0], [1]])))
    assert chk.operations.users[:, 0].tolist() == [60.0, 0.0, 120.0]
    assert any("canteen at site p is not viable: 60" in v for v in chk.violations)
    chk = verify(inst, prob, Plan(np.array([False, False, True]), np.array([[0], [0], [1]])))
    assert chk.operations.users[:, 0].tolist() == [0.0, 0.0, 180.0]
    assert chk.feasible


def test_ties_go_to_the_earlier_site_row() -> None:
    prob, inst = _line(min_users=0)
    # block at x = 150 is not there; make one: b moved to 150 is 150 from p and from q
    demand = pd.DataFrame({"id": ["a"], "x": [150.0], "y": 0.0, "district": "N", "elderly": [9]})
    sites = pd.DataFrame({"id": ["q", "p"], "x": [300.0, 0.0], "y": 0.0, "area": 500.0,
                          "cost": 10.0})
    inst = planar_instance(prob, demand, sites)
    chk = verify(inst, prob, Plan(np.array([True, True]), np.array([[1], [1]])))
    assert chk.operations.users[:, 0].tolist() == [9.0, 0.0]   # q is the earlier row


def test_milp_respects_ties_and_thresholds() -> None:
    prob, inst = _line(min_users=100)
    res = solve(inst, prob)
    assert res.status is Status.OPTIMAL and res.check is not None and res.check.feasible
    assert res.check.coverage_objective == pytest.approx(180.0)
    assert res.check.operations.users[res.check.hosts[:, 0], 0].min() >= 100


def test_catchment_bound_and_diagnosis_words() -> None:
    prob, inst = _line(min_users=200)
    items = not_viable(inst, prob, np.ones((3, 1), dtype=bool))
    assert [(j, round(most)) for j, _, most, _ in items] == [(0, 180), (1, 180), (2, 180)]
    # an existing canteen at r takes every block nearer to r: p keeps a (60), q keeps d (30)
    demand = pd.DataFrame({"id": list("abcd"), "x": [0.0, 100.0, 200.0, 300.0], "y": 0.0,
                           "district": "N", "elderly": [60, 50, 40, 30]})
    sites = pd.DataFrame({"id": ["p", "q", "r"], "x": [0.0, 300.0, 150.0], "y": 0.0,
                          "area": 500.0, "cost": 10.0, "existing_canteen": [0, 0, 1]})
    prob = prob.model_copy(update={"services": (prob.services[0].model_copy(
        update={"min_users": 50}),)})
    inst = planar_instance(prob, demand, sites)
    msgs = viability_notes(inst, prob)
    assert msgs == ["no plan keeps the community canteen at q viable: at most 30 persons "
                    "(aged 60+) would use it, the threshold is 50"], msgs


@pytest.mark.parametrize("seed", [1, 2])
def test_catchment_bound_is_an_upper_bound(seed: int) -> None:
    prob = viability_problem(overrides={"elderly": {"min_users": 1}})
    demand, sites = viability_tables(seed)
    inst = planar_instance(prob, demand, sites)
    most = max_users(inst, prob, 0, np.ones(inst.n_sites, dtype=bool))
    for used, new in plans(inst)[:400]:
        chk = verify(inst, prob, Plan(used, new))
        assert np.all(chk.operations.users[:, 0] <= most + 1e-9)


def test_no_viability_adds_nothing_to_the_model() -> None:
    demand, sites = viability_tables(1)
    prob = viability_problem()
    milp = build_model(planar_instance(prob, demand, sites), prob).milp
    assert not any(k.startswith(("near_", "viable_", "sigma_")) for k in milp.blocks)
    assert not any(k.startswith(("near_", "viable_", "deficit_")) for k in milp.row_blocks)


def test_tables_carry_users_deficits_and_walking_classes() -> None:
    from siting.community.tables import compliance_table, sites_table, summary_dict

    prob, inst = _line(min_users=100)
    svc = prob.services[0].model_copy(update={"operating_cost": 50.0, "revenue_per_user": 0.25,
                                              "category": "basic"})
    prob = prob.model_copy(update={"services": (svc,)})
    res = solve(inst, prob)
    assert res.check is not None and res.plan is not None
    sites = sites_table(inst, prob, res.check, res.plan.new_modules)
    used = sites["status"] != "not used"
    assert sites.loc[used, "users_canteen"].sum() == pytest.approx(180.0)
    assert (sites.loc[used, "users_canteen"] >= sites.loc[used, "threshold_canteen"]).all()
    # deficit = 50 per module − 0.25 per user
    want = 50.0 - 0.25 * sites.loc[used, "users_canteen"]
    assert sites.loc[used, "deficit_canteen"].tolist() == pytest.approx(want.tolist())
    summary = summary_dict(inst, prob, res)
    assert [m["users"] for m in summary["modules"]] == sites.loc[used, "users_canteen"].tolist()
    assert summary["operations"]["subsidy_needed"] == pytest.approx(float(want.clip(0).sum()))
    comp = compliance_table(inst, prob, res.check, res.plan.new_modules)
    walk = comp[comp["rule"].str.startswith("basic service canteen within 10 min")]
    assert len(walk) == 2 and "600 m" in walk["detail"].iloc[0]   # district N and ALL
