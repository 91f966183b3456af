"""The community model's brute-force oracle: tiny random tables and exhaustive enumeration.

The reference enumerates every plan (y_j, m_js), scores it with the independent verifier and,
for a capacitated service, finds the best allocation with a plain LP (scipy linprog). It knows
nothing about the formulation: it is the model of models/community.md evaluated plan by plan.
:func:`siting.testing.brute_force` hands ``kind = "community"`` here.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from siting.community.instance import CommunityInstance, build_instance, cutoff
from siting.community.spec import CommunityProblem
from siting.community.verify import Allocation, Check, Plan, verify
from siting.geo.costs import planar

SERVICES = [
    {"name": "elderly", "segment": "elderly", "module_area": 200, "module_cost": 30,
     "weight": 1.0, "core": True,
     "tiers": [{"radius": 300, "credit": 1.0}, {"radius": 600, "credit": 0.5}]},
    {"name": "childcare", "segment": "infant", "module_area": 150, "module_cost": 20,
     "weight": 3.0, "core": True, "tiers": [{"radius": 400, "credit": 1.0}]},
    {"name": "health", "segment": "total", "module_area": 100, "module_cost": 10,
     "weight": 0.5, "tiers": [{"radius": 350, "credit": 1.0}, {"radius": 500, "credit": 0.25}]},
]


def tiny_tables(seed: int, n: int = 10, m: int = 4, *, existing: bool = True,
                max2: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame({
        "id": [f"b{i}" for i in range(n)],
        "x": rng.uniform(0, 900, n).round(), "y": rng.uniform(0, 900, n).round(),
        "district": rng.choice(["D1", "D2", "D3"], n),
        "total": rng.integers(20, 100, n), "elderly": rng.integers(0, 40, n),
        "infant": rng.integers(0, 8, n), "households": rng.integers(10, 40, n),
    })
    services = []
    for _ in range(m):
        allowed = [str(s["name"]) for s in SERVICES if rng.uniform() < 0.8]
        services.append(";".join(allowed))
    sites = pd.DataFrame({
        "id": [f"s{j}" for j in range(m)],
        "x": rng.uniform(0, 900, m).round(), "y": rng.uniform(0, 900, m).round(),
        "area": rng.choice([150, 250, 350, 450, 700], m).astype(float),
        "cost": rng.integers(1, 6, m) * 10.0, "services": services,
    })
    sites["existing_health"] = 0
    if existing:
        sites.loc[0, "existing_health"] = 1
    if max2:
        sites["max_elderly"] = 2
    return demand, sites


def problem(objective: str = "coverage", *, services: list[str] | None = None,
            **kw: Any) -> CommunityProblem:
    chosen = [dict(s) for s in SERVICES if services is None or s["name"] in services]
    return CommunityProblem.model_validate({"kind": "community", "objective": objective,
                                            "services": chosen, **kw})


def plans(inst: CommunityInstance) -> list[tuple[np.ndarray, np.ndarray]]:
    """Every (used, new_modules) combination the bounds allow."""
    m, S = inst.n_sites, inst.n_services
    per_site = []
    for j in range(m):
        opts = []
        counts = [range(int(inst.max_new[j, s]) + 1) for s in range(S)]
        if inst.forbidden[j]:
            opts.append((False, (0,) * S))
        else:
            if not (inst.forced[j] or inst.existing_site[j]):
                opts.append((False, (0,) * S))
            for combo in itertools.product(*counts):
                opts.append((True, combo))
        per_site.append(opts)
    out = []
    for choice in itertools.product(*per_site):
        used = np.array([c[0] for c in choice], dtype=bool)
        new = np.array([c[1] for c in choice], dtype=np.int64).reshape(m, S)
        out.append((used, new))
    return out


def best_allocation(inst: CommunityInstance, prob: CommunityProblem, used: np.ndarray,
                    new: np.ndarray) -> tuple[Allocation | None, ...] | None:
    """Per capacitated service: the allocation with most credit meeting its targets (None if
    the targets cannot be met); uncapacitated services get None entries."""
    out: list[Allocation | None] = []
    names = [s.name for s in prob.services]
    for s, svc in enumerate(prob.services):
        if svc.capacity is None:
            out.append(None)
            continue
        pr = inst.pairs[s]
        w = inst.population[:, s]
        radii = np.array([t.radius for t in svc.tiers])
        cred = np.array([t.credit for t in svc.tiers])[np.searchsorted(radii, pr.d)]
        P = pr.i.size
        if P == 0:
            out.append(Allocation(pr.i, pr.j, np.zeros(0)))
            continue
        A, b = [], []
        for i in np.unique(pr.i):
            A.append((pr.i == i).astype(float)); b.append(w[i])
        modules = (inst.existing[:, s] + new[:, s]) * used
        for j in np.unique(pr.j):
            A.append((pr.j == j).astype(float)); b.append(svc.capacity * modules[j])
            if svc.min_users and modules[j] > 0:  # a new module's viability threshold
                A.append(-(pr.j == j).astype(float)); b.append(-svc.min_users * new[j, s])
        target = prob.targets.get(names[s])
        if target is not None:
            if target.overall is not None and w.sum() > 0:
                A.append(-cred / w.sum()); b.append(-target.overall)
            for g, dname in enumerate(inst.district_names):
                want = target.districts.get(str(dname), target.district)
                W = w[inst.district == g].sum()
                if want is not None and W > 0:
                    A.append(-cred * (inst.district[pr.i] == g) / W); b.append(-want)
        res = linprog(-cred, A_ub=np.array(A), b_ub=np.array(b), bounds=(0, None), method="highs")
        if res.status != 0:
            return None
        out.append(Allocation(pr.i, pr.j, res.x))
    return tuple(out)


def enumerate_checks(inst: CommunityInstance, prob: CommunityProblem) -> list[Check]:
    """The verifier's view of every feasible plan."""
    feasible = []
    for used, new in plans(inst):
        allocs = best_allocation(inst, prob, used, new)
        if allocs is None:
            continue
        chk = verify(inst, prob, Plan(used, new, allocs))
        if chk.feasible:
            feasible.append(chk)
    return feasible


