"""The city-scale window search: a plan that only improves, stays feasible for the whole model,
and leaves the exact answer of the full solve unchanged."""

from __future__ import annotations

import time

import numpy as np
import pytest

from siting.community import solve as solve_module
from siting.community.formulation import build_model, greedy_start
from siting.community.solve import solve
from siting.community.verify import verify
from siting.community.windows import SiteColumns, search
from siting.backends import get_backend
from siting.backends.base import assemble
from siting.formulations.base import SolveContext
from siting.options import SolveOptions
from siting.solution import Status, Termination

from .helpers import build, problem


def _highs(sub, start, seconds):  # type: ignore[no-untyped-def]
    sol = get_backend("highs").solve(sub, SolveOptions(time_limit=seconds), start=start)
    ok = sol.status in (Status.OPTIMAL, Status.FEASIBLE)
    return (sol.x if ok else None), sol.status is Status.OPTIMAL


@pytest.mark.parametrize("seed", [11, 12])
def test_windows_improve_the_greedy_plan_and_keep_it_feasible(seed: int) -> None:
    prob = problem("coverage", budget=200)
    inst = build(seed, prob, n=120, m=30)
    model = build_model(inst, prob)
    milp = model.stage("coverage")
    start = greedy_start(model, inst, prob)
    assert start is not None and milp.max_violation(start) <= 1e-6
    x, stats = search(model, inst, milp, start, _highs, until=time.perf_counter() + 3.0,
                      stop=lambda objective: False)
    assert stats.windows > 0
    assert milp.max_violation(x) <= 1e-6
    assert milp.objective_value(x) >= milp.objective_value(start) - 1e-9
    assert milp.objective_value(x) - milp.objective_value(start) == pytest.approx(
        stats.gained, abs=1e-6)
    from siting.community.solve import decode

    check = verify(inst, prob, decode(model, inst, x))
    assert check.feasible, check.violations


def test_a_window_frees_its_sites_and_the_coverage_rows_they_touch() -> None:
    prob = problem("coverage", budget=200)
    inst = build(11, prob, n=60, m=12)
    model = build_model(inst, prob)
    cols = SiteColumns(model, inst.n_sites).columns(np.array([0, 1]))
    y = model.block("y")
    assert {y.start, y.start + 1} <= set(cols.tolist())
    owners = SiteColumns(model, inst.n_sites).site_of[cols]
    assert set(owners[owners >= 0].tolist()) == {0, 1}  # no other site's columns
    assert (owners < 0).any()  # coverage columns of the touched rows


def test_the_solve_with_windows_keeps_the_exact_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    """At city scale stage 1 is the root node and then windows; where the root (or the
    windows reaching its bound) proves the plan, the answer is the plain solve's."""
    prob = problem("coverage", budget=200)
    inst = build(12, prob, n=120, m=30)
    plain = solve(inst, prob, options=SolveOptions(time_limit=60))
    monkeypatch.setattr(solve_module, "WINDOW_MIN_SITES", 1)
    windowed = solve(inst, prob, options=SolveOptions(time_limit=20, rel_gap=1e-3))
    assert plain.status is Status.OPTIMAL
    assert windowed.check is not None and windowed.check.feasible
    if windowed.status is Status.OPTIMAL:
        assert windowed.objective == pytest.approx(plain.objective, rel=1e-3)
    else:
        assert windowed.bound is not None and windowed.objective is not None
        assert windowed.objective <= plain.objective + 1e-6 <= windowed.bound + 1e-6


class RootTimesOut(SolveContext):
    """A run whose root node stops with no bound and no plan of its own (a city on a loaded
    machine): the window stage must still improve the start and report no false proof."""

    def solve_part(self, milp, start, seconds, **overrides):  # type: ignore[no-untyped-def]
        if "node_limit" in overrides:
            return assemble(self.backend, milp, self.options,
                            termination=Termination.TIME_LIMIT, x=None, bound=None,
                            seconds=0.0, nodes=0, native="root stopped", start=start)
        return super().solve_part(milp, start, seconds, **overrides)


def test_when_the_root_gives_nothing_the_windows_still_improve_the_plan() -> None:
    prob = problem("coverage", budget=200)
    inst = build(11, prob, n=120, m=30)
    model = build_model(inst, prob)
    milp = model.stage("coverage")
    start = greedy_start(model, inst, prob)
    assert start is not None
    ctx = RootTimesOut(backend=get_backend("highs"), options=SolveOptions(time_limit=4.0))
    notes: list[str] = []
    sol = solve_module._root_then_windows(model, inst, milp, start, ctx, False, notes)
    assert sol.status is Status.FEASIBLE and sol.bound is None  # no proof without a bound
    assert sol.termination is Termination.TIME_LIMIT
    assert sol.objective is not None and sol.objective >= milp.objective_value(start) - 1e-9
    assert sol.x is not None and milp.max_violation(sol.x) <= 1e-6
    assert notes and notes[0].startswith("root node") and "window search:" in notes[0]
