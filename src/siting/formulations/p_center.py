"""p-center: radius search over sorted distinct costs (default) and the classic minimax model.
The math is in models/p-center.md."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from ..decision import Decision
from ..heuristics import farthest_first, pcenter_swap
from ..instance import Instance
from ..milp import MilpBuilder, MilpProblem
from ..problems import LSCP, PCenter, Problem
from ..reduce import reduce_covering
from ..solution import MilpSolution, Status, Termination
from ._common import add_cardinality, add_site_vars, check_p, require_reachable
from .base import Context, Formulation, Outcome, SingleMilp, granularity, open_mask_from


def _service_costs(instance: Instance, problem: PCenter) -> np.ndarray:
    """S_ij = (w_i if weighted) * d_ij, inf where unreachable or the site is forbidden."""
    D = instance.dense_cost()
    # where, not a product: a zero weight times an unreachable (inf) pair is nan
    S = np.multiply(instance.weight[:, None], D, out=np.full(D.shape, np.inf),
                    where=np.isfinite(D)) if problem.weighted else D.copy()
    S[:, instance.forbidden] = np.inf  # type: ignore[index]
    return S


def _prepare(instance: Instance, problem: Problem) -> PCenter:
    assert isinstance(problem, PCenter)
    check_p(instance, problem.p)
    require_reachable(instance)
    return problem


def _pad_to_p(open_: np.ndarray, p: int, forbidden: np.ndarray) -> np.ndarray:
    """Open further allowed sites (lowest index first) until exactly p are open."""
    open_ = open_.copy()
    free = np.flatnonzero(~open_ & ~forbidden)
    need = p - int(open_.sum())
    if need > 0:
        open_[free[:need]] = True
    return open_


def cover_milp(instance: Instance, S: np.ndarray, radius: float, p: int) -> MilpProblem:
    """Set-cover feasibility model: every point within ``radius`` of an open site, <= p sites."""
    i, j = np.nonzero(S <= radius)
    b = MilpBuilder("min", name=f"{instance.name}-pcenter-cover")
    y = add_site_vars(b, instance, cost=1.0)
    n = instance.n_demand
    b.add_rows("cover", n, i, y.start + j, 1.0, lower=1.0, index=(np.arange(n),))
    add_cardinality(b, y, at_most=p)
    return b.build(objective_granularity=1.0)


class _Step:
    """One radius question, after the exact covering reductions (dominated rows and sites,
    essential sites; ``siting.reduce``): is there a cover with at most p sites?"""

    def __init__(self, inst: Instance, S: np.ndarray, radius: float, p: int) -> None:
        sub = replace(inst, cost=S, fixed_cost=None, capacity=None)
        self.red = reduce_covering(sub, LSCP(radius=radius))
        self.p = p
        self.milp: MilpProblem | None = None
        if self.red.instance is not None:
            ri = self.red.instance
            i, j, _ = ri.pairs()
            b = MilpBuilder("min", name=f"{inst.name}-pcenter-cover")
            y = add_site_vars(b, ri, cost=1.0)
            b.add_rows("cover", ri.n_demand, i, y.start + j, 1.0, lower=1.0)
            add_cardinality(b, y, at_most=p)
            self.milp = b.build(objective_granularity=1.0)

    @property
    def settled(self) -> bool | None:
        """True/False when the reductions alone answer the question, else None."""
        if self.milp is not None:
            return None if int(self.red.fixed.sum()) <= self.p else False
        return int(self.red.fixed.sum()) <= self.p

    def expand(self, x: np.ndarray | None) -> np.ndarray:
        if x is None or self.milp is None:
            return self.red.fixed.copy()
        return self.red.expand(Decision.from_open(open_mask_from(x, self.milp))).open


def _relaxed(milp: MilpProblem) -> MilpProblem:
    """The same model with every integrality dropped (its LP relaxation)."""
    return replace(milp, integrality=np.zeros(milp.n_cols, dtype=bool), objective_granularity=0.0)


class PCenterSearch(Formulation):
    """Binary search over sorted distinct service costs; each step is a set-cover MILP."""

    kind = "p-center"
    name = "search"
    summary = "radius search bracketed by a swap-improved farthest-first upper bound and a " \
              "cover-LP lower bound; each step a set-cover feasibility MILP"
    doc = "models/p-center.md#search"
    #: radii tried one by one upward from the LP bracket's bottom before bisecting
    walk_up = 3

    def run(self, ctx: Context) -> Outcome:
        t0 = time.perf_counter()
        pc = _prepare(ctx.instance, ctx.problem)
        inst = ctx.instance
        S = _service_costs(inst, pc)
        forb = inst.forbidden
        assert forb is not None
        best_open = pcenter_swap(S, farthest_first(S, pc.p, inst.required, forb), forb,
                                 inst.required)
        ub = float(S[:, best_open].min(axis=1).max())
        # any solution serves each point at no less than its cheapest allowed site
        lb = float(np.min(S, axis=1).max())
        radii = np.unique(S[np.isfinite(S)])
        radii = radii[(radii >= lb) & (radii <= ub)]
        lo, hi = 0, radii.size - 1  # radii[hi] is feasible (the heuristic reaches it)
        build = time.perf_counter() - t0
        solve_s = 0.0
        solves = 0
        sol: MilpSolution | None  # None: a radius the reductions settle without a MILP
        nodes = 0
        version = ""
        if not np.isfinite(ub):
            # the heuristic left a point without a site within reach (sparse costs): the
            # largest radius asks whether any p sites reach everyone at all
            step = _Step(inst, S, float(radii[-1]), pc.p)
            sol = None
            if step.settled is None:
                assert step.milp is not None
                sol = ctx.solve(step.milp, rel_gap=1.0, abs_gap=float(pc.p + 1))
                solves += 1
                solve_s += sol.solve_seconds
                version = sol.backend_version
            if step.settled is False or (sol is not None and sol.status is Status.INFEASIBLE):
                why = (f"no set of p = {pc.p} sites reaches every demand point: the set-cover "
                       f"model over all reachable pairs is infeasible")
                return Outcome(status=Status.INFEASIBLE, termination=Termination.INFEASIBLE,
                               objective=None, bound=None, decision=None, build_seconds=build,
                               solve_seconds=solve_s, native_status=f"{solves} cover MILPs",
                               backend_version=version, messages=(why, *ctx.log),
                               milp_solves=solves)
            if sol is not None and sol.x is None:  # stopped before an answer
                return Outcome(status=Status.NO_SOLUTION, termination=sol.termination,
                               objective=None, bound=lb, decision=None, build_seconds=build,
                               solve_seconds=solve_s, native_status=f"{solves} cover MILPs",
                               backend_version=version, messages=tuple(ctx.log),
                               milp_solves=solves)
            best_open = _pad_to_p(step.expand(None if sol is None else sol.x), pc.p, forb)
            ub = float(S[:, best_open].min(axis=1).max())
            radii = radii[radii <= ub]
            hi = radii.size - 1
        # bracket from below: a radius whose cover LP needs more than p sites is infeasible
        lp_lo, lp_hi = lo, hi
        while lp_lo < lp_hi and not ctx.out_of_time():
            mid = (lp_lo + lp_hi) // 2
            tb = time.perf_counter()
            step = _Step(inst, S, float(radii[mid]), pc.p)
            build += time.perf_counter() - tb
            if step.settled is not None:
                if step.settled:
                    lp_hi = mid
                else:
                    lp_lo = mid + 1
                continue
            assert step.milp is not None
            sol = ctx.solve(_relaxed(step.milp))
            solves += 1
            solve_s += sol.solve_seconds
            if sol.status is Status.INFEASIBLE:
                lp_lo = mid + 1
            elif sol.status is Status.OPTIMAL:
                lp_hi = mid
            else:
                break
        lo = lp_lo
        ctx.note(f"p-center search: {radii.size} candidate radii in [{lb:g}, {ub:g}]; "
                 f"LP bracket starts at {float(radii[lo]) if radii.size else ub:g}")
        proven_lo = lo  # every radius below radii[proven_lo] is infeasible
        timed_out = False
        steps_up = 0
        while lo < hi:
            if ctx.out_of_time():
                timed_out = True
                break
            # the LP bound is usually within a few levels of the optimum: walk up from the
            # bracket's bottom for a few steps (reduced models near the threshold are small),
            # then bisect what is left
            mid = lo if steps_up < self.walk_up else (lo + hi) // 2
            steps_up += 1
            tb = time.perf_counter()
            step = _Step(inst, S, float(radii[mid]), pc.p)
            build += time.perf_counter() - tb
            if step.settled is False:
                lo = mid + 1
                proven_lo = lo
                continue
            if step.settled:
                sol = None
            else:
                assert step.milp is not None
                # any cover with <= p sites answers the question: stop at the first incumbent
                sol = ctx.solve(step.milp, rel_gap=1.0, abs_gap=float(pc.p + 1))
                ctx.note(f"radius {float(radii[mid]):g}: cover MILP {step.milp.n_rows - 1} rows x "
                         f"{step.milp.n_cols} sites, {sol.status.value} in "
                         f"{sol.solve_seconds:.2f}s")
                solves += 1
                solve_s += sol.solve_seconds
                nodes += sol.nodes or 0
                version = sol.backend_version
            if sol is None or (sol.status in (Status.OPTIMAL, Status.FEASIBLE)
                               and sol.x is not None):
                cand = _pad_to_p(step.expand(None if sol is None else sol.x), pc.p, forb)
                value = float(S[:, cand].min(axis=1).max())
                if value <= float(radii[hi]):
                    best_open = cand
                hi = int(np.searchsorted(radii, value))  # may be below mid
                hi = min(hi, mid)
            elif sol.status is Status.INFEASIBLE:
                lo = mid + 1
                proven_lo = lo  # the reductions keep feasibility: infeasible there = here
            else:
                timed_out = True
                break
        best_open = _pad_to_p(best_open, pc.p, forb)
        objective = float(S[:, best_open].min(axis=1).max())
        bound = float(radii[proven_lo]) if radii.size else objective
        if lo >= hi and not timed_out:
            status, term, bound = Status.OPTIMAL, Termination.OPTIMAL, objective
        else:
            status, term = Status.FEASIBLE, Termination.TIME_LIMIT
        return Outcome(
            status=status, termination=term, objective=objective, bound=min(bound, objective),
            decision=Decision.from_open(best_open), build_seconds=build, solve_seconds=solve_s,
            nodes=nodes, native_status=f"{solves} cover MILPs", backend_version=version,
            messages=tuple(ctx.log), milp_solves=solves,
        )


class PCenterClassic(SingleMilp):
    """Classic minimax model: min W, W >= sum_j s_ij x_ij (Daskin 1995)."""

    kind = "p-center"
    name = "classic"
    summary = "classic minimax assignment formulation (weak LP; for benchmarking)"
    doc = "models/p-center.md#classic"

    def build(self, instance: Instance, problem: Problem) -> MilpProblem:
        pc = _prepare(instance, problem)
        S = _service_costs(instance, pc)
        i, j = np.nonzero(np.isfinite(S))
        s = S[i, j]
        n = instance.n_demand
        b = MilpBuilder("min", name=f"{instance.name}-pcenter-classic")
        y = add_site_vars(b, instance)
        x = b.add_vars("x", i.size, lower=0.0, upper=1.0, index=(i, j))
        W = b.add_vars("W", 1, lower=0.0, cost=1.0)
        k = np.arange(i.size)
        b.add_rows("assign", n, i, x.start + k, 1.0, lower=1.0, upper=1.0)
        b.add_rows("link", i.size, np.concatenate((k, k)),
                   np.concatenate((x.start + k, y.start + j)),
                   np.concatenate((np.ones(i.size), -np.ones(i.size))), upper=0.0)
        b.add_rows("minimax", n, np.concatenate((i, np.arange(n))),
                   np.concatenate((x.start + k, np.full(n, W.start))),
                   np.concatenate((-s, np.ones(n))), lower=0.0)
        add_cardinality(b, y, equal=pc.p)
        return b.build(objective_granularity=granularity(s))

    def decode(self, instance: Instance, problem: Problem, milp: MilpProblem,
               x: np.ndarray) -> Decision:
        return Decision.from_open(open_mask_from(x, milp))

    def start(self, instance: Instance, problem: Problem, milp: MilpProblem,
              seed: int) -> np.ndarray | None:
        assert isinstance(problem, PCenter)
        S = _service_costs(instance, problem)
        open_ = farthest_first(S, problem.p, instance.required, instance.forbidden)
        x = np.zeros(milp.n_cols)
        x[milp.blocks["y"].slice] = open_
        xb = milp.blocks["x"]
        i, j = xb.index
        cols = np.flatnonzero(open_)
        nearest = cols[np.argmin(S[:, cols], axis=1)]
        x[xb.slice] = (j == nearest[i]).astype(float)
        x[milp.blocks["W"].slice] = S[:, open_].min(axis=1).max()
        return x
