"""Edge snapping and the snapped-point costs, on small hand-made and random seeded graphs."""

from __future__ import annotations

import numpy as np
import pytest

shapely = pytest.importorskip("shapely")
nx = pytest.importorskip("networkx")

from siting.geo.network import Network, network_costs, network_from_graph  # noqa: E402
from siting.geo.snap import snap_points  # noqa: E402

from .netref import reference_costs  # noqa: E402

CRS = "EPSG:32635"


def _net(nodes: list[tuple[float, float]], edges: list[tuple[int, int]],
         oneway: list[bool] | None = None, snappable: list[bool] | None = None) -> Network:
    x = np.array([p[0] for p in nodes], float)
    y = np.array([p[1] for p in nodes], float)
    u = np.array([e[0] for e in edges])
    v = np.array([e[1] for e in edges])
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    one = np.array(oneway or [False] * len(edges))
    snap = np.array(snappable or [True] * len(edges))
    return Network(x, y, u, v, length, np.ones(len(edges), bool), ~one, snap, CRS, "test")


def _costs(net: Network, d: list[tuple[float, float]], s: list[tuple[float, float]],
           **kw: object) -> np.ndarray:
    return network_costs(net, np.array(d, float), np.array(s, float), CRS, None,
                         **kw).costs.to_dense()  # type: ignore[arg-type]


def test_two_points_on_one_edge_walk_along_it() -> None:
    # a 1 km street; both points beside it, 100 m apart along it, 10 m and 20 m off it
    net = _net([(0, 0), (1000, 0)], [(0, 1)])
    cost = _costs(net, [(450, 10)], [(550, -20)])
    assert cost[0, 0] == pytest.approx(10 + 100 + 20)


def test_foot_of_the_perpendicular_splits_the_edge() -> None:
    # an L-shaped street a-b-c; the point is 30 m off the middle of b-c
    net = _net([(0, 0), (400, 0), (400, 400)], [(0, 1), (1, 2)])
    cost = _costs(net, [(430, 200)], [(0, 5)])
    assert cost[0, 0] == pytest.approx(30 + 200 + 400 + 5)


def test_one_way_edge_is_walked_one_way_only() -> None:
    # a -> b one way (100 m); back b -> a only around c (300 + 300)
    net = _net([(0, 0), (100, 0), (50, 280)], [(0, 1), (1, 2), (2, 0)],
               oneway=[True, False, False])
    length_bc = float(np.hypot(50, 280))
    there = _costs(net, [(20, 1)], [(80, 1)])  # along the one-way direction
    back = _costs(net, [(80, 1)], [(20, 1)])
    assert there[0, 0] == pytest.approx(1 + 60 + 1)
    assert back[0, 0] == pytest.approx(1 + 20 + 2 * length_bc + 20 + 1)


def test_points_beyond_the_access_limit_are_off_the_network() -> None:
    net = _net([(0, 0), (1000, 0)], [(0, 1)])
    nc = network_costs(net, np.array([[500.0, 40.0], [500.0, 600.0]]),
                       np.array([[100.0, 0.0]]), CRS, None, max_access_m=500)
    assert nc.demand_off.tolist() == [False, True]
    assert np.isinf(nc.demand_snap[1])
    dense = nc.costs.to_dense()
    assert dense[0, 0] == pytest.approx(40 + 400) and np.isinf(dense[1, 0])


def test_points_never_snap_to_an_edge_marked_not_snappable() -> None:
    # the tunnel (edge 1) runs right under the point; the street (edge 0) is 50 m away
    net = _net([(0, 0), (1000, 0), (0, 50), (1000, 50)], [(0, 1), (2, 3)],
               snappable=[True, False])
    xy = np.array([[500.0, 49.0]])
    s = snap_points(net.lines(CRS), net.elength, net.snappable, xy, None)
    assert s.edge.tolist() == [0] and s.access[0] == pytest.approx(49.0)


