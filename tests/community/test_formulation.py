"""The community formulation: objective steps, the nested tier LP and the exact weighting."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

from siting.community.formulation import _granularity, build_model

from .helpers import build, problem


@pytest.mark.parametrize(("coefs", "grain"), [
    ([1.5, 3.0, 4.5], 1.5),
    ([0.25, 0.5, 3.0], 0.25),
    ([10_000.0, 20_000.0, 650_000.0], 10_000.0),
    ([0.1, 0.3], 0.1),
    ([1 / 3, 1.0], 1 / 3),
    ([1001 / 3, 7.0], 7 / 3),
    ([np.pi, 1.0], 0.0),           # irrational: no step is known
    ([1e-7, 1.0], 0.0),            # denominator above 10^4
])
def test_granularity_is_the_rational_gcd(coefs: list[float], grain: float) -> None:
    assert _granularity(np.array(coefs + [0.0])) == pytest.approx(grain, rel=1e-12, abs=0)


def _lp_bound(milp) -> float:  # type: ignore[no-untyped-def]
    A = milp.A.toarray()
    fin_u, fin_l = np.isfinite(milp.row_upper), np.isfinite(milp.row_lower)
    A_ub = np.vstack([A[fin_u], -A[fin_l]])
    b_ub = np.r_[milp.row_upper[fin_u], -milp.row_lower[fin_l]]
    sign = -1.0 if milp.sense == "max" else 1.0
    res = linprog(sign * milp.c, A_ub=A_ub, b_ub=b_ub,
                  bounds=list(zip(milp.col_lower, milp.col_upper)), method="highs")
    assert res.status == 0
    return sign * res.fun


def test_nested_tiers_credit_a_half_open_inner_site_at_half_the_inner_credit() -> None:
    """One block, one site within the inner tier of a two-tier service: with h = ½ the LP may
    credit only ½·c₁ (the per-tier form allowed ½·c₁ + ½·c₂)."""
    import pandas as pd

    from siting.community.instance import build_instance
    prob = problem("coverage", services=["elderly"])
    demand = pd.DataFrame({"id": ["b0"], "x": [0.0], "y": [0.0], "district": ["D1"],
                           "total": [50], "elderly": [40], "infant": [0], "households": [20]})
    sites = pd.DataFrame({"id": ["s0"], "x": [100.0], "y": [0.0], "area": [400.0],
                          "cost": [10.0], "services": ["elderly"]})
    from siting.community.instance import cutoff
    from siting.geo.costs import planar

    costs = planar(demand[["x", "y"]].to_numpy(), sites[["x", "y"]].to_numpy(), cutoff(prob))
    inst = build_instance(prob, demand, sites, costs=costs)
    model = build_model(inst, prob)
    milp = model.stage("coverage")
    h = model.block("h")
    upper = milp.col_upper.copy()
    upper[h.slice] = 0.5
    from dataclasses import replace
    assert _lp_bound(replace(milp, col_upper=upper)) == pytest.approx(0.5 * 40 * 1.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_lexicographic_weight_orders_plans(seed: int) -> None:
    """K·a − b: one coverage grain outweighs the largest cost a plan can have under the budget;
    the coverage bound read back from a bound on F is never below the plan's coverage."""
    prob = problem("coverage", budget=70)
    inst = build(seed, prob)
    model = build_model(inst, prob, budget_row=True)
    lex = model.lexicographic()
    assert lex is not None and lex.grain == model.coverage_grain > 0
    assert lex.weight == int(70 // model.cost_step) + 1
    assert np.allclose(lex.milp.c, np.round(lex.milp.c))           # integral weights
    # a plan with one grain more coverage and the largest cost beats one with zero cost
    assert lex.value(10 * lex.grain, 70) > lex.value(9 * lex.grain, 0)
    assert lex.coverage_bound(lex.value(10 * lex.grain, 0)) == pytest.approx(10 * lex.grain)
    assert lex.coverage_bound(lex.value(10 * lex.grain, 70)) == pytest.approx(10 * lex.grain)


def test_capacitated_models_have_no_exact_weighting() -> None:
    prob = problem("coverage", budget=80, services=["elderly", "childcare"])
    svcs = [s.model_copy(update={"capacity": 25.0 if s.name == "elderly" else None})
            for s in prob.services]
    prob = prob.model_copy(update={"services": tuple(svcs)})
    model = build_model(build(1, prob), prob)
    assert model.coverage_grain == 0 and model.lexicographic() is None


def test_lift_sets_tier_variables_to_their_best_value() -> None:
    prob = problem("coverage", budget=70)
    inst = build(2, prob)
    model = build_model(inst, prob)
    from siting.community.solve import solve
    res = solve(inst, prob)
    x = res.x.copy()
    for terms in model.credits:
        x[terms.col] = 0.0
    lifted = model.lift(x)
    assert model.milp.max_violation(lifted) <= 1e-9
    assert float(model.coverage @ lifted) == pytest.approx(res.check.coverage_objective)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("budget", [40, 70, None])
def test_greedy_start_is_a_feasible_plan_no_better_than_the_optimum(seed: int,
                                                                    budget: float | None) -> None:
    """The greedy MIP start fits the model (budget, area, rules, targets) and, being a plan,
    never beats the verified optimum; from the optimum it cannot improve (it only adds)."""
    from siting.community.formulation import greedy_start, value
    from siting.community.solve import decode, solve
    from siting.community.verify import verify

    prob = problem("coverage", budget=budget)
    inst = build(seed, prob)
    model = build_model(inst, prob, budget_row=True)
    x = greedy_start(model, inst, prob)
    best = solve(inst, prob)
    if x is None:       # allowed (a start is a hint), but the tiny cases all have one
        pytest.fail(f"seed {seed}, budget {budget}: no greedy plan")
    assert model.milp.max_violation(x) <= 1e-6
    check = verify(inst, prob, decode(model, inst, x))
    assert not check.violations
    assert check.coverage_objective == pytest.approx(value(model.coverage, x))
    assert check.coverage_objective <= best.objective + 1e-9
    again = greedy_start(model, inst, prob, model.lift(best.x))
    assert again is not None and value(model.coverage, again) == pytest.approx(best.objective)


def test_greedy_start_opens_a_locked_site_with_services_the_rules_accept() -> None:
    """A site locked open starts with no service; the greedy gives it a set the rules accept
    (the plan fits the model, rule rows included)."""
    from dataclasses import replace

    from siting.community.formulation import greedy_start

    prob = problem("coverage", budget=70)
    for seed in (1, 2, 3):
        inst = build(seed, prob)
        free = np.flatnonzero(~inst.existing_site & ~inst.forbidden)
        locked = replace(inst, forced=inst.forced | np.isin(np.arange(inst.n_sites), free[:1]))
        model = build_model(locked, prob, budget_row=True)
        x = greedy_start(model, locked, prob)
        assert x is not None, f"seed {seed}: no greedy plan with site {free[0]} locked"
        assert model.milp.max_violation(x) <= 1e-6
        assert x[model.block("y").start + free[0]] == 1.0
        assert x[model.block("h").slice][model.pair_j == free[0]].sum() >= 1


def test_greedy_start_for_least_cost_stops_at_the_first_plan_that_meets_the_targets() -> None:
    from siting.community.formulation import greedy_start, value
    from siting.community.solve import solve

    prob = problem("cost", targets={"elderly": {"overall": 0.4}})
    for seed in (1, 2, 3):
        inst = build(seed, prob)
        model = build_model(inst, prob)
        x = greedy_start(model, inst, prob)
        best = solve(inst, prob)
        assert x is not None, f"seed {seed}: no greedy plan"
        assert model.milp.max_violation(x) <= 1e-6
        assert value(model.cost, x) >= best.objective - 1e-6


def _milp_optimum(milp) -> float:  # type: ignore[no-untyped-def]
    from scipy.optimize import Bounds, LinearConstraint, milp as scipy_milp
    sign = -1.0 if milp.sense == "max" else 1.0
    res = scipy_milp(sign * milp.c, integrality=milp.integrality.astype(int),
                     bounds=Bounds(milp.col_lower, milp.col_upper),
                     constraints=LinearConstraint(milp.A, milp.row_lower, milp.row_upper))
    assert res.status == 0, res.message
    return sign * res.fun


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
@pytest.mark.parametrize(("objective", "extra"), [
    ("coverage", {"budget": 60}),
    ("coverage", {"budget": 90, "targets": {"elderly": {"district": 0.3}}}),
    ("equity", {"budget": 70}),
    ("cost", {"targets": {"elderly": {"overall": 0.4}}}),
])
def test_merged_tiers_keep_the_lp_bound_and_the_optimum(seed: int, objective: str,
                                                        extra: dict) -> None:
    """``merge_tiers`` (fixed and merged tier variables) is exact: the same LP bound and the
    same MILP optimum as the model without it, for coverage, equity and least cost with
    district targets, and it does reduce these instances."""
    prob = problem(objective, **extra)
    inst = build(seed, prob, n=40, m=6)
    merged = build_model(inst, prob, budget_row=True)
    plain = build_model(inst, prob, budget_row=True, merge=False)
    gone = int((merged.milp.col_upper == 0).sum() - (plain.milp.col_upper == 0).sum())
    fixed = int((merged.milp.col_lower > 0).sum() - (plain.milp.col_lower > 0).sum())
    assert gone + fixed > 0, f"seed {seed}: nothing merged or fixed"
    a, b = merged.stage(objective), plain.stage(objective)
    assert _lp_bound(a) == pytest.approx(_lp_bound(b), rel=1e-9, abs=1e-7)
    assert _milp_optimum(a) == pytest.approx(_milp_optimum(b), rel=1e-9, abs=1e-7)
    lex_a, lex_b = merged.lexicographic(), plain.lexicographic()
    if lex_a is not None and lex_b is not None:
        assert _milp_optimum(lex_a.milp) == pytest.approx(_milp_optimum(lex_b.milp), abs=1e-6)
