"""p-median formulations; the math is in models/p-median.md."""

from __future__ import annotations

import numpy as np

from ..decision import Decision
from ..heuristics import greedy_swap_median
from ..instance import Instance
from ..milp import MilpBuilder, MilpProblem
from ..problems import PMedian, Problem
from ._common import add_cardinality, add_site_vars, check_p, require_reachable, sort_rows
from .base import SingleMilp, granularity, open_mask_from


def _prepare(instance: Instance, problem: Problem) -> PMedian:
    assert isinstance(problem, PMedian)
    check_p(instance, problem.p)
    require_reachable(instance)
    return problem


class PMedianRadius(SingleMilp):
    """Elloumi (2010) radius formulation with the (m-p+1)-th nearest level cap."""

    kind = "p-median"
    name = "radius"
    summary = "Elloumi (2010) radius formulation, levels capped at the (m-p+1)-th nearest site"
    doc = "models/p-median.md#radius"

    def build(self, instance: Instance, problem: Problem) -> MilpProblem:
        pm = _prepare(instance, problem)
        D = instance.dense_cost()
        w = instance.weight
        n = D.shape[0]
        allowed = np.flatnonzero(~instance.forbidden)  # type: ignore[operator]
        Da = D[:, allowed]
        order, Ds = sort_rows(Da, instance.integral_costs)
        ma = allowed.size
        # the closest open site is among the (ma-p+1) nearest, and never beyond a required one
        cap = Ds[:, ma - pm.p]
        if instance.required.any():  # type: ignore[union-attr]
            cap = np.minimum(cap, D[:, instance.required].min(axis=1))
        last_finite = np.where(np.isfinite(Ds), Ds, -np.inf).max(axis=1)
        cap = np.where(np.isfinite(cap), cap, last_finite)
        keep = Ds <= cap[:, None]
        new_level = np.ones_like(Ds, dtype=bool)
        new_level[:, 1:] = Ds[:, 1:] != Ds[:, :-1]
        level = np.cumsum(new_level, axis=1) - 1  # 0-based level of each sorted position
        K = np.where(keep, level, -1).max(axis=1) + 1  # levels per demand point
        row_start = np.concatenate(([0], np.cumsum(K)[:-1]))
        z_count = K - 1
        z_start = np.concatenate(([0], np.cumsum(z_count)[:-1]))

        # level values L_i^k (k = 0..K_i-1) in demand-major order
        lv_i, lv_pos = np.nonzero(new_level & keep)
        L = Ds[lv_i, lv_pos]
        lv_k = level[lv_i, lv_pos]

        b = MilpBuilder("min", name=f"{instance.name}-pmedian-radius")
        y = add_site_vars(b, instance)
        # z_i^k for k = 0..K_i-2: "no open site within L_i^k"; cost w_i (L^{k+1} - L^k)
        has_next = lv_k < (K[lv_i] - 1)
        zi = lv_i[has_next]
        zk = lv_k[has_next]
        step = L[np.flatnonzero(has_next) + 1] - L[has_next]
        z = b.add_vars("z", int(z_count.sum()), lower=0.0, upper=1.0, cost=w[zi] * step,
                       index=(zi, zk, L[has_next]))
        b.offset = float(np.sum(w * L[lv_k == 0]))

        # rows (i, k): z_i^k - z_i^{k-1} + sum_{j: d_ij = L_i^k} y_j >= [k == 0]
        pi, ppos = np.nonzero(keep)
        y_rows = row_start[pi] + level[pi, ppos]
        y_cols = y.start + allowed[order[pi, ppos]]
        z_cols = z.start + z_start[zi] + zk
        z_rows_self = row_start[zi] + zk
        z_rows_next = z_rows_self + 1
        n_rows = int(K.sum())
        rows = np.concatenate((y_rows, z_rows_self, z_rows_next))
        cols = np.concatenate((y_cols, z_cols, z_cols))
        vals = np.concatenate((np.ones(y_rows.size), np.ones(zi.size), -np.ones(zi.size)))
        lower = np.zeros(n_rows)
        lower[row_start] = 1.0
        b.add_rows("level", n_rows, rows, cols, vals, lower=lower,
                   index=(np.repeat(np.arange(n), K),))
        add_cardinality(b, y, equal=pm.p)
        return b.build(objective_granularity=granularity(w, D))

    def decode(self, instance: Instance, problem: Problem, milp: MilpProblem,
               x: np.ndarray) -> Decision:
        return Decision.from_open(open_mask_from(x, milp))

    def start(self, instance: Instance, problem: Problem, milp: MilpProblem,
              seed: int) -> np.ndarray | None:
        assert isinstance(problem, PMedian)
        open_ = greedy_swap_median(instance.dense_cost(), instance.weight, problem.p,
                                   instance.required, instance.forbidden,
                                   deadline=self.start_deadline)
        x = np.zeros(milp.n_cols)
        x[milp.blocks["y"].slice] = open_
        zb = milp.blocks["z"]
        zi, _, levels = zb.index
        best = instance.dense_cost()[:, open_].min(axis=1)
        # z_i^k = 1 iff the nearest open site is farther than level k
        x[zb.slice] = (best[zi] > levels + 1e-12 * np.maximum(1.0, levels)).astype(float)
        return x


class PMedianClassic(SingleMilp):
    """ReVelle & Swain (1970) assignment formulation with strong linking x_ij <= y_j."""

    kind = "p-median"
    name = "classic"
    summary = "assignment formulation, x_ij continuous, strong linking x_ij <= y_j"
    doc = "models/p-median.md#classic"

    def build(self, instance: Instance, problem: Problem) -> MilpProblem:
        pm = _prepare(instance, problem)
        i, j, d = instance.pairs()
        # whole-unit steps judged on every reachable pair (forbidden sites too), as radius does
        grain = granularity(instance.weight, d)
        ok = ~instance.forbidden[j]  # type: ignore[index]
        i, j, d = i[ok], j[ok], d[ok]
        n = instance.n_demand
        b = MilpBuilder("min", name=f"{instance.name}-pmedian-classic")
        y = add_site_vars(b, instance)
        x = b.add_vars("x", i.size, lower=0.0, upper=1.0, cost=instance.weight[i] * d,
                       index=(i, j))
        k = np.arange(i.size)
        b.add_rows("assign", n, i, x.start + k, 1.0, lower=1.0, upper=1.0,
                   index=(np.arange(n),))
        b.add_rows("link", i.size, np.concatenate((k, k)),
                   np.concatenate((x.start + k, y.start + j)),
                   np.concatenate((np.ones(i.size), -np.ones(i.size))), upper=0.0, index=(i, j))
        add_cardinality(b, y, equal=pm.p)
        return b.build(objective_granularity=grain)

    def decode(self, instance: Instance, problem: Problem, milp: MilpProblem,
               x: np.ndarray) -> Decision:
        return Decision.from_open(open_mask_from(x, milp))

    def start(self, instance: Instance, problem: Problem, milp: MilpProblem,
              seed: int) -> np.ndarray | None:
        assert isinstance(problem, PMedian)
        D = instance.dense_cost()
        open_ = greedy_swap_median(D, instance.weight, problem.p, instance.required,
                                   instance.forbidden, deadline=self.start_deadline)
        x = np.zeros(milp.n_cols)
        x[milp.blocks["y"].slice] = open_
        xb = milp.blocks["x"]
        i, j = xb.index
        cols = np.flatnonzero(open_)
        nearest = cols[np.argmin(D[:, cols], axis=1)]
        x[xb.slice] = (j == nearest[i]).astype(float)
        return x
