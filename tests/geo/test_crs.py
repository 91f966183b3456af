"""CRS handling: UTM zone from the data, reprojection of mixed layers, the run's CRS reported."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siting import pipeline
from siting.errors import DataError
from siting.outputs.progress import Progress
from siting.scenario import validate_scenario

from .conftest import make_points, write_layer


def _prepare(d: Path, s: Path, metric: str = "euclidean", **dist: object) -> pipeline.Prepared:
    sc = validate_scenario({"demand": {"path": str(d), "id": "block"},
                            "sites": {"path": str(s), "id": "site"},
                            "distance": {"metric": metric, **dist},
                            "problem": {"kind": "p-median", "p": 2}})
    return pipeline.prepare(sc, Progress())


@pytest.fixture
def lonlat(tmp_path: Path) -> tuple[Path, Path]:
    demand, sites = make_points(9)
    return write_layer(demand, tmp_path / "d.gpkg"), write_layer(sites, tmp_path / "s.gpkg")


def test_geographic_inputs_go_to_the_local_utm_zone(lonlat: tuple[Path, Path]) -> None:
    p = _prepare(*lonlat)
    assert p.layers.crs.to_epsg() == 32635  # 26.95°E, 60.5°N: UTM zone 35N
    assert p.layers.crs_label.startswith("EPSG:32635")
    assert p.distance["units"] == "metre"


def test_csv_lonlat_is_wgs84(tmp_path: Path) -> None:
    demand, sites = make_points(9)
    p = _prepare(write_layer(demand, tmp_path / "d.csv"), write_layer(sites, tmp_path / "s.csv"),
                 "haversine")
    assert p.layers.crs.to_epsg() == 4326


def test_layers_in_different_crs_are_reprojected(tmp_path: Path,
                                                 lonlat: tuple[Path, Path]) -> None:
    _, sites = make_points(9)
    s3857 = write_layer(sites.to_crs(3857), tmp_path / "s3857.gpkg")
    mixed = _prepare(lonlat[0], s3857)
    same = _prepare(*lonlat)
    assert mixed.layers.crs.to_epsg() == 3857  # the projected input CRS is used
    # Web Mercator stretches distances by 1/cos(lat); the structure is the same
    ratio = mixed.instance.dense_cost() / same.instance.dense_cost()
    np.testing.assert_allclose(ratio, 1 / np.cos(np.radians(60.53)), rtol=5e-3)
    forced = _prepare(lonlat[0], s3857, crs="EPSG:32635")
    np.testing.assert_allclose(forced.instance.dense_cost(), same.instance.dense_cost(),
                               atol=1e-6)


def test_projected_input_crs_is_kept(tmp_path: Path) -> None:
    demand, sites = make_points(9)
    p = _prepare(write_layer(demand.to_crs(3067), tmp_path / "d.gpkg"),
                 write_layer(sites.to_crs(3067), tmp_path / "s.gpkg"))
    assert p.layers.crs.to_epsg() == 3067


def test_haversine_agrees_with_projected_euclidean(lonlat: tuple[Path, Path]) -> None:
    hav = _prepare(*lonlat, "haversine").instance.dense_cost()
    euc = _prepare(*lonlat).instance.dense_cost()
    # sphere (haversine) vs ellipsoid (UTM): up to ~0.4 % apart at 60°N
    np.testing.assert_allclose(hav, euc, rtol=6e-3)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_missing_crs_on_one_layer_is_an_error(tmp_path: Path) -> None:
    demand, sites = make_points(9)
    d = write_layer(demand, tmp_path / "d.gpkg")
    s = write_layer(sites.set_crs(None, allow_override=True), tmp_path / "nocrs.shp")
    with pytest.raises(DataError, match="nocrs.shp: the sites layer has no CRS"):
        _prepare(d, s)


def test_planar_layers_without_crs(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("id,x,y\n1,0,0\n2,3,4\n")
    (tmp_path / "s.csv").write_text("id,x,y\nA,0,0\n")
    sc = validate_scenario({"demand": {"path": str(tmp_path / "d.csv")},
                            "sites": {"path": str(tmp_path / "s.csv")},
                            "problem": {"kind": "p-median", "p": 1}})
    p = pipeline.prepare(sc, Progress())
    assert p.layers.crs is None and "planar" in p.layers.crs_label
    assert p.instance.dense_cost()[:, 0].tolist() == [0.0, 5.0]
    sc2 = sc.model_copy(update={"distance": sc.distance.model_copy(update={"metric": "haversine"})})
    with pytest.raises(DataError, match="need layers with a CRS"):
        pipeline.prepare(sc2, Progress())
