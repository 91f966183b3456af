"""Infeasible plans explained in planning words; each explanation is a real proof."""

from __future__ import annotations

import pandas as pd

from siting.community.diagnose import diagnose
from siting.community.solve import solve
from siting.community.spec import CommunityProblem
from siting.solution import Status

from .helpers import planar_instance


def _district(**kw):  # type: ignore[no-untyped-def]
    """Community C7: two blocks, one 200 m from the only childcare site, one 800 m away."""
    demand = pd.DataFrame({"id": ["b1", "b2", "b3"], "x": [0.0, 600.0, 3000.0], "y": 0.0,
                           "district": ["C7", "C7", "C8"], "infant": [61, 39, 20],
                           "households": [400, 300, 100]})
    sites = pd.DataFrame({"id": ["s1", "s2"], "x": [-200.0, 3000.0], "y": 0.0,
                          "area": [500.0, 200.0], "cost": [100.0, 50.0],
                          "services": ["childcare", "childcare"], "forced": [False, False]})
    for key in ("forced", "area"):
        if key in kw:
            sites[key] = kw.pop(key)
    prob = CommunityProblem.model_validate({"kind": "community", "services": [
        {"name": "childcare", "segment": "infant", "module_area": 150, "module_cost": 20,
         "core": True, "tiers": [{"radius": 300, "credit": 1.0}, {"radius": 500, "credit": 0.5}]}],
        **kw})
    return prob, planar_instance(prob, demand, sites)


def test_target_beyond_reach_names_the_community_and_the_share() -> None:
    prob, inst = _district(objective="cost", targets={"childcare": {"district": 0.9}})
    reasons = diagnose(inst, prob)
    assert reasons == [
        "childcare target 90% in community C7 cannot be met: only 61% of its aged 0–3 "
        "population is credited even if every site that may host childcare did (61% within "
        "300 m, 61% within 500 m of any candidate site that may host childcare)."]
    assert solve(inst, prob).status is Status.INFEASIBLE  # the MILP agrees


def test_budget_below_forced_sites() -> None:
    prob, inst = _district(budget=60, forced=[True, False])
    reasons = diagnose(inst, prob)
    assert len(reasons) == 1 and "budget ¥60 is below" in reasons[0]
    assert "¥100 to open" in reasons[0]
    assert solve(inst, prob).status is Status.INFEASIBLE


def test_forced_site_that_cannot_meet_the_rules() -> None:
    prob, inst = _district(forced=[False, True],
                           rules={"new_site_min_services": 1, "complex_min_area": 600,
                                  "complex_min_services": 1})
    reasons = diagnose(inst, prob)
    assert any(r.startswith("site s2 is forced open but cannot be") and "600 m²" in r
               for r in reasons), reasons
    assert solve(inst, prob).status is Status.INFEASIBLE


def test_space_rule_beyond_the_floor_area() -> None:
    prob, inst = _district(rules={"space_per_100_households": 30})
    reasons = diagnose(inst, prob)
    assert any("community C7 needs 210 m² of service space" in r and "at most 150 m²" in r
               for r in reasons), reasons
    assert solve(inst, prob).status is Status.INFEASIBLE


def test_feasible_scenario_has_no_reasons() -> None:
    prob, inst = _district(objective="cost", targets={"childcare": {"district": 0.5}})
    assert diagnose(inst, prob) == []
    assert solve(inst, prob).status is Status.OPTIMAL
