"""Tiny seeded instances and brute-force optima for the conformance suite."""

from __future__ import annotations

from itertools import combinations

import numpy as np

from siting import testing
from siting.instance import Instance


def random_instance(seed: int, n: int = 9, m: int = 6, *, fixed: bool = False,
                    capacitated: bool = False) -> Instance:
    """Integer Euclidean costs (siting.testing's one random-instance builder), optional fixed
    costs and capacities."""
    return testing.random_instance(seed, n, m, fixed_costs=fixed, capacities=capacitated,
                                   name=f"rand{seed}")


def brute_pmedian(inst: Instance, p: int) -> float:
    D = inst.dense_cost()
    return min(float(inst.weight @ D[:, list(s)].min(axis=1))
               for s in combinations(range(inst.n_sites), p))


def brute_pcenter(inst: Instance, p: int) -> float:
    D = inst.dense_cost()
    return min(float(D[:, list(s)].min(axis=1).max()) for s in combinations(range(inst.n_sites), p))


def brute_mclp(inst: Instance, p: int, radius: float) -> float:
    D = inst.dense_cost()
    return max(float(inst.weight @ (D[:, list(s)].min(axis=1) <= radius))
               for s in combinations(range(inst.n_sites), p))


def brute_ufl(inst: Instance) -> float:
    D = inst.dense_cost()
    f = inst.fixed_cost
    assert f is not None
    best = np.inf
    for k in range(1, inst.n_sites + 1):
        for s in combinations(range(inst.n_sites), k):
            best = min(best, float(f[list(s)].sum() + inst.weight @ D[:, list(s)].min(axis=1)))
    return best


def brute_cflp(inst: Instance) -> float:
    """Splittable CFLP: every site subset with enough capacity, transportation LP by scipy."""
    from scipy.optimize import linprog

    D, f, cap, dem = inst.dense_cost(), inst.fixed_cost, inst.capacity, inst.demand
    assert f is not None and cap is not None and dem is not None
    n, m = D.shape
    best = np.inf
    for k in range(1, m + 1):
        for s in combinations(range(m), k):
            cols = list(s)
            if cap[cols].sum() < dem.sum():
                continue
            # x_ij = fraction of i's demand from j; cost weight_i * d_ij per unit fraction
            c = (inst.weight[:, None] * D[:, cols]).ravel()
            a_eq = np.kron(np.eye(n), np.ones(k))
            a_ub = np.hstack([np.eye(k) * dem[i] for i in range(n)])  # row j: sum_i d_i x_ij
            res = linprog(c, A_ub=a_ub, b_ub=cap[cols], A_eq=a_eq, b_eq=np.ones(n),
                          bounds=(0, 1), method="highs")
            if res.status == 0:
                best = min(best, float(f[cols].sum() + res.fun))
    return best
