"""Community test helpers: the oracle and tiny tables live in siting.testing.community; the
viability tests' problem, tables and enumeration reference are here (shared by two modules)."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

from siting.community.spec import CommunityProblem
from siting.community.verify import Allocation, Plan, verify

from siting.testing.community import (
    SERVICES,
    best_allocation,
    build,
    enumerate_checks,
    planar_instance,
    plans,
    problem,
    reference,
    tiny_tables,
)

__all__ = ["SERVICES", "best_allocation", "build", "enumerate_checks", "planar_instance", "plans",
           "problem", "reference", "tiny_tables", "viability_problem", "viability_reference",
           "viability_tables"]


def viability_problem(objective: str = "coverage", *, names=None, overrides=None,  # type: ignore[no-untyped-def]
                      **kw):
    chosen = []
    for s in SERVICES:
        if names is not None and s["name"] not in names:
            continue
        chosen.append({**s, **(overrides or {}).get(s["name"], {})})
    return CommunityProblem.model_validate({"kind": "community", "objective": objective,
                                            "services": chosen, **kw})


def viability_tables(seed: int, grid: bool = True):  # type: ignore[no-untyped-def]
    demand, sites = tiny_tables(seed, n=10, m=4)
    if grid:  # coarse coordinates: equal distances (ties) happen
        for df in (demand, sites):
            df["x"] = (df["x"] // 150) * 150
            df["y"] = (df["y"] // 150) * 150
    return demand, sites


def viability_reference(inst, prob):  # type: ignore[no-untyped-def]
    """Enumerate every plan; allocations (capacitated services) by an LP that also asks the
    viability rows; the verifier judges each plan."""
    best = None
    for used, new in plans(inst):
        allocs = _viability_allocations(inst, prob, used, new)
        if allocs is None:
            continue
        chk = verify(inst, prob, Plan(used, new, allocs))
        if not chk.feasible:
            continue
        key = (round(chk.coverage_objective, 6), -chk.total_cost)
        if best is None or key > best[0]:
            best = (key, chk)
    return None if best is None else best[1]


def _viability_allocations(inst, prob, used, new):  # type: ignore[no-untyped-def]
    out = []
    for s, svc in enumerate(prob.services):
        if svc.capacity is None:
            out.append(None)
            continue
        pr = inst.pairs[s]
        w = inst.population[:, s]
        radii = np.array([t.radius for t in svc.tiers])
        cred = np.array([t.credit for t in svc.tiers])[np.searchsorted(radii, pr.d)]
        A, b = [], []
        for i in np.unique(pr.i):
            A.append((pr.i == i).astype(float)); b.append(w[i])
        mods = (inst.existing[:, s] + new[:, s]) * used
        for j in np.unique(pr.j):
            A.append((pr.j == j).astype(float)); b.append(svc.capacity * mods[j])
            if svc.min_users and mods[j] > 0:
                A.append(-(pr.j == j).astype(float)); b.append(-svc.min_users * new[j, s])
        res = linprog(-cred, A_ub=np.array(A), b_ub=np.array(b), bounds=(0, None),
                      method="highs")
        if res.status != 0:
            return None
        out.append(Allocation(pr.i, pr.j, res.x))
    return tuple(out)
