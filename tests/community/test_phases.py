"""Phased rollout (siting.community.phases) against exhaustive enumeration of monotone plans."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting.community.phases import phased_instance, solve_phased, verify_phased
from siting.community.solve import solve
from siting.community.verify import Plan
from siting.errors import SpecError
from siting.testing import community as tc

SERVICES = ["elderly", "childcare"]


def monotone_sequences(pinst):
    """Every per-phase plan sequence the bounds allow in which nothing built is removed."""
    base, T = pinst.base, pinst.n_phases
    per_site = []
    for j in range(base.n_sites):
        opts = [(False, (0,) * base.n_services)]
        if not base.forbidden[j]:
            counts = [range(int(base.max_new[j, s]) + 1) for s in range(base.n_services)]
            opts += [(True, c) for c in itertools.product(*counts)]
        chains = []
        for seq in itertools.product(opts, repeat=T):
            ok = all((not a[0] or b[0] or pinst.closing[j] <= t + 1)
                     and all(x <= y for x, y in zip(a[1], b[1]))
                     for t, (a, b) in enumerate(zip(seq, seq[1:])))
            if ok:
                chains.append(seq)
        per_site.append(chains)
    for choice in itertools.product(*per_site):
        yield tuple(Plan(np.array([c[t][0] for c in choice]),
                         np.array([c[t][1] for c in choice], dtype=np.int64))
                    for t in range(T))


def reference(pinst):
    problem = pinst.problem
    best = None
    for plans in monotone_sequences(pinst):
        chk = verify_phased(pinst, plans)
        if not chk.feasible:
            continue
        key = chk.objective(problem)
        key = -key if problem.objective == "cost" else key
        if best is None or key > best[0] + 1e-7 * max(1, abs(key)) or (
                abs(key - best[0]) <= 1e-7 * max(1, abs(key)) and chk.total_cost < best[1]):
            best = (key, chk.total_cost)
    return best


CASES = {
    "per-phase budgets": dict(phases=[
        {"name": "2025", "budget": 50, "growth": {"elderly": 1.0}},
        {"name": "2027", "budget": 40, "growth": {"elderly": 1.5, "infant": 0.7}}]),
    "carry-over": dict(carry_over=True, phases=[
        {"name": "2025", "budget": 30}, {"name": "2027", "budget": 50, "weight": 0.9,
                                         "growth": {"elderly": 1.3}}]),
    "final with phase targets": dict(phase_objective="final", phases=[
        {"name": "a", "budget": 60, "targets": {"elderly": {"overall": 0.2}}},
        {"name": "b", "budget": 60, "growth": {"elderly": 1.2}}]),
    "infeasible phase target": dict(phases=[
        {"name": "a", "budget": 10, "targets": {"elderly": {"overall": 0.9}}},
        {"name": "b", "budget": 60}]),
    "cost with targets": dict(objective="cost", phases=[
        {"name": "a", "targets": {"elderly": {"overall": 0.25}}},
        {"name": "b", "growth": {"elderly": 1.4}, "targets": {"elderly": {"overall": 0.45}}}]),
}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("case", sorted(CASES))
def test_milp_matches_enumeration(case, seed):
    kw = dict(CASES[case])
    prob = tc.problem(kw.pop("objective", "coverage"), services=SERVICES, **kw)
    inst = tc.build(seed, prob, n=8, m=3)
    pinst = phased_instance(inst, prob)
    ref = reference(pinst)
    res = solve_phased(inst, prob)
    if ref is None:
        assert not res.has_solution and res.status.value == "infeasible", case
        return
    assert res.status.value == "optimal", case
    want = -ref[0] if prob.objective == "cost" else ref[0]
    assert res.objective == pytest.approx(want, rel=1e-6, abs=1e-6), case
    assert res.check.total_cost == pytest.approx(ref[1], abs=1e-6), f"{case}: tie-break"


def test_sites_available_and_closing_match_enumeration():
    prob = tc.problem(services=SERVICES, phases=[
        {"name": "2025", "budget": 40}, {"name": "2026", "budget": 40, "sites_available": ["s2"]},
        {"name": "2027", "budget": 30, "closing": ["s0"], "growth": {"elderly": 1.2}}])
    demand, sites = tc.tiny_tables(5, n=8, m=3)
    sites["existing_elderly"] = [1, 0, 0]
    inst = tc.planar_instance(prob, demand, sites)
    pinst = phased_instance(inst, prob)
    assert list(pinst.available) == [0, 0, 1] and pinst.closing[0] == 2
    ref = reference(pinst)
    res = solve_phased(inst, prob)
    assert res.objective == pytest.approx(ref[0], rel=1e-6)
    assert res.check.total_cost == pytest.approx(ref[1], abs=1e-6)
    assert not res.plans[0].used[2], "s2 is not available in 2025"
    assert not res.check.checks[2].used[0], "s0 has closed by 2027"


@pytest.mark.parametrize("seed", [1, 4])
def test_one_phase_is_todays_answer(seed):
    base = tc.problem(services=None, budget=70)
    inst = tc.build(seed, base)
    today = solve(inst, base)
    phased = base.model_copy(update={"budget": None})
    phased = type(base).model_validate({**phased.model_dump(), "phases": [
        {"name": "2025", "budget": 70}]})
    res = solve_phased(inst, phased)
    assert res.status == today.status and res.objective == pytest.approx(today.objective)
    assert np.array_equal(res.plans[0].used, today.plan.used)
    assert np.array_equal(res.plans[0].new_modules, today.plan.new_modules)
    assert res.check.total_cost == pytest.approx(today.check.total_cost)


def _two_phase(**kw):
    prob = tc.problem(services=SERVICES, phases=[{"name": "2025", "budget": 40},
                                                 {"name": "2027", "budget": 40}], **kw)
    inst = tc.build(2, prob, n=8, m=3)
    pinst = phased_instance(inst, prob)
    res = solve_phased(inst, prob)
    return pinst, res


def test_verifier_rejects_a_plan_that_removes_what_was_built():
    pinst, res = _two_phase()
    p0, p1 = res.plans
    j = int(np.flatnonzero(p1.used & ~pinst.base.existing_site)[0])
    bad0 = Plan(p1.used.copy(), p1.new_modules.copy())      # phase 1 already has it all
    used1 = p1.used.copy()
    used1[j] = False
    new1 = p1.new_modules.copy()
    new1[j] = 0
    chk = verify_phased(pinst, (bad0, Plan(used1, new1)))
    assert any("phase 2027" in v and "stays built" in v for v in chk.violations), chk.violations


def test_verifier_rejects_an_over_budget_phase():
    pinst, res = _two_phase()
    final = res.plans[1]
    empty = Plan(np.zeros_like(final.used), np.zeros_like(final.new_modules))
    everything = Plan(~pinst.base.forbidden, np.minimum(pinst.base.max_new, 1))
    chk = verify_phased(pinst, (empty, everything))
    assert any(v.startswith("phase 2027: spending") and "phase budget" in v
               for v in chk.violations), chk.violations


def test_unknown_site_in_a_phase_is_an_error():
    prob = tc.problem(services=SERVICES, phases=[{"name": "a", "sites_available": ["nope"]}])
    inst = tc.build(1, prob)
    with pytest.raises(SpecError, match="phases.a.sites_available: no site with id 'nope'"):
        phased_instance(inst, prob)


def test_phase_populations_from_columns_and_growth():
    from siting.community.phases import phase_populations
    from siting.errors import DataError

    demand, sites = tc.tiny_tables(3, n=8, m=3)
    demand["elderly_2027"] = demand["elderly"] * 2
    prob = tc.problem(services=SERVICES, phases=[
        {"name": "a", "growth": {"infant": 0.5}, "district_growth": {"elderly": {"D1": 3.0}}},
        {"name": "b", "segments": {"elderly": "elderly_2027"}}])
    inst = tc.planar_instance(prob, demand, sites)
    pops = phase_populations(prob, inst, demand)
    d1 = (demand["district"] == "D1").to_numpy()
    el = demand["elderly"].to_numpy(float)
    assert np.allclose(pops[0, :, 0], np.where(d1, 3 * el, el)), "district growth"
    assert np.allclose(pops[0, :, 1], 0.5 * demand["infant"].to_numpy(float)), "segment growth"
    assert np.allclose(pops[1, :, 0], 2 * el) and np.allclose(pops[1, :, 1], demand["infant"])
    bad = tc.problem(services=SERVICES, phases=[{"name": "b", "segments": {"elderly": "nope"}}])
    with pytest.raises(DataError, match="column 'nope' \\(segment 'elderly' of phase b\\)"):
        phase_populations(bad, inst, demand)


def test_diagnosis_names_the_phase():
    from siting.community.phases import diagnose_phases

    prob = tc.problem(services=SERVICES, phases=[
        {"name": "2025", "targets": {"elderly": {"overall": 0.5}}},
        {"name": "2027", "sites_available": ["s0", "s1", "s2"]}])
    demand, sites = tc.tiny_tables(2, n=8, m=3, existing=False)
    inst = tc.planar_instance(prob, demand, sites)
    reasons = diagnose_phases(phased_instance(inst, prob))
    assert reasons and all(r.startswith("phase 2025: ") for r in reasons), reasons
    res = solve_phased(inst, prob)
    assert not res.has_solution and res.status.value == "infeasible"


def test_phased_tie_break_is_the_models_one_exact_weighted_solve():
    """Coverage and its cheapest tie in ONE solve of CommunityModel.lexicographic's objective on
    the stacked model (as a one-phase run), proven; the brute force agrees on both orders."""
    from siting.community.phases import build_phased

    kw = dict(CASES["carry-over"])
    prob = tc.problem(services=SERVICES, **kw)
    inst = tc.build(2, prob, n=8, m=3)
    pinst = phased_instance(inst, prob)
    lex = build_phased(pinst).community.lexicographic()
    assert lex is not None and lex.milp.objective_granularity == 1.0
    res = solve_phased(inst, prob)
    assert [s.objective for s in res.stages] == [
        "max coverage over phases, then min cost (one exact weighted objective)"]
    assert res.tie_break == "proven" and res.status.value == "optimal"
    ref = reference(pinst)
    assert res.objective == pytest.approx(ref[0], rel=1e-9)
    assert res.check.total_cost == pytest.approx(ref[1], abs=1e-6)


def test_irrational_phase_weight_falls_back_to_the_tie_break_questions():
    """A weight that is no small fraction has no exact scaling: the stacked model answers the
    one-cost-step-cheaper questions instead, and still agrees with the enumeration."""
    prob = tc.problem(services=SERVICES, phases=[
        {"name": "a", "budget": 40}, {"name": "b", "budget": 40, "weight": 2 ** 0.5,
                                      "growth": {"elderly": 1.3}}])
    inst = tc.build(3, prob, n=8, m=3)
    pinst = phased_instance(inst, prob)
    from siting.community.phases import build_phased

    assert build_phased(pinst).community.lexicographic() is None
    _assert_question_route_matches_enumeration(inst, prob, pinst)


def _assert_question_route_matches_enumeration(inst, prob, pinst):  # type: ignore[no-untyped-def]
    """The phased solve took the cost-step questions and its answer is the enumeration's."""
    res = solve_phased(inst, prob)
    assert res.stages[0].objective == "max coverage over phases"
    assert res.tie_break == "proven" and res.status.value == "optimal"
    ref = reference(pinst)
    assert res.objective == pytest.approx(ref[0], rel=1e-9)
    assert res.check.total_cost == pytest.approx(ref[1], abs=1e-6)


