"""Plain tables of a verified plan: coverage by service × segment × district × tier, selected
sites, standards compliance, and the summary dict (the JSON written as summary.json).

Everything is read from the verifier's :class:`~siting.community.verify.Check`, never from the
MILP, so reports show recomputed numbers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .catalogue import rule_sources
from .diagnose import viability_notes
from .instance import CommunityInstance
from .solve import CommunityResult
from .spec import CommunityProblem
from .verify import Check

# Guide figures reported (not enforced) when the scenario switches the rule off.
GUIDE_SPACE_PER_100_HOUSEHOLDS = 30.0


def coverage_table(inst: CommunityInstance, problem: CommunityProblem, check: Check) -> pd.DataFrame:
    """One row per service × district (plus 'ALL'): persons by best tier, credited share."""
    rows = []
    G = inst.n_districts
    for s, svc in enumerate(problem.services):
        for g in list(range(G)) + [None]:
            tp = check.tier_persons[s, :, :] if g is None else check.tier_persons[s, g:g + 1, :]
            tp = tp.sum(axis=0)
            pop = float(check.population[s] if g is None else check.district_population[s, g])
            if g is not None and pop == 0:
                continue
            cov = float(check.covered[s] if g is None else check.district_covered[s, g])
            row: dict[str, Any] = {"service": svc.name, "segment": svc.segment,
                                   "district": "ALL" if g is None else str(inst.district_names[g]),
                                   "population": pop}
            for k, tier in enumerate(svc.tiers):
                row[f"tier{k + 1}_{int(tier.radius)}m"] = float(tp[k])
            row["not_covered"] = float(tp[-1])
            row["credited"] = cov
            row["credited_share"] = cov / pop if pop > 0 else math.nan
            rows.append(row)
    return pd.DataFrame(rows)


def tier_long_table(inst: CommunityInstance, problem: CommunityProblem,
                    check: Check) -> pd.DataFrame:
    """Long form: service, segment, district, tier, radius, credit, persons, share."""
    rows = []
    for s, svc in enumerate(problem.services):
        for g in range(inst.n_districts):
            pop = float(check.district_population[s, g])
            if pop == 0:
                continue
            for k, tier in enumerate(svc.tiers):
                persons = float(check.tier_persons[s, g, k])
                rows.append({"service": svc.name, "segment": svc.segment,
                             "district": str(inst.district_names[g]), "tier": k + 1,
                             "radius_m": tier.radius, "credit": tier.credit, "persons": persons,
                             "share": persons / pop})
            persons = float(check.tier_persons[s, g, -1])
            rows.append({"service": svc.name, "segment": svc.segment,
                         "district": str(inst.district_names[g]), "tier": 0, "radius_m": math.nan,
                         "credit": 0.0, "persons": persons, "share": persons / pop})
    return pd.DataFrame(rows)


def sites_table(inst: CommunityInstance, problem: CommunityProblem, check: Check,
                new_modules: np.ndarray, *, used_only: bool = False) -> pd.DataFrame:
    a = np.array([s.module_area for s in problem.services])
    g = np.array([s.module_cost for s in problem.services])
    existing_site = inst.existing_site
    df = pd.DataFrame({
        "id": inst.site_ids,
        "name": inst.site_names if inst.site_names is not None else "",
        "kind": inst.site_kinds if inst.site_kinds is not None else "",
        "district": inst.district_names[inst.site_district],
        "status": np.where(existing_site, "existing",
                           np.where(check.used, "new", "not used")),
        "free_area_m2": inst.area,
        "new_area_m2": check.floor_area,
        "service_area_m2": (inst.existing + new_modules) @ a,
        "opening_cost": np.where(check.used & ~existing_site, inst.cost, 0.0),
        "module_cost": new_modules @ g,
        "services": [";".join(problem.services[s].name for s in np.flatnonzero(row))
                     for row in check.hosts],
    })
    for s, svc in enumerate(problem.services):
        df[f"existing_{svc.name}"] = inst.existing[:, s]
        df[f"new_{svc.name}"] = new_modules[:, s]
    df["total_cost"] = df["opening_cost"] + df["module_cost"]
    _operations_columns(df, problem, check)
    if used_only:
        df = df[check.used].reset_index(drop=True)
    return df


def _operations_columns(df: pd.DataFrame, problem: CommunityProblem, check: Check) -> None:
    """Users per service point and, where the scenario gives them, threshold, utilisation and
    the annual deficit (operating cost − revenue); 0 / empty where the service is absent."""
    ops = check.operations
    if ops is None:
        return
    any_money = False
    for s, svc in enumerate(problem.services):
        df[f"users_{svc.name}"] = ops.users[:, s]
        if svc.min_users:
            df[f"threshold_{svc.name}"] = ops.threshold[:, s]
        if svc.capacity is not None:
            df[f"utilisation_{svc.name}"] = ops.utilisation[:, s]
        if svc.operating_cost is not None or svc.revenue_per_user is not None:
            df[f"deficit_{svc.name}"] = np.where(check.hosts[:, s], ops.deficit[:, s], np.nan)
            any_money = True
    if any_money:
        d = np.where(check.hosts, ops.deficit, np.nan)
        df["annual_deficit"] = np.nansum(d, axis=1)
        df["annual_subsidy"] = np.nansum(np.clip(d, 0, None), axis=1)


def modules_table(inst: CommunityInstance, problem: CommunityProblem,
                  check: Check) -> pd.DataFrame:
    """One row per service point of the plan: modules, users, threshold, utilisation, annual
    operating cost, revenue, deficit and the subsidy it needs (verifier figures)."""
    return pd.DataFrame(module_records(inst, problem, check))


def module_records(inst: CommunityInstance, problem: CommunityProblem,
                   check: Check) -> list[dict[str, Any]]:
    """:func:`modules_table` as JSON-ready records (None where a figure is not given)."""
    ops = check.operations
    rows: list[dict[str, Any]] = []
    if ops is None:
        return rows
    for j, s in np.argwhere(check.hosts):
        svc = problem.services[s]
        deficit = ops.deficit[j, s]
        rows.append({
            "site": str(inst.site_ids[j]), "service": svc.name,
            "status": "existing" if inst.existing[j, s] > 0 else "new",
            "modules": int(check.modules[j, s]), "users": float(ops.users[j, s]),
            "users_unit": "households" if svc.users == "households" else svc.segment,
            "share_rule": svc.share_rule,
            "threshold": float(ops.threshold[j, s]) if svc.min_users else None,
            "viable": bool(ops.users[j, s] >= ops.threshold[j, s] - 1e-6),
            "utilisation": _num(ops.utilisation[j, s]),
            "operating_cost": _num(ops.operating_cost[j, s]),
            "revenue": _num(ops.revenue[j, s]),
            "deficit": _num(deficit),
            "subsidy": None if not math.isfinite(deficit) else max(0.0, float(deficit)),
        })
    return rows


def blocks_table(inst: CommunityInstance, problem: CommunityProblem, check: Check) -> pd.DataFrame:
    df = pd.DataFrame({"id": inst.demand_ids, "district": inst.district_names[inst.district]})
    for s, svc in enumerate(problem.services):
        df[f"{svc.segment}__{svc.name}_population"] = inst.population[:, s]
        df[f"{svc.name}_credited"] = check.credit[:, s]
        df[f"{svc.name}_tier"] = check.best_tier[:, s] + 1  # 0 = not within any tier
    pop = inst.population.sum(axis=1)
    df["credited_share"] = np.divide(check.credit.sum(axis=1), pop, out=np.zeros_like(pop),
                                     where=pop > 0)
    return df


def allocations_table(inst: CommunityInstance, problem: CommunityProblem,
                      plan: Any) -> pd.DataFrame | None:
    """u_ijs of capacitated services: service, block, site, persons, distance, credit."""
    rows = []
    m = inst.n_sites
    for s, svc in enumerate(problem.services):
        al = plan.allocations[s] if s < len(plan.allocations) else None
        if svc.capacity is None or al is None:
            continue
        pr = inst.pairs[s]
        pos = np.searchsorted(pr.i * m + pr.j, al.i * m + al.j)
        d = pr.d[pos]
        radii = np.array([t.radius for t in svc.tiers])
        cred = np.array([t.credit for t in svc.tiers])[np.searchsorted(radii, d)]
        rows.append(pd.DataFrame({"service": svc.name, "block": inst.demand_ids[al.i],
                                  "site": inst.site_ids[al.j], "persons": al.u,
                                  "distance_m": d, "credit": cred}))
    return pd.concat(rows, ignore_index=True) if rows else None


def compliance_table(inst: CommunityInstance, problem: CommunityProblem, check: Check,
                     new_modules: np.ndarray) -> pd.DataFrame:
    """Each rule, its source, its threshold, and pass/fail per district (or per site)."""
    sources = rule_sources(problem.catalogue)
    rules = problem.rules
    rows: list[dict[str, Any]] = []
    names = [s.name for s in problem.services]
    opened = check.used & ~inst.existing_site
    count = check.hosts.sum(axis=1)
    core = np.isin(names, problem.core_names)
    ccount = check.hosts[:, core].sum(axis=1)
    G = inst.n_districts
    for g in range(G):
        sel = opened & (inst.site_district == g)
        dname = str(inst.district_names[g])
        for key, enforced, ok, detail in (
            ("new_site_min_services", rules.new_site_min_services > 0,
             bool(np.all(count[sel] >= max(rules.new_site_min_services, 3))),
             f"new sites: {int(sel.sum())}; fewest services at one: "
             f"{int(count[sel].min()) if sel.any() else '-'} (threshold "
             f"{rules.new_site_min_services or 3})"),
            ("new_site_min_core", rules.new_site_min_core > 0,
             bool(np.all(ccount[sel] >= max(rules.new_site_min_core, 2))),
             f"fewest core services at a new site: {int(ccount[sel].min()) if sel.any() else '-'}"
             f" (threshold {rules.new_site_min_core or 2})"),
            ("complex_min_area", rules.complex_min_area > 0,
             bool(np.all(inst.area[sel & (count >= rules.complex_min_services)] >=
                         (rules.complex_min_area or 600.0))),
             f"complexes (≥{rules.complex_min_services} services) need ≥ "
             f"{rules.complex_min_area or 600:g} m²"),
        ):
            rows.append({"rule": key, "source": sources.get(key, ""), "district": dname,
                         "enforced": enforced, "passed": ok, "detail": detail})
    if inst.households is not None:
        rate = rules.space_per_100_households or GUIDE_SPACE_PER_100_HOUSEHOLDS
        a = np.array([s.module_area for s in problem.services])
        need = rate * np.bincount(inst.district, weights=inst.households, minlength=G) / 100.0
        have = np.bincount(inst.site_district, weights=(inst.existing + new_modules) @ a,
                           minlength=G)
        for g in range(G):
            rows.append({"rule": "space_per_100_households",
                         "source": sources.get("space_per_100_households", ""),
                         "district": str(inst.district_names[g]),
                         "enforced": rules.space_per_100_households > 0,
                         "passed": bool(have[g] >= need[g] - 1e-6),
                         "detail": f"{have[g]:,.0f} m² of {need[g]:,.0f} m² "
                                   f"({rate:g} m² per 100 households)"})
    rows += _walk_rows(inst, problem, check, sources)
    shares = check.district_share()
    for sname, target in problem.targets.items():
        s = names.index(sname)
        lookup = {str(x): k for k, x in enumerate(inst.district_names)}
        if target.overall is not None:
            share = check.share(s)
            rows.append({"rule": f"target {sname} overall", "source": sources["targets"],
                         "district": "ALL", "enforced": True,
                         "passed": bool(share >= target.overall - 1e-9),
                         "detail": f"{share:.1%} credited (target {target.overall:.0%})"})
        for g in range(G):
            want = target.districts.get(str(inst.district_names[g]), target.district)
            if want is None or np.isnan(shares[s, g]):
                continue
            rows.append({"rule": f"target {sname} per district", "source": sources["targets"],
                         "district": str(inst.district_names[g]), "enforced": True,
                         "passed": bool(shares[s, g] >= want - 1e-9),
                         "detail": f"{shares[s, g]:.1%} credited (target {want:.0%})"})
        del lookup
    return pd.DataFrame(rows)


def _walk_rows(inst: CommunityInstance, problem: CommunityProblem, check: Check,
               sources: dict[str, str]) -> list[dict[str, Any]]:
    """MOFCOM walking standard per class (reported, not enforced): the share of each basic /
    quality service's segment whose nearest hosting site is within the walk, per district."""
    ops = check.operations
    if ops is None:
        return []
    r = problem.rules
    out: list[dict[str, Any]] = []
    for s, svc in enumerate(problem.services):
        if svc.category is None:
            continue
        minutes = r.basic_walk_minutes if svc.category == "basic" else r.quality_walk_minutes
        metres = minutes * r.walk_speed
        key = f"{svc.category}_walk_minutes"
        within = ops.nearest_distance[:, s] <= metres + 1e-9
        w = inst.population[:, s]
        for g in list(range(inst.n_districts)) + [None]:
            sel = np.ones(inst.n_blocks, bool) if g is None else inst.district == g
            pop = float(w[sel].sum())
            if pop <= 0:
                continue
            share = float(w[sel & within].sum()) / pop
            out.append({"rule": f"{svc.category} service {svc.name} within {minutes:g} min",
                        "source": sources.get(key, ""),
                        "district": "ALL" if g is None else str(inst.district_names[g]),
                        "enforced": False, "passed": bool(share >= 1 - 1e-9),
                        "detail": f"{share:.1%} of the {svc.segment} population within "
                                  f"{metres:,.0f} m ({minutes:g} min at {r.walk_speed:g} m/min)"})
    return out


