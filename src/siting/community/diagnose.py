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

from collections.abc import Callable
from typing import Any

import numpy as np

from .formulation import hostable_pairs
from .instance import CommunityInstance
from .spec import SEGMENT_WORDS, CommunityProblem
from .viability import not_viable, not_viable_words

#: the community solve (``siting.community.solve.solve``), handed in by its callers
Solver = Callable[..., Any]



def diagnose(inst: CommunityInstance, problem: CommunityProblem) -> list[str]:
    """Reasons the plan is infeasible (each one on its own is enough)."""
    services = problem.services
    a = np.array([s.module_area for s in services])
    host = (inst.allowed & ~inst.forbidden[:, None]) | (inst.existing > 0)
    hostable = hostable_pairs(inst, problem, a, host)
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
    hostable = hostable_pairs(inst, problem, a, host)
    return not_viable_words(inst, problem, not_viable(inst, problem, hostable))


def _forced_sites(inst: CommunityInstance, problem: CommunityProblem, a: np.ndarray,
                  hostable: np.ndarray) -> list[str]:
    out = []
    rules = problem.rules
    forced_col = problem.columns.forced or "forced"
    for j in np.flatnonzero(inst.forced & ~inst.existing_site & ~hostable.any(axis=1)):
        # count the services whose module fits the site's free area, not merely those allowed
        fits = inst.allowed[j] & (inst.max_new[j] > 0) & (a <= inst.area[j] + 1e-9)
        n_fit = int(fits.sum())
        why = []
        if rules.new_site_min_services > 0:
            why.append(f"only {n_fit} service(s) it may host have a module that fits its "
                       f"{inst.area[j]:g} m² and problem.rules.new_site_min_services asks every "
                       f"new site for {rules.new_site_min_services}")
        if rules.new_site_min_core > 0 and rules.new_site_min_core > rules.new_site_min_services:
            why.append(f"problem.rules.new_site_min_core asks for {rules.new_site_min_core} core "
                       "services")
        if rules.complex_min_area > 0 and inst.area[j] < rules.complex_min_area:
            why.append(f"a service complex needs {rules.complex_min_area:g} m² "
                       "(problem.rules.complex_min_area)")
        if not why:
            why.append("no allowed service module fits its free floor area")
        out.append(f"site {inst.site_ids[j]} is forced open (sites column {forced_col!r}) but "
                   f"cannot be: {'; '.join(why)}.")
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
        return [f"the budget ¥{problem.budget:,.0f} (problem.budget) is below what the "
                f"{forced_new.size} forced new site(s) cost at the least: ¥{opening:,.0f} to "
                f"open{extra}; raise problem.budget to at least ¥{opening + modules:,.0f} or "
                "unforce sites."]
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

        key = f"problem.targets.{sname}"
        if target.overall is not None and w.sum() > 0:
            share = float(C.sum() / w.sum())
            if share < target.overall - 1e-9:
                out.append(f"{sname} target {target.overall:.0%} overall ({key}.overall) cannot "
                           f"be met: the highest share reachable is {_floor_pct(share)} of the "
                           f"{seg} population, even if every site that may host {sname} did "
                           f"({reach(np.ones_like(w, bool))} of any candidate site that may "
                           f"host {sname}); lower {key}.overall to at most that.")
            elif total_cap < target.overall * w.sum() - 1e-9:
                out.append(f"{sname} target {target.overall:.0%} overall ({key}.overall) cannot "
                           f"be met: all modules that could be built serve {total_cap:,.0f} "
                           f"persons; the highest share reachable is "
                           f"{_floor_pct(total_cap / w.sum())} of the {seg} population.")
        for gi in range(G):
            gname = str(inst.district_names[gi])
            want = target.districts.get(gname, target.district)
            if want is None or W[gi] <= 0:
                continue
            where = (f"{key}.communities.{gname}" if gname in target.districts
                     else f"{key}.community")
            share = float(C[gi] / W[gi])
            if share < want - 1e-9:
                out.append(f"{sname} target {want:.0%} in community {gname} ({where}) cannot "
                           f"be met: the highest share reachable there is {_floor_pct(share)} "
                           f"of its {seg} population, even if every site that may host {sname} "
                           f"did ({reach(inst.district == gi)} of any candidate site that may "
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
    hh = np.bincount(inst.district, weights=inst.households, minlength=G)
    out = []
    with np.errstate(divide="ignore", invalid="ignore"):
        reach = np.where(hh > 0, 100.0 * most / np.where(hh > 0, hh, 1.0), np.inf)
    key = f"problem.rules.space_per_100_households = {rate:g}"
    for gi in np.flatnonzero(most < need - 1e-6):
        out.append(f"community {inst.district_names[gi]} needs {need[gi]:,.0f} m² of service "
                   f"space ({key} m² per 100 households) but its sites could offer at most "
                   f"{most[gi]:,.0f} m², {_floor2(reach[gi]):g} m² per 100 households.")
    if out:
        best = _floor2(float(reach.min())) if np.isfinite(reach.min()) else 0.0
        if best > 0:
            out.append(f"to relax the rule, lower problem.rules.space_per_100_households to at "
                       f"most {best:g} (the highest rate every community could reach) or set it "
                       "to 0 to switch it off.")
        else:
            none = [str(inst.district_names[g]) for g in np.flatnonzero(reach <= 0)]
            out.append(f"communit{'y' if len(none) == 1 else 'ies'} {', '.join(none)} can offer "
                       "no service space at all (no candidate site with room): set "
                       "problem.rules.space_per_100_households to 0 to switch the rule off, or "
                       "add candidate sites there.")
    if problem.budget is not None:
        g = np.array([s.module_cost for s in problem.services])
        per_m2 = float(np.min(g / a)) if g.size else 0.0
        short_m2 = float(np.clip(need - np.bincount(inst.site_district, weights=existing,
                                                    minlength=G), 0, None).sum())
        if per_m2 * short_m2 > problem.budget + 1e-9:
            out.append(f"the m² per 100 households rule (problem.rules.space_per_100_households "
                       f"= {rate:g}) needs {short_m2:,.0f} m² of new service space, at least "
                       f"¥{per_m2 * short_m2:,.0f} in modules, above the budget "
                       f"¥{problem.budget:,.0f} (problem.budget).")
    return out


def _floor2(x: float) -> float:
    """Round down to 2 decimals: a reachable figure must stay reachable when printed."""
    return float(np.floor(x * 100.0 + 1e-9) / 100.0)


def magnitude_warnings(inst: CommunityInstance, problem: CommunityProblem,
                       units: str | None = "metre") -> list[str]:
    """Figures that are probably typed in the wrong unit (the plan would be silently empty or
    meaningless): a budget no module fits in, populations in thousands, radii in kilometres."""
    out: list[str] = []
    g = np.array([s.module_cost for s in problem.services])
    if problem.budget is not None and g.size:
        new = ~inst.existing_site & ~inst.forbidden
        opening = float(inst.cost[new].min()) if new.any() else np.inf
        cheapest = float(g.min())
        name = problem.services[int(g.argmin())].name
        # an existing site needs no opening cost: its cheapest module is the floor
        floor = cheapest + (0.0 if inst.existing_site.any() else opening)
        if problem.budget + 1e-9 < floor:
            out.append(f"problem.budget = {problem.budget:,.0f} is below the cheapest module "
                       f"(¥{cheapest:,.0f} for {name}"
                       + ("" if inst.existing_site.any() else
                          f", plus ¥{opening:,.0f} to open the cheapest site")
                       + "): no module is affordable and the plan will be empty. Budgets are "
                       "in yuan (¥30 million = 3e7, not 3000 for 3000 万元).")
    for k, svc in enumerate(problem.services):
        w = inst.population[:, k]
        if w.size and w.max() > 0 and w.max() < 50 and np.any(w != np.round(w)):
            col = problem.segment_column(svc.segment)
            out.append(f"demand column {col!r} (segment {svc.segment!r}) holds fractional "
                       f"values below 50 (largest {w.max():g}): populations are counted in "
                       "persons; are these thousands?")
            break
    if units in (None, "metre", "m", "metres"):
        for svc in problem.services:
            small = [t.radius for t in svc.tiers if t.radius < 20]
            if small:
                out.append(f"service {svc.name!r}: tier radius {small[0]:g} looks like "
                           "kilometres; radii are in metres (e.g. 500 for a 5-minute walk)")
    return out


def joint_reasons(inst: CommunityInstance, problem: CommunityProblem, *, solve: Solver,
                  backend: str | None = None, options: Any = None) -> list[str]:
    """Reasons found by solving (``solve`` is :func:`siting.community.solve.solve`, passed in
    because that module calls this one): each names a scenario key and a reachable figure."""
    rules = ("problem.rules (new_site_min_services, new_site_min_core, complex_min_area, "
             "space_per_100_households)")
    if not problem.targets:
        return [f"no plan satisfies the rules and forced sites together; relax one of {rules} "
                "or the sites' forced column."]
    if problem.budget is not None:
        cheapest = problem.model_copy(update={"objective": "cost", "budget": None})
        res = _try(solve, inst, cheapest, backend, options)
        if res is not None and res.has_solution and res.check is not None:
            proven = "" if res.status.value == "optimal" else " (best found, not proven cheapest)"
            return [f"every target can be met, but the cheapest plan meeting all targets "
                    f"({', '.join('problem.targets.' + t for t in problem.targets)}) and rules "
                    f"costs ¥{res.check.total_cost:,.0f}{proven}, above the budget "
                    f"¥{problem.budget:,.0f} (problem.budget): raise problem.budget to at least "
                    f"that or lower a target."]
    names = [s.name for s in problem.services]
    budget = ("" if problem.budget is None else
              f" and the budget ¥{problem.budget:,.0f} (problem.budget)")
    out: list[str] = []
    alone: list[str] = []
    for sname, target in problem.targets.items():
        s = names.index(sname)
        best = highest_share(inst, problem, sname, solve=solve, backend=backend, options=options)
        levels = [("overall", target.overall)] if target.overall is not None else []
        levels += [("community", target.district)] if target.district is not None else []
        levels += [(f"communities.{k}", v) for k, v in target.districts.items()]
        for field, want in levels:
            key = f"problem.targets.{sname}.{field}"
            if best is None:
                out.append(f"{sname} target {want:.0%} ({key}) cannot be met under the rules"
                           f"{budget}: no plan was found for it on its own.")
            elif field == "overall" and best[0] < want - 1e-9:
                out.append(f"{sname} target {want:.0%} overall ({key}) cannot be met under the "
                           f"rules{budget}: the highest share reachable is "
                           f"{_floor_pct(best[0])} of the {problem.services[s].segment} "
                           f"population; lower {key} to at most that.")
            elif field != "overall" and best[1] < want - 1e-9:
                out.append(f"{sname} target {want:.0%} per community ({key}) cannot be met "
                           f"under the rules{budget}: with the most {sname} coverage, the "
                           f"lowest community share is {_floor_pct(best[1])}.")
            else:
                alone.append(key)
    if out:
        return out
    return [f"each target can be met on its own ({', '.join(alone)}), but not all together "
            f"under the rules{budget}: lower one of them or relax one of {rules}."]


def highest_share(inst: CommunityInstance, problem: CommunityProblem, service: str, *,
                  solve: Solver, backend: str | None = None,
                  options: Any = None) -> tuple[float, float] | None:
    """The most of ``service``'s segment a plan can credit under the rules and budget with the
    other targets dropped: (overall share, lowest community share of that plan); None when no
    plan exists."""
    weights = [s.model_copy(update={"weight": 1.0 if s.name == service else 0.0})
               for s in problem.services]
    alone = problem.model_copy(update={"objective": "coverage", "targets": {},
                                       "services": tuple(weights)})
    res = _try(solve, inst, alone, backend, options, tie_break=False)
    if res is None or res.check is None:
        return None
    s = [x.name for x in problem.services].index(service)
    shares = res.check.district_share()
    row = shares[s]  # (S, G): services by communities
    low = float(np.nanmin(row)) if np.isfinite(row).any() else 1.0
    return res.check.share(s), low


def _try(solve: Solver, inst: CommunityInstance, problem: CommunityProblem,
         backend: str | None, options: Any, tie_break: bool = True) -> Any:
    from ..errors import SitingError

    try:
        return solve(inst, problem, backend=backend, options=options, tie_break=tie_break,
                     explain=False)
    except SitingError:
        return None


def _floor_pct(share: float) -> str:
    """A share as a percentage rounded down (what is printed must be reachable)."""
    import math

    return f"{math.floor(share * 10000 + 1e-9) / 100:.2f} %"
