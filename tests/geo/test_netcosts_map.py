"""map_lines: the network as drawn on the maps — simplified in metres, moved to the layers'
CRS, longest edges first under the vertex cap; lines_near keeps the map's extent."""

from __future__ import annotations

import numpy as np
import pytest

from siting.geo.netcosts import lines_near, map_lines
from siting.geo.network import Network


def _grid(n: int = 6, step: float = 100.0, crs: str = "EPSG:3067") -> Network:
    """An n × n street grid near Helsinki (TM35FIN metres), edges along rows and columns."""
    gx, gy = np.meshgrid(np.arange(n) * step, np.arange(n) * step)
    x, y = gx.ravel() + 385_000.0, gy.ravel() + 6_672_000.0
    ids = np.arange(n * n).reshape(n, n)
    eu = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    ev = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    ones = np.ones(eu.size, dtype=bool)
    return Network(x, y, eu, ev, np.full(eu.size, step), ones, ones, ones, crs, "grid")


def test_lines_in_the_same_crs_are_the_edges() -> None:
    net = _grid()
    lines, note = map_lines(net, "EPSG:3067")
    assert note["edges"] == note["drawn"] == net.n_edges == len(lines)
    got = sorted(tuple(map(tuple, ln)) for ln in lines)
    want = sorted(((float(net.x[u]), float(net.y[u])), (float(net.x[v]), float(net.y[v])))
                  for u, v in zip(net.eu, net.ev))
    assert got == want


def test_lines_are_moved_to_the_layers_crs() -> None:
    from pyproj import Transformer

    net = _grid()
    lines, _ = map_lines(net, "EPSG:4326")
    tr = Transformer.from_crs("EPSG:3067", "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(float(net.x[net.eu[0]]), float(net.y[net.eu[0]]))
    assert 24 < lines[0][0][0] < 26 and 60 < lines[0][0][1] < 61
    assert lines[0][0] == pytest.approx([lon, lat], abs=1e-6)


def test_vertex_cap_keeps_the_longest_edges_and_says_so() -> None:
    net = _grid()
    lines, note = map_lines(net, "EPSG:3067", cap=10)
    assert sum(len(ln) for ln in lines) <= 10 and note["drawn"] == len(lines) == 5
    assert note["edges"] == net.n_edges > note["drawn"]


def test_simplify_drops_vertices_within_tolerance() -> None:
    import shapely

    net = _grid(2)
    wiggle = shapely.linestrings([[385_000, 6_672_000], [385_050, 6_672_001], [385_100, 6_672_000]])
    geom = np.array([wiggle] + [shapely.linestrings(
        [[net.x[u], net.y[u]], [net.x[v], net.y[v]]]) for u, v in zip(net.eu[1:], net.ev[1:])])
    net = Network(net.x, net.y, net.eu, net.ev, net.elength, net.fwd, net.rev, net.snappable,
                  net.crs, net.source, geometry=geom)
    lines, _ = map_lines(net, "EPSG:3067")
    assert len(lines[0]) == 2  # the 1 m wiggle is under the 3 m tolerance


def test_lines_near_keeps_lines_touching_the_extent() -> None:
    lines = [[[0, 0], [10, 0]], [[1000, 1000], [1010, 1000]], [[-400, 5], [-250, 5]]]
    kept = lines_near(lines, np.array([[0.0, 0.0], [50.0, 50.0]]), 300.0)
    assert kept == [lines[0], lines[2]]
    assert lines_near(lines, np.zeros((0, 2)), 300.0) == []
