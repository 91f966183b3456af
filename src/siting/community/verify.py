"""Independent verifier of a community plan: everything recomputed from the decision, no MILP.

The decision is a :class:`Plan`: which sites are used (y_j), how many new modules of each service
each site gets (m_js) and, for capacitated services, the allocations u_ijs. From it this module
recomputes presence, floor area, cost, budget, the guide rules, each block-segment's best tier
credit (or its allocated credit), coverage shares per district and the objective values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .instance import CommunityInstance
from .spec import CommunityProblem
from .viability import Operations, operations

TOL = 1e-6


@dataclass(frozen=True, eq=False)
class Allocation:
    """u_ijs for one capacitated service: persons of block i served by site j."""

    i: np.ndarray
    j: np.ndarray
    u: np.ndarray


@dataclass(frozen=True, eq=False)
class Plan:
    used: np.ndarray                           # (m,) bool y_j as decided
    new_modules: np.ndarray                    # (m, S) int m_js
    allocations: tuple[Allocation | None, ...] = ()   # per service (None = uncapacitated)


@dataclass(frozen=True, eq=False)
class Check:
    """What the verifier recomputed. ``violations`` is empty for a feasible plan."""

    used: np.ndarray               # (m,) bool: y_j (existing sites always count as used)
    hosts: np.ndarray              # (m, S) bool: service present (e_js + m_js ≥ 1 at a used site)
    modules: np.ndarray            # (m, S) total modules e_js + m_js
    floor_area: np.ndarray         # (m,) new-module floor area Σ_s a_s m_js
    opening_cost: float
    module_cost: float
    credit: np.ndarray             # (n, S) credited persons w_is × credit
    best_tier: np.ndarray          # (n, S) best tier index, -1 = not within any tier
    tier_persons: np.ndarray       # (S, G, K+1) persons by best tier; last = not covered
    covered: np.ndarray            # (S,) credited persons per service
    population: np.ndarray         # (S,) segment population per service
    district_covered: np.ndarray   # (S, G)
    district_population: np.ndarray  # (S, G)
    coverage_objective: float      # Σ_s β_s covered_s
    equity: float | None           # min district share over the equity services
    violations: list[str] = field(default_factory=list)
    #: users, utilisation and operating figures per site × service (community/viability.py)
    operations: Operations | None = None

    @property
    def total_cost(self) -> float:
        return self.opening_cost + self.module_cost

    @property
    def feasible(self) -> bool:
        return not self.violations

    def share(self, s: int) -> float:
        return float(self.covered[s] / self.population[s]) if self.population[s] > 0 else 1.0

    def district_share(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.district_population > 0,
                            self.district_covered / np.maximum(self.district_population, 1e-300),
                            np.nan)

    def objective(self, kind: str) -> float:
        if kind == "coverage":
            return self.coverage_objective
        if kind == "cost":
            return self.total_cost
        return float(self.equity if self.equity is not None else 1.0)


def verify(inst: CommunityInstance, problem: CommunityProblem, plan: Plan) -> Check:
    services = problem.services
    n, m, S, G = inst.n_blocks, inst.n_sites, inst.n_services, inst.n_districts
    bad: list[str] = []
    sid = inst.site_ids

    new = np.asarray(plan.new_modules)
    if new.shape != (m, S):
        raise ValueError(f"plan has new_modules of shape {new.shape}, expected {(m, S)}")
    if np.any(new != np.round(new)) or np.any(new < 0):
        bad.append("new module counts must be non-negative whole numbers")
    new = np.round(new).astype(np.int64)
    existing_site = inst.existing.sum(axis=1) > 0
    used = np.asarray(plan.used, dtype=bool) | existing_site
    _first(bad, new > inst.max_new, lambda j, s: f"site {sid[j]}: {new[j, s]} new "
           f"{services[s].name} modules exceed the limit {inst.max_new[j, s]} (or the site may "
           "not host it)")
    _first(bad, (new.sum(axis=1) > 0) & ~used, lambda j: f"site {sid[j]}: modules at an unused site")
    _first(bad, used & inst.forbidden, lambda j: f"site {sid[j]}: forbidden site is used")
    _first(bad, inst.forced & ~used, lambda j: f"site {sid[j]}: forced site is not used")

    a = np.array([s.module_area for s in services])
    g = np.array([s.module_cost for s in services])
    floor = new @ a
    _first(bad, floor > inst.area * (1 + TOL) + TOL, lambda j: f"site {sid[j]}: new modules need "
           f"{floor[j]:g} m² but only {inst.area[j]:g} m² are free")
    opening = float(inst.cost[used & ~existing_site].sum())
    module_cost = float((new * g[None, :]).sum())
    total = opening + module_cost
    if problem.budget is not None and total > problem.budget * (1 + TOL) + TOL:
        bad.append(f"total cost {total:,.0f} exceeds the budget {problem.budget:,.0f}")

    modules = inst.existing + new
    hosts = used[:, None] & (modules >= 1)
    _rules(inst, problem, used, existing_site, hosts, new, a, bad)

    # coverage
    credit = np.zeros((n, S))
    best = np.full((n, S), -1, dtype=np.int64)
    K = max(len(s.tiers) for s in services)
    tier_persons = np.zeros((S, G, K + 1))
    allocs = plan.allocations or tuple(None for _ in services)
    for s, svc in enumerate(services):
        pr = inst.pairs[s]
        w = inst.population[:, s]
        radii = np.array([t.radius for t in svc.tiers])
        cred = np.array([t.credit for t in svc.tiers])
        tier_of_pair = np.searchsorted(radii, pr.d, side="left")
        if svc.capacity is None:
            on = hosts[pr.j, s] & (tier_of_pair < radii.size)
            # best tier = smallest tier index among hosting pairs
            bt = np.full(n, radii.size, dtype=np.int64)
            np.minimum.at(bt, pr.i[on], tier_of_pair[on])
            has = bt < radii.size
            best[has, s] = bt[has]
            credit[has, s] = w[has] * cred[bt[has]]
            for k in range(radii.size):
                tier_persons[s, :, k] = np.bincount(inst.district[bt == k], weights=w[bt == k],
                                                    minlength=G)
            tier_persons[s, :, K] = np.bincount(inst.district[~has], weights=w[~has], minlength=G)
        else:
            al = allocs[s] if s < len(allocs) else None
            _allocated_credit(inst, problem, s, al, modules, used, credit, best, tier_persons,
                              tier_of_pair, cred, bad)

    ops = operations(inst, problem, hosts, modules, new, allocs, bad)

    pop = inst.population.sum(axis=0)
    covered = credit.sum(axis=0)
    dcov = np.stack([np.bincount(inst.district, weights=credit[:, s], minlength=G)
                     for s in range(S)])
    dpop = np.stack([np.bincount(inst.district, weights=inst.population[:, s], minlength=G)
                     for s in range(S)])
    beta = np.array([s.weight for s in services])
    cov_obj = float(beta @ covered)

    names = [s.name for s in services]
    for sname, target in problem.targets.items():
        s = names.index(sname)
        if target.overall is not None and pop[s] > 0 and \
                covered[s] < target.overall * pop[s] - TOL * max(1.0, pop[s]):
            bad.append(f"{sname}: credited coverage {covered[s] / pop[s]:.2%} is below the "
                       f"overall target {target.overall:.0%}")
        lookup = {str(x): k for k, x in enumerate(inst.district_names)}
        shares = np.full(G, target.district if target.district is not None else 0.0)
        for key, share in target.districts.items():
            if key in lookup:
                shares[lookup[key]] = share
        low = (dpop[s] > 0) & (dcov[s] < shares * dpop[s] - TOL * np.maximum(1.0, dpop[s]))
        _first(bad, low, lambda gi, s=s, sname=sname, shares=shares: (
            f"{sname}: credited coverage {dcov[s, gi] / dpop[s, gi]:.2%} in district "
            f"{inst.district_names[gi]} is below its target {shares[gi]:.0%}"))

    eq_names = problem.equity_services or tuple(names)
    eq_vals = [dcov[names.index(x)][dpop[names.index(x)] > 0] / dpop[names.index(x)][
        dpop[names.index(x)] > 0] for x in eq_names]
    flat = np.concatenate(eq_vals) if eq_vals else np.zeros(0)
    equity = float(flat.min()) if flat.size else None

    return Check(used=used, hosts=hosts, modules=modules, floor_area=floor, opening_cost=opening,
                 module_cost=module_cost, credit=credit, best_tier=best,
                 tier_persons=tier_persons, covered=covered, population=pop,
                 district_covered=dcov, district_population=dpop, coverage_objective=cov_obj,
                 equity=equity, violations=bad, operations=ops)


def _rules(inst: CommunityInstance, problem: CommunityProblem, used: np.ndarray,
           existing_site: np.ndarray, hosts: np.ndarray, new: np.ndarray, a: np.ndarray,
           bad: list[str]) -> None:
    rules, sid = problem.rules, inst.site_ids
    opened = used & ~existing_site
    count = hosts.sum(axis=1)
    if rules.new_site_min_services > 0:
        _first(bad, opened & (count < rules.new_site_min_services), lambda j: f"site {sid[j]}: "
               f"newly opened with {count[j]} services, the rule asks for at least "
               f"{rules.new_site_min_services}")
    if rules.new_site_min_core > 0:
        core = np.isin([s.name for s in problem.services], problem.core_names)
        ccount = hosts[:, core].sum(axis=1)
        _first(bad, opened & (ccount < rules.new_site_min_core), lambda j: f"site {sid[j]}: "
               f"newly opened with {ccount[j]} core services, the rule asks for at least "
               f"{rules.new_site_min_core}")
    if rules.complex_min_area > 0:
        small = opened & (count >= rules.complex_min_services) & (inst.area < rules.complex_min_area)
        _first(bad, small, lambda j: f"site {sid[j]}: hosts {count[j]} services (a complex) on "
               f"{inst.area[j]:g} m², below the {rules.complex_min_area:g} m² minimum")
    if rules.space_per_100_households > 0 and inst.households is not None:
        G = inst.n_districts
        need = rules.space_per_100_households * np.bincount(
            inst.district, weights=inst.households, minlength=G) / 100.0
        have = np.bincount(inst.site_district, weights=(inst.existing + new) @ a, minlength=G)
        _first(bad, have < need - TOL * np.maximum(1.0, need), lambda gi: f"district "
               f"{inst.district_names[gi]}: {have[gi]:,.0f} m² of service space, the rule asks for "
               f"{need[gi]:,.0f} m²")


def _allocated_credit(inst: CommunityInstance, problem: CommunityProblem, s: int,
                      al: Allocation | None, modules: np.ndarray, used: np.ndarray,
                      credit: np.ndarray, best: np.ndarray, tier_persons: np.ndarray,
                      tier_of_pair: np.ndarray, cred: np.ndarray, bad: list[str]) -> None:
    svc = problem.services[s]
    n, m, G = inst.n_blocks, inst.n_sites, inst.n_districts
    K = tier_persons.shape[2] - 1
    w = inst.population[:, s]
    pr = inst.pairs[s]
    if al is None:
        al = Allocation(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    ai, aj, au = (np.asarray(al.i, np.int64), np.asarray(al.j, np.int64),
                  np.asarray(al.u, float))
    if np.any(au < -TOL):
        bad.append(f"{svc.name}: negative allocation")
    keep = au > TOL
    ai, aj, au = ai[keep], aj[keep], au[keep]
    key_pairs = pr.i * m + pr.j                 # sorted: pairs are in (i, j) order
    key = ai * m + aj
    pos = np.clip(np.searchsorted(key_pairs, key), 0, max(key_pairs.size - 1, 0))
    ok = key_pairs.size > 0
    found = (key_pairs[pos] == key) if ok else np.zeros(key.size, dtype=bool)
    if not found.all():
        k = int(np.flatnonzero(~found)[0])
        bad.append(f"{svc.name}: block {inst.demand_ids[ai[k]]} is allocated to site "
                   f"{inst.site_ids[aj[k]]} beyond the outer tier")
        ai, aj, au, pos = ai[found], aj[found], au[found], pos[found]
    tiers = tier_of_pair[pos] if pos.size else np.zeros(0, np.int64)
    served = np.bincount(ai, weights=au, minlength=n)
    _first(bad, served > w * (1 + TOL) + TOL, lambda i: f"{svc.name}: block "
           f"{inst.demand_ids[i]} gets {served[i]:g} allocated persons, more than its {w[i]:g}")
    load = np.bincount(aj, weights=au, minlength=m)
    cap = svc.capacity * modules[:, s] * used
    _first(bad, load > cap * (1 + TOL) + TOL, lambda j: f"{svc.name}: site {inst.site_ids[j]} "
           f"serves {load[j]:g} persons, capacity {cap[j]:g}")
    credit[:, s] = np.bincount(ai, weights=au * cred[tiers], minlength=n)
    bt = np.full(n, K, dtype=np.int64)
    if ai.size:
        np.minimum.at(bt, ai, tiers)
    best[:, s] = np.where(bt < K, bt, -1)
    for k in range(cred.size):
        sel = tiers == k
        tier_persons[s, :, k] = np.bincount(inst.district[ai[sel]], weights=au[sel], minlength=G)
    tier_persons[s, :, K] = np.bincount(inst.district, weights=w, minlength=G) - \
        tier_persons[s, :, :K].sum(axis=1)


def _first(bad: list[str], mask: np.ndarray, message) -> None:  # type: ignore[no-untyped-def]
    """Append a message for the first violation in ``mask`` (plus a count when there are more)."""
    hits = np.argwhere(mask)
    if hits.size == 0:
        return
    text = message(*(int(v) for v in hits[0]))
    if len(hits) > 1:
        text += f" (and {len(hits) - 1} more)"
    bad.append(text)
