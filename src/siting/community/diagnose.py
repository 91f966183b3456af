"""Explain why a community plan cannot exist, in planning words.

Each check compares a requirement with an optimistic bound that needs no MILP:
- a target against the coverage reached if EVERY site that may host the service did
  (per district and overall, tier by tier);
- a capacitated target against all the capacity that could be built within reach;
- the budget against what forced sites and the guide rules cost at the least;
- forced sites against the rules they can never meet;
- the m² per 100 households rule against all the floor area a district could offer.
A message here is a proof of infeasibility; an empty list means no single cause was found.
"""

from __future__ import annotations

import numpy as np

from .formulation import _hostable
from .instance import CommunityInstance
from .spec import CommunityProblem
from .viability import not_viable, not_viable_words

SEGMENT_WORDS = {"elderly": "aged 60+", "infant": "aged 0–3", "school": "aged 6–12",
                 "total": "total", "households": "households"}


def diagnose(inst: CommunityInstance, problem: CommunityProblem) -> list[str]:
    """Reasons the plan is infeasible (each one on its own is enough)."""
    services = problem.services
    a = np.array([s.module_area for s in services])
    host = (inst.allowed & ~inst.forbidden[:, None]) | (inst.existing > 0)
    hostable = _hostable(inst, problem, a, host)
    # a new module no plan keeps viable never exists (its whole catchment is below min_users)
    for j, s, _, _ in not_viable(inst, problem, hostable):
        hostable[j, s] = inst.existing[j, s] > 0
    out: list[str] = []
    out += _forced_sites(inst, problem, a, hostable)
    out += _budget(inst, problem, a, hostable)
    out += _targets(inst, problem, hostable)
    out += _space(inst, problem, a, hostable)
    return out


def viability_notes(inst: CommunityInstance, problem: CommunityProblem) -> list[str]:
    """Candidate modules no plan keeps viable, in planning words (not a proof of infeasibility:
    the plan simply never opens them)."""
    services = problem.services
    if not any((s.min_users or 0) > 0 for s in services):
        return []
    a = np.array([s.module_area for s in services])
    host = (inst.allowed & ~inst.forbidden[:, None]) | (inst.existing > 0)
    hostable = _hostable(inst, problem, a, host)
    return not_viable_words(inst, problem, not_viable(inst, problem, hostable))


def _forced_sites(inst: CommunityInstance, problem: CommunityProblem, a: np.ndarray,
                  hostable: np.ndarray) -> list[str]:
    out = []
    rules = problem.rules
    for j in np.flatnonzero(inst.forced & ~inst.existing_site & ~hostable.any(axis=1)):
        n_allowed = int((inst.allowed[j] & (inst.max_new[j] > 0)).sum())
        why = []
        if rules.new_site_min_services > 0:
            why.append(f"it may host {n_allowed} service(s) in {inst.area[j]:g} m² and the guide "
                       f"rule asks every new site for {rules.new_site_min_services}")
        if rules.complex_min_area > 0 and inst.area[j] < rules.complex_min_area:
            why.append(f"a service complex needs {rules.complex_min_area:g} m²")
        if not why:
            why.append("no allowed service module fits its free floor area")
        out.append(f"site {inst.site_ids[j]} is forced open but cannot be: {'; '.join(why)}.")
    return out


def _budget(inst: CommunityInstance, problem: CommunityProblem, a: np.ndarray,
            hostable: np.ndarray) -> list[str]:
    if problem.budget is None:
        return []
    rules = problem.rules
    g = np.array([s.module_cost for s in problem.services])
    forced_new = np.flatnonzero(inst.forced & ~inst.existing_site)
    opening = float(inst.cost[forced_new].sum())
    k = rules.new_site_min_services
    modules = 0.0
    if k > 0:
        for j in forced_new:
            costs = np.sort(g[hostable[j] & ~(inst.existing[j] > 0)])
            modules += float(costs[:k].sum())
    if opening + modules > problem.budget + 1e-9:
        extra = (f" plus ¥{modules:,.0f} for the {k} cheapest modules each must host"
                 if modules else "")
        return [f"the budget ¥{problem.budget:,.0f} is below what the {forced_new.size} forced "
                f"new site(s) cost at the least: ¥{opening:,.0f} to open{extra}."]
    return []


