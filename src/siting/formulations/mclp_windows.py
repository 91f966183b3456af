"""Budgeted MCLP at city scale: exact window search for the plan, Lagrangian bound, then the
exact MILP on what reduced-cost fixing leaves when that is small (models/covering.md#mclp-windows).

The plan comes from :mod:`siting.scale.mclp_windows` (exact sub-MILPs over neighbourhoods of
sites, each replacing the plan only when it covers more); the bound is the cover-row
Lagrangian bound of :mod:`siting.scale.mclp_lagrange`, resumed with the better plan as its
Polyak target. Both are honest at every stop: the plan is re-verified, the bound is valid for
any multipliers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..decision import Decision
from ..heuristics import greedy_max_cover
from ..milp import MilpProblem
from ..problems import MCLP
from ..solution import Status, Termination
from .base import Context, Outcome, granularity
from .heuristic import MCLPLagrangian, bounded_outcome, closed, reduced_cover, time_budget

if TYPE_CHECKING:
    from ..neighbourhood import WindowStats
    from ..scale.mclp_lagrange import CoverData, LagrangeState


class MCLPWindows(MCLPLagrangian):
    """Reductions, greedy, Lagrangian bound, exact window search, exact MILP on the rest."""

    kind = "mclp"
    name = "windows"
    summary = ("reductions, greedy, exact sub-MILPs over neighbourhoods of sites for the plan, "
               "Lagrangian bound on the cover rows, exact MILP on what fixing leaves when small")
    doc = "models/covering.md#mclp-windows"
    #: share of the time limit for the window search (the rest: bound and the exact remainder)
    window_share = 0.55
    #: the share when reduced-cost fixing leaves more than ``milp_pairs_limit`` pairs: the exact
    #: remainder is then out of reach and the bound has converged (100k city: in ~60 s), so
    #: the time goes to the plan
    wide_share = 0.9
    #: share of the window search spent with the budget priced into the objective (the budgeted
    #: windows after it improve little: 2 of 36 windows at 100k)
    priced_share = 0.9
    #: seconds a window should take (sizes adapt to it): at 100k, 0.5 s windows of up to 400
    #: sites gained more in 120 s than 1 s windows of up to 1,500 (benchmarks/results/scale.md)
    window_target = 0.5
    window_max_size = 400
    #: at most this many coverage pairs: windows get a fifth of the time, the exact MILP the rest
    small_pairs = 50_000

    def run(self, ctx: Context) -> Outcome:
        from ..scale.mclp_lagrange import (
            fix_by_reduced_cost,
            lagrangian_bound,
            lagrangian_greedy,
        )
        from ..scale.mclp_windows import WindowSearch, search, site_components

        prob = ctx.problem
        assert isinstance(prob, MCLP)
        t0 = time.perf_counter()
        T = time_budget(ctx)
        end = t0 + T
        red, prep = reduced_cover(ctx)
        notes = red.notes()
        if prep is None:
            dec = red.expand(Decision.from_open(np.zeros(0, bool)))
            return bounded_outcome(red.offset, red.offset, dec, 1.0, ctx.options,
                                   time.perf_counter() - t0, notes)
        ri, C, cost, req, d = prep
        comps = site_components(C)
        notes += (comps.describe(),)
        build = time.perf_counter() - t0
        open_ = greedy_max_cover(C.tocsc(), ri.weight, cost, prob.p, prob.budget, req, None,
                                 deadline=ctx.deadline)
        inc = d.coverage(open_)
        grain = granularity(ri.weight)
        full = closed(inc, float(ri.weight.sum()), grain, ctx.options)  # a loose limit
        if full or ctx.out_of_time():
            notes += (("greedy covers every coverable demand point: optimal without a search"
                       if full else "time limit reached after the greedy: its plan, the "
                       "all-coverable bound"),)
            return bounded_outcome(inc + red.offset, float(ri.weight.sum()) + red.offset,
                                   red.expand(Decision.from_open(open_)), grain, ctx.options,
                                   time.perf_counter() - t0 - build, notes, build)
        st = lagrangian_bound(d, inc, max(0.15 * (end - time.perf_counter()), 0.1),
                              max_iter=10**6, deflection=1.5)
        alt = lagrangian_greedy(d, st.s)
        if d.coverage(alt) > inc:
            open_, inc = alt, d.coverage(alt)
        greedy_value = inc
        # mu = 0 in the Lagrangian: every coverable point covered (the bound a loose budget meets)
        bound = min(st.bound, float(ri.weight.sum()))

        def done() -> bool:
            return ctx.out_of_time() or closed(ws.coverage(), bound, grain, ctx.options)

        ws = WindowSearch(C, ri.weight, cost, ~req, open_, prob.budget, prob.p)

        def solve_window(milp: MilpProblem, start: np.ndarray, seconds: float
                         ) -> np.ndarray | None:
            opts = ctx.options.model_copy(update={"time_limit": max(seconds, 0.05),
                                                  "rel_gap": 1e-4, "verbose": False})
            sol = ctx.backend.solve(milp, opts, start=start)
            if sol.termination is Termination.INTERRUPTED:
                ctx.interrupted = True
            ok = sol.status in (Status.OPTIMAL, Status.FEASIBLE)
            return sol.x if ok and sol.x is not None else None

        # a small reduced model goes to the exact MILP soon: it proves what windows only improve
        small = int(C.nnz) <= self.small_pairs
        share = 0.2 if small else self._share(d, st, inc)
        w_end = time.perf_counter() + share * max(end - time.perf_counter(), 0.0)
        windows, improved, priced_s = 0, 0, 0.0

        def windows_until(until: float, seed: int) -> WindowStats:
            return search(ws, solve_window, until, done, seed=seed, target=self.window_target,
                          max_size=self.window_max_size)

        if prob.budget is not None and prob.p is None and st.lam > 0:
            # priced phase: the budget row moves into the objective at the Lagrangian price, so
            # windows far apart trade budget through the price; the price is steered so the plan
            # costs the budget; then repaired to the budget and filled (a plan again)
            ws.price = st.lam
            p_end = time.perf_counter() + self.priced_share * (w_end - time.perf_counter())
            stats = windows_until(p_end, ctx.options.seed)
            windows, improved, priced_s = stats.windows, stats.improved, stats.seconds
            ws.price = None
            ws.remember()  # the last priced plan too
            if ws.best_open is not None and ws.best_coverage > inc:
                open_, inc = ws.best_open.copy(), ws.best_coverage
            # the budgeted phase goes on from the best plan within the budget
            ws.restart(open_)
        stats = windows_until(w_end, ctx.options.seed + 1)
        stats.windows += windows
        stats.improved += improved
        stats.seconds += priced_s
        if ws.coverage() > inc:
            open_, inc = ws.open.copy(), ws.coverage()
        notes += ((f"windows: {stats.windows} exact sub-MILPs in {stats.seconds:.1f}s, "
                   f"{stats.improved} improved the plan from {greedy_value + red.offset:.10g} "
                   f"to {inc + red.offset:.10g} (window size now {stats.size} sites)"),)
        left = end - time.perf_counter()
        if left > 0.5 and not ctx.out_of_time() and not small \
                and not closed(inc, bound, grain, ctx.options):
            st2 = _bound(d, inc, 0.8 * left, st.mu, ctx.out_of_time)
            if st2.bound < st.bound:
                st = st2
            bound = min(bound, st.bound)
        notes += ((f"lagrangian: cover rows relaxed, {st.iterations} subgradient iterations, "
                   f"bound {bound + red.offset:.10g}"),)
        if grain > 0:  # whole-unit objective: the bound rounds down (relative slack for noise)
            bound = math.floor(bound + 1e-9 * max(1.0, abs(bound)))
        # the exact remainder stops early enough for the expansion and verification after it
        left = end - time.perf_counter() - 0.04 * T
        if self.use_milp and left > 0.3 and not ctx.out_of_time() \
                and not closed(inc, bound, grain, ctx.options):
            close, force = fix_by_reduced_cost(d, st, inc)
            notes += ((f"lagrangian: reduced-cost fixing closes {int(close.sum())} and opens "
                       f"{int(force.sum())} of {ri.n_sites} sites"),)
            got = self._exact_rest(ctx, ri, prob, close, force, open_, left, notes)
            if got is not None:  # both bounds are valid: keep the tighter
                open_, inc, rest_bound, notes = got
                bound = min(bound, rest_bound)
            left = end - time.perf_counter() - 0.04 * T
            if got is None and left > 0.5 and not ctx.out_of_time():
                # the rest is too large for the MILP: the bound gets the time instead
                st3 = _bound(d, inc, left, st.mu, ctx.out_of_time)
                if st3.bound < bound:
                    bound = math.floor(st3.bound + 1e-9 * max(1.0, abs(st3.bound))) \
                        if grain > 0 else st3.bound
                    notes += (f"lagrangian: {st3.iterations} more iterations, bound "
                              f"{bound + red.offset:.10g}",)
        decision = red.expand(Decision.from_open(open_))
        out = bounded_outcome(inc + red.offset, bound + red.offset, decision, grain,
                              ctx.options, time.perf_counter() - t0 - build, notes, build)
        if ctx.interrupted and out.status is not Status.OPTIMAL:
            from dataclasses import replace

            out = replace(out, termination=Termination.INTERRUPTED)
        return out

    def _share(self, d: CoverData, st: LagrangeState, inc: float) -> float:
        """The window search's share of the time: ``wide_share`` when fixing by the first
        bound's reduced costs leaves too many pairs for the exact remainder."""
        from ..scale.mclp_lagrange import fix_by_reduced_cost

        close, _ = fix_by_reduced_cost(d, st, inc)
        left = int(d.C[:, ~close].nnz) if close.any() else int(d.C.nnz)
        return self.wide_share if left > self.milp_pairs_limit else self.window_share


def _bound(d: CoverData, inc: float, seconds: float, mu0: np.ndarray,
           stop: Callable[[], bool]) -> LagrangeState:
    """Deflected subgradient steps, then the smoothed quasi-Newton descent from where they
    stopped (it closes a third of what is left to the LP bound on the 10k x 1k city where
    more subgradient steps no longer move); the better of the two."""
    from ..scale.mclp_lagrange import lagrangian_bound, smoothed_bound

    sub = lagrangian_bound(d, inc, 0.5 * seconds, mu0=mu0, max_iter=10**6, deflection=1.5)
    left = seconds - sub.seconds
    if left <= 0.2 or stop():
        return sub
    smooth = smoothed_bound(d, inc, left, mu0=sub.mu, stop=stop)
    smooth.iterations += sub.iterations
    return smooth if smooth.bound < sub.bound else sub
