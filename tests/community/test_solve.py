"""The tie-break routes: one exact weighted solve, and the two-solve fallback, agree with
enumeration; an answer whose bound the plan does not reach proves nothing."""

from __future__ import annotations

import pytest

from siting.community import formulation
from siting.community.solve import solve
from siting.options import SolveOptions
from siting.solution import Status

from .helpers import build, problem, reference


@pytest.mark.parametrize("seed", [4, 5, 6, 7])
def test_weighted_route_finds_the_cheapest_optimal_plan(seed: int) -> None:
    prob = problem("coverage", budget=60)
    inst = build(seed, prob)
    ref = reference(inst, prob)
    res = solve(inst, prob)
    assert ref is not None and res.check is not None
    assert [s.objective for s in res.stages] == [
        "max coverage, then min cost (one exact weighted objective)"]
    assert res.status is Status.OPTIMAL and res.tie_break == "proven"
    assert res.objective == pytest.approx(ref["primary"], rel=1e-9)
    assert res.check.total_cost == pytest.approx(ref["tie"])
    assert res.bound == pytest.approx(res.objective)


@pytest.mark.parametrize("seed", [4, 5])
def test_two_solve_fallback_agrees(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formulation.CommunityModel, "lexicographic", lambda self: None)
    prob = problem("coverage", budget=60)
    inst = build(seed, prob)
    ref = reference(inst, prob)
    res = solve(inst, prob)
    assert ref is not None and res.check is not None
    assert res.stages[0].objective == "max coverage" and len(res.stages) >= 2
    assert res.tie_break == "proven"
    assert res.check.total_cost == pytest.approx(ref["tie"])


def test_without_tie_break_the_plain_coverage_stage_runs() -> None:
    prob = problem("coverage", budget=60)
    res = solve(build(4, prob), prob, tie_break=False)
    assert [s.objective for s in res.stages] == ["max coverage"] and res.tie_break == "skipped"


def test_weighted_answer_is_translated_and_checked() -> None:
    """An F bound the plan does not reach proves neither order; one grain of F short of U
    (a cheaper tie may exist) still proves the coverage but not the tie-break."""
    from dataclasses import replace

    from siting.community.formulation import build_model
    from siting.community.solve import lex_translate
    prob = problem("coverage", budget=60)
    inst = build(4, prob)
    model = build_model(inst, prob, budget_row=True)
    lex = model.lexicographic()
    res = solve(inst, prob)
    F = lex.value(res.check.coverage_objective, res.check.total_cost)
    from siting.backends import get_backend
    sol = get_backend("highs").solve(lex.milp, SolveOptions(rel_gap=0.0))
    assert sol.status is Status.OPTIMAL and sol.objective == pytest.approx(F)
    state: dict[str, bool] = {}
    args = (model.lift, model.coverage, model.cost)
    out = lex_translate(lex, sol, *args, state)
    assert state["proven"] and out.status is Status.OPTIMAL
    assert out.objective == pytest.approx(res.check.coverage_objective) == out.bound
    # claimed optimal, but the bound is one cost step above the plan's own F
    lex_translate(lex, replace(sol, bound=F + 1.0), *args, state)
    assert not state["proven"]
    # one grain of coverage above the plan: the coverage is not proven either
    out = lex_translate(lex, replace(sol, status=Status.FEASIBLE, bound=F + lex.weight),
                        *args, state)
    assert not state["proven"] and out.status is Status.FEASIBLE
    assert out.bound == pytest.approx(res.check.coverage_objective + lex.grain)


def test_a_gap_of_the_callers_own_takes_the_two_stage_route() -> None:
    prob = problem("coverage", budget=60)
    res = solve(build(4, prob), prob, options=SolveOptions(rel_gap=0.01))
    assert res.stages[0].objective == "max coverage"


def test_the_greedy_start_gets_five_percent_of_the_limit_up_to_fifteen_seconds() -> None:
    # a 2 s cap cut the 50k-block benchmark city's greedy (1.8 s on a quiet machine) at half
    # the budget under load; the share of the limit must stay 5 % so short limits keep theirs
    from siting.community.solve import GREEDY_MAX_SECONDS, greedy_seconds
    from siting.options import SolveOptions

    assert greedy_seconds(SolveOptions(time_limit=300.0)) == GREEDY_MAX_SECONDS == 15.0
    assert greedy_seconds(SolveOptions(time_limit=1.0)) == pytest.approx(0.05)
    assert greedy_seconds(SolveOptions(time_limit=100.0)) == pytest.approx(5.0)
    assert greedy_seconds(SolveOptions()) == GREEDY_MAX_SECONDS
