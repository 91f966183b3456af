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
                         ) -> tuple[SparseCosts, dict[str, Any], list[str]]:
    """(costs, info for summary.json, report lines) for ``spec`` (a NetworkInput: ``path``,
    ``type``, ``crs``, ``walk``, ``largest_component``, ``snap_min_piece_m``,
    ``max_access_m``, ``speed_kmh``); points in ``metric_crs`` (metres)."""
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
    info = {"units": "min" if spec.speed_kmh else "m", "network": str(spec.path),
            "network_nodes": nc.n_nodes, "network_edges": nc.n_edges,
            "snap_m": {"demand_mean": _stat(nc.demand_snap[on_d], np.mean),
                       "demand_max": _stat(nc.demand_snap[on_d], np.max),
                       "sites_mean": _stat(nc.site_snap[on_s], np.mean),
                       "sites_max": _stat(nc.site_snap[on_s], np.max)},
            "network_report": report,
            "snap_demand": nc.demand_snap, "snap_sites": nc.site_snap}
    return nc.costs, info, report_lines(report)


def _stat(x: np.ndarray, fn: Callable[[np.ndarray], Any]) -> float | None:
    return float(fn(x)) if x.size else None
