"""result.gpkg keeps the planner's data: input attributes and original geometry (polygons stay
polygons) in the input CRS, the working CRS recorded, no all-null columns, for classical and
community runs; the layer reader keeps the original geometry beside the working points."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from siting import pipeline
from siting.geo.layers import LayerSpec, read_layer, read_layer_with_source
from siting.scenario import load_scenario, validate_scenario

gpd = pytest.importorskip("geopandas")

ROOT = Path(__file__).resolve().parents[2]
HELSINKI = ROOT / "instances" / "helsinki"


def _helsinki_4326(tmp: Path, n: int = 80, m: int = 30) -> Path:
    """Real OSM building polygons and mixed point/polygon sites, in EPSG:4326 (one file)."""
    path = tmp / "hel4326.gpkg"
    b = gpd.read_file(HELSINKI / "helsinki.gpkg", layer="buildings").iloc[:n].to_crs(4326)
    s = gpd.read_file(HELSINKI / "helsinki.gpkg", layer="sites").to_crs(4326)
    poly = (s.geom_type == "Polygon").to_numpy()
    s = s[poly | (np.cumsum(~poly) <= m - poly.sum())].reset_index(drop=True)  # m, mixed
    s["open"] = "planner's own column"  # clashes with the run's `open`
    b.to_file(path, layer="buildings", engine="pyogrio")
    s.to_file(path, layer="sites", engine="pyogrio")
    return path


def _layers(path: Path) -> dict[str, Any]:
    names = gpd.list_layers(path)["name"].tolist()
    return {name: gpd.read_file(path, layer=name) for name in names}


def _no_all_null(layers: dict[str, Any]) -> None:
    for name, gdf in layers.items():
        empty = [c for c in gdf.columns if c != "geometry" and gdf[c].isna().all()]
        assert not empty, f"layer {name}: all-null columns {empty}"


def _info(layers: dict[str, Any]) -> dict[str, str]:
    return dict(layers["run_info"][["key", "value"]].to_numpy())


def test_layer_reader_keeps_original_geometry_and_crs(tmp_path: Path) -> None:
    path = _helsinki_4326(tmp_path)
    notes: list[str] = []
    points, source = read_layer_with_source(LayerSpec(path, "buildings", role="demand"), notes)
    assert (points.geom_type == "Point").all() and len(points) == len(source) == 80
    assert (source.geom_type == "MultiPolygon").all() and source.crs.to_epsg() == 4326
    original = gpd.read_file(path, layer="buildings")
    assert source.geom_equals_exact(original.geometry, 0).all()
    assert source.contains(points.geometry).all()  # each working point lies in its polygon
    again = read_layer(LayerSpec(path, "buildings", role="demand"), [])
    assert again.geom_equals_exact(points.geometry, 0).all()  # the working points unchanged


def test_polygon_demand_in_4326_gives_polygons_attributes_and_4326_back(tmp_path: Path) -> None:
    path = _helsinki_4326(tmp_path)
    sc = validate_scenario({
        "name": "hel-4326", "demand": {"path": str(path), "layer": "buildings", "id": "id",
                                       "weight": "total"},
        "sites": {"path": str(path), "layer": "sites", "id": "id"},
        "problem": {"kind": "p-median", "p": 4}, "solver": {"time_limit": 30}})
    out = tmp_path / "out"
    run = pipeline.run(sc, out)
    assert run.has_solution and run.result.verification.feasible
    layers = _layers(out / "result.gpkg")
    assert list(layers) == ["sites", "demand", "assignments", "run_info"]
    b = gpd.read_file(path, layer="buildings")
    s = gpd.read_file(path, layer="sites")
    demand, sites, lines = layers["demand"], layers["sites"], layers["assignments"]
    for got, given in ((demand, b), (sites, s)):
        assert got.crs.to_epsg() == 4326
        assert (got.geom_type.to_numpy() == given.geom_type.to_numpy()).all()
        assert got.geometry.geom_equals_exact(given.geometry, 1e-9).all()
        for c in given.columns.drop("geometry"):
            assert got[c].tolist() == given[c].tolist(), c
    assert set(sites.geom_type) == {"Point", "Polygon"}
    assert (demand.geom_type == "MultiPolygon").all()
    # the planner's `open` column survives; the run's is beside it
    assert (sites["open"] == "planner's own column").all()
    assert sites["open_result"].sum() == 4
    assert set(demand["assigned_site"]) == set(sites.loc[sites["open_result"], "id"])
    w = demand["total"].to_numpy(float)
    assert float(w @ demand["travel_cost"].to_numpy()) == pytest.approx(run.result.objective)
    assert lines.crs.to_epsg() == 4326 and (lines.geom_type == "LineString").all()
    _no_all_null(layers)
    info = _info(layers)
    assert info["working_crs"].startswith("EPSG:32635")  # UTM zone chosen for the metric
    assert info["demand_crs"] == info["sites_crs"] == info["assignments_crs"] == "EPSG:4326"
    assert "sites.capacity" in info["empty_columns_left_out"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["crs"].startswith("EPSG:32635")
    assert summary["input_crs"] == {"demand": "EPSG:4326", "sites": "EPSG:4326"}


def test_dropped_unreachable_demand_stays_in_the_layer_flagged(tmp_path: Path) -> None:
    path = _helsinki_4326(tmp_path)
    sc = validate_scenario({
        "demand": {"path": str(path), "layer": "buildings", "id": "id", "weight": "total"},
        "sites": {"path": str(path), "layer": "sites", "id": "id"},
        "distance": {"cutoff": 150, "unreachable": "drop"},
        "problem": {"kind": "p-median", "p": 30}, "solver": {"time_limit": 30}})
    run = pipeline.run(sc, tmp_path / "out")
    dropped = run.summary["distance"]["unreachable"]["count"]
    assert dropped > 0 and run.has_solution
    demand = gpd.read_file(tmp_path / "out" / "result.gpkg", layer="demand")
    assert len(demand) == 80 and int(demand["dropped"].sum()) == dropped
    assert demand.loc[demand["dropped"], "assigned_site"].isna().all()
    assert demand.loc[~demand["dropped"], "assigned_site"].notna().all()
    assert demand.loc[demand["dropped"], "id"].tolist()[:20] == \
        run.summary["distance"]["unreachable"]["ids"][:20]


def test_csv_points_keep_their_columns_and_lon_lat(tmp_path: Path) -> None:
    from tests.geo.conftest import make_points, write_layer

    d, s = make_points(5, n=20, m=6)
    dp, sp = write_layer(d, tmp_path / "d.csv"), write_layer(s, tmp_path / "s.csv")
    sc = validate_scenario({"demand": {"path": str(dp), "id": "block", "weight": "pop"},
                            "sites": {"path": str(sp), "id": "site"},
                            "problem": {"kind": "p-center", "p": 2}})
    pipeline.run(sc, tmp_path / "out")
    layers = _layers(tmp_path / "out" / "result.gpkg")
    demand = layers["demand"]
    assert demand.crs.to_epsg() == 4326 and {"block", "pop", "lon", "lat"} <= set(demand.columns)
    np.testing.assert_allclose(demand.geometry.x, demand["lon"].astype(float), atol=1e-9)
    _no_all_null(layers)


def test_community_scenario_gpkg_keeps_input_layers(tmp_path: Path) -> None:
    """The Helsinki community scenario (real streets, walking distances), short time limit."""
    sc = load_scenario(HELSINKI / "community.toml")
    sc = sc.model_copy(update={"solver": sc.solver.model_copy(update={"time_limit": 20})})
    out = tmp_path / "out"
    run = pipeline.run(sc, out)
    assert run.has_solution
    layers = _layers(out / "result.gpkg")
    assert list(layers) == ["sites", "blocks", "run_info"]
    b = gpd.read_file(HELSINKI / "helsinki.gpkg", layer="buildings")
    s = gpd.read_file(HELSINKI / "helsinki.gpkg", layer="sites")
    for got, given in ((layers["blocks"], b), (layers["sites"], s)):
        assert got.crs == given.crs
        assert (got.geom_type.to_numpy() == given.geom_type.to_numpy()).all()
        assert list(got.columns[:len(given.columns) - 1]) == list(given.columns.drop("geometry"))
    blocks = layers["blocks"]
    assert "elderly_care_credited" in blocks and "services_result" in layers["sites"]
    summary = json.loads((out / "summary.json").read_text())
    assert blocks[[c for c in blocks if c.endswith("_credited")]].to_numpy().sum() == \
        pytest.approx(sum(v["credited"] for v in summary["coverage"].values()))
    _no_all_null(layers)
    assert _info(layers)["working_crs"].startswith("EPSG:3067")
    assert summary["meta"]["input_crs"] == {"demand": "EPSG:3067", "sites": "EPSG:3067"}


def test_sites_only_kind_gives_the_site_layer_back_twice(tmp_path: Path) -> None:
    """p-dispersion measures sites against sites: both layers are the sites as given."""
    from siting.frames import solve_frames

    path = _helsinki_4326(tmp_path, n=20, m=15)
    sc = validate_scenario({
        "demand": {"path": str(path), "layer": "buildings", "id": "id"},
        "sites": {"path": str(path), "layer": "sites", "id": "id"},
        "problem": {"kind": "p-dispersion", "p": 3}})
    run = pipeline.run(sc, tmp_path / "out")
    assert run.has_solution
    layers = _layers(tmp_path / "out" / "result.gpkg")
    s = gpd.read_file(path, layer="sites")
    for name in ("sites", "demand"):
        assert len(layers[name]) == len(s) and layers[name].crs.to_epsg() == 4326
        assert (layers[name].geom_type.to_numpy() == s.geom_type.to_numpy()).all()
    _no_all_null(layers)
    b = gpd.read_file(path, layer="buildings")
    out = solve_frames(b, s, "p-dispersion", p=3, site_id="id")
    assert out.result.open_sites == run.result.open_sites
    assert (out.sites.geom_type == s.geom_type).all() and out.sites.crs == s.crs