def summary_dict(inst: CommunityInstance, problem: CommunityProblem, result: CommunityResult,
                 extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """summary.json: the JSON contract keys plus the community figures (all verifier values)."""
    check = result.check
    out: dict[str, Any] = {
        "status": result.status.value,
        "termination": result.termination.value,
        "objective": _num(result.objective),
        "bound": _num(result.bound),
        "gap": _num(result.gap),
        "objective_kind": problem.objective,
        "tie_break": result.tie_break,
        "open_sites": [] if check is None else [str(x) for x in inst.site_ids[check.used]],
        "backend": result.backend,
        "formulation": "community",
        "timings": {"build": result.build_seconds, "solve": result.solve_seconds},
        "stages": [{"objective": s.objective, "status": s.status.value,
                    "value": _num(s.objective_value), "bound": _num(s.bound),
                    "gap": _num(s.gap), "seconds": s.seconds, "nodes": s.nodes,
                    "termination": s.termination}
                   for s in result.stages],
        "problem": problem.model_dump(mode="json"),
        "instance": {"blocks": inst.n_blocks, "sites": inst.n_sites,
                     "districts": inst.n_districts, "crs": inst.crs},
        "notes": list(result.notes),
    }
    if check is not None and result.plan is not None:
        out["cost"] = {"total": check.total_cost, "opening": check.opening_cost,
                       "modules": check.module_cost, "budget": problem.budget}
        out["area"] = {"new_module_area_m2": float(check.floor_area.sum())}
        out["coverage"] = {
            svc.name: {"segment": svc.segment, "population": float(check.population[s]),
                       "credited": float(check.covered[s]), "share": check.share(s),
                       "weight": svc.weight}
            for s, svc in enumerate(problem.services)}
        out["coverage_objective"] = check.coverage_objective
        out["equity"] = _num(check.equity)
        out["new_modules"] = {
            str(inst.site_ids[j]): {problem.services[s].name: int(result.plan.new_modules[j, s])
                                    for s in np.flatnonzero(result.plan.new_modules[j])}
            for j in np.flatnonzero(result.plan.new_modules.sum(axis=1))}
        out["verified"] = {"feasible": check.feasible, "violations": list(check.violations)}
        if check.operations is not None:
            mods = module_records(inst, problem, check)
            out["modules"] = mods
            out["not_viable"] = viability_notes(inst, problem)
            out["operations"] = {
                "subsidy_needed": check.operations.subsidy,
                "subsidy_budget": problem.viability.subsidy_budget,
                "deficit_total": float(sum(r["deficit"] for r in mods
                                           if r["deficit"] is not None))}
    if extra:
        out.update(extra)
    return out


def _num(v: float | None) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None
