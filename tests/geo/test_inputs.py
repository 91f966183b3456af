"""Every input format gives the same Instance; columns map by name; polygons become points."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from siting import pipeline
from siting.instance import SparseCosts
from siting.outputs.progress import Progress
from siting.scenario import validate_scenario

from .conftest import gpd, make_points, write_layer


def _scenario(demand: Path, sites: Path, **extra: Any) -> Any:
    data = {
        "demand": {"path": str(demand), "id": "block", "weight": "pop", **extra.pop("d", {})},
        "sites": {"path": str(sites), "id": "site", "cost": "rent", "capacity": "cap",
                  "required": "open_now", "forbidden": "blocked", **extra.pop("s", {})},
        "distance": {"metric": "euclidean", "cutoff": 1500.0, **extra.pop("distance", {})},
        "problem": {"kind": "p-median", "p": 3},
        **extra,
    }
    return validate_scenario(data, source="test")


def _instance(sc: Any) -> Any:
    return pipeline.prepare(sc, Progress()).instance


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("ref")
    demand, sites = make_points(3)
    return _instance(_scenario(write_layer(demand, tmp / "d.gpkg"),
                               write_layer(sites, tmp / "s.gpkg")))


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson", ".shp", ".parquet", ".csv"])
def test_every_format_builds_the_same_instance(tmp_path: Path, reference: Any,
                                               suffix: str) -> None:
    demand, sites = make_points(3)
    inst = _instance(_scenario(write_layer(demand, tmp_path / f"d{suffix}"),
                               write_layer(sites, tmp_path / f"s{suffix}")))
    assert list(inst.demand_ids) == list(reference.demand_ids)
    assert list(inst.site_ids) == list(reference.site_ids)
    np.testing.assert_allclose(inst.weight, reference.weight)
    np.testing.assert_allclose(inst.fixed_cost, reference.fixed_cost)
    np.testing.assert_allclose(inst.capacity, reference.capacity)
    assert inst.required.tolist() == reference.required.tolist()
    assert inst.forbidden.tolist() == reference.forbidden.tolist()
    assert isinstance(inst.cost, SparseCosts)
    np.testing.assert_allclose(inst.cost.to_dense(), reference.cost.to_dense(), atol=1e-3)


def test_column_mapping_reaches_the_instance(reference: Any) -> None:
    demand, sites = make_points(3)
    assert reference.weight.tolist() == demand["pop"].tolist()
    assert reference.fixed_cost.tolist() == sites["rent"].tolist()
    assert reference.required.tolist() == sites["open_now"].tolist()
    assert reference.forbidden.tolist() == sites["blocked"].tolist()
    assert reference.demand_ids[0] == "B000"


@pytest.mark.parametrize("names", [("Longitude", "Latitude"), ("lng", "LAT"), ("x", "y")])
def test_csv_coordinate_columns_are_detected(tmp_path: Path, reference: Any,
                                             names: tuple[str, str]) -> None:
    demand, sites = make_points(3)
    crs = "EPSG:3067" if names == ("x", "y") else None  # x/y need their CRS
    d = write_layer(demand, tmp_path / "d.csv", xy_names=names, crs=crs)
    s = write_layer(sites, tmp_path / "s.csv", xy_names=names, crs=crs)
    extra = {"d": {"crs": crs}, "s": {"crs": crs}} if crs else {}
    inst = _instance(_scenario(d, s, **extra))
    # EPSG:3067 is projected, so it is kept: distances differ from UTM 35N only by scale
    dense, ref = inst.cost.to_dense(), reference.cost.to_dense()
    both = np.isfinite(dense) & np.isfinite(ref)
    np.testing.assert_allclose(dense[both], ref[both], rtol=2e-3)


def test_csv_coordinate_override(tmp_path: Path, reference: Any) -> None:
    demand, sites = make_points(3)
    d = write_layer(demand, tmp_path / "d.csv", xy_names=("px", "py"))
    s = write_layer(sites, tmp_path / "s.csv", xy_names=("px", "py"))
    inst = _instance(_scenario(d, s, d={"x": "px", "y": "py", "crs": "EPSG:4326"},
                               s={"x": "px", "y": "py", "crs": "EPSG:4326"}))
    np.testing.assert_allclose(inst.cost.to_dense(), reference.cost.to_dense(), atol=1e-3)


def test_text_ids_survive_csv(tmp_path: Path) -> None:
    demand, sites = make_points(3)
    demand["block"] = [f"0607504{k:02d}.10" for k in range(len(demand))]
    inst = _instance(_scenario(write_layer(demand, tmp_path / "d.csv"),
                               write_layer(sites, tmp_path / "s.csv")))
    assert inst.demand_ids[0] == "060750400.10"


def test_polygons_become_representative_points_with_a_warning(tmp_path: Path) -> None:
    demand, sites = make_points(3)
    utm = demand.to_crs(32635)
    polys = utm.set_geometry(utm.buffer(60.0)).to_crs(4326)
    path = write_layer(polys, tmp_path / "blocks.gpkg")
    progress = Progress()
    sc = _scenario(path, write_layer(sites, tmp_path / "s.gpkg"))
    prepared = pipeline.prepare(sc, progress)
    assert any("representative point" in n for n in progress.notes)
    pts = prepared.layers.demand.to_crs(4326).geometry
    assert (pts.geom_type == "Point").all()
    assert pts.within(polys.geometry.to_crs(4326)).all()


def test_defaults_ids_and_weights(tmp_path: Path) -> None:
    demand, sites = make_points(3)
    d = write_layer(demand.drop(columns=["block"]), tmp_path / "d.geojson")
    sc = validate_scenario({"demand": {"path": str(d)},
                            "sites": {"path": str(write_layer(sites, tmp_path / "s.geojson"))},
                            "problem": {"kind": "p-median", "p": 2}})
    inst = _instance(sc)
    assert inst.demand_ids.tolist() == [str(k + 1) for k in range(len(demand))]
    assert inst.weight.tolist() == [1.0] * len(demand)
    assert not isinstance(inst.cost, SparseCosts)  # no cutoff: dense is allowed


def test_layer_choice_in_multilayer_gpkg(tmp_path: Path) -> None:
    demand, sites = make_points(3)
    path = tmp_path / "both.gpkg"
    demand.to_file(path, layer="blocks", driver="GPKG", engine="pyogrio")
    sites.to_file(path, layer="stores", driver="GPKG", engine="pyogrio")
    sc = _scenario(path, path, d={"layer": "blocks"}, s={"layer": "stores"})
    inst = _instance(sc)
    assert inst.n_demand == len(demand) and inst.n_sites == len(sites)
    assert gpd.list_layers(path)["name"].tolist() == ["blocks", "stores"]


def test_semicolon_csv(tmp_path: Path, reference: Any) -> None:
    demand, sites = make_points(3)
    d = write_layer(demand, tmp_path / "d.csv")
    d.write_text(d.read_text().replace(",", ";"))
    inst = _instance(_scenario(d, write_layer(sites, tmp_path / "s.csv")))
    assert list(inst.demand_ids) == list(reference.demand_ids)
    np.testing.assert_allclose(inst.weight, reference.weight)


def test_points_and_polygons_mix_in_one_layer(tmp_path: Path) -> None:
    """An OSM POI layer: points stay points, polygons give an interior point, counted."""
    demand, sites = make_points(4)
    utm = sites.to_crs(32635)
    geoms = list(utm.geometry)
    for k in (1, 4):
        geoms[k] = geoms[k].buffer(40.0)
    mixed = utm.set_geometry(gpd.GeoSeries(geoms, crs=32635)).to_crs(4326)
    path = write_layer(mixed, tmp_path / "pois.gpkg")
    progress = Progress()
    prepared = pipeline.prepare(_scenario(write_layer(demand, tmp_path / "d.gpkg"), path),
                                progress)
    note = next(n for n in progress.notes if "representative point" in n)
    assert "2 polygon(s)" in note and f"{len(sites) - 2} point(s) kept" in note
    got = prepared.layers.sites.to_crs(4326).geometry
    assert (got.geom_type == "Point").all()
    assert got.to_crs(32635).within(mixed.geometry.to_crs(32635).buffer(1e-6)).all()
    keep = [k for k in range(len(sites)) if k not in (1, 4)]
    assert got.iloc[keep].geom_equals_exact(mixed.geometry.iloc[keep], 1e-9).all()
