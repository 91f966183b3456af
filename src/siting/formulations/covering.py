"""Covering models on sparse coverage pairs; the math is in models/covering.md."""

from __future__ import annotations


import numpy as np
import scipy.sparse as sp

from ..decision import Decision
from ..errors import SpecError
from ..heuristics import greedy_max_cover
from ..instance import Instance
from ..milp import MilpBuilder, MilpProblem
from ..problems import LSCP, MCLP, Problem
from ..solution import Status, Termination
from ._common import add_cardinality, add_site_vars, describe_ids, unreachable_demand
from .base import Context, Outcome, SingleMilp, granularity, open_mask_from


def cover_pairs(instance: Instance, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) with d_ij <= radius and j not forbidden; never a dense n x m array if sparse."""
    i, j, _ = instance.pairs(max_cost=radius)
    ok = ~instance.forbidden[j]  # type: ignore[index]
    return i[ok], j[ok]


def _site_costs(instance: Instance) -> np.ndarray:
    return instance.fixed_cost if instance.fixed_cost is not None else np.ones(instance.n_sites)


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
        f = _site_costs(instance)
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
        f = _site_costs(instance)
        if problem.budget is not None and instance.fixed_cost is None:
            raise SpecError("mclp with a budget needs site costs (a site cost column)")
        req = instance.required
        if problem.p is not None and int(req.sum()) > problem.p:  # type: ignore[union-attr]
            from ..errors import InfeasibleSpecError
            raise InfeasibleSpecError(f"{int(req.sum())} sites are required but p = {problem.p}")
        if problem.budget is not None and float(f[req].sum()) > problem.budget + 1e-9:
            from ..errors import InfeasibleSpecError
            raise InfeasibleSpecError(f"required sites cost {float(f[req].sum()):g}, above the "
                                      f"budget {problem.budget:g}")
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
        open_ = greedy_max_cover(C, instance.weight, _site_costs(instance), problem.p,
                                 problem.budget, instance.required, instance.forbidden)
        x = np.zeros(milp.n_cols)
        x[milp.blocks["y"].slice] = open_
        zb = milp.blocks["z"]
        covered = (C[:, open_].sum(axis=1) > 0) if open_.any() else np.zeros(instance.n_demand, bool)
        x[zb.slice] = covered[zb.index[0]].astype(float)
        return x


