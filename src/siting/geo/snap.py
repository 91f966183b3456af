"""Snapping points onto the nearest edge of a network (not its nearest node).

The rule (osmnx ``nearest_edges`` conventions, documented in docs/inputs.md): each point goes to
the edge whose geometry is nearest in a metric CRS; ties go to the lowest edge index. The foot
of the perpendicular splits the edge: its position along the edge is the fraction
``shapely.line_locate_point(..., normalized=True)`` of the edge's *network* length (so node to
node lengths stay those of the network), and the straight access leg from the point to that
foot is added to every walk. Only edges flagged snappable are candidates; a point farther than
``max_access`` from all of them is off-network (edge -1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Snap:
    """Where points meet the network: edge index (-1 off-network), position, access leg."""

    edge: np.ndarray
    #: network length from the edge's ``u`` node to the foot of the perpendicular
    along: np.ndarray
    #: straight-line distance from the point to its edge (inf when off-network)
    access: np.ndarray

    @property
    def on(self) -> np.ndarray:
        return self.edge >= 0


def snap_points(lines: np.ndarray, length: np.ndarray, snappable: np.ndarray, xy: np.ndarray,
                max_access: float | None = None) -> Snap:
    """Snap ``xy`` (n × 2, metric CRS) onto ``lines`` (shapely LineStrings, same CRS)."""
    import shapely
    from shapely import STRtree

    n = len(xy)
    edge = np.full(n, -1, dtype=np.int64)
    along = np.zeros(n)
    access = np.full(n, np.inf)
    candidates = np.flatnonzero(snappable)
    if n == 0 or candidates.size == 0:
        return Snap(edge, along, access)
    pts = shapely.points(np.asarray(xy, dtype=float))
    tree = STRtree(lines[candidates])
    # all equidistant matches, then the lowest edge index: deterministic ties
    (pi, ti), dist = tree.query_nearest(pts, max_distance=max_access, return_distance=True,
                                        all_matches=True)
    ei = candidates[ti]
    order = np.lexsort((ei, pi))
    pi, ei, dist = pi[order], ei[order], dist[order]
    first = np.ones(pi.size, dtype=bool)
    first[1:] = pi[1:] != pi[:-1]
    pi, ei, dist = pi[first], ei[first], dist[first]
    if max_access is not None:  # query_nearest's max_distance is inclusive; keep it so
        keep = dist <= max_access
        pi, ei, dist = pi[keep], ei[keep], dist[keep]
    frac = shapely.line_locate_point(lines[ei], pts[pi], normalized=True)
    frac = np.nan_to_num(np.clip(frac, 0.0, 1.0))  # zero-length lines give nan
    edge[pi] = ei
    along[pi] = frac * length[ei]
    access[pi] = dist
    return Snap(edge, along, access)
