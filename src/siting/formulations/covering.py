"""Covering models on sparse coverage pairs; the math is in models/covering.md."""

from __future__ import annotations

import time
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from ..decision import Decision
from ..errors import SpecError
from ..heuristics import greedy_max_cover
from ..instance import Instance, SparseCosts
from ..milp import MilpBuilder, MilpProblem
from ..problems import LSCP, MCLP, Problem
from ..solution import Status, Termination
from ._common import add_cardinality, add_site_vars, describe_ids, unreachable_demand
from .base import Context, Formulation, Outcome, SingleMilp, granularity, open_mask_from


def cover_pairs(instance: Instance, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) with d_ij <= radius and j not forbidden; never a dense n x m array if sparse."""
    i, j, _ = instance.pairs(max_cost=radius)
    ok = ~instance.forbidden[j]  # type: ignore[index]
    return i[ok], j[ok]


class LSCPCover(SingleMilp):
    """Toregas et al. (1971) location set covering at minimum total site cost."""

    kind = "lscp"
    name = "cover"
    summary = "set covering, one row per coverable demand point"
    doc = "models/covering.md#lscp"

    def run(self, ctx: Context) -> Outcome:
        assert isinstance(ctx.problem, LSCP)
        lost = unreachable_demand(ctx.instance, ctx.problem.radius)
        if lost.size and not ctx.problem.drop_unreachable:
            msg = (f"{lost.size} demand point(s) have no candidate site within "
                   f"{ctx.problem.radius:g}: {describe_ids(ctx.instance.demand_ids[lost])}; "
                   "raise the radius, add candidate sites, or allow them to stay uncovered "
                   "(drop_unreachable / --drop-unreachable)")
            return Outcome(Status.INFEASIBLE, Termination.INFEASIBLE, None, None, None,
                           messages=(msg,), milp_solves=0)
        out = super().run(ctx)
        if lost.size:
            note = (f"{lost.size} demand point(s) cannot be covered within "
                    f"{ctx.problem.radius:g} and were left out: "
                    f"{describe_ids(ctx.instance.demand_ids[lost])}")
            out = Outcome(**{**out.__dict__, "messages": out.messages + (note,)})
        return out

    def build(self, instance: Instance, problem: Problem) -> MilpProblem:
        assert isinstance(problem, LSCP)
        i, j = cover_pairs(instance, problem.radius)
        f = instance.site_costs()
        b = MilpBuilder("min", name=f"{instance.name}-lscp")
        y = add_site_vars(b, instance, cost=f)
        rows_of = np.unique(i)
        local = np.searchsorted(rows_of, i)
        b.add_rows("cover", rows_of.size, local, y.start + j, 1.0, lower=1.0, index=(rows_of,))
        return b.build(objective_granularity=granularity(f))

    def decode(self, instance: Instance, problem: Problem, milp: MilpProblem,
               x: np.ndarray) -> Decision:
        return Decision.from_open(open_mask_from(x, milp))


class MCLPCover(SingleMilp):
    """Church & ReVelle (1974) maximal covering with a site count and/or budget limit."""

    kind = "mclp"
    name = "cover"
    summary = "maximal covering, continuous coverage z_i <= sum of covering y_j"
    doc = "models/covering.md#mclp"

    def build(self, instance: Instance, problem: Problem) -> MilpProblem:
        assert isinstance(problem, MCLP)
        check_mclp_limits(instance, problem)
        f = instance.site_costs()
        i, j = cover_pairs(instance, problem.radius)
        rows_of = np.unique(i)
        local = np.searchsorted(rows_of, i)
        w = instance.weight
        b = MilpBuilder("max", name=f"{instance.name}-mclp")
        y = add_site_vars(b, instance)
        z = b.add_vars("z", rows_of.size, lower=0.0, upper=1.0, cost=w[rows_of], index=(rows_of,))
        b.add_rows("cover", rows_of.size, np.concatenate((local, np.arange(rows_of.size))),
                   np.concatenate((y.start + j, z.start + np.arange(rows_of.size))),
                   np.concatenate((-np.ones(j.size), np.ones(rows_of.size))), upper=0.0,
                   index=(rows_of,))
        if problem.p is not None:
            add_cardinality(b, y, at_most=problem.p)
        if problem.budget is not None:
            b.add_rows("budget", 1, np.zeros(y.size, np.int64), y.start + np.arange(y.size), f,
                       upper=problem.budget)
        return b.build(objective_granularity=granularity(w))

    def decode(self, instance: Instance, problem: Problem, milp: MilpProblem,
               x: np.ndarray) -> Decision:
        return Decision.from_open(open_mask_from(x, milp))

    def start(self, instance: Instance, problem: Problem, milp: MilpProblem,
              seed: int) -> np.ndarray | None:
        assert isinstance(problem, MCLP)
        i, j = cover_pairs(instance, problem.radius)
        C = sp.csc_array((np.ones(i.size), (i, j)), shape=(instance.n_demand, instance.n_sites))
        open_ = greedy_max_cover(C, instance.weight, instance.site_costs(), problem.p,
                                 problem.budget, instance.required, instance.forbidden)
        x = np.zeros(milp.n_cols)
        x[milp.blocks["y"].slice] = open_
        zb = milp.blocks["z"]
        covered = (C[:, open_].sum(axis=1) > 0) if open_.any() else np.zeros(instance.n_demand, bool)
        x[zb.slice] = covered[zb.index[0]].astype(float)
        return x


class _ReducedCover(Formulation):
    """Exact reductions (siting.reduce) first, then the plain cover MILP on what is left."""

    inner: ClassVar[type[SingleMilp]]

    def run(self, ctx: Context) -> Outcome:
        from dataclasses import replace

        from ..reduce import reduce_covering
        from ..scale.memory import MilpSize, check_memory

        problem = ctx.problem
        assert isinstance(problem, (LSCP, MCLP))
        lost = np.zeros(0, np.int64)
        if isinstance(problem, LSCP):
            lost = unreachable_demand(ctx.instance, problem.radius)
            if lost.size and not problem.drop_unreachable:
                return self.inner().run(ctx)  # reports the infeasibility without building
        if isinstance(problem, MCLP):
            check_mclp_limits(ctx.instance, problem)
        t0 = time.perf_counter()
        red = reduce_covering(ctx.instance, problem, deadline=ctx.deadline)
        notes = red.notes()
        if lost.size:
            notes += ((f"{lost.size} demand point(s) cannot be covered within "
                       f"{problem.radius:g} and were left out: "
                       f"{describe_ids(ctx.instance.demand_ids[lost])}"),)
        reduce_s = time.perf_counter() - t0
        if red.instance is None:  # every demand point settled by fixed sites
            decision = red.expand(Decision.from_open(np.zeros(0, bool)))
            f = ctx.instance.site_costs()
            value = red.offset if isinstance(problem, MCLP) else float(f[decision.open].sum())
            return Outcome(Status.OPTIMAL, Termination.OPTIMAL, value, value, decision,
                           build_seconds=reduce_s, messages=notes + (("reductions settled every "
                           "demand point; no MILP needed"),), milp_solves=0)
        ri = red.instance
        pairs = int(ri.cost.nnz) if isinstance(ri.cost, SparseCosts) else 0
        n, m = ri.n_demand, ri.n_sites
        size = (MilpSize(n + 2, n + m, pairs + n + 2 * m) if isinstance(problem, MCLP)
                else MilpSize(n, m, pairs))
        check_memory(size, f"the reduced {problem.kind} model",
                     "lower the radius, aggregate demand points (e.g. to blocks), or use "
                     "--formulation lagrangian / heuristic for a bounded answer")
        sub = Context(instance=ri, problem=problem, backend=ctx.backend, options=ctx.options,
                      started=ctx.started, log=ctx.log)
        out = self.inner().run(sub)
        expanded = red.expand(out.decision) if out.decision is not None else None
        shift = red.offset
        return replace(
            out,
            decision=expanded,
            objective=None if out.objective is None else out.objective + shift,
            bound=None if out.bound is None else out.bound + shift,
            build_seconds=out.build_seconds + reduce_s,
            messages=notes + out.messages,
        )


def check_mclp_limits(instance: Instance, problem: MCLP) -> None:
    from ..errors import InfeasibleSpecError

    f = instance.site_costs()
    req = instance.required
    assert req is not None  # Instance fills the masks in __post_init__
    if problem.budget is not None and instance.fixed_cost is None:
        raise SpecError("mclp with a budget needs site costs (a site cost column)")
    if problem.p is not None and int(req.sum()) > problem.p:
        raise InfeasibleSpecError(f"{int(req.sum())} sites are required but p = {problem.p}")
    if problem.budget is not None and float(f[req].sum()) > problem.budget + 1e-9:
        raise InfeasibleSpecError(f"required sites cost {float(f[req].sum()):g}, above the "
                                  f"budget {problem.budget:g}")


class LSCPReduced(_ReducedCover):
    """LSCP after dominance, merging and essential-site fixing (Toregas & ReVelle 1973)."""

    kind = "lscp"
    name = "reduced"
    summary = "set covering after exact reductions (merge, row/column dominance, essential sites)"
    doc = "models/covering.md#reduced-default-for-lscp-and-mclp"
    inner = LSCPCover


class MCLPReduced(_ReducedCover):
    """MCLP after merging identical cover sets and dropping dominated sites."""

    kind = "mclp"
    name = "reduced"
    summary = "maximal covering after exact reductions (merge demand, dominated sites)"
    doc = "models/covering.md#reduced-default-for-lscp-and-mclp"
    inner = MCLPCover
