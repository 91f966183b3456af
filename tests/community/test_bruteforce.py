"""The MILP against exhaustive enumeration on tiny instances, for every objective and option."""

from __future__ import annotations

import pytest

from siting.community.solve import solve
from siting.solution import Status

from .helpers import build, problem, reference

CASES = [
    # (id, objective, problem keywords, instance keywords)
    ("coverage", "coverage", {"budget": 70}, {}),
    ("coverage-no-budget", "coverage", {}, {}),
    ("coverage-rules", "coverage",
     {"budget": 90, "rules": {"new_site_min_services": 2, "new_site_min_core": 1,
                              "complex_min_services": 2, "complex_min_area": 300}}, {}),
    ("coverage-space-rule", "coverage",
     {"budget": 120, "rules": {"space_per_100_households": 40}}, {}),
    ("coverage-capacity", "coverage",
     {"budget": 80, "services": ["elderly", "childcare"]}, {"capacity": {"elderly": 25}}),
    ("coverage-targets", "coverage",
     {"budget": 100, "targets": {"elderly": {"overall": 0.4}, "childcare": {"district": 0.3}}},
     {}),
    ("coverage-two-modules", "coverage", {"budget": 90}, {"max2": True}),
    ("cost-targets", "cost",
     {"targets": {"elderly": {"overall": 0.6}, "health": {"district": 0.5}}}, {}),
    ("cost-targets-rules", "cost",
     {"targets": {"childcare": {"overall": 0.5}},
      "rules": {"new_site_min_services": 2, "new_site_min_core": 1}}, {}),
    ("cost-capacity", "cost",
     {"targets": {"elderly": {"overall": 0.5}}, "services": ["elderly", "health"]},
     {"capacity": {"elderly": 30}}),
    ("equity", "equity", {"budget": 60}, {}),
    ("equity-subset", "equity", {"budget": 80, "equity_services": ["elderly"]}, {}),
]


def _problem(objective: str, kw: dict, inst_kw: dict):  # type: ignore[no-untyped-def]
    kw = dict(kw)
    services = kw.pop("services", None)
    prob = problem(objective, services=services, **kw)
    caps = inst_kw.pop("capacity", None)
    if caps:
        svcs = [s.model_copy(update={"capacity": caps.get(s.name)}) for s in prob.services]
        prob = prob.model_copy(update={"services": tuple(svcs)})
    return prob


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_milp_equals_enumeration(case, seed: int) -> None:  # type: ignore[no-untyped-def]
    _, objective, kw, inst_kw = case
    inst_kw = dict(inst_kw)
    prob = _problem(objective, kw, inst_kw)
    inst = build(seed, prob, **inst_kw)
    ref = reference(inst, prob)
    res = solve(inst, prob)
    if ref is None:
        assert res.status is Status.INFEASIBLE and res.plan is None
        return
    assert res.status is Status.OPTIMAL
    assert res.check is not None and res.check.feasible, res.check.violations if res.check else ""
    assert res.objective == pytest.approx(ref["primary"], rel=1e-6, abs=1e-6)
    if objective == "coverage":
        assert res.tie_break == "proven"
        assert res.check.total_cost == pytest.approx(ref["tie"], abs=1e-6)  # cheapest optimum
    if objective == "equity":
        assert res.check.coverage_objective == pytest.approx(ref["tie"], rel=1e-6, abs=1e-6)
    # the reported bound proves the value
    assert res.bound is not None
    if objective == "cost":
        assert res.bound <= res.objective + 1e-6 * max(1.0, res.objective)
    else:
        assert res.bound >= res.objective - 1e-6 * max(1.0, res.objective)


def test_forced_and_forbidden_sites() -> None:
    prob = problem("coverage", budget=80)
    from .helpers import planar_instance, tiny_tables
    demand, sites = tiny_tables(5)
    sites["forced"] = [False, False, True, False]
    sites["forbidden"] = ["no", "yes", "no", "no"]
    inst = planar_instance(prob, demand, sites)
    ref = reference(inst, prob)
    res = solve(inst, prob)
    assert ref is not None and res.check is not None
    assert res.objective == pytest.approx(ref["primary"], rel=1e-6)
    assert res.check.used[2] and not res.check.used[1]