def test_ties_go_to_the_lowest_edge_index() -> None:
    net = _net([(0, 0), (100, 0), (100, 100)], [(1, 2), (0, 1)])
    s = snap_points(net.lines(CRS), net.elength, net.snappable, np.array([[100.0, 0.0]]), None)
    assert s.edge.tolist() == [0]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_graph_matches_networkx_reference(seed: int) -> None:
    """Random planar-ish graph with one-way, parallel, unsnappable and zero-length edges."""
    rng = np.random.default_rng(seed)
    k = 7
    gx, gy = np.meshgrid(np.arange(k) * 100.0, np.arange(k) * 100.0)
    pts = np.column_stack([gx.ravel(), gy.ravel()]) + rng.normal(0, 15, (k * k, 2))
    edges = []
    for r in range(k):
        for c in range(k):
            a = r * k + c
            if c + 1 < k and rng.random() < 0.85:
                edges.append((a, a + 1))
            if r + 1 < k and rng.random() < 0.85:
                edges.append((a, a + k))
    edges += edges[:3]  # parallel duplicates
    n_e = len(edges)
    net = _net([tuple(p) for p in pts], edges, oneway=list(rng.random(n_e) < 0.2),
               snappable=list(rng.random(n_e) < 0.9))
    d = rng.uniform(-50, 650, (40, 2))
    s = np.vstack([rng.uniform(-50, 650, (9, 2)), d[:3] + 1.0])  # some share an edge
    got = network_costs(net, d, s, CRS, None, max_access_m=60).costs.to_dense()
    ref = reference_costs(net, net.lines(CRS), d, s, 60)
    assert (np.isinf(got) == np.isinf(ref)).all()
    fin = np.isfinite(ref)
    assert fin.sum() > 100
    np.testing.assert_allclose(got[fin], ref[fin], rtol=1e-9, atol=1e-6)


def test_cutoff_keeps_exactly_the_pairs_within_it() -> None:
    rng = np.random.default_rng(5)
    net = _net([(0, 0), (300, 0), (300, 300), (0, 300)], [(0, 1), (1, 2), (2, 3), (3, 0)])
    d = rng.uniform(0, 300, (30, 2))
    s = rng.uniform(0, 300, (6, 2))
    full = network_costs(net, d, s, CRS, None).costs.to_dense()
    cut = network_costs(net, d, s, CRS, 250.0).costs.to_dense()
    within = full <= 250.0
    np.testing.assert_allclose(cut[within], full[within])
    assert np.isinf(cut[~within]).all()


def test_osmnx_style_graph_is_read_directly() -> None:
    # osmnx stores both directions of a two-way street as arcs with their own geometry
    g = nx.MultiDiGraph(crs=CRS)
    g.add_node(1, x=0.0, y=0.0)
    g.add_node(2, x=100.0, y=0.0)
    g.add_node(3, x=100.0, y=100.0)
    bend = shapely.LineString([(0, 0), (50, 50), (100, 0)])
    g.add_edge(1, 2, key=0, length=bend.length, geometry=bend)
    g.add_edge(2, 1, key=0, length=bend.length, geometry=bend.reverse())
    g.add_edge(2, 3, key=0, length=100.0)  # one way: no arc back
    net = network_from_graph(g)
    assert net.rev.tolist() == [True, True, False]
    # a point at the top of the bend snaps onto it, not onto the straight chord
    cost = _costs(net, [(50, 55)], [(100, 0)])
    assert cost[0, 0] == pytest.approx(5 + bend.length / 2)
    back = _costs(net, [(100, 60)], [(100, 0)])
    assert np.isinf(back[0, 0])  # 2 -> 3 is one way


def test_near_pairs_that_walk_far_are_counted() -> None:
    # a river between y = 0 and y = 200; the only bridge is 1 km east
    net = _net([(0, 0), (1000, 0), (1000, 200), (0, 200)], [(0, 1), (1, 2), (2, 3)])
    demand = np.array([[100.0, -5.0], [100.0, 205.0], [900.0, -5.0]])
    sites = np.array([[150.0, 205.0]])
    nc = network_costs(net, demand, sites, CRS, None)
    # demand-site: (0, S) 205 m apart walks 1960 m; (1, S) is near and short; (2, S) is far
    assert nc.detours["near_pairs"] == 2 and nc.detours["far_walks"] == 1
    dd = nc.detours["demand_pairs"]  # 0 <-> 1 both ways; 2 is 800 m from both
    assert dd["near_pairs"] == 2 and dd["far_walks"] == 2 and dd["share"] == 1.0


def test_load_network_takes_a_graph_and_applies_the_walking_profile() -> None:
    from siting.geo.network import load_network

    g = nx.MultiDiGraph(crs=CRS)
    for k, (x, y) in enumerate([(0, 0), (100, 0), (200, 0)]):
        g.add_node(k, x=float(x), y=float(y))
    for a, b, hw in ((0, 1, "footway"), (1, 2, "motorway")):
        g.add_edge(a, b, length=100.0, highway=hw)
        g.add_edge(b, a, length=100.0, highway=hw)
    walk = load_network(g)
    assert walk.n_edges == 2 and walk.dropped == {
        "motorway/trunk without sidewalk or foot access": 2}
    assert load_network(g, "driving").n_edges == 4
