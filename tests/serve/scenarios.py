"""Small scenario folders for the workbench tests (community and classical kinds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

from tests.community.helpers import SERVICES, tiny_tables

#: metres on UTM zone 50N: the tiny tables' 0-900 m square moved onto real coordinates
OFFSET = (500_000.0, 4_400_000.0)


def grid_network(path: Path, *, size: float = 1000.0, step: float = 100.0) -> Path:
    """A street grid as an edge list (u, v, length, end coordinates) over the tiny square, a
    few streets missing (seeded): walking paths bend."""
    rng = np.random.default_rng(0)
    k = int(size // step)
    rows = ["u,v,length,u_x,u_y,v_x,v_y"]
    for a in range(k + 1):
        for b in range(k + 1):
            for da, db in ((1, 0), (0, 1)):
                if a + da > k or b + db > k or rng.uniform() < 0.15:
                    continue
                x1, y1 = OFFSET[0] + a * step, OFFSET[1] + b * step
                x2, y2 = OFFSET[0] + (a + da) * step, OFFSET[1] + (b + db) * step
                rows.append(f"n{a}_{b},n{a + da}_{b + db},{step},{x1},{y1},{x2},{y2}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def community_folder(folder: Path, *, seed: int = 3, n: int = 60, m: int = 12,
                     budget: float = 100.0, layers: str = "csv", network: bool = False) -> Path:
    """blocks + sites (CSV or one GeoPackage) and scenario.toml; returns the TOML path.
    ``network``: walking distances on a street grid (streets.csv) instead of straight lines."""
    folder.mkdir(parents=True, exist_ok=True)
    demand, sites = tiny_tables(seed, n=n, m=m)
    for df in (demand, sites):
        df["x"] += OFFSET[0]
        df["y"] += OFFSET[1]
    data: dict = {"name": "tiny", "description": "tiny community test case",
                  "problem": {"kind": "community", "budget": budget, "services": SERVICES,
                              "targets": {"elderly": {"overall": 0.1}}},
                  "solver": {"time_limit": 60}}
    if layers == "csv":
        demand.to_csv(folder / "blocks.csv", index=False)
        sites.to_csv(folder / "sites.csv", index=False)
        data["demand"] = {"path": "blocks.csv", "crs": "EPSG:32650"}
        data["sites"] = {"path": "sites.csv", "crs": "EPSG:32650"}
    else:
        import geopandas as gpd

        path = folder / "tiny.gpkg"
        for name, df in (("blocks", demand), ("sites", sites)):
            gdf = gpd.GeoDataFrame(df.drop(columns=["x", "y"]),
                                   geometry=gpd.points_from_xy(df["x"], df["y"]),
                                   crs="EPSG:32650")
            gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio")
        data["demand"] = {"path": "tiny.gpkg", "layer": "blocks"}
        data["sites"] = {"path": "tiny.gpkg", "layer": "sites"}
    if network:
        grid_network(folder / "streets.csv")
        data["distance"] = {"metric": "network",
                            "network": {"path": "streets.csv", "crs": "EPSG:32650"}}
    out = folder / "scenario.toml"
    out.write_text(tomli_w.dumps(data), encoding="utf-8")
    return out


def pmedian_folder(folder: Path, *, seed: int = 5, n: int = 40, m: int = 10, p: int = 3,
                   problem: dict | None = None) -> Path:
    """A p-median scenario on CSV points (metres), or another classical ``problem``; returns
    the TOML path."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    demand = pd.DataFrame({"id": [f"d{i}" for i in range(n)],
                           "x": OFFSET[0] + rng.uniform(0, 5000, n).round(1),
                           "y": OFFSET[1] + rng.uniform(0, 5000, n).round(1),
                           "w": rng.integers(1, 50, n)})
    sites = pd.DataFrame({"id": [f"f{j}" for j in range(m)],
                          "x": OFFSET[0] + rng.uniform(0, 5000, m).round(1),
                          "y": OFFSET[1] + rng.uniform(0, 5000, m).round(1),
                          "cost": rng.integers(10, 100, m).astype(float)})
    demand.to_csv(folder / "demand.csv", index=False)
    sites.to_csv(folder / "sites.csv", index=False)
    data = {"name": "pmed", "demand": {"path": "demand.csv", "crs": "EPSG:32650", "weight": "w"},
            "sites": {"path": "sites.csv", "crs": "EPSG:32650", "cost": "cost"},
            "problem": problem or {"kind": "p-median", "p": p}, "solver": {"time_limit": 60}}
    out = folder / "scenario.toml"
    out.write_text(tomli_w.dumps(data), encoding="utf-8")
    return out


def edited_copy(toml: Path, dest: Path, **problem: object) -> Path:
    """The scenario with some [problem] keys changed, written beside the original (same
    relative paths): what `siting solve --set problem.KEY=...` will do."""
    import tomllib

    data = tomllib.loads(toml.read_text(encoding="utf-8"))
    data["problem"].update(problem)
    dest.write_text(tomli_w.dumps(data), encoding="utf-8")
    return dest
