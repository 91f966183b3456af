"""Uncapacitated and capacitated facility location; the math is in models/facility-location.md."""

from __future__ import annotations

import numpy as np

from ..decision import Decision
from ..errors import InfeasibleSpecError, SpecError
from ..instance import Instance
from ..milp import MilpBuilder, MilpProblem
from ..problems import CFLP, UFL, Problem
from ._common import add_site_vars, describe_ids, unreachable_demand
from .base import SingleMilp, granularity, open_mask_from


def _checks(instance: Instance, problem: Problem) -> None:
    if instance.fixed_cost is None:
        raise SpecError(f"{problem.kind} needs fixed opening costs (a site cost column)")
    lost = unreachable_demand(instance)
    if lost.size:
        raise InfeasibleSpecError(f"{lost.size} demand point(s) reach no allowed site: "
                                  f"{describe_ids(instance.demand_ids[lost])}")
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

    def build(self, instance: Instance, problem: Problem) -> MilpProblem:
        assert isinstance(problem, (UFL, CFLP))
        _checks(instance, problem)
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
        b.add_rows("link", i.size, np.concatenate((k, k)),
                   np.concatenate((x.start + k, y.start + j)),
                   np.concatenate((np.ones(i.size), -np.ones(i.size))), upper=0.0, index=(i, j))
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
