"""Network travel costs for a scenario's ``[distance.network]``: the one call a pipeline makes.

Reads the network (walking profile), keeps the largest piece if asked, bars short isolated
pieces from snapping, snaps and routes, and returns the costs with the planner's report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..instance import SparseCosts


def network_travel_costs(spec: Any, demand_xy: np.ndarray, site_xy: np.ndarray,
                         metric_crs: Any, cutoff: float | None, demand_ids: np.ndarray,
                         site_ids: np.ndarray,
                         advance: Callable[[int, int], None] | None = None,
                         lines_crs: Any = None,
                         ) -> tuple[SparseCosts, dict[str, Any], list[str]]:
    """(costs, info for summary.json, report lines) for ``spec`` (a NetworkInput: ``path``,
    ``type``, ``crs``, ``walk``, ``largest_component``, ``snap_min_piece_m``,
    ``max_access_m``, ``speed_kmh``); points in ``metric_crs`` (metres).

    ``info["network_lines"]`` holds the walkable edges for the maps, in ``lines_crs`` (the
    layers' working CRS; default ``metric_crs``), simplified and capped (:func:`map_lines`)."""
    from .netreport import network_report, report_lines
    from .network import (
        largest_component,
        load_network,
        network_costs,
        no_snap_on_small_pieces,
    )

    net = load_network(spec.path, spec.type, spec.crs, profile=spec.walk)
    if spec.largest_component:
        net = largest_component(net)
    net = no_snap_on_small_pieces(net, spec.snap_min_piece_m)
    nc = network_costs(net, demand_xy, site_xy, metric_crs, cutoff, spec.speed_kmh, advance,
                       max_access_m=spec.max_access_m)
    report = network_report(net, nc, demand_ids, site_ids)
    on_d, on_s = np.isfinite(nc.demand_snap), np.isfinite(nc.site_snap)
    info: dict[str, Any] = {
            "units": "min" if spec.speed_kmh else "m", "network": str(spec.path),
            "network_nodes": nc.n_nodes, "network_edges": nc.n_edges,
            "snap_m": {"demand_mean": _stat(nc.demand_snap[on_d], np.mean),
                       "demand_max": _stat(nc.demand_snap[on_d], np.max),
                       "sites_mean": _stat(nc.site_snap[on_s], np.mean),
                       "sites_max": _stat(nc.site_snap[on_s], np.max)},
            "network_report": report,
            "snap_demand": nc.demand_snap, "snap_sites": nc.site_snap}
    lines, note = map_lines(net, lines_crs if lines_crs is not None else metric_crs)
    info["network_lines"] = lines
    info["network_map"] = note
    return nc.costs, info, report_lines(report)


#: vertices kept for the map's walking network (report.json stays small)
MAP_VERTEX_CAP = 60_000
#: simplification tolerance of the drawn network, metres (invisible at map scale)
MAP_SIMPLIFY_M = 3.0


def map_lines(net: Any, crs: Any, cap: int = MAP_VERTEX_CAP,
              ) -> tuple[list[list[list[float]]], dict[str, Any]]:
    """The network's edges as coordinate lists in ``crs`` for drawing: simplified by
    :data:`MAP_SIMPLIFY_M` metres (done in the network's metric CRS), longest edges first up
    to ``cap`` vertices; the note says how many edges were drawn of how many."""
    import shapely
    from pyproj import CRS

    lines = net.lines(net.crs)
    if CRS.from_user_input(net.crs).is_projected:
        lines = shapely.simplify(lines, MAP_SIMPLIFY_M, preserve_topology=False)
    n_edges = int(lines.size)
    order = np.argsort(-shapely.length(lines), kind="stable")
    counts = shapely.get_num_coordinates(lines)[order]
    keep = order[np.cumsum(counts) <= cap]
    keep.sort()
    drawn = lines[keep]
    if CRS.from_user_input(net.crs) != CRS.from_user_input(crs):
        from pyproj import Transformer  # simplified in metres, drawn in the layers' CRS

        tr = Transformer.from_crs(net.crs, crs, always_xy=True)
        drawn = shapely.transform(drawn, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))
    if CRS.from_user_input(crs).is_projected:  # whole metres: finer than the 3 m simplification
        out = [np.rint(shapely.get_coordinates(g)).astype(np.int64).tolist() for g in drawn]
    else:
        out = [np.round(shapely.get_coordinates(g), 6).tolist() for g in drawn]
    note = {"edges": n_edges, "drawn": int(keep.size), "vertex_cap": cap,
            "simplify_m": MAP_SIMPLIFY_M}
    return out, note


def lines_near(lines: Any, pts: np.ndarray, margin: float) -> list[list[list[float]]]:
    """The lines with a vertex inside the points' bounding box grown by ``margin`` (a map's
    extent: the rest of the network would only make the page larger)."""
    pts = np.asarray(pts, dtype=float).reshape(-1, 2)
    if not pts.size:
        return []
    lo, hi = pts.min(axis=0) - margin, pts.max(axis=0) + margin
    out = []
    for line in lines or ():
        xy = np.asarray(line, dtype=float).reshape(-1, 2)
        if xy.shape[0] >= 2 and np.any(np.all((xy >= lo) & (xy <= hi), axis=1)):
            out.append(line if isinstance(line, list) else xy.tolist())  # as given (ints stay)
    return out


def _stat(x: np.ndarray, fn: Callable[[np.ndarray], Any]) -> float | None:
    return float(fn(x)) if x.size else None
