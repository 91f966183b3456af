"""Window search pieces: a window's MILP prices the current plan right, repair and fill keep
the limits, the search never loses coverage, components are counted."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from siting.backends import get_backend
from siting.milp import MilpProblem
from siting.options import SolveOptions
from siting.reduce import coverage_matrix
from siting.scale.mclp_windows import (
    WindowSearch,
    fill,
    merge_alike,
    repair,
    search,
    site_components,
)
from siting.solution import Status
from siting.testing.city import generate_city, radius_instance


def _city(seed: int = 2) -> tuple[sp.csr_array, np.ndarray, np.ndarray]:
    city = generate_city(900, 90, seed=seed)
    inst = radius_instance(city, 800.0)
    return coverage_matrix(inst, 800.0), city.population, city.site_cost


def _solve(milp: MilpProblem, start: np.ndarray, seconds: float) -> np.ndarray | None:
    sol = get_backend("highs").solve(milp, SolveOptions(time_limit=seconds), start=start)
    return sol.x if sol.status in (Status.OPTIMAL, Status.FEASIBLE) else None


def test_components_of_a_block_diagonal_cover() -> None:
    C = sp.csr_array(sp.block_diag([np.ones((3, 2)), np.ones((2, 3)), np.ones((1, 1))]))
    comps = site_components(C)
    assert comps.count == 3
    assert list(comps.sizes) == [3, 2, 1]
    assert comps.label[0] == comps.label[1] != comps.label[2]


def test_window_milp_start_is_the_plan_and_its_value() -> None:
    C, w, cost = _city()
    rng = np.random.default_rng(0)
    open_ = np.zeros(C.shape[1], bool)
    open_[rng.choice(C.shape[1], 8, replace=False)] = True
    ws = WindowSearch(C, w, cost, np.ones(C.shape[1], bool), open_, float(cost[open_].sum()), None)
    W = ws.window(np.array([int(np.flatnonzero(open_)[0])]), 20)
    assert W.size <= 20
    milp, start, rows, before = ws.milp(W)
    assert milp.max_violation(start) <= 1e-9
    assert milp.objective_value(start) == before
    # the rows are exactly the demand reached from W that no fixed open site covers
    outside = open_.copy()
    outside[W] = False
    hit_out = (C @ outside.astype(float)) > 0
    reach = (C[:, W].sum(axis=1) > 0)
    assert set(rows) == set(np.flatnonzero(reach & ~hit_out))


def test_search_improves_within_the_budget_and_repair_fill_keep_it() -> None:
    C, w, cost = _city(5)
    budget = float(np.round(7 * cost.mean()))
    ws = WindowSearch(C, w, cost, np.ones(C.shape[1], bool), np.zeros(C.shape[1], bool),
                      budget, None)
    fill(ws)
    start = ws.coverage()
    assert float(cost[ws.open].sum()) <= budget
    st = search(ws, _solve, deadline=__import__("time").perf_counter() + 1.5,
                stop=lambda: False, seed=1, size=15)
    assert st.windows > 0
    assert ws.coverage() >= start
    assert float(cost[ws.open].sum()) <= budget + 1e-9
    assert np.array_equal(ws.cnt, C @ ws.open.astype(float))  # counts kept in step
    # priced: the plan may overspend; repair brings it back, fill uses what is left
    ws.price = 0.0
    search(ws, _solve, deadline=__import__("time").perf_counter() + 0.5, stop=lambda: False,
           seed=2, size=15, steer=0.0)
    ws.price = None
    repair(ws)
    assert float(cost[ws.open].sum()) <= budget + 1e-9
    fill(ws)
    assert float(cost[ws.open].sum()) <= budget + 1e-9
    assert np.array_equal(ws.cnt, C @ ws.open.astype(float))


def test_merge_alike_sums_the_weights_of_rows_with_one_pattern() -> None:
    A = sp.csr_array(np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1], [0, 1, 0], [1, 1, 1]], float))
    G, wt = merge_alike(A, np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    got = sorted(zip(map(tuple, G.toarray().astype(int)), wt))
    assert got == [((0, 1, 0), 6.0), ((1, 0, 1), 4.0), ((1, 1, 1), 5.0)]


def test_priced_search_remembers_its_best_plan_within_the_budget() -> None:
    C, w, cost = _city(5)
    budget = float(np.round(7 * cost.mean()))
    ws = WindowSearch(C, w, cost, np.ones(C.shape[1], bool), np.zeros(C.shape[1], bool),
                      budget, None)
    fill(ws)
    ws.price = float(w.sum() / cost.sum())
    search(ws, _solve, deadline=__import__("time").perf_counter() + 1.0, stop=lambda: False,
           seed=3, size=15)
    ws.remember()
    assert ws.best_open is not None and ws.best_coverage > 0
    assert float(cost[ws.best_open].sum()) <= budget + 1e-9
    hit = (C @ ws.best_open.astype(float)) > 0
    assert ws.best_coverage == float(w[hit].sum())  # what it says the plan covers


def test_restart_goes_on_from_a_new_plan_with_the_counts_of_that_plan() -> None:
    C, w, cost = _city(5)
    budget = float(np.round(7 * cost.mean()))
    ws = WindowSearch(C, w, cost, np.ones(C.shape[1], bool), np.zeros(C.shape[1], bool),
                      budget, None)
    fill(ws)
    ws.price = 1.0
    ws.remember()
    plan = np.zeros(C.shape[1], bool)
    plan[:3] = True
    ws.restart(plan)
    assert ws.price is None and ws.best_open is None
    assert np.array_equal(ws.open, plan) and ws.open is not plan
    assert np.array_equal(ws.cnt, C @ plan.astype(float))
    fresh = WindowSearch(C, w, cost, np.ones(C.shape[1], bool), plan, budget, None)
    assert ws.coverage() == fresh.coverage()