def _best_credit(inst: CommunityInstance, problem: CommunityProblem, s: int,
                 hostable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per block: best credit if every site that may host s did; and best tier index (-1 none)."""
    svc = problem.services[s]
    pr = inst.pairs[s]
    on = hostable[pr.j, s]
    radii = np.array([t.radius for t in svc.tiers])
    cred = np.array([t.credit for t in svc.tiers])
    tier = np.searchsorted(radii, pr.d[on], side="left")
    best = np.full(inst.n_blocks, radii.size, dtype=np.int64)
    np.minimum.at(best, pr.i[on], tier)
    credit = np.where(best < radii.size, cred[np.minimum(best, radii.size - 1)], 0.0)
    return credit, np.where(best < radii.size, best, -1)


def _targets(inst: CommunityInstance, problem: CommunityProblem,
             hostable: np.ndarray) -> list[str]:
    out: list[str] = []
    names = [s.name for s in problem.services]
    G = inst.n_districts
    for sname, target in problem.targets.items():
        s = names.index(sname)
        svc = problem.services[s]
        w = inst.population[:, s]
        credit, best = _best_credit(inst, problem, s, hostable)
        seg = SEGMENT_WORDS.get(svc.segment, svc.segment)
        W = np.bincount(inst.district, weights=w, minlength=G)
        C = np.bincount(inst.district, weights=w * credit, minlength=G)
        if svc.capacity is not None:
            cap = svc.capacity * (inst.existing[:, s] + np.where(hostable[:, s],
                                                                inst.max_new[:, s], 0))
            total_cap = float(cap.sum())
        else:
            total_cap = np.inf

        def reach(mask: np.ndarray, w: np.ndarray = w, svc=svc,  # type: ignore[no-untyped-def]
                  best: np.ndarray = best) -> str:
            pop = w[mask].sum()
            parts = []
            for k, tier in enumerate(svc.tiers):
                within = w[mask & (best >= 0) & (best <= k)].sum()
                parts.append(f"{within / pop:.0%} within {tier.radius:g} m" if pop else "")
            return ", ".join(parts)

        if target.overall is not None and w.sum() > 0:
            share = float(C.sum() / w.sum())
            if share < target.overall - 1e-9:
                out.append(f"{sname} target {target.overall:.0%} overall cannot be met: even "
                           f"if every site that may host {sname} did, only {share:.0%} of the "
                           f"{seg} population would be credited ({reach(np.ones_like(w, bool))} "
                           f"of any candidate site that may host {sname}).")
            elif total_cap < target.overall * w.sum() - 1e-9:
                out.append(f"{sname} target {target.overall:.0%} overall cannot be met: all "
                           f"modules that could be built serve {total_cap:,.0f} persons, "
                           f"{total_cap / w.sum():.0%} of the {seg} population.")
        for gi in range(G):
            want = target.districts.get(str(inst.district_names[gi]), target.district)
            if want is None or W[gi] <= 0:
                continue
            share = float(C[gi] / W[gi])
            if share < want - 1e-9:
                out.append(f"{sname} target {want:.0%} in community {inst.district_names[gi]} "
                           f"cannot be met: only {share:.0%} of its {seg} population is "
                           f"credited even if every site that may host {sname} did "
                           f"({reach(inst.district == gi)} of any candidate site that may "
                           f"host {sname}).")
    return out


def _space(inst: CommunityInstance, problem: CommunityProblem, a: np.ndarray,
           hostable: np.ndarray) -> list[str]:
    rate = problem.rules.space_per_100_households
    if rate <= 0 or inst.households is None:
        return []
    G = inst.n_districts
    need = rate * np.bincount(inst.district, weights=inst.households, minlength=G) / 100.0
    existing = (inst.existing * a[None, :]).sum(axis=1)
    room = np.minimum(inst.area, (np.where(hostable, inst.max_new, 0) * a[None, :]).sum(axis=1))
    most = np.bincount(inst.site_district, weights=existing + room, minlength=G)
    out = []
    for gi in np.flatnonzero(most < need - 1e-6):
        out.append(f"community {inst.district_names[gi]} needs {need[gi]:,.0f} m² of service "
                   f"space ({rate:g} m² per 100 households) but its sites could offer at most "
                   f"{most[gi]:,.0f} m².")
    if problem.budget is not None:
        g = np.array([s.module_cost for s in problem.services])
        per_m2 = float(np.min(g / a)) if g.size else 0.0
        short = float(np.clip(need - np.bincount(inst.site_district, weights=existing,
                                                 minlength=G), 0, None).sum())
        if per_m2 * short > problem.budget + 1e-9:
            out.append(f"the m² per 100 households rule needs {short:,.0f} m² of new service "
                       f"space, at least ¥{per_m2 * short:,.0f} in modules, above the budget "
                       f"¥{problem.budget:,.0f}.")
    return out
