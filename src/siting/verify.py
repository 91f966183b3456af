"""Independent verifier: recompute feasibility and objective from a decision, with no MILP.

This module deliberately shares no code with ``formulations/``: it reads the instance arrays
and the decision (open sites, allocations) and evaluates the model's definition directly.
"""

from __future__ import annotations

import math
import sys
import types

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from .decision import Decision
from .errors import VerificationError
from .instance import Instance, SparseCosts
from .problems import CFLP, LSCP, MCLP, UFL, PCenter, PDispersion, PMedian, Problem

FEAS_TOL = 1e-6


@dataclass(frozen=True)
class Verification:
    """Recomputed objective, feasibility and the violations found (empty when feasible)."""

    feasible: bool
    objective: float
    violations: tuple[str, ...] = ()
    metrics: dict[str, Any] = field(default_factory=dict)

    def matches(self, objective: float | None, rel_tol: float = 1e-6, abs_tol: float = 1e-6) -> bool:
        if objective is None:
            return False
        return abs(self.objective - objective) <= max(abs_tol, rel_tol * max(1.0, abs(objective)))


def nearest_open(instance: Instance, open_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per demand point: the cheapest open site's index (-1 if none reachable) and its cost."""
    n = instance.n_demand
    cost = instance.cost
    if isinstance(cost, SparseCosts):
        rows = cost.rows()
        keep = open_mask[cost.indices]
        r, j, d = rows[keep], cost.indices[keep], cost.data[keep]
        best = np.full(n, np.inf)
        np.minimum.at(best, r, d)
        arg = np.full(n, -1, dtype=np.int64)
        hit = d == best[r]
        # first (lowest site index) among ties: iterate in reverse so the smallest wins
        arg[r[hit][::-1]] = j[hit][::-1]
        return arg, best
    cols = np.flatnonzero(open_mask)
    if cols.size == 0:
        return np.full(n, -1, dtype=np.int64), np.full(n, np.inf)
    sub = cost[:, cols]
    k = np.argmin(sub, axis=1)
    best = sub[np.arange(n), k]
    arg = np.where(np.isfinite(best), cols[k], -1)
    return arg, best


def _weighted_sum(w: np.ndarray, cost: np.ndarray) -> float:
    """sum_i w_i c_i with 0 * inf = 0 (a zero-weight point contributes nothing)."""
    return float(math.fsum(np.where(w > 0, w * np.where(np.isfinite(cost), cost, 0.0), 0.0))
                 + (np.inf if np.any((w > 0) & ~np.isfinite(cost)) else 0.0))


def _site_rules(instance: Instance, open_mask: np.ndarray, out: list[str]) -> None:
    req = instance.required
    forb = instance.forbidden
    missing = np.flatnonzero(req & ~open_mask)
    if missing.size:
        out.append(f"required site {instance.site_ids[missing[0]]} is not open")
    bad = np.flatnonzero(forb & open_mask)
    if bad.size:
        out.append(f"forbidden site {instance.site_ids[bad[0]]} is open")


def verify(instance: Instance, problem: Problem, decision: Any) -> Verification:
    """Evaluate ``decision`` for ``problem`` on ``instance`` from first principles.

    ``decision`` is a :class:`Decision`, a bool mask over the sites, or the open site ids
    (``result.open_sites``). Dispatches on the kind's registered verifier (:mod:`siting.kinds`).
    """
    from . import kinds

    decision = as_decision(instance, decision)
    hook = kinds.get(problem.kind).load_verifier()
    result: Verification = hook(instance, problem, decision)
    return result


def as_decision(instance: Instance, decision: Any) -> Decision:
    """A :class:`Decision` from a Decision, a Result, a bool mask or a list of open site ids."""
    from .errors import SpecError

    if isinstance(decision, Decision):
        return decision
    inner = getattr(decision, "decision", None)
    if isinstance(inner, Decision):  # a Result
        return inner
    values = np.asarray(list(decision) if not isinstance(decision, np.ndarray) else decision)
    if values.dtype == bool:
        return Decision.from_open(values)
    ids = [str(v) for v in instance.site_ids] if instance.site_ids is not None else \
        [str(k + 1) for k in range(instance.n_sites)]
    lookup = {v: k for k, v in enumerate(ids)}
    mask = np.zeros(instance.n_sites, dtype=bool)
    for v in values.tolist():
        key = str(int(v)) if isinstance(v, float) and float(v).is_integer() else str(v)
        if key not in lookup:
            raise SpecError(f"decision: {v!r} is not a site id of the instance (ids such as "
                            f"{', '.join(ids[:5])}); give a Decision, a bool mask over the "
                            "sites or the open site ids")
        mask[lookup[key]] = True
    return Decision.from_open(mask)


_Spec = TypeVar("_Spec")
_Check = Callable[[Instance, _Spec, Decision, np.ndarray, list[str], dict[str, Any]],
                  float | Verification]


def _hook(check: _Check[_Spec]) -> Callable[[Instance, _Spec, Decision], Verification]:
    """A kind's verifier hook ``(instance, problem, decision)`` from its own checks.

    Every kind starts alike: the decision has one flag per site, and the required / forbidden
    sites hold. ``check(instance, problem, decision, open_mask, violations, metrics)`` then
    appends its violations and metrics (``n_open`` is there) and returns the objective, or a
    whole Verification when the instance does not fit the kind at all.
    """
    def hook(instance: Instance, problem: _Spec, decision: Decision) -> Verification:
        open_mask = np.asarray(decision.open, dtype=bool)
        if open_mask.shape != (instance.n_sites,):
            return Verification(False, float("nan"), (f"decision has {open_mask.size} site "
                                                      f"flags, instance has {instance.n_sites} "
                                                      "sites",))
        v: list[str] = []
        _site_rules(instance, open_mask, v)
        metrics: dict[str, Any] = {"n_open": int(open_mask.sum())}
        objective = check(instance, problem, decision, open_mask, v, metrics)
        if isinstance(objective, Verification):
            return objective
        return Verification(not v, objective, tuple(v), metrics)

    # the public name and doc of the kind's hook, without pointing help() at check's signature
    hook.__name__, hook.__qualname__, hook.__doc__ = (check.__name__, check.__qualname__,
                                                      check.__doc__)
    return hook


@_hook
def verify_median(instance: Instance, problem: PMedian | PCenter, decision: Decision,
                  open_mask: np.ndarray, v: list[str],
                  metrics: dict[str, Any]) -> float | Verification:
    """p-median / p-center: exactly p open, every point reaches one; sum or max of costs."""
    w = instance.weight
    n_open = metrics["n_open"]
    if n_open != problem.p:
        v.append(f"{n_open} sites open, the model asks for exactly p = {problem.p}")
    arg, best = nearest_open(instance, open_mask)
    if np.any(arg < 0):
        v.append(f"demand point {instance.demand_ids[np.flatnonzero(arg < 0)[0]]} "
                 "reaches no open site")
    if isinstance(problem, PMedian):
        objective = _weighted_sum(w, best)
    else:
        # an unserved point (inf) of weight 0 stays inf, not nan
        served = np.multiply(w, best, out=np.full(best.shape, np.inf),
                             where=np.isfinite(best)) if problem.weighted else best
        objective = float(np.max(served))
    metrics["max_cost"] = float(np.max(best))
    metrics["weighted_mean_cost"] = _weighted_sum(w, best) / max(float(np.sum(w)), 1e-300)
    return objective


@_hook
def verify_covering(instance: Instance, problem: LSCP | MCLP, decision: Decision,
                    open_mask: np.ndarray, v: list[str],
                    metrics: dict[str, Any]) -> float | Verification:
    """LSCP / MCLP: coverage within the radius, site cost, p and budget limits."""
    w = instance.weight
    n_open = metrics["n_open"]
    _, best = nearest_open(instance, open_mask)
    covered = best <= problem.radius
    costs = instance.site_costs()
    spent = math.fsum(costs[open_mask])
    metrics["covered_weight"] = math.fsum(w[covered])
    metrics["covered_count"] = int(covered.sum())
    metrics["site_cost"] = spent
    if isinstance(problem, LSCP):
        objective = spent
        reachable = _coverable(instance, problem.radius)
        must = reachable if problem.drop_unreachable else np.ones(instance.n_demand, bool)
        uncovered = np.flatnonzero(must & ~covered)
        if uncovered.size:
            v.append(f"demand point {instance.demand_ids[uncovered[0]]} is not covered "
                     f"within {problem.radius:g} ({uncovered.size} uncovered)")
    else:
        objective = metrics["covered_weight"]
        if problem.p is not None and n_open > problem.p:
            v.append(f"{n_open} sites open, more than p = {problem.p}")
        if problem.budget is not None and spent > problem.budget * (1 + FEAS_TOL) + FEAS_TOL:
            v.append(f"site cost {spent:g} exceeds the budget {problem.budget:g}")
    return objective


@_hook
def verify_facility(instance: Instance, problem: UFL | CFLP, decision: Decision,
                    open_mask: np.ndarray, v: list[str],
                    metrics: dict[str, Any]) -> float | Verification:
    """UFL / CFLP: opening plus allocation cost; allocations complete, capacities kept."""
    objective, alloc_v = _allocation_cost(instance, problem, decision, open_mask)
    v.extend(alloc_v)
    return objective


@_hook
def verify_dispersion(instance: Instance, problem: PDispersion, decision: Decision,
                      open_mask: np.ndarray, v: list[str],
                      metrics: dict[str, Any]) -> float | Verification:
    """p-dispersion: exactly p open; the smallest min(c_ij, c_ji) over pairs of open sites."""
    if instance.n_demand != instance.n_sites:
        return Verification(False, float("nan"), ("p-dispersion needs sites × sites costs",))
    if metrics["n_open"] != problem.p:
        v.append(f"{metrics['n_open']} sites open, the model asks for exactly p = {problem.p}")
    cols = np.flatnonzero(open_mask)
    sub = instance.pair_costs(np.repeat(cols, cols.size),
                              np.tile(cols, cols.size)).reshape(cols.size, cols.size)
    sub = np.minimum(sub, sub.T)
    upper = sub[np.triu_indices(cols.size, k=1)]
    objective = float(upper.min()) if upper.size else float("nan")
    if upper.size and not np.isfinite(objective):
        v.append("two open sites have no travel cost between them")
    return objective


def _coverable(instance: Instance, radius: float) -> np.ndarray:
    i, j, _ = instance.pairs(max_cost=radius)
    ok = ~instance.forbidden[j]
    mask = np.zeros(instance.n_demand, dtype=bool)
    mask[i[ok]] = True
    return mask


def _allocation_cost(instance: Instance, problem: UFL | CFLP, decision: Decision,
                     open_mask: np.ndarray) -> tuple[float, list[str]]:
    v: list[str] = []
    fixed = instance.fixed_cost if instance.fixed_cost is not None else np.zeros(instance.n_sites)
    opening = math.fsum(fixed[open_mask])
    w = instance.weight
    if isinstance(problem, UFL) and not decision.has_allocation:
        arg, best = nearest_open(instance, open_mask)
        if np.any(arg < 0):
            v.append(f"demand point {instance.demand_ids[np.flatnonzero(arg < 0)[0]]} "
                     "reaches no open site")
        return opening + _weighted_sum(w, best), v
    if not decision.has_allocation:
        return float("nan"), ["capacitated decision carries no allocation"]
    ai, aj, af = decision.alloc_i, decision.alloc_j, decision.alloc_frac
    assert ai is not None and aj is not None and af is not None
    if np.any(af < -FEAS_TOL):
        v.append("negative allocation fraction")
    served = np.bincount(ai, weights=af, minlength=instance.n_demand)
    off = np.flatnonzero(np.abs(served - 1.0) > 1e-6)
    if off.size:
        v.append(f"demand point {instance.demand_ids[off[0]]} is allocated "
                 f"{served[off[0]]:.6g} of its demand, not all of it")
    closed = np.flatnonzero((af > FEAS_TOL) & ~open_mask[aj])
    if closed.size:
        v.append(f"demand point {instance.demand_ids[ai[closed[0]]]} is allocated to closed "
                 f"site {instance.site_ids[aj[closed[0]]]}")
    cost = instance.pair_costs(ai, aj)
    if np.any(~np.isfinite(cost) & (af > FEAS_TOL)):
        v.append("allocation uses a pair with no travel cost (unreachable)")
    cost = np.where(np.isfinite(cost), cost, 0.0)
    if isinstance(problem, CFLP):
        if instance.capacity is None:
            v.append("cflp needs site capacities")
        else:
            q = instance.demand
            load = np.bincount(aj, weights=q[ai] * af, minlength=instance.n_sites)  # type: ignore[index]
            over = np.flatnonzero(load > instance.capacity * (1 + FEAS_TOL) + FEAS_TOL)
            if over.size:
                j = over[0]
                v.append(f"site {instance.site_ids[j]} carries {load[j]:g}, above its "
                         f"capacity {instance.capacity[j]:g}")
        if problem.single_source and np.any((af > FEAS_TOL) & (af < 1 - FEAS_TOL)):
            v.append("single-source model splits a demand point between sites")
    # exact summation: re-costed objectives are reported, so keep them to the last digit
    return math.fsum(np.r_[opening, w[ai] * cost * af]), v


def check(instance: Instance, problem: Problem, decision: Decision, objective: float | None,
          *, rel_tol: float = 1e-6) -> Verification:
    """Verify and raise :class:`VerificationError` on infeasibility or an objective mismatch."""
    ver = verify(instance, problem, decision)
    if not ver.feasible:
        raise VerificationError("solver answer is infeasible on re-verification: "
                                + "; ".join(ver.violations))
    if objective is not None and not ver.matches(objective, rel_tol=rel_tol):
        raise VerificationError(f"solver reported objective {objective!r} but the decision "
                                f"re-costs to {ver.objective!r}")
    return ver


class _CallableModule(types.ModuleType):
    """Importing ``siting.verify`` (the module) sets the package attribute ``siting.verify`` to
    this module, shadowing the function of the same name: calling the module calls the
    function, so ``siting.verify(instance, problem, decision)`` works in every import order."""

    def __call__(self, instance: Instance, problem: Problem, decision: Any) -> Verification:
        return verify(instance, problem, decision)


sys.modules[__name__].__class__ = _CallableModule
