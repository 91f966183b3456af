"""Uncapacitated and capacitated facility location; the math is in models/facility-location.md."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np

from ..decision import Decision
from ..errors import InfeasibleSpecError, SpecError
from ..instance import Instance
from ..milp import MilpBuilder, MilpProblem
from ..problems import CFLP, UFL, Problem
from ..solution import Status
from ._common import add_site_vars, require_reachable
from .base import Context, Outcome, SingleMilp, granularity, open_mask_from


def check_facility_data(instance: Instance, problem: Problem) -> None:
    if instance.fixed_cost is None:
        raise SpecError(f"{problem.kind} needs fixed opening costs (a site cost column)")
    require_reachable(instance)
    if isinstance(problem, CFLP):
        if instance.capacity is None:
            raise SpecError("cflp needs site capacities (give --capacity or a capacity column)")
        allowed = ~instance.forbidden  # type: ignore[operator]
        total_cap = float(instance.capacity[allowed].sum())
        total_dem = float(instance.demand.sum())  # type: ignore[union-attr]
        if total_cap + 1e-9 < total_dem:
            raise InfeasibleSpecError(f"total capacity {total_cap:g} of the allowed sites is below "
                                      f"total demand {total_dem:g}: no plan can serve everyone")
        if problem.single_source:
            big = np.flatnonzero(instance.demand > instance.capacity[allowed].max())  # type: ignore[operator]
            if big.size:
                raise InfeasibleSpecError(
                    f"demand point {instance.demand_ids[big[0]]} needs "
                    f"{instance.demand[big[0]]:g}, more than any single site can hold")  # type: ignore[index]


class FacilityLocation(SingleMilp):
    """UFL / CFLP with strong linking x_ij <= y_j (and, for CFLP, the total-capacity row)."""

    kind = "ufl"
    name = "strong"
    summary = "strong linking x_ij <= y_j; CFLP adds capacity rows and the total-capacity row"
    doc = "models/facility-location.md"
    #: disaggregated x_ij <= y_j rows (the weak variant relies on the capacity rows alone)
    strong_linking = True

    def build(self, instance: Instance, problem: Problem) -> MilpProblem:
        return self.build_with(instance, problem, None if self.strong_linking else np.zeros(0))

    def build_with(self, instance: Instance, problem: Problem,
                   links: np.ndarray | None) -> MilpProblem:
        """The model with link rows x_ij <= y_j for the pairs ``links`` (None = all pairs)."""
        assert isinstance(problem, (UFL, CFLP))
        check_facility_data(instance, problem)
        i, j, c = instance.pairs()
        ok = ~instance.forbidden[j]  # type: ignore[index]
        i, j, c = i[ok], j[ok], c[ok]
        n = instance.n_demand
        f = instance.fixed_cost
        assert f is not None
        acost = instance.weight[i] * c
        single = isinstance(problem, CFLP) and problem.single_source
        b = MilpBuilder("min", name=f"{instance.name}-{problem.kind}")
        y = add_site_vars(b, instance, cost=f)
        x = b.add_vars("x", i.size, lower=0.0, upper=1.0, integer=single, cost=acost,
                       index=(i, j))
        k = np.arange(i.size)
        b.add_rows("assign", n, i, x.start + k, 1.0, lower=1.0, upper=1.0, index=(np.arange(n),))
        lk = k if links is None else np.asarray(links, dtype=np.int64)
        if lk.size:
            r = np.arange(lk.size)
            b.add_rows("link", lk.size, np.concatenate((r, r)),
                       np.concatenate((x.start + lk, y.start + j[lk])),
                       np.concatenate((np.ones(lk.size), -np.ones(lk.size))), upper=0.0,
                       index=(i[lk], j[lk]))
        grain = granularity(f, acost) if (single or isinstance(problem, UFL)) else 0.0
        if isinstance(problem, CFLP):
            cap = instance.capacity
            q = instance.demand
            assert cap is not None and q is not None
            m = instance.n_sites
            b.add_rows("capacity", m, np.concatenate((j, np.arange(m))),
                       np.concatenate((x.start + k, y.start + np.arange(m))),
                       np.concatenate((q[i], -cap)), upper=0.0, index=(np.arange(m),))
            b.add_rows("total_capacity", 1, np.zeros(m, np.int64), y.start + np.arange(m), cap,
                       lower=float(q.sum()))
        return b.build(objective_granularity=grain)

    def decode(self, instance: Instance, problem: Problem, milp: MilpProblem,
               x: np.ndarray) -> Decision:
        open_ = open_mask_from(x, milp)
        xb = milp.blocks["x"]
        frac = milp.values(x, "x")
        keep = frac > 1e-9
        i, j = xb.index[0][keep], xb.index[1][keep]
        f = np.clip(frac[keep], 0.0, 1.0)
        # renormalise the solver's tolerance-level slack so each point sums to exactly 1
        tot = np.bincount(i, weights=f, minlength=instance.n_demand)
        f = f / tot[i]
        return Decision(open_, i, j, f)


class CFLPStrong(FacilityLocation):
    kind = "cflp"
    name = "strong"


class CFLPWeak(FacilityLocation):
    """CFLP with the aggregated linking sum_i q_i x_ij <= s_j y_j only (for comparison)."""

    kind = "cflp"
    name = "weak"
    summary = "aggregated linking only (capacity rows sum_i q_i x_ij <= s_j y_j), no x_ij <= y_j"
    doc = "models/facility-location.md#cflp-weak"
    strong_linking = False

    def build(self, instance: Instance, problem: Problem) -> MilpProblem:
        if not isinstance(problem, CFLP):
            raise SpecError("the weak formulation is for cflp only")
        return super().build(instance, problem)


class CFLPLinkCuts(FacilityLocation):
    """CFLP with the link rows x_ij <= y_j added only where the LP violates them.

    Every subset of link rows gives an exact model (they only tighten the weak one), so after an
    LP cut loop a single MILP with the collected rows answers the problem; at 100 x 1000 this
    keeps a few thousand of the 100,000 link rows.
    """

    kind = "cflp"
    name = "link-cuts"
    summary = "strong linking added lazily: LP cut loop on x_ij <= y_j, then one exact MILP"
    doc = "models/facility-location.md#cflp-link-cuts"
    max_rounds = 50

    def run(self, ctx: Context) -> Outcome:
        t0 = time.perf_counter()
        inst, prob = ctx.instance, ctx.problem
        if not isinstance(prob, CFLP):
            raise SpecError("the link-cuts formulation is for cflp only")
        check_facility_data(inst, prob)
        full = self.build_with(inst, prob, np.zeros(0))
        xb = full.blocks["x"]
        pi, pj = xb.index
        cost = full.c[xb.slice]
        # seed: each demand point's three cheapest pairs
        order = np.lexsort((cost, pi))
        rank = np.arange(pi.size) - np.searchsorted(pi[order], pi[order], side="left")
        chosen = np.zeros(pi.size, dtype=bool)
        chosen[order[rank < 3]] = True
        build = time.perf_counter() - t0
        solve_s, solves, rounds = 0.0, 0, 0
        for rounds in range(1, self.max_rounds + 1):
            if ctx.out_of_time():
                break
            tb = time.perf_counter()
            milp = self.build_with(inst, prob, np.flatnonzero(chosen))
            lp = replace(milp, integrality=np.zeros(milp.n_cols, dtype=bool),
                         objective_granularity=0.0)
            build += time.perf_counter() - tb
            sol = ctx.solve(lp)
            solves += 1
            solve_s += sol.solve_seconds
            if sol.x is None or sol.status is not Status.OPTIMAL:
                break
            xv = lp.values(sol.x, "x")
            yv = lp.values(sol.x, "y")
            viol = ~chosen & (xv > yv[pj] + 1e-6)
            if not viol.any():
                break
            chosen |= viol
        ctx.note(f"link-cuts: {int(chosen.sum())} of {pi.size} link rows after {rounds} LP rounds")
        tb = time.perf_counter()
        milp = self.build_with(inst, prob, np.flatnonzero(chosen))
        build += time.perf_counter() - tb
        sol = ctx.solve(milp)
        solves += 1
        decision = None
        if sol.x is not None and sol.status in (Status.OPTIMAL, Status.FEASIBLE):
            decision = self.decode(inst, prob, milp, sol.x)
        return Outcome(
            status=sol.status, termination=sol.termination,
            objective=sol.objective if decision is not None else None, bound=sol.bound,
            decision=decision, build_seconds=build, solve_seconds=solve_s + sol.solve_seconds,
            nodes=sol.nodes, native_status=sol.native_status,
            backend_version=sol.backend_version, messages=tuple(ctx.log),
            model_size={"rows": milp.n_rows, "cols": milp.n_cols, "nnz": milp.nnz},
            milp_solves=solves,
        )

