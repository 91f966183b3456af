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
        "childcare target 90% in community C7 (problem.targets.childcare.community) cannot be "
        "met: the highest share reachable there is 61.00 % of its aged 0–3 population, even "
        "if every site that may host childcare did (61% within 300 m, 61% within 500 m of any "
        "candidate site that may host childcare)."]
    assert solve(inst, prob).status is Status.INFEASIBLE  # the MILP agrees


def test_budget_below_forced_sites() -> None:
    prob, inst = _district(budget=60, forced=[True, False])
    reasons = diagnose(inst, prob)
    assert len(reasons) == 1 and "budget ¥60 (problem.budget) is below" in reasons[0]
    assert "¥100 to open" in reasons[0]
    assert solve(inst, prob).status is Status.INFEASIBLE


def test_forced_site_that_cannot_meet_the_rules() -> None:
    prob, inst = _district(forced=[False, True],
                           rules={"new_site_min_services": 1, "complex_min_area": 600,
                                  "complex_min_services": 1})
    reasons = diagnose(inst, prob)
    assert any(r.startswith("site s2 is forced open (sites column 'forced') but cannot be")
               and "600 m²" in r and "problem.rules.complex_min_area" in r
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


# --- #14: every reason names the key that sets it and the figure that is reachable ----------


def _capacity_bound():  # type: ignore[no-untyped-def]
    """All capacity (2 × 50) equals the segment, but s2 is out of reach of b1: at most 50 %."""
    demand = pd.DataFrame({"id": ["b1", "b2"], "x": [0.0, 5000.0], "y": 0.0,
                           "district": ["C1", "C2"], "infant": [100, 0], "households": [1, 1]})
    sites = pd.DataFrame({"id": ["s1", "s2"], "x": [100.0, 5000.0], "y": 0.0,
                          "area": [500.0, 500.0], "cost": [10.0, 10.0],
                          "services": ["childcare", "childcare"]})
    prob = CommunityProblem.model_validate({"kind": "community", "objective": "cost",
        "targets": {"childcare": {"overall": 1.0}}, "services": [
        {"name": "childcare", "segment": "infant", "module_area": 150, "module_cost": 20,
         "capacity": 50, "tiers": [{"radius": 300, "credit": 1.0}]}]})
    return prob, planar_instance(prob, demand, sites)


def test_single_target_out_of_reach_names_the_key_and_the_highest_share() -> None:
    prob, inst = _capacity_bound()
    assert diagnose(inst, prob) == []  # no single-rule bound sees it: the solver must
    res = solve(inst, prob)
    assert res.status is Status.INFEASIBLE
    assert len(res.reasons) == 1, res.reasons
    (reason,) = res.reasons
    assert "problem.targets.childcare.overall" in reason
    assert "the highest share reachable is 50.00 %" in reason
    assert "at any budget" not in reason
    assert reason in res.notes  # the Python API says why, not only the CLI


def test_space_rule_names_its_key_and_the_reachable_rate() -> None:
    prob, inst = _district(rules={"space_per_100_households": 30})
    reasons = diagnose(inst, prob)
    # C7: 700 households, at most 150 m² (one 150 m² module on s1's 500 m²) -> 21.42 m²
    assert any("problem.rules.space_per_100_households = 30" in r and "21.42 m² per 100" in r
               for r in reasons), reasons
    assert any(r.startswith("to relax the rule, lower problem.rules.space_per_100_households "
                            "to at most 21.42") for r in reasons), reasons


def test_forced_site_counts_only_services_whose_module_fits() -> None:
    demand = pd.DataFrame({"id": ["b1"], "x": [0.0], "y": 0.0, "district": ["C1"],
                           "elderly": [10], "infant": [5], "households": [10]})
    sites = pd.DataFrame({"id": ["s1"], "x": [0.0], "y": 0.0, "area": [300.0],
                          "cost": [1.0], "services": ["elderly;childcare"], "forced": [True]})
    prob = CommunityProblem.model_validate({"kind": "community", "rules": {
        "new_site_min_services": 2}, "services": [
        {"name": "elderly", "segment": "elderly", "module_area": 350, "module_cost": 1,
         "tiers": [{"radius": 300, "credit": 1.0}]},
        {"name": "childcare", "segment": "infant", "module_area": 150, "module_cost": 1,
         "tiers": [{"radius": 300, "credit": 1.0}]}]})
    inst = planar_instance(prob, demand, sites)
    (reason,) = diagnose(inst, prob)
    assert "only 1 service(s) it may host have a module that fits its 300 m²" in reason, reason
    assert "problem.rules.new_site_min_services" in reason


def test_budget_no_module_affords_is_a_warning() -> None:
    from siting.community.diagnose import magnitude_warnings

    prob, inst = _district(budget=6000)
    assert magnitude_warnings(inst, prob, "metre") == []
    prob2 = prob.model_copy(update={"budget": 10.0})
    (w,) = magnitude_warnings(inst, prob2, "metre")
    assert "problem.budget = 10 is below the cheapest module" in w and "no module is affordable" in w


def test_radius_in_kilometres_and_population_in_thousands_warn() -> None:
    from siting.community.diagnose import magnitude_warnings

    demand = pd.DataFrame({"id": ["b1", "b2"], "x": [0.0, 100.0], "y": 0.0,
                           "district": ["C1", "C1"], "infant": [1.2, 0.8], "households": [1, 1]})
    sites = pd.DataFrame({"id": ["s1"], "x": [0.0], "y": 0.0, "area": [500.0], "cost": [1.0]})
    prob = CommunityProblem.model_validate({"kind": "community", "services": [
        {"name": "childcare", "segment": "infant", "module_area": 150, "module_cost": 20,
         "tiers": [{"radius": 0.5, "credit": 1.0}]}]})
    warnings = magnitude_warnings(planar_instance(prob, demand, sites), prob, "metre")
    assert any("'infant'" in w and "thousands" in w for w in warnings), warnings
    assert any("tier radius 0.5 looks like kilometres" in w for w in warnings), warnings
    assert not any("kilometres" in w for w in magnitude_warnings(
        planar_instance(prob, demand, sites), prob, "min"))
