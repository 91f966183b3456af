"""Test helpers shipped with the package: seeded random instances and brute-force optima.

Brute force enumerates every admissible set of open sites and evaluates it with the
independent verifier (allocation LPs for the capacitated model use scipy's linprog), so it
shares nothing with the MILP formulations it checks.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.optimize import linprog

from ..decision import Decision
from ..instance import Instance
from ..problems import CFLP, MCLP, PCenter, PDispersion, PMedian, Problem
from ..result import Result
from ..verify import verify


def random_instance(
    seed: int,
    n: int = 8,
    m: int = 5,
    *,
    integer: bool = True,
    fixed_costs: bool = True,
    capacities: bool = False,
    sparse_radius: float | None = None,
    name: str | None = None,
) -> Instance:
    """A seeded random Euclidean instance on a 100 x 100 square."""
    from ..instance import SparseCosts

    rng = np.random.default_rng(seed)
    dem = rng.uniform(0, 100, size=(n, 2))
    sites = rng.uniform(0, 100, size=(m, 2))
    D = np.sqrt(((dem[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2))
    if integer:
        D = np.round(D)
    weight = rng.integers(1, 10, size=n).astype(float)
    fixed = rng.integers(20, 120, size=m).astype(float) if fixed_costs else None
    cap = None
    if capacities:
        cap = rng.integers(10, 30, size=m).astype(float)
        # keep the total capacity comfortably above demand
        cap *= max(1.0, 1.3 * weight.sum() / cap.sum())
        cap = np.ceil(cap)
    cost: np.ndarray | SparseCosts = D
    if sparse_radius is not None:
        i, j = np.nonzero(D <= sparse_radius)
        cost = SparseCosts.from_pairs(i, j, D[i, j], D.shape)
    return Instance(cost=cost, weight=weight, demand_ids=np.arange(1, n + 1),
                    site_ids=np.arange(1, m + 1), fixed_cost=fixed, capacity=cap,
                    name=name or f"random-{seed}")


def random_sites(seed: int, m: int = 8, *, integer: bool = True,
                 name: str | None = None) -> Instance:
    """A seeded random sites × sites instance (row i is site i) on a 100 x 100 square."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 100, size=(m, 2))
    D = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    if integer:
        D = np.round(D)
    ids = np.arange(1, m + 1)
    return Instance(cost=D, weight=np.ones(m), demand_ids=ids, site_ids=ids,
                    name=name or f"random-sites-{seed}")


def _admissible(instance: Instance, sizes: range) -> list[np.ndarray]:
    m = instance.n_sites
    req = np.flatnonzero(instance.required)
    free = [j for j in range(m) if not instance.forbidden[j] and not instance.required[j]]
    out = []
    for k in sizes:
        extra = k - req.size
        if extra < 0 or extra > len(free):
            continue
        for combo in itertools.combinations(free, extra):
            mask = np.zeros(m, bool)
            mask[req] = True
            mask[list(combo)] = True
            out.append(mask)
    return out


def _cflp_allocation(instance: Instance, open_mask: np.ndarray, single: bool) -> Decision | None:
    """Cheapest allocation to the open sites: an LP (multi-source) or enumeration (single)."""
    D = instance.dense_cost()
    q, cap, w = instance.demand, instance.capacity, instance.weight
    assert q is not None and cap is not None
    cols = np.flatnonzero(open_mask)
    n = instance.n_demand
    if single:
        best, best_assign = math.inf, None
        for assign in itertools.product(range(cols.size), repeat=n):
            a = np.asarray(assign)
            js = cols[a]
            c = D[np.arange(n), js]
            if not np.isfinite(c).all():
                continue
            load = np.bincount(a, weights=q, minlength=cols.size)
            if np.any(load > cap[cols] + 1e-9):
                continue
            val = float(np.sum(w * c))
            if val < best:
                best, best_assign = val, js
        if best_assign is None:
            return None
        return Decision(open_mask, np.arange(n), best_assign, np.ones(n))
    k = cols.size
    Dsub = D[:, cols]
    reach = np.isfinite(Dsub)
    c = np.where(reach, w[:, None] * Dsub, 0.0).ravel()
    A_eq = np.kron(np.eye(n), np.ones(k))
    A_ub = np.zeros((k, n * k))
    for col in range(k):
        A_ub[col, col::k] = q
    bounds = [(0, 1 if r else 0) for r in reach.ravel()]
    res = linprog(c, A_ub=A_ub, b_ub=cap[cols], A_eq=A_eq, b_eq=np.ones(n), bounds=bounds,
                  method="highs")
    if res.status != 0:
        return None
    x = res.x.reshape(n, k)
    ii, jj = np.nonzero(x > 1e-12)
    return Decision(open_mask, ii, cols[jj], x[ii, jj])


def brute_force(instance: Instance, problem: Problem) -> tuple[float | None, Decision | None]:
    """Optimal objective and one optimal decision by enumeration (None if infeasible)."""
    m = instance.n_sites
    maximise = isinstance(problem, (MCLP, PDispersion))
    if isinstance(problem, (PMedian, PCenter, PDispersion)):
        sizes = range(problem.p, problem.p + 1)
    elif isinstance(problem, MCLP) and problem.p is not None:
        sizes = range(problem.p + 1)
    else:
        sizes = range(m + 1)
    best: float | None = None
    best_dec: Decision | None = None
    for mask in _admissible(instance, sizes):
        if isinstance(problem, CFLP):
            if not mask.any():
                continue
            dec = _cflp_allocation(instance, mask, problem.single_source)
            if dec is None:
                continue
        else:
            dec = Decision.from_open(mask)
        ver = verify(instance, problem, dec)
        if not ver.feasible:
            continue
        val = ver.objective
        if best is None or (val > best + 1e-9 if maximise else val < best - 1e-9):
            best, best_dec = val, dec
    return best, best_dec


def assert_verified(result: Result, rel_tol: float = 1e-6) -> None:
    """The result's decision is feasible and re-costs to its reported objective."""
    assert result.decision is not None, f"no decision: {result.status} {result.messages}"
    ver = verify(result.instance, result.problem, result.decision)
    assert ver.feasible, ver.violations
    assert result.objective is not None
    assert abs(ver.objective - result.objective) <= rel_tol * max(1.0, abs(result.objective))
    if result.bound is not None:
        sense = 1 if isinstance(result.problem, (MCLP, PDispersion)) else -1
        # the bound is on the right side of the objective
        assert sense * (result.bound - result.objective) >= -rel_tol * max(1.0, abs(result.objective))


__all__ = ["assert_verified", "brute_force", "random_instance", "random_sites"]
