"""The network benchmark's grid (benchmarks/network_snap.py) at a tiny size, and WKT edges."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siting.errors import DataError
from siting.geo.network import load_network


def test_benchmark_grid_runs_small() -> None:
    bench = pytest.importorskip("benchmarks.network_snap")
    out = bench.measure(side=8, n_points=300, n_sites=5)
    assert out["edges"] == 2 * 8 * 7 and out["snapped"] == 300
    assert out["components"] == 1 and out["pairs_within_1km"] > 0


def test_edge_list_geometry_is_used_for_snapping(tmp_path: Path) -> None:
    # the street bends up to y = 100 halfway: a point at (50, 100) is on it
    (tmp_path / "e.csv").write_text(
        'u,v,length,u_x,u_y,v_x,v_y,geometry\n'
        'a,b,223.607,0,0,100,0,"LINESTRING (0 0, 50 100, 100 0)"\n')
    net = load_network(tmp_path / "e.csv", crs="EPSG:32635")
    from siting.geo.snap import snap_points

    s = snap_points(net.lines("EPSG:32635"), net.elength, net.snappable,
                    np.array([[50.0, 100.0]]), None)
    assert s.access[0] == pytest.approx(0.0) and s.along[0] == pytest.approx(111.8035)


def test_edge_list_bad_wkt_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text(
        "u,v,length,u_x,u_y,v_x,v_y,geometry\na,b,1,0,0,1,0,\"LINESTRING (0 0, 1 0)\"\n"
        "b,c,1,1,0,2,0,POINT (1 0)\n")
    with pytest.raises(DataError, match=r"e.csv: line 3, column 'geometry'"):
        load_network(tmp_path / "e.csv", crs="EPSG:32635")