def best_check(inst: CommunityInstance, prob: CommunityProblem) -> Check | None:
    """The verifier's view of the most-coverage, then cheapest plan (None: none is feasible)."""
    checks = enumerate_checks(inst, prob)
    if not checks:
        return None
    return max(checks, key=lambda c: (round(c.coverage_objective, 6), -c.total_cost))


def reference(inst: CommunityInstance, prob: CommunityProblem) -> dict[str, float] | None:
    """The lexicographic optimum by enumeration: primary value and the tie-break value."""
    checks = enumerate_checks(inst, prob)
    if not checks:
        return None
    if prob.objective == "coverage":
        best = max(c.coverage_objective for c in checks)
        ties = [c for c in checks if c.coverage_objective >= best - 1e-7 * max(1, best)]
        return {"primary": best, "tie": min(c.total_cost for c in ties)}
    if prob.objective == "cost":
        return {"primary": min(c.total_cost for c in checks)}
    level = max(c.equity for c in checks if c.equity is not None)
    ties = [c for c in checks if c.equity is not None and c.equity >= level - 1e-9]
    return {"primary": level, "tie": max(c.coverage_objective for c in ties)}


def planar_instance(prob: CommunityProblem, demand: pd.DataFrame,
                    sites: pd.DataFrame) -> CommunityInstance:
    """The instance on straight-line costs between the tables' x/y columns (the tables are
    planar metres, as a scenario with metric = "euclidean" would measure them)."""
    costs = planar(demand[["x", "y"]].to_numpy(float), sites[["x", "y"]].to_numpy(float),
                   cutoff(prob), "metre")
    return build_instance(prob, demand, sites, costs=costs)


def build(seed: int, prob: CommunityProblem, **kw: Any) -> CommunityInstance:
    demand, sites = tiny_tables(seed, **kw)
    return planar_instance(prob, demand, sites)