def test_weighted_grain():
    from siting.community.phases import weighted_grain

    assert weighted_grain(np.array([1.0, 0.95, 0.9]), [1.0, 0.5, 0.25]) == pytest.approx(0.025)
    assert weighted_grain(np.array([0.0, 1.0]), [0.0, 2.0]) == 2.0, "weight-0 phases are free"
    assert weighted_grain(np.array([1.0, 1.0]), [1.0, 0.0]) == 0.0, "unknown grain"
    assert weighted_grain(np.array([1.0, 2 ** 0.5]), [1.0, 1.0]) == 0.0, "irrational weight"


def test_too_large_weighted_objective_falls_back_to_the_questions(monkeypatch):
    """Where the weighted objective is too large for an absolute-gap proof, the tie-break asks
    the cost-step questions and the answer is still the enumeration's."""
    import siting.community.phases as ph

    prob = tc.problem(services=SERVICES, **CASES["per-phase budgets"])
    inst = tc.build(1, prob, n=8, m=3)
    pinst = phased_instance(inst, prob)
    assert ph.exact_lexicographic(ph.build_phased(pinst)) is not None
    monkeypatch.setattr(ph, "LEX_MAX_MAGNITUDE", 10.0)
    assert ph.exact_lexicographic(ph.build_phased(pinst)) is None
    _assert_question_route_matches_enumeration(inst, prob, pinst)
