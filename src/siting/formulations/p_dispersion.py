"""p-dispersion: open exactly p sites as far apart as possible (maximise the smallest distance
between two open sites). The math is in models/p-dispersion.md.

The instance's cost matrix is read as sites × sites (row i is site i; a scenario measures it
between the sites layer and itself). Two exact formulations:

* ``search`` (default): bisection over the sorted distinct distances; each step asks "are there
  p sites no two of which are closer than r?", an independent-set feasibility MILP
  (no two open sites closer than r: one row per clique of a clique cover of those pairs),
  bracketed by a greedy max-min solution.
* ``big-m``: the compact model max D, D <= d_ij + M (2 - y_i - y_j) (Kuby 1987); weak LP.
"""

from __future__ import annotations

import time

import numpy as np

from ..decision import Decision
from ..errors import InfeasibleSpecError, SpecError
from ..instance import Instance
from ..milp import MilpBuilder, MilpProblem
from ..problems import PDispersion, Problem
from ..solution import Status, Termination
from ._common import add_cardinality, add_site_vars, check_p, describe_ids
from .base import Context, Formulation, Outcome, SingleMilp, granularity, open_mask_from


def site_distances(instance: Instance) -> np.ndarray:
    """Symmetric site × site distances min(c_ij, c_ji), ``inf`` on the diagonal."""
    if instance.n_demand != instance.n_sites:
        raise SpecError(f"p-dispersion reads the costs as sites × sites, but they are "
                        f"{instance.n_demand} × {instance.n_sites} (measure the sites layer "
                        "against itself: give it as the demand layer too)")
    D = instance.dense_cost()
    D = np.minimum(D, D.T)
    np.fill_diagonal(D, np.inf)
    return D


def _prepare(instance: Instance, problem: Problem) -> tuple[PDispersion, np.ndarray]:
    assert isinstance(problem, PDispersion)
    check_p(instance, problem.p)
    D = site_distances(instance)
    allowed = np.flatnonzero(~instance.forbidden)
    sub = D[np.ix_(allowed, allowed)]
    np.fill_diagonal(sub, 0.0)
    bad = np.argwhere(~np.isfinite(sub))
    if bad.size:
        a, b = allowed[bad[0]]
        raise InfeasibleSpecError(
            "p-dispersion needs a travel cost between every two allowed sites; "
            f"{describe_ids(instance.site_ids[[a, b]])} have none (drop the cutoff, or use "
            "one connected network)")
    return problem, D


def min_pair(D: np.ndarray, open_: np.ndarray) -> float:
    """The smallest distance between two open sites."""
    cols = np.flatnonzero(open_)
    return float(D[np.ix_(cols, cols)].min())


def greedy_maxmin(D: np.ndarray, p: int, required: np.ndarray,
                  forbidden: np.ndarray) -> np.ndarray:
    """Required sites (else the farthest allowed pair), then repeatedly the allowed site
    farthest from the chosen ones: a feasible solution, hence a lower bound."""
    m = D.shape[0]
    chosen = required.copy()
    allowed = ~forbidden
    if not chosen.any():
        F = np.where(allowed[:, None] & allowed[None, :], D, -np.inf)
        np.fill_diagonal(F, -np.inf)
        a, b = np.unravel_index(int(np.argmax(F)), F.shape)
        chosen[[a, b]] = True
    near = D[:, chosen].min(axis=1) if chosen.any() else np.full(m, np.inf)
    while int(chosen.sum()) < p:
        score = np.where(allowed & ~chosen, near, -np.inf)
        k = int(np.argmax(score))
        chosen[k] = True
        near = np.minimum(near, D[:, k])
    return chosen


