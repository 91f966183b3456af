"""The independent verifier: hand-computed cases, every violation it must catch, and agreement
with the figures a solve reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from siting.community.solve import solve
from siting.community.spec import CommunityProblem
from siting.community.verify import Plan, verify

from .helpers import build, planar_instance, problem


def _line_instance(**kw):  # type: ignore[no-untyped-def]
    """Three blocks on a line at x = 0, 400, 900; two sites at x = 0 and 800."""
    demand = pd.DataFrame({"id": ["a", "b", "c"], "x": [0.0, 400.0, 900.0], "y": 0.0,
                           "district": ["N", "N", "S"], "elderly": [100, 50, 10],
                           "total": [200, 100, 40]})
    sites = pd.DataFrame({"id": ["p", "q"], "x": [0.0, 800.0], "y": 0.0, "area": [500.0, 300.0],
                          "cost": [40.0, 25.0], "services": ["care", "care;clinic"]})
    prob = CommunityProblem.model_validate({"kind": "community", "services": [
        {"name": "care", "segment": "elderly", "module_area": 200, "module_cost": 10,
         "tiers": [{"radius": 300, "credit": 1.0}, {"radius": 500, "credit": 0.5}]},
        {"name": "clinic", "segment": "total", "module_area": 100, "module_cost": 5,
         "weight": 0.5, "tiers": [{"radius": 1000, "credit": 1.0}]}], **kw})
    return prob, planar_instance(prob, demand, sites)


def test_hand_computed_coverage_cost_and_area() -> None:
    prob, inst = _line_instance(budget=100)
    # care at p: a within 0 m (1.0), b at 400 m (0.5), c at 900 m (none)
    # care at q: c at 100 m (1.0), b at 400 m (0.5)
    plan = Plan(np.array([True, True]), np.array([[1, 0], [1, 1]]))
    c = verify(inst, prob, plan)
    assert c.feasible
    assert c.credit[:, 0].tolist() == [100.0, 25.0, 10.0]
    assert c.credit[:, 1].tolist() == [200.0, 100.0, 40.0]   # clinic at q reaches everyone
    assert c.coverage_objective == pytest.approx(135 + 0.5 * 340)
    assert c.total_cost == 40 + 25 + 10 + 10 + 5
    assert c.floor_area.tolist() == [200.0, 300.0]
    assert c.best_tier[:, 0].tolist() == [0, 1, 0]
    assert c.district_share()[0].tolist() == pytest.approx([125 / 150, 1.0])


@pytest.mark.parametrize("plan,needle", [
    (Plan(np.array([True, False]), np.array([[1, 0], [0, 0]])), None),
    (Plan(np.array([True, True]), np.array([[1, 0], [1, 1]])), "exceeds the budget"),
    (Plan(np.array([False, True]), np.array([[1, 0], [0, 0]])), "modules at an unused site"),
    (Plan(np.array([True, False]), np.array([[2, 0], [0, 0]])), "exceed the limit"),
    (Plan(np.array([True, False]), np.array([[1, 1], [0, 0]])), "may not host"),
])
def test_violations_are_caught(plan: Plan, needle: str | None) -> None:
    prob, inst = _line_instance(budget=80)
    c = verify(inst, prob, plan)
    if needle is None:
        assert c.feasible
    else:
        assert any(needle in v for v in c.violations), c.violations


def test_area_and_rule_violations() -> None:
    prob, inst = _line_instance(rules={"new_site_min_services": 2})
    plan = Plan(np.array([True, False]), np.array([[1, 0], [0, 0]]))
    assert any("at least 2" in v for v in verify(inst, prob, plan).violations)
    prob2, inst2 = _line_instance()
    sites_area = inst2.area.copy()
    sites_area[1] = 250.0
    object.__setattr__(inst2, "area", sites_area)
    plan = Plan(np.array([False, True]), np.array([[0, 0], [1, 1]]))
    assert any("m² are free" in v for v in verify(inst2, prob2, plan).violations)


def test_targets_are_checked() -> None:
    prob, inst = _line_instance(targets={"care": {"district": 0.9}})
    plan = Plan(np.array([True, False]), np.array([[1, 0], [0, 0]]))
    v = verify(inst, prob, plan).violations
    assert any("district N" in x and "below its target 90%" in x and "1 more" in x for x in v), v


@pytest.mark.parametrize("objective,kw", [("coverage", {"budget": 70}),
                                          ("cost", {"targets": {"elderly": {"overall": 0.5}}}),
                                          ("equity", {"budget": 70})])
def test_reported_figures_equal_recomputation(objective: str, kw: dict) -> None:
    prob = problem(objective, **kw)
    inst = build(11, prob)
    res = solve(inst, prob)
    assert res.plan is not None and res.check is not None
    again = verify(inst, prob, res.plan)
    assert again.feasible
    assert res.objective == pytest.approx(again.objective(objective), rel=1e-9, abs=1e-9)
    assert res.check.total_cost == again.total_cost
    assert np.array_equal(res.check.floor_area, again.floor_area)
    assert np.allclose(res.check.covered, again.covered)
