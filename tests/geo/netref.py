"""An independent reference for network costs: brute-force edge snapping + networkx Dijkstra.

It shares no code with siting.geo.snap / siting.geo.network's cost routine: every point is
compared with every snappable edge (shapely.distance, lowest index on ties), each edge holding
points is cut into a chain of pieces at the feet of the perpendiculars, and networkx walks the
resulting graph from each demand point's own node to each site's own node.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely


def brute_snap(lines: np.ndarray, length: np.ndarray, snappable: np.ndarray, xy: np.ndarray,
               max_access: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(edge or -1, along, access) per point, by checking every edge."""
    cand = np.flatnonzero(snappable)
    edge = np.full(len(xy), -1)
    along = np.zeros(len(xy))
    access = np.full(len(xy), np.inf)
    for k, (x, y) in enumerate(xy):
        p = shapely.Point(x, y)
        d = shapely.distance(lines[cand], p)
        best = int(np.argmin(d))  # first (lowest index) on ties
        if max_access is not None and d[best] > max_access:
            continue
        e = int(cand[best])
        edge[k], access[k] = e, float(d[best])
        along[k] = lines[e].project(p, normalized=True) * length[e]
    return edge, along, access


def reference_costs(net: Any, lines: np.ndarray, dxy: np.ndarray, sxy: np.ndarray,
                    max_access: float | None = None) -> np.ndarray:
    """Dense (n, m) walking costs, inf where unreachable."""
    import networkx as nx

    de, da, dacc = brute_snap(lines, net.elength, net.snappable, dxy, max_access)
    se, sa, sacc = brute_snap(lines, net.elength, net.snappable, sxy, max_access)
    g = nx.MultiDiGraph()
    on_edge: dict[int, list[tuple[float, Any]]] = {}
    for k in np.flatnonzero(de >= 0):
        on_edge.setdefault(int(de[k]), []).append((float(da[k]), ("D", int(k))))
    for k in np.flatnonzero(se >= 0):
        on_edge.setdefault(int(se[k]), []).append((float(sa[k]), ("S", int(k))))
    for e in range(net.n_edges):
        chain = [(0.0, ("N", int(net.eu[e])))] + sorted(on_edge.get(e, []),
                                                         key=lambda t: (t[0], t[1]))
        chain.append((float(net.elength[e]), ("N", int(net.ev[e]))))
        for (a, p), (b, q) in zip(chain[:-1], chain[1:]):
            if net.fwd[e]:
                g.add_edge(p, q, weight=b - a)
            if net.rev[e]:
                g.add_edge(q, p, weight=b - a)
    out = np.full((len(dxy), len(sxy)), np.inf)
    for i in np.flatnonzero(de >= 0):
        dist = nx.single_source_dijkstra_path_length(g, ("D", int(i)), weight="weight")
        for j in np.flatnonzero(se >= 0):
            if ("S", int(j)) in dist:
                out[i, j] = dacc[i] + dist[("S", int(j))] + sacc[j]
    return out
