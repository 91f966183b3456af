"""Result tables: who is served by which site, at what cost; site loads; run metrics.

Median/center/coverage decisions carry no allocation: each demand point goes to its cheapest
reachable open site (what those models mean). Facility-location decisions carry allocations,
which are reported as they are (fractions for multi-source CFLP).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..instance import Instance
from ..result import Result
from ..verify import nearest_open


@dataclass(frozen=True)
class Assignment:
    """Per demand point: main site (-1 none), its cost (inf none), covered flag; pair list."""

    site: np.ndarray
    cost: np.ndarray
    covered: np.ndarray
    pair_i: np.ndarray
    pair_j: np.ndarray
    pair_frac: np.ndarray
    pair_cost: np.ndarray
    load: np.ndarray


def pair_costs(instance: Instance, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Travel cost of given (i, j) pairs, ``inf`` where unreachable."""
    return instance.pair_costs(i, j)


def assign(result: Result) -> Assignment:
    inst = result.instance
    n, m = inst.n_demand, inst.n_sites
    dec = result.decision
    if dec is None:
        empty_i = np.zeros(0, dtype=np.int64)
        return Assignment(np.full(n, -1), np.full(n, np.inf), np.zeros(n, bool), empty_i,
                          empty_i, np.zeros(0), np.zeros(0), np.zeros(m))
    if dec.has_allocation:
        assert dec.alloc_i is not None and dec.alloc_j is not None and dec.alloc_frac is not None
        keep = dec.alloc_frac > 1e-9
        pi, pj, pf = dec.alloc_i[keep], dec.alloc_j[keep], dec.alloc_frac[keep]
        pc = pair_costs(inst, pi, pj)
        site = np.full(n, -1, dtype=np.int64)
        order = np.argsort(pf, kind="stable")  # the largest fraction is written last and wins
        site[pi[order]] = pj[order]
        cost = np.full(n, np.inf)
        has = site >= 0
        cost[has] = pair_costs(inst, np.flatnonzero(has), site[has])
    else:
        site, cost = nearest_open(inst, np.asarray(dec.open, dtype=bool))
        pi = np.flatnonzero(site >= 0)
        pj, pf, pc = site[pi], np.ones(pi.size), cost[pi]
    radius = getattr(result.problem, "radius", None)
    covered = np.isfinite(cost) if radius is None else cost <= radius
    if radius is not None:  # coverage models: only covered demand loads a site
        ok = covered[pi]
        pi, pj, pf, pc = pi[ok], pj[ok], pf[ok], pc[ok]
    q = inst.demand if inst.demand is not None else inst.weight
    load = np.bincount(pj, weights=q[pi] * pf, minlength=m)
    return Assignment(site, cost, covered, pi, pj, pf, pc, load)


def metrics(result: Result, a: Assignment) -> dict[str, Any]:
    """Weighted mean/max travel cost, coverage by weight and by count, per-site load."""
    inst = result.instance
    w = inst.weight
    reach = np.isfinite(a.cost)
    total_w = float(w.sum())
    out: dict[str, Any] = {
        "demand_points": inst.n_demand,
        "sites": inst.n_sites,
        "open_sites": int(np.sum(result.decision.open)) if result.decision is not None else 0,
        "weighted_mean_cost": (float(np.sum(w[reach] * a.cost[reach]) / w[reach].sum())
                               if reach.any() and w[reach].sum() > 0 else None),
        "max_cost": float(a.cost[reach].max()) if reach.any() else None,
        "covered_weight": float(w[a.covered].sum()),
        "covered_weight_pct": 100.0 * float(w[a.covered].sum()) / total_w if total_w else None,
        "covered_count": int(a.covered.sum()),
        "covered_count_pct": 100.0 * float(a.covered.mean()),
        "unassigned_count": int((~reach).sum()),
    }
    open_j = (np.flatnonzero(result.decision.open) if result.decision is not None
              else np.zeros(0, dtype=np.int64))
    out["site_load"] = {str(inst.site_ids[j]): float(a.load[j]) for j in open_j}
    if inst.capacity is not None:
        out["site_utilization"] = {str(inst.site_ids[j]): _ratio(a.load[j], inst.capacity[j])
                                   for j in open_j}
    return out


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b > 0 else None


