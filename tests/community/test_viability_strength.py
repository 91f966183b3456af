"""The viability model's exact strengthenings (community/viability.py): shared prefix chains,
pairwise conflicts, the dropped subsidy rows and the greedy MIP start, each against plain
enumeration of plans (nearest shares recomputed by the verifier)."""

from __future__ import annotations

import numpy as np
import pytest

from siting.community.formulation import build_model, hostable_pairs
from siting.community.solve import solve
from siting.community.verify import Plan, verify
from siting.community.viability import (
    greedy_plan,
    improved_plan,
    nearest_order,
    nearest_users,
    user_weights,
    viability_conflicts,
    viable_start,
)

from .helpers import (assert_matches_enumeration, planar_instance, plans, viability_problem,
                      viability_tables)

#: thresholds high against the tiny catchments, so that pairs of sites exclude each other
TIGHT = {"elderly": {"min_users": 70}, "health": {"min_users": 220}}
#: elderly never runs a deficit when viable (100 ≤ 3 × 40): its subsidy rows are dropped;
#: health (no threshold) keeps them
SUBSIDY = {"elderly": {"min_users": 40, "operating_cost": 100, "revenue_per_user": 3.0},
           "health": {"operating_cost": 300, "revenue_per_user": 1.2}}


def _inst(seed: int, overrides: dict, **kw):  # type: ignore[no-untyped-def]
    prob = viability_problem(overrides=overrides, **kw)
    demand, sites = viability_tables(seed)
    return prob, planar_instance(prob, demand, sites)


@pytest.mark.parametrize("seed", range(1, 9))
def test_conflicts_are_exactly_the_pairs_that_cannot_both_be_viable(seed: int) -> None:
    prob, inst = _inst(seed, TIGHT)
    every = np.ones(inst.n_sites, dtype=bool)
    for s, svc in enumerate(prob.services):
        L = svc.min_users or 0.0
        if L <= 0:
            continue
        wt = user_weights(inst, prob, s)
        got = set(zip(*(a.tolist() for a in viability_conflicts(inst, s, every, wt, L))))
        new = np.flatnonzero((inst.existing[:, s] == 0) & (inst.max_new[:, s] > 0))
        base = inst.existing[:, s] > 0
        alone = {int(j): nearest_users(inst, prob, s, base | (np.arange(inst.n_sites) == j))[0][j]
                 for j in new}
        want = set()
        for j in new:
            for k in new:
                if j >= k or alone[int(j)] < L or alone[int(k)] < L:
                    continue   # a point that is never viable is fixed closed elsewhere
                on = base.copy()
                on[[j, k]] = True
                users = nearest_users(inst, prob, s, on)[0]
                if users[j] < L - 1e-6 or users[k] < L - 1e-6:
                    want.add((int(j), int(k)))
        assert got == want, (svc.name, seed, sorted(got), sorted(want))


def test_conflict_cases_are_not_vacuous() -> None:
    rows = 0
    for seed in range(1, 9):
        prob, inst = _inst(seed, TIGHT)
        blocks = build_model(inst, prob).milp.row_blocks
        rows += sum(b.size for k, b in blocks.items() if k.startswith("viable_pairs_"))
    assert rows > 0


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("case", ["tight", "tight-budget", "subsidy"])
def test_strengthened_milp_equals_enumeration(case: str, seed: int) -> None:
    overrides, kw = {"tight": (TIGHT, {}), "tight-budget": (TIGHT, {"budget": 70}),
                     "subsidy": (SUBSIDY, {"viability": {"subsidy_budget": 150}})}[case]
    prob, inst = _inst(seed, overrides, **kw)
    assert_matches_enumeration(inst, prob, solve(inst, prob))


def test_subsidy_rows_only_for_services_that_can_run_a_deficit() -> None:
    prob, inst = _inst(1, SUBSIDY, viability={"subsidy_budget": 150})
    blocks = build_model(inst, prob).milp.blocks
    names = [s.name for s in prob.services]
    assert f"sigma_{names.index('health')}" in blocks
    assert f"sigma_{names.index('elderly')}" not in blocks


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_chains_share_one_variable_per_distinct_prefix_set(seed: int) -> None:
    prob, inst = _inst(seed, TIGHT)
    milp = build_model(inst, prob).milp
    a = np.array([s.module_area for s in prob.services])
    host = (inst.allowed & ~inst.forbidden[:, None]) | (inst.existing > 0)
    hostable = hostable_pairs(inst, prob, a, host)
    for s, svc in enumerate(prob.services):
        if not svc.min_users:
            continue
        wt = user_weights(inst, prob, s)
        pr = inst.pairs[s]
        keep = (wt[pr.i] > 0) & hostable[pr.j, s]
        relevant = hostable[:, s] & (inst.max_new[:, s] > 0)
        o = nearest_order(pr.i[keep], pr.j[keep], pr.d[keep])
        lists: dict[int, list[int]] = {}
        for i, j in zip(pr.i[keep][o].tolist(), pr.j[keep][o].tolist()):
            lists.setdefault(i, []).append(j)
        prefixes = set()
        for seq in lists.values():
            # a list ends at its first existing module and after its last point with a row
            cut = next((r for r, j in enumerate(seq) if inst.existing[j, s] > 0), len(seq) - 1)
            last = max((r for r, j in enumerate(seq) if relevant[j]), default=-1)
            prefixes.update(frozenset(seq[:r + 1]) for r in range(min(cut, last) + 1))
        assert milp.blocks[f"near_{s}"].size == len(prefixes), svc.name


@pytest.mark.parametrize("seed", range(1, 7))
@pytest.mark.parametrize("overrides", [TIGHT, SUBSIDY], ids=["tight", "subsidy"])
def test_greedy_start_is_a_viable_plan_the_model_accepts(seed: int, overrides: dict) -> None:
    kw = {"viability": {"subsidy_budget": 150}} if overrides is SUBSIDY else {"budget": 80}
    prob, inst = _inst(seed, overrides, **kw)
    for by_ratio in (True, False):
        plan = greedy_plan(inst, prob, by_ratio)
        better = improved_plan(inst, prob, by_ratio)
        assert plan is not None and better is not None
        chk = verify(inst, prob, Plan(*plan))
        assert chk.feasible, chk.violations
        chk2 = verify(inst, prob, Plan(*better))
        assert chk2.feasible, chk2.violations
        assert chk2.coverage_objective >= chk.coverage_objective - 1e-9
    model = build_model(inst, prob, budget_row=True)
    x = viable_start(model, inst, prob)
    assert x is not None and model.milp.max_violation(x) <= 1e-6
    best = max(verify(inst, prob, Plan(u, n)).coverage_objective
               for u, n in plans(inst) if verify(inst, prob, Plan(u, n)).feasible)
    assert float(model.coverage @ x) <= best + 1e-6   # a plan, so never above the optimum