def conflict_cliques(conflict: np.ndarray, deadline: float | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """A cover of the conflict graph's edges by cliques, as (clique number, site) pairs.

    ``conflict`` is the symmetric boolean adjacency (its diagonal is ignored). Greedy: seed at the site
    with the most uncovered edges, grow by the candidate adjacent to every member that covers
    the most still-uncovered edges, while one covers any. Every edge ends
    in some clique, so the rows sum_{i in C} y_i <= 1 admit exactly the plans the pair rows
    admit (the same integer set) with a tighter LP, and HiGHS gets a few hundred rows in
    place of ~10^5 pairs (its presolve spent 14-17 s merging those into cliques, deaf to a
    Ctrl-C, on a 600-site step). Past ``deadline`` (a perf_counter time) the edges still
    uncovered become pair rows at once, so a time limit is not spent here."""
    uncovered = np.triu(conflict, k=1)
    uncovered = uncovered | uncovered.T
    # a True diagonal (d_ii = 0 < r) would put a site in its own candidates, twice in a
    # clique (a row 2 y_i <= 1) and the loop below would never end
    conflict = uncovered.copy()
    left = uncovered.sum(axis=1)
    ids: list[np.ndarray] = []
    members: list[np.ndarray] = []
    while left.any():
        if deadline is not None and time.perf_counter() > deadline:
            i, j = np.nonzero(np.triu(uncovered, k=1))
            ids.append(len(members) + np.repeat(np.arange(i.size), 2))
            members.append(np.column_stack((i, j)).ravel())
            break
        v = int(np.argmax(left))
        clique = [v]
        rem = np.flatnonzero(conflict[v])  # adjacent to every member so far
        gain = uncovered[v, rem].astype(np.int64)  # uncovered edges each would cover
        while rem.size and gain.max() > 0:  # (a member that covers nothing new: left out)
            k = int(np.argmax(gain))
            u = int(rem[k])
            clique.append(u)
            keep = conflict[u, rem]
            keep[k] = False
            rem = rem[keep]
            gain = gain[keep] + uncovered[u, rem]
        c = np.asarray(clique)
        left[c] -= uncovered[np.ix_(c, c)].sum(axis=1)
        uncovered[np.ix_(c, c)] = False
        ids.append(np.full(c.size, len(members)))
        members.append(c)
    if not members:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(ids), np.concatenate(members)


def conflict_milp(instance: Instance, D: np.ndarray, radius: float, p: int,
                  deadline: float | None = None) -> MilpProblem:
    """Feasibility: p sites with no two closer than ``radius`` (sum_{i in C} y_i <= 1 over a
    clique cover of the pairs with d_ij < r, :func:`conflict_cliques`)."""
    row, site = conflict_cliques(D < radius, deadline)
    b = MilpBuilder("max", name=f"{instance.name}-pdispersion-step")
    y = add_site_vars(b, instance, cost=0.0)
    n_rows = int(row.max()) + 1 if row.size else 0
    b.add_rows("apart", n_rows, row, y.start + site, 1.0, upper=1.0)
    add_cardinality(b, y, equal=p)
    return b.build(objective_granularity=1.0)


class PDispersionSearch(Formulation):
    """Bisection over distinct distances; each step an independent-set feasibility MILP."""

    kind = "p-dispersion"
    name = "search"
    summary = "bisection over distinct site distances from a greedy max-min start; each step " \
              "asks for p sites pairwise at least r apart (conflict-pair feasibility MILP)"
    doc = "models/p-dispersion.md#search"

    def run(self, ctx: Context) -> Outcome:
        t0 = time.perf_counter()
        inst = ctx.instance
        pd_, D = _prepare(inst, ctx.problem)
        best = greedy_maxmin(D, pd_.p, inst.required, inst.forbidden)
        values = np.unique(D[np.isfinite(D)])
        lo = int(np.searchsorted(values, min_pair(D, best)))  # values[lo] is achieved
        hi = values.size - 1  # no solution beats the largest distance of all
        build, solve_s, solves, nodes, version = time.perf_counter() - t0, 0.0, 0, 0, ""
        timed_out = False
        while lo < hi:
            if ctx.out_of_time():
                timed_out = True
                break
            mid = (lo + hi + 1) // 2
            tb = time.perf_counter()
            milp = conflict_milp(inst, D, float(values[mid]), pd_.p, ctx.deadline)
            build += time.perf_counter() - tb
            sol = ctx.solve(milp)
            solves += 1
            solve_s += sol.solve_seconds
            nodes += sol.nodes or 0
            version = sol.backend_version
            if sol.has_solution and sol.x is not None:
                cand = open_mask_from(sol.x, milp)
                value = min_pair(D, cand)
                if value >= min_pair(D, best):
                    best = cand
                lo = max(mid, int(np.searchsorted(values, value)))
            elif sol.status is Status.INFEASIBLE:
                hi = mid - 1
            else:  # time limit or interrupt inside the step
                timed_out = True
                break
        objective = min_pair(D, best)
        bound = float(values[hi]) if values.size else objective
        if lo >= hi and not timed_out:
            status, term, bound = Status.OPTIMAL, Termination.OPTIMAL, objective
        else:
            status = Status.FEASIBLE
            term = Termination.INTERRUPTED if ctx.interrupted else Termination.TIME_LIMIT
        ctx.note(f"p-dispersion search: {values.size} distinct distances, {solves} steps")
        return Outcome(status=status, termination=term, objective=objective,
                       bound=max(bound, objective), decision=Decision.from_open(best),
                       build_seconds=build, solve_seconds=solve_s, nodes=nodes,
                       native_status=f"{solves} conflict MILPs", backend_version=version,
                       messages=tuple(ctx.log), milp_solves=solves)


class PDispersionBigM(SingleMilp):
    """max D s.t. D <= d_ij + M (2 - y_i - y_j) for every pair, sum y = p (Kuby 1987)."""

    kind = "p-dispersion"
    name = "big-m"
    summary = "compact big-M max-min model (weak LP; for benchmarking and cross-checks)"
    doc = "models/p-dispersion.md#big-m"

    def build(self, instance: Instance, problem: Problem) -> MilpProblem:
        pd_, D = _prepare(instance, problem)
        allowed = ~instance.forbidden
        i, j = np.nonzero(np.triu(np.isfinite(D) & allowed[:, None] & allowed[None, :], k=1))
        d = D[i, j]
        big = float(d.max()) if d.size else 0.0
        b = MilpBuilder("max", name=f"{instance.name}-pdispersion-bigm")
        y = add_site_vars(b, instance)
        dv = b.add_vars("D", 1, lower=0.0, upper=big, cost=1.0)
        k = np.arange(i.size)
        b.add_rows("apart", i.size, np.concatenate((k, k, k)),
                   np.concatenate((np.full(i.size, dv.start), y.start + i, y.start + j)),
                   np.concatenate((np.ones(i.size), np.full(2 * i.size, big))),
                   upper=d + 2 * big)
        add_cardinality(b, y, equal=pd_.p)
        return b.build(objective_granularity=granularity(d))

    def decode(self, instance: Instance, problem: Problem, milp: MilpProblem,
               x: np.ndarray) -> Decision:
        return Decision.from_open(open_mask_from(x, milp))

    def start(self, instance: Instance, problem: Problem, milp: MilpProblem,
              seed: int) -> np.ndarray | None:
        pd_, D = _prepare(instance, problem)
        open_ = greedy_maxmin(D, pd_.p, instance.required, instance.forbidden)
        x = np.zeros(milp.n_cols)
        x[milp.blocks["y"].slice] = open_
        x[milp.blocks["D"].slice] = min_pair(D, open_)
        return x
