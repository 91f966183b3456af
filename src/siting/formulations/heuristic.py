"""Bounded heuristics for instances too large to prove in the time limit.

Each returns its best solution with a valid bound (Lagrangian) and the gap between them. The
status is "optimal" only when the bound closes the gap (within the requested tolerances),
otherwise "feasible". The decision goes through the independent verifier like any other.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..decision import Decision
from ..errors import InfeasibleSpecError
from ..heuristics import greedy_max_cover
from ..instance import Instance
from ..options import SolveOptions
from ..problems import MCLP, PMedian
from ..solution import Status, Termination
from ._common import check_p, describe_ids, unreachable_demand
from .base import Context, Formulation, Outcome, granularity
from .covering import check_mclp_limits

if TYPE_CHECKING:
    import scipy.sparse as sp

    from ..reduce import Reduction
    from ..scale.mclp_lagrange import CoverData

#: seconds a heuristic formulation uses when the caller gives no time limit
DEFAULT_SECONDS = 60.0


def time_budget(ctx: Context, default: float = DEFAULT_SECONDS) -> float:
    left = ctx.remaining()
    return default if left is None else max(left, 0.5)


def closed(objective: float, bound: float, grain: float, options: SolveOptions) -> bool:
    """Whether bound and objective agree within the requested gaps (a proof of optimality)."""
    if not (math.isfinite(objective) and math.isfinite(bound)):
        return False
    diff = abs(objective - bound)
    abs_gap = options.abs_gap if options.abs_gap is not None else (0.999 * grain if grain > 0
                                                                 else 1e-9)
    return diff <= abs_gap + 1e-9 * max(1.0, abs(objective)) or \
        diff <= options.rel_gap * max(abs(objective), 1e-12)


def bounded_outcome(objective: float | None, bound: float | None, decision: Decision | None,
                    grain: float, options: SolveOptions, seconds: float,
                    messages: tuple[str, ...], build: float = 0.0) -> Outcome:
    if decision is None or objective is None:
        return Outcome(Status.NO_SOLUTION, Termination.OTHER, None, bound, None,
                       build_seconds=build, solve_seconds=seconds, messages=messages,
                       milp_solves=0)
    proven = bound is not None and closed(objective, bound, grain, options)
    return Outcome(Status.OPTIMAL if proven else Status.FEASIBLE,
                   Termination.OPTIMAL if proven else Termination.TIME_LIMIT,
                   objective, bound, decision, build_seconds=build, solve_seconds=seconds,
                   native_status="bound closed" if proven else "heuristic with bound",
                   messages=messages, milp_solves=0)


def _whole_bound(bound: float, grain: float) -> float:
    """A Lagrangian lower bound raised to the next whole unit when the objective moves in whole
    units (``grain`` from :func:`granularity`); the relative slack keeps 42 + rounding noise at
    42 instead of lifting it to 43."""
    if grain > 0:
        return math.ceil(bound - 1e-9 * max(1.0, abs(bound)))
    return bound


class PMedianLagrangian(Formulation):
    """Lagrangian bound + Lagrangian heuristic + sparse swap descent (no MILP)."""

    kind = "p-median"
    name = "lagrangian"
    summary = ("Lagrangian relaxation of the assignment rows for the bound; Lagrangian heuristic, "
               "locate-allocate and sparse swap interchange for the solution")
    doc = "models/p-median.md#lagrangian--heuristic"

    def run(self, ctx: Context) -> Outcome:
        from ..scale.pmedian_lagrange import (
            Pairs,
            repair,
            shake_descent,
            solve_lagrangian,
            swap_descent,
        )

        inst, prob = ctx.instance, ctx.problem
        assert isinstance(prob, PMedian)
        check_p(inst, prob.p)
        lost = unreachable_demand(inst)
        if lost.size:
            raise InfeasibleSpecError(f"{lost.size} demand point(s) reach no allowed site: "
                                      f"{describe_ids(inst.demand_ids[lost])}")
        t0 = time.perf_counter()
        T = time_budget(ctx)
        P = Pairs.from_instance(inst)
        req = inst.required.copy()  # type: ignore[union-attr]
        allowed = ~inst.forbidden  # type: ignore[operator]
        build = time.perf_counter() - t0
        cap = inst.is_sparse
        # short Lagrangian phase for good starting sites, swap descent to a local optimum,
        # then the remaining time on the bound alone (the incumbent as Polyak target)
        a = solve_lagrangian(P, prob.p, req, allowed, 0.15 * T, polish=False,
                             cap_untruncated=cap, heuristic_every=25)
        best, val = a.best_open, a.best_value
        if best is not None and not math.isfinite(val):
            best = repair(P, best, req, allowed)
        if best is not None:
            best, val = swap_descent(P, best, req, allowed, max(0.35 * T, 0.1))
        bound, iters = a.bound, a.iterations
        left = T - (time.perf_counter() - t0) - 0.05 * T
        if left > 0.5 and math.isfinite(val):
            b = solve_lagrangian(P, prob.p, req, allowed, left, incumbent=best, lam0=a.lam,
                                 alpha0=0.5, polish=False, cap_untruncated=cap,
                                 heuristic_every=10**9)
            bound, iters = max(bound, b.bound), iters + b.iterations
            if b.best_open is not None and b.best_value < val:
                best, val = b.best_open, b.best_value
        left = T - (time.perf_counter() - t0) - 0.03 * T
        grain = granularity(inst.weight, P.d)
        if left > 0.5 and best is not None and math.isfinite(val) \
                and not closed(val, bound, grain, ctx.options):
            # the bound converged early: spend the rest on variable neighbourhood search
            best, val = shake_descent(P, best, val, req, allowed, left, seed=ctx.options.seed)
        bound = _whole_bound(bound, grain)
        notes: tuple[str, ...] = ((f"lagrangian: assignment rows relaxed, {iters} subgradient "
                                   f"iterations; {P.i.size:,} stored pairs"),)
        if inst.is_sparse:
            notes += (("lagrangian: multipliers capped at each point's largest stored cost, "
                       "so with nearest-site candidate lists the bound also holds for the "
                       "untruncated problem"),)
        decision = Decision.from_open(best) if best is not None and math.isfinite(val) else None
        return bounded_outcome(val if decision is not None else None, bound, decision, grain,
                               ctx.options, time.perf_counter() - t0 - build, notes, build)


class PMedianHeuristic(PMedianLagrangian):
    name = "heuristic"
    summary = "same as lagrangian: greedy/Lagrangian incumbents, swap descent, Lagrangian bound"


class MCLPLagrangian(Formulation):
    """Exact reductions, greedy + Lagrangian bound, reduced-cost fixing, then (if what is left
    is small enough) the exact MILP on the remaining sites."""

    kind = "mclp"
    name = "lagrangian"
    summary = ("reductions, Khuller greedy, Lagrangian bound on the cover rows, reduced-cost "
               "fixing, exact MILP on what is left when it is small")
    doc = "models/covering.md#mclp-lagrangian--heuristic"
    #: exact MILP on the fixed remainder only when it has at most this many coverage pairs
    milp_pairs_limit = 400_000
    use_milp = True

    def run(self, ctx: Context) -> Outcome:
        from ..scale.mclp_lagrange import (
            fix_by_reduced_cost,
            lagrangian_bound,
            lagrangian_greedy,
            swap_cover,
        )

        prob = ctx.problem
        assert isinstance(prob, MCLP)
        t0 = time.perf_counter()
        T = time_budget(ctx)
        red, prep = reduced_cover(ctx)
        notes = red.notes()
        if prep is None:
            dec = red.expand(Decision.from_open(np.zeros(0, bool)))
            return bounded_outcome(red.offset, red.offset, dec, 1.0, ctx.options,
                                   time.perf_counter() - t0, notes)
        ri, C, cost, req, d = prep
        build = time.perf_counter() - t0
        open_ = greedy_max_cover(C.tocsc(), ri.weight, cost, prob.p, prob.budget, req, None,
                                 deadline=ctx.deadline)
        open_ = swap_cover(d, open_, 0.2 * T)
        inc = d.coverage(open_)
        st = lagrangian_bound(d, inc, 0.4 * T)
        alt = lagrangian_greedy(d, st.s)
        if d.coverage(alt) > inc:
            open_, inc = alt, d.coverage(alt)
        bound = st.bound
        notes += ((f"lagrangian: cover rows relaxed, {st.iterations} subgradient iterations, "
                   f"bound {bound + red.offset:.10g}"),)
        close, force = fix_by_reduced_cost(d, st, inc)
        notes += ((f"lagrangian: reduced-cost fixing closes {int(close.sum())} and opens "
                   f"{int(force.sum())} of {ri.n_sites} sites"),)
        grain = granularity(ri.weight)
        left = T - (time.perf_counter() - t0)
        if self.use_milp and left > 1.0 and not closed(inc, bound, grain, ctx.options):
            got = self._exact_rest(ctx, ri, prob, close, force, open_, left, notes)
            if got is not None:  # both bounds are valid: keep the tighter
                open_, inc, rest_bound, notes = got
                bound = min(bound, rest_bound)
        decision = red.expand(Decision.from_open(open_))
        return bounded_outcome(inc + red.offset, bound + red.offset, decision, grain,
                               ctx.options, time.perf_counter() - t0 - build, notes, build)

    def _exact_rest(self, ctx: Context, ri: Instance, prob: MCLP, close: np.ndarray,
                    force: np.ndarray, open_: np.ndarray, left: float,
                    notes: tuple[str, ...]) -> tuple[np.ndarray, float, float, tuple[str, ...]] | None:
        """Solve the MILP over sites not fixed; it only has to beat the incumbent, so its bound
        (max with the incumbent) is a bound on the whole problem."""
        from ..reduce import reduce_covering
        from .covering import MCLPReduced

        fixed = replace(ri, required=ri.required | force, forbidden=close)  # type: ignore[operator]
        try:
            check_mclp_limits(fixed, prob)
        except InfeasibleSpecError:
            return None
        sub_red = reduce_covering(fixed, prob)
        size = 0 if sub_red.instance is None else int(sub_red.instance.cost.nnz)  # type: ignore[union-attr]
        if size > self.milp_pairs_limit:
            return None
        sub_ctx = Context(instance=fixed, problem=prob, backend=ctx.backend,
                          options=ctx.options.model_copy(update={"time_limit": left}))
        out = MCLPReduced().run(sub_ctx)
        inc = float(_cover_value(ri, prob, open_))
        notes = notes + ((f"exact MILP on the {size:,} remaining coverage pairs: "
                          f"{out.status.value}"),)
        if out.bound is None:
            return None
        bound = max(float(out.bound), inc)
        if out.decision is not None and out.objective is not None and out.objective > inc:
            return out.decision.open, float(out.objective), bound, notes
        return open_, inc, bound, notes


def _cover_value(inst: Instance, prob: MCLP, open_: np.ndarray) -> float:
    from ..reduce import coverage_matrix

    C = coverage_matrix(inst, prob.radius)
    return float(inst.weight[(C @ open_.astype(float)) > 0].sum())


class MCLPHeuristic(MCLPLagrangian):
    name = "heuristic"
    summary = "reductions, greedy and Lagrangian bound only (no MILP)"
    use_milp = False


class LSCPHeuristic(Formulation):
    """Exact reductions, Chvatal greedy + redundancy removal, Lagrangian bound (no MILP)."""

    kind = "lscp"
    name = "heuristic"
    summary = "reductions, greedy cover with redundancy removal, Lagrangian bound on cover rows"
    doc = "models/covering.md#mclp-lagrangian--heuristic"

    def run(self, ctx: Context) -> Outcome:
        from ..problems import LSCP
        from ..reduce import coverage_matrix, reduce_covering
        from ..scale.lscp_lagrange import greedy_cover, lagrangian_bound
        from .covering import LSCPCover

        inst, prob = ctx.instance, ctx.problem
        assert isinstance(prob, LSCP)
        lost = unreachable_demand(inst, prob.radius)
        if lost.size and not prob.drop_unreachable:
            return LSCPCover().run(ctx)  # the infeasibility report, no MILP built
        t0 = time.perf_counter()
        T = time_budget(ctx)
        red = reduce_covering(inst, prob, deadline=ctx.deadline)
        notes = red.notes()
        f_all = inst.site_costs()
        if red.instance is None:
            dec = red.expand(Decision.from_open(np.zeros(0, bool)))
            v = float(f_all[dec.open].sum())
            return bounded_outcome(v, v, dec, granularity(f_all), ctx.options,
                                   time.perf_counter() - t0, notes)
        ri = red.instance
        C = coverage_matrix(ri, prob.radius)
        cost = ri.site_costs()
        req = ri.required.copy()  # type: ignore[union-attr]
        open_ = greedy_cover(C, cost, req, deadline=ctx.deadline)
        value = float(cost[open_].sum())
        left = ctx.remaining()  # the reductions and the greedy took part of T
        bound, iters = lagrangian_bound(C, cost, req, value,
                                        0.9 * (T if left is None else max(left, 0.05)))
        grain = granularity(cost)
        bound = _whole_bound(bound, grain)
        notes += (f"lagrangian: cover rows relaxed, {iters} subgradient iterations",)
        decision = red.expand(Decision.from_open(open_))
        # reduced objective = full objective (fixed sites are in the reduced instance)
        return bounded_outcome(value, bound, decision, grain, ctx.options,
                               time.perf_counter() - t0, notes)


class UFLLagrangian(Formulation):
    """Lagrangian bound (assignment rows relaxed) + add/drop/swap descent on sparse lists."""

    kind = "ufl"
    name = "lagrangian"
    summary = "Lagrangian relaxation of the assignment rows; add/drop/swap descent"
    doc = "models/facility-location.md#ufl-lagrangian--heuristic"

    def run(self, ctx: Context) -> Outcome:
        from ..scale.pmedian_lagrange import Pairs, evaluate
        from ..scale.ufl_lagrange import improve_ufl, solve_ufl, start_ufl
        from .facility import check_facility_data

        inst, prob = ctx.instance, ctx.problem
        check_facility_data(inst, prob)
        t0 = time.perf_counter()
        T = time_budget(ctx)
        P = Pairs.from_instance(inst)
        f = inst.fixed_cost
        assert f is not None
        req = inst.required.copy()  # type: ignore[union-attr]
        allowed = ~inst.forbidden  # type: ignore[operator]
        first = start_ufl(P, f, req, allowed, 0.2 * T)
        res = solve_ufl(P, f, req, allowed, 0.5 * T, incumbent=first)
        best, val = res.best_open, res.best_value
        if best is not None and math.isfinite(val):
            best, val = improve_ufl(P, f, best, req, allowed, max(0.2 * T, 0.1))
        grain = granularity(f, inst.weight[P.i] * P.d)
        bound = res.bound
        bound = _whole_bound(bound, grain)
        notes = (f"lagrangian: assignment rows relaxed, {res.iterations} subgradient iterations",)
        ok = best is not None and math.isfinite(val) and bool(np.all(evaluate(P, best)[1] >= 0))
        decision = Decision.from_open(best) if ok and best is not None else None
        return bounded_outcome(val if ok else None, bound, decision, grain, ctx.options,
                               time.perf_counter() - t0, notes)


class UFLHeuristic(UFLLagrangian):
    name = "heuristic"
    summary = "same as lagrangian: Lagrangian heuristic, add/drop/swap descent, Lagrangian bound"


class PCenterHeuristic(Formulation):
    """Farthest-first + swap descent; bound: every point's nearest allowed site (weak, valid)."""

    kind = "p-center"
    name = "heuristic"
    summary = "farthest-first construction and swap descent; simple valid lower bound"
    doc = "models/p-center.md#heuristic"
    dense_limit = 20_000_000

    def run(self, ctx: Context) -> Outcome:
        from ..errors import ResourceError
        from ..heuristics import farthest_first, pcenter_swap
        from ..problems import PCenter

        inst, prob = ctx.instance, ctx.problem
        assert isinstance(prob, PCenter)
        check_p(inst, prob.p)
        lost = unreachable_demand(inst)
        if lost.size:
            raise InfeasibleSpecError(f"{lost.size} demand point(s) reach no allowed site: "
                                      f"{describe_ids(inst.demand_ids[lost])}")
        if inst.n_demand * inst.n_sites > self.dense_limit:
            raise ResourceError(f"the p-center heuristic works on the full {inst.n_demand:,} x "
                                f"{inst.n_sites:,} cost array; aggregate demand points or use "
                                "a smaller candidate set")
        t0 = time.perf_counter()
        S = inst.dense_cost()
        if prob.weighted:
            S = np.multiply(inst.weight[:, None], S, out=np.full(S.shape, np.inf),
                            where=np.isfinite(S))  # 0 * inf is nan
        S = np.where(inst.forbidden[None, :], np.inf, S)  # type: ignore[index]
        open_ = farthest_first(S, prob.p, inst.required, inst.forbidden)
        open_ = pcenter_swap(S, open_, inst.forbidden, inst.required)
        value = float(S[:, open_].min(axis=1).max())
        bound = float(S.min(axis=1).max())
        notes = ("bound: the largest nearest-allowed-site cost (valid for any p; weak)",)
        if not np.isfinite(value):  # sparse reach: the heuristic proves nothing either way
            return bounded_outcome(None, bound, None, 0.0, ctx.options,
                                   time.perf_counter() - t0,
                                   (f"the heuristic found no {prob.p} sites reaching every "
                                    "demand point; an exact formulation (search, classic) "
                                    "decides whether any exist", *notes))
        return bounded_outcome(value, bound, Decision.from_open(open_), 0.0, ctx.options,
                               time.perf_counter() - t0, notes)


def reduced_cover(ctx: Context) -> tuple[Reduction, tuple[Instance, sp.csr_array, np.ndarray,
                                                         np.ndarray, CoverData] | None]:
    """An MCLP run's common start: limits checked, the exact covering reductions (within the
    run's deadline) and, unless they settle everything, the reduced instance with its coverage
    matrix, site costs, required sites and the Lagrangian's cover data (p and budget net of
    the required sites)."""
    from ..reduce import coverage_matrix, reduce_covering
    from ..scale.mclp_lagrange import CoverData

    inst, prob = ctx.instance, ctx.problem
    assert isinstance(prob, MCLP)
    check_mclp_limits(inst, prob)
    red = reduce_covering(inst, prob, deadline=ctx.deadline)
    if red.instance is None:
        return red, None
    ri = red.instance
    C = coverage_matrix(ri, prob.radius)
    cost = ri.site_costs()
    req = ri.required.copy()  # type: ignore[union-attr]
    d = CoverData(C, ri.weight, cost,
                  None if prob.p is None else prob.p - int(req.sum()),
                  None if prob.budget is None else prob.budget - float(cost[req].sum()),
                  ~req, req)
    return red, (ri, C, cost, req, d)
