"""GeoDataFrames in and out: solve straight from demand and site frames (any CRS).

    >>> from siting.frames import solve_frames
    >>> out = solve_frames(buildings, shops, "p-median", p=5, costs=G)   # G: an osmnx graph
    >>> out.sites[out.sites.open]        # input columns and geometry, input CRS
    >>> out.assignments                  # demand -> site lines with travel_cost

``costs`` is ``"euclidean"``, ``"haversine"``, a networkx/osmnx graph, a network file (OSM PBF,
GraphML, edge-list CSV) or an OD DataFrame with columns ``site_id``, ``demand_id``, ``cost``.
Polygons are solved at an interior point but given back as they came. Classical kinds only
(the community model reads its columns from a scenario: see docs/community.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import SpecError
from .instance import Instance
from .result import Result


@dataclass(frozen=True)
class FrameResult:
    """A :class:`~siting.result.Result` plus the input frames with the answer joined on."""

    result: Result
    sites: Any
    demand: Any
    assignments: Any
    notes: tuple[str, ...] = ()


def solve_frames(demand: Any, sites: Any, problem: Any, *, costs: Any = "euclidean",
                 demand_id: str | None = None, site_id: str | None = None,
                 weight: str | None = None, site_cost: str | None = None,
                 capacity: str | None = None, cutoff: float | None = None,
                 network_type: str = "walking", max_access_m: float | None = 500.0,
                 snap_min_piece_m: float = 100.0,
                 speed_kmh: float | None = None, formulation: str | None = None,
                 backend: str | None = None, options: Any = None, **params: Any) -> FrameResult:
    """Solve ``problem`` (a spec or a kind name with ``params``) on two GeoDataFrames."""
    from . import api
    from .verify import nearest_open

    spec = api.make_problem(problem, **params)
    if spec.kind == "community":
        raise SpecError("solve_frames handles the classical kinds; run the community model "
                        "from a scenario (siting.pipeline.run)")
    notes: list[str] = []
    inst, d_pts, s_pts = build_frames_instance(
        demand, sites, spec, costs=costs, demand_id=demand_id, site_id=site_id, weight=weight,
        site_cost=site_cost, capacity=capacity, cutoff=cutoff, network_type=network_type,
        max_access_m=max_access_m, snap_min_piece_m=snap_min_piece_m, speed_kmh=speed_kmh,
        notes=notes)
    res = api.solve(inst, spec, formulation=formulation, backend=backend, options=options)
    out_sites = sites.copy()
    out_demand = demand.copy()
    is_open = np.zeros(inst.n_sites, dtype=bool) if res.decision is None else res.decision.open
    out_sites["open"] = is_open
    if res.decision is not None and res.decision.has_allocation:
        i = np.asarray(res.decision.alloc_i)
        j = np.asarray(res.decision.alloc_j)
        frac = np.asarray(res.decision.alloc_frac)
    else:
        arg, _ = nearest_open(inst, is_open)
        i = np.flatnonzero(arg >= 0)
        j = arg[i]
        frac = np.ones(i.size)
    cost = inst.pair_costs(i, j)
    main = np.full(inst.n_demand, -1, dtype=np.int64)
    order = np.lexsort((-frac, i))  # the largest share first per demand point
    first = np.ones(order.size, dtype=bool)
    first[1:] = i[order][1:] != i[order][:-1]
    main[i[order][first]] = j[order][first]
    out_demand["assigned_site"] = [inst.site_ids[k] if k >= 0 else None for k in main]
    best = np.full(inst.n_demand, np.nan)
    best[i[order][first]] = cost[order][first]
    out_demand["travel_cost"] = best
    assignments = _lines(d_pts, s_pts, inst, i, j, frac, cost, demand.crs)
    return FrameResult(res, out_sites, out_demand, assignments, tuple(notes))


def build_frames_instance(demand: Any, sites: Any, spec: Any, *, costs: Any,
                          demand_id: str | None, site_id: str | None, weight: str | None,
                          site_cost: str | None, capacity: str | None, cutoff: float | None,
                          network_type: str, max_access_m: float | None,
                          speed_kmh: float | None, notes: list[str],
                          snap_min_piece_m: float = 100.0) -> tuple[Instance, Any, Any]:
    """The Instance for two frames, and their points (working CRS: metric or lon/lat)."""
    from .geo import columns as col
    from .geo import distance as dist
    from .geo.crs import harmonize
    from .geo.layers import LayerSpec, to_points

    metric = _metric(costs)
    cutoff = cutoff if cutoff is not None else getattr(spec, "radius", None)
    d = _points(demand, "demand", notes, LayerSpec, to_points)
    s = _points(sites, "sites", notes, LayerSpec, to_points)
    d, s, crs = harmonize(d, s, "euclidean" if metric == "table" else metric, None, notes)
    d_ids = col.ids(d, demand_id)
    s_ids = col.ids(s, site_id)
    dxy = np.column_stack([d.geometry.x, d.geometry.y])
    sxy = np.column_stack([s.geometry.x, s.geometry.y])
    if metric == "euclidean":
        cost = dist.euclidean(dxy, sxy, cutoff)
    elif metric == "haversine":
        cost = dist.haversine(dxy, sxy, cutoff)
    elif metric == "table":
        cost = _od_frame(costs, d_ids, s_ids, cutoff)
    else:
        from .geo.network import load_network, network_costs, no_snap_on_small_pieces

        net = no_snap_on_small_pieces(load_network(costs, network_type, profile=None),
                                      snap_min_piece_m)
        cost = network_costs(net, dxy, sxy, crs, cutoff, speed_kmh,
                             max_access_m=max_access_m, detour_check=False).costs
    w = col.numbers(d, weight, "weight") if weight else np.ones(len(d))
    fixed = col.numbers(s, site_cost, "site cost") if site_cost else None
    cap = col.numbers(s, capacity, "capacity") if capacity else None
    inst = Instance(cost=cost, weight=w, demand_ids=d_ids, site_ids=s_ids, fixed_cost=fixed,
                    capacity=cap, name="frames", metadata={"crs": str(crs)})
    return inst, d, s


def _metric(costs: Any) -> str:
    if isinstance(costs, str) and costs in ("euclidean", "haversine"):
        return costs
    if hasattr(costs, "columns") and not hasattr(costs, "geometry"):
        return "table"
    if hasattr(costs, "nodes") and hasattr(costs, "edges"):
        return "network"
    suffixes = (".pbf", ".graphml", ".csv")
    if isinstance(costs, (str, Path)) and Path(costs).suffix.lower() in suffixes:
        return "network"
    raise SpecError(f"costs: use 'euclidean', 'haversine', a networkx graph, a network file "
                    f"(.osm.pbf, .graphml, edge-list .csv) or an OD DataFrame, not {costs!r}")


def _points(gdf: Any, role: str, notes: list[str], spec_cls: Any, to_points: Any) -> Any:
    if not hasattr(gdf, "geometry"):
        raise SpecError(f"{role}: expected a GeoDataFrame, got {type(gdf).__name__}")
    frame = gdf.copy()
    frame.attrs = {"source": f"{role} frame", "where": ("row", 0)}
    return to_points(frame, spec_cls(path=Path(f"<{role}>"), role=role), notes)


def _od_frame(table: Any, d_ids: np.ndarray, s_ids: np.ndarray, cutoff: float | None) -> Any:
    from .instance import SparseCosts

    need = ["site_id", "demand_id", "cost"]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise SpecError(f"costs table lacks column(s) {', '.join(missing)} "
                        f"(needs {', '.join(need)})")
    di = {str(v): k for k, v in enumerate(d_ids)}
    si = {str(v): k for k, v in enumerate(s_ids)}
    i = np.array([di.get(str(v), -1) for v in table["demand_id"]])
    j = np.array([si.get(str(v), -1) for v in table["site_id"]])
    c = table["cost"].to_numpy(dtype=float)
    bad = np.flatnonzero((i < 0) | (j < 0) | ~np.isfinite(c) | (c < 0))
    if bad.size:
        k = int(bad[0])
        raise SpecError(f"costs table row {k}: unknown id or bad cost "
                        f"({table['site_id'].iloc[k]!r}, {table['demand_id'].iloc[k]!r}, {c[k]!r})")
    keep = np.ones(c.size, bool) if cutoff is None else c <= cutoff
    return SparseCosts.from_pairs(i[keep], j[keep], c[keep], (d_ids.size, s_ids.size))


def _lines(d: Any, s: Any, inst: Instance, i: np.ndarray, j: np.ndarray, frac: np.ndarray,
           cost: np.ndarray, crs: Any) -> Any:
    import geopandas as gpd
    import shapely

    a = np.column_stack([d.geometry.x.to_numpy()[i], d.geometry.y.to_numpy()[i]])
    b = np.column_stack([s.geometry.x.to_numpy()[j], s.geometry.y.to_numpy()[j]])
    lines = shapely.linestrings(np.stack([a, b], axis=1)) if i.size else []
    out = gpd.GeoDataFrame({"demand_id": inst.demand_ids[i], "site_id": inst.site_ids[j],
                            "fraction": frac, "travel_cost": cost}, geometry=lines, crs=d.crs)
    return out.to_crs(crs) if crs is not None and d.crs is not None else out
