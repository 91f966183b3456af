"""What the page needs to draw the opened scenario: map points, site table, panel values."""

from __future__ import annotations

from typing import Any

import numpy as np

from .engine import DEFAULT_TIME_LIMIT, PROBLEM_KEYS, Base, community_problem


def _list(a: np.ndarray | None, digits: int | None = None) -> list[Any] | None:
    if a is None:
        return None
    if a.dtype.kind == "f":
        a = np.where(np.isfinite(a), a, np.nan)
        vals = np.round(a, digits) if digits is not None else a
        return [None if v != v else float(v) for v in vals.tolist()]
    if a.dtype.kind == "b":
        return [bool(v) for v in a.tolist()]
    return [str(v) if v is not None else "" for v in a.tolist()]


def base_view(base: Base) -> dict[str, Any]:
    """The scenario as JSON: map coordinates (working CRS), sites, services and panel values."""
    sc, p = base.scenario, base.scenario.problem
    fields = type(p).model_fields
    problem = {k: getattr(p, k) for k in PROBLEM_KEYS if k in fields}
    out: dict[str, Any] = {
        "name": sc.name, "description": sc.description, "kind": base.kind,
        "scenario_file": base.path.name, "crs": base.crs, "problem": problem,
        "time_limit": sc.solver.time_limit or DEFAULT_TIME_LIMIT,
        "blocks": {"x": _list(base.demand_xy[:, 0], 2), "y": _list(base.demand_xy[:, 1], 2),
                   "w": _list(np.asarray(base.demand_weight, dtype=float), 3),
                   "district": _list(base.demand_district)},
        "sites": {"id": _list(base.sites.ids), "x": _list(base.sites.x, 2),
                  "y": _list(base.sites.y, 2), "cost": _list(base.sites.cost),
                  "area": _list(base.sites.area), "existing": _list(base.sites.existing),
                  "required": _list(base.sites.required),
                  "forbidden": _list(base.sites.forbidden), "name": _list(base.sites.names),
                  "district": _list(base.sites.district)},
        "objective_sense": _sense(base),
        "streets": base.streets,
        "network": base.network, "network_note": base.network_note,
    }
    if base.community:
        cp = community_problem(sc)
        out["services"] = [{"name": s.name, "label": s.label or s.name, "segment": s.segment,
                            "weight": s.weight} for s in cp.services]
        # targets as in the scenario file: overall, every community, named communities
        out["targets"] = {k: t.model_dump() for k, t in cp.targets.items()}
        out["communities"] = [] if base.demand_district is None else \
            [str(c) for c in dict.fromkeys(base.demand_district.tolist())]
        # the rules a switch can turn off (0 = off); complex_min_services defines a complex
        out["rules"] = cp.rules.model_dump(include={"new_site_min_services", "new_site_min_core",
                                                   "complex_min_area",
                                                   "space_per_100_households"})
    return out


def _sense(base: Base) -> str:
    p = base.scenario.problem
    if base.community:
        return "max" if getattr(p, "objective", "coverage") in ("coverage", "equity") else "min"
    return "max" if base.kind == "mclp" else "min"
