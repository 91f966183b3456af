"""GeoDataFrames in and out (siting.frames): attributes, geometry type and CRS survive."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

gpd = pytest.importorskip("geopandas")
nx = pytest.importorskip("networkx")

from siting.frames import solve_frames  # noqa: E402
from siting.solution import Status  # noqa: E402

HELSINKI = Path(__file__).resolve().parents[1] / "instances" / "helsinki" / "helsinki.gpkg"


def _frames() -> tuple[object, object]:
    b = gpd.read_file(HELSINKI, layer="buildings").iloc[:60].to_crs(4326)
    s = gpd.read_file(HELSINKI, layer="sites").iloc[:25]
    return b, s


def test_round_trip_keeps_attributes_geometry_and_crs() -> None:
    b, s = _frames()
    out = solve_frames(b, s, "p-median", p=3, weight="total", demand_id="id", site_id="id")
    assert out.result.status is Status.OPTIMAL and out.result.verification.feasible
    assert out.demand.crs == b.crs and out.sites.crs == s.crs
    assert (out.demand.geom_type == b.geom_type).all()  # polygons stay polygons
    assert (out.sites.geometry.geom_equals_exact(s.geometry, 0)).all()
    assert list(out.demand.columns[:len(b.columns)]) == list(b.columns)
    assert out.sites["open"].sum() == 3
    assert set(out.demand["assigned_site"]) <= set(s.loc[out.sites["open"], "id"])
    assert out.assignments.crs == b.crs and len(out.assignments) == len(b)
    got = float((out.demand["travel_cost"] * b["total"]).sum())
    assert got == pytest.approx(out.result.objective, rel=1e-9)


def test_network_graph_and_od_frame_as_costs() -> None:
    import pandas as pd

    g = nx.MultiDiGraph(crs="EPSG:3067")
    pts = [(385000.0, 6672000.0), (385500.0, 6672000.0), (386000.0, 6672000.0)]
    for k, (x, y) in enumerate(pts):
        g.add_node(k, x=x, y=y)
    for a, b_ in ((0, 1), (1, 2)):
        g.add_edge(a, b_, length=500.0)
        g.add_edge(b_, a, length=500.0)
    demand = gpd.GeoDataFrame({"id": ["d0", "d1"], "pop": [1.0, 2.0]},
                              geometry=gpd.points_from_xy([385100, 385900], [6672010, 6671990]),
                              crs=3067)
    sites = gpd.GeoDataFrame({"id": ["s0", "s1"]},
                             geometry=gpd.points_from_xy([385000, 386000], [6672000, 6672000]),
                             crs=3067)
    net = solve_frames(demand, sites, "p-median", p=1, costs=g, weight="pop")
    assert net.result.open_sites == ["s1"]
    assert net.demand["travel_cost"].tolist() == pytest.approx([10 + 900, 10 + 100])
    od = pd.DataFrame({"site_id": ["s0", "s1", "s0"], "demand_id": ["d0", "d1", "d1"],
                       "cost": [1.0, 5.0, 2.0]})
    tab = solve_frames(demand, sites, "p-median", p=1, costs=od, weight="pop")
    assert tab.result.open_sites == ["s0"] and np.isclose(tab.result.objective, 1 + 4)


def test_bad_costs_choice_is_one_clear_error() -> None:
    from siting.errors import SpecError

    b, s = _frames()
    with pytest.raises(SpecError, match="costs: use 'euclidean'"):
        solve_frames(b, s, "p-median", p=2, costs="walking")


def test_solve_with_a_geodataframe_points_to_solve_frames() -> None:
    import siting
    from siting.errors import SpecError

    b, _ = _frames()
    with pytest.raises(SpecError, match="solve_frames"):
        siting.solve(b, "p-median", p=2)