def frames(result: Result, a: Assignment, demand_gdf: Any, sites_gdf: Any,
           rows: np.ndarray | None = None) -> dict[str, Any]:
    """GeoDataFrames ``sites``, ``demand`` and ``assignments`` (lines demand → site), points in
    the working CRS. ``rows``: the demand layer row of each instance row (see
    :func:`demand_rows`; None: the same rows)."""
    import geopandas as gpd
    import shapely

    if rows is not None:
        demand_gdf = demand_gdf.iloc[rows]

    inst = result.instance
    is_open = (np.asarray(result.decision.open, dtype=bool) if result.decision is not None
               else np.zeros(inst.n_sites, dtype=bool))
    cap = inst.capacity
    sites = gpd.GeoDataFrame({
        "site_id": inst.site_ids.astype(str),
        "open": is_open,
        "required": np.asarray(inst.required, dtype=bool),
        "forbidden": np.asarray(inst.forbidden, dtype=bool),
        "site_cost": inst.fixed_cost if inst.fixed_cost is not None else np.full(inst.n_sites, np.nan),
        "capacity": cap if cap is not None else np.full(inst.n_sites, np.nan),
        "load": a.load,
        "utilization": (np.where(cap > 0, a.load / np.where(cap > 0, cap, 1), np.nan)
                        if cap is not None else np.full(inst.n_sites, np.nan)),
        "n_assigned": np.bincount(a.pair_j, minlength=inst.n_sites).astype(np.int64),
    }, geometry=sites_gdf.geometry.to_numpy(), crs=sites_gdf.crs)
    has = a.site >= 0
    demand = gpd.GeoDataFrame({
        "demand_id": inst.demand_ids.astype(str),
        "weight": inst.weight,
        "assigned_site": np.where(has, inst.site_ids[np.maximum(a.site, 0)].astype(str), None),
        "travel_cost": np.where(np.isfinite(a.cost), a.cost, np.nan),
        "covered": a.covered,
    }, geometry=demand_gdf.geometry.to_numpy(), crs=demand_gdf.crs)
    dpts = demand_gdf.geometry.to_numpy()[a.pair_i]
    spts = sites_gdf.geometry.to_numpy()[a.pair_j]
    coords = np.stack([shapely.get_coordinates(dpts), shapely.get_coordinates(spts)], axis=1)
    lines = shapely.linestrings(coords) if len(coords) else np.zeros(0, dtype=object)
    assignments = gpd.GeoDataFrame({
        "demand_id": inst.demand_ids[a.pair_i].astype(str),
        "site_id": inst.site_ids[a.pair_j].astype(str),
        "fraction": a.pair_frac,
        "travel_cost": a.pair_cost,
    }, geometry=gpd.GeoSeries(lines, crs=demand_gdf.crs).values, crs=demand_gdf.crs)
    return {"sites": sites, "demand": demand, "assignments": assignments}


def demand_rows(result: Result, layers: Any) -> np.ndarray | None:
    """Layer row of each of the instance's demand points (None: the same rows, in order).
    Differs when ``distance.unreachable = "drop"`` removed some points."""
    from ..geo import columns as col

    if result.instance.n_demand == len(layers.demand):
        return None
    ids = col.ids(layers.demand, layers.scenario.demand.id)
    where = {str(v): k for k, v in enumerate(ids)}
    return np.array([where[str(v)] for v in result.instance.demand_ids], dtype=np.int64)


def gpkg_layers(result: Result, frames_: dict[str, Any], layers: Any,
                summary: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """result.gpkg's layers: ``sites`` and ``demand`` as the input layers (attributes, original
    geometry, input CRS) with the run's columns; ``assignments`` (lines from each demand
    point's interior point to its site) in the demand layer's input CRS; and the run info."""
    from .gpkg import crs_text, planner_frame, to_crs

    sites_only = layers.demand is layers.sites  # p-dispersion: the "demand" rows are the sites
    d_source = layers.sites_source if sites_only else layers.demand_source
    rows = None if sites_only else demand_rows(result, layers)

    def body(gdf: Any) -> Any:
        return gdf.drop(columns=gdf.geometry.name)

    sites, empty_s = planner_frame(layers.sites, layers.sites_source, body(frames_["sites"]))
    demand, empty_d = planner_frame(layers.demand, d_source, body(frames_["demand"]), rows)
    if rows is not None:  # points dropped as unreachable stay in the layer, flagged
        kept = np.zeros(len(demand), dtype=bool)
        kept[rows] = True
        demand["dropped"] = ~kept
    lines = to_crs(frames_["assignments"], demand.crs)
    info = {"scenario": layers.scenario.name, "kind": result.problem.kind,
            "status": result.status.value, "working_crs": summary.get("crs", ""),
            "sites_crs": crs_text(sites.crs), "demand_crs": crs_text(demand.crs),
            "assignments_crs": crs_text(lines.crs),
            "travel_cost_units": summary.get("distance", {}).get("units", ""),
            "empty_columns_left_out": [f"sites.{c}" for c in empty_s]
            + [f"demand.{c}" for c in empty_d]}
    return {"sites": sites, "demand": demand, "assignments": lines}, info
