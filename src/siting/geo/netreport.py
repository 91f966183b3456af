"""What a planner should know about the network before solving: pieces, snapping, detours."""

from __future__ import annotations

from typing import Any

import numpy as np

from .network import Network, NetworkCosts

_SHOW = 8  # ids listed in a message


def network_report(net: Network, nc: NetworkCosts, demand_ids: np.ndarray,
                   site_ids: np.ndarray) -> dict[str, Any]:
    """Components holding demand and sites, off-network points, access legs, detours."""
    d_on, s_on = ~nc.demand_off, ~nc.site_off
    comps = _pieces(nc.demand_component[d_on], nc.site_component[s_on])
    demand_alone = np.isin(nc.demand_component, [c["component"] for c in comps
                                                 if c["sites"] == 0]) & d_on
    return {
        "nodes": nc.n_nodes, "edges": net.n_edges, "directed_arcs": nc.n_edges,
        "components": nc.n_components,
        "components_with_demand": int(sum(c["demand"] > 0 for c in comps)),
        "components_with_sites": int(sum(c["sites"] > 0 for c in comps)),
        "pieces": comps[:20],
        "demand_in_pieces_without_sites": {"count": int(demand_alone.sum()),
                                           "ids": _ids(demand_ids[demand_alone])},
        "max_access_m": nc.max_access_m,
        "off_network": {"demand": int(nc.demand_off.sum()),
                        "demand_ids": _ids(demand_ids[nc.demand_off]),
                        "sites": int(nc.site_off.sum()),
                        "site_ids": _ids(site_ids[nc.site_off])},
        "access_m": {"demand": _spread(nc.demand_snap[d_on]),
                     "sites": _spread(nc.site_snap[s_on])},
        "profile_dropped_ways": dict(net.dropped),
        "ways_not_snappable": net.not_snappable,
        "small_piece_edges": net.small_piece_edges,
        "near_pairs_walking_far": dict(nc.detours),
    }


def report_lines(rep: dict[str, Any]) -> list[str]:
    """The report as short lines for a terminal."""
    out = [f"network: {rep['nodes']} nodes, {rep['edges']} edges in {rep['components']} "
           f"connected pieces; demand in {rep['components_with_demand']}, sites in "
           f"{rep['components_with_sites']}"]
    alone = rep["demand_in_pieces_without_sites"]
    if alone["count"]:
        out.append(f"{alone['count']} demand point(s) sit on pieces with no site: "
                   f"{', '.join(alone['ids'])}")
    off = rep["off_network"]
    limit = rep["max_access_m"]
    parts = []
    if off["demand"]:
        parts.append(f"{off['demand']} demand point(s) {', '.join(off['demand_ids'])}")
    if off["sites"]:
        parts.append(f"{off['sites']} site(s) {', '.join(off['site_ids'])}")
    if parts:
        out.append(f"off the network (farther than {limit:g} m from a walkable edge): "
                   + "; ".join(parts))
    for who in ("demand", "sites"):
        s = rep["access_m"][who]
        if s["count"]:
            out.append(f"access leg to the network, {who}: median {s['p50']:.0f} m, "
                       f"90% {s['p90']:.0f} m, max {s['max']:.0f} m")
    det = rep["near_pairs_walking_far"]
    for what, d in (("demand-site", det), ("demand-demand", det.get("demand_pairs", {}))):
        if d.get("near_pairs"):
            sample = (f", from {d['sampled_from']} sampled points"
                      if d.get("sampled_from", 0) >= 2000 else "")
            out.append(f"{d['share']:.1%} of {what} pairs under {d['near_m']:.0f} m apart "
                       f"(straight line) walk over {d['far_m']:.0f} m or not at all "
                       f"({d['far_walks']} of {d['near_pairs']}{sample})")
    if rep.get("small_piece_edges"):
        out.append(f"{rep['small_piece_edges']} edges on short isolated pieces take no points")
    if rep["profile_dropped_ways"]:
        out.append("walking profile dropped " + ", ".join(
            f"{v} {k}" for k, v in rep["profile_dropped_ways"].items())
            + f"; {rep['ways_not_snappable']} underground/indoor edges take no points")
    return out


def _pieces(dc: np.ndarray, sc: np.ndarray) -> list[dict[str, int]]:
    labels, inv = np.unique(np.concatenate([dc, sc]), return_inverse=True)
    nd = np.bincount(inv[:dc.size], minlength=labels.size)
    ns = np.bincount(inv[dc.size:], minlength=labels.size)
    order = np.lexsort((labels, -ns, -nd))
    return [{"component": int(labels[k]), "demand": int(nd[k]), "sites": int(ns[k])}
            for k in order]


def _spread(x: np.ndarray) -> dict[str, float]:
    if x.size == 0:
        return {"count": 0}
    q = np.percentile(x, [50, 90, 99])
    return {"count": int(x.size), "p50": float(q[0]), "p90": float(q[1]), "p99": float(q[2]),
            "max": float(x.max())}


def _ids(ids: np.ndarray) -> list[str]:
    shown = [str(x) for x in ids[:_SHOW]]
    return shown + ([f"and {len(ids) - _SHOW} more"] if len(ids) > _SHOW else [])
