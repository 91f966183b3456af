"""A seeded synthetic Chinese urban district for the community model's demo and tests.

The district is about 6.4 × 4.8 km (UTM 50N, near Wuhan's latitude) cut by arterial roads every
~400-600 m into superblocks. Superblocks are grouped into communities (社区); each holds
residential blocks (居住街坊 parts) whose age structure depends on the neighbourhood's era:
old work-unit compounds are older, new estates have more young families. Candidate sites are
vacant street shops, community rooms and old factory floors with floor area and retrofit cost;
some community rooms already run an elderly station or a health post (existing modules).

Nothing here is real data: the numbers are plausible orders of magnitude only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ORIGIN = (236_000.0, 3_381_000.0)   # UTM 50N metres
CRS = "EPSG:32650"


@dataclass(frozen=True)
class DemoDistrict:
    blocks: pd.DataFrame       # id, x, y, district, total, elderly, infant, school, households
    sites: pd.DataFrame        # id, x, y, name, kind, area, cost, services, existing_*, forced...
    streets: list[tuple[tuple[float, float], tuple[float, float]]]
    communities: pd.DataFrame  # district, xmin, ymin, xmax, ymax, era


def generate(seed: int = 20240115, *, width: float = 6400.0, height: float = 4800.0,
             n_blocks: int = 3000, n_sites: int = 360, cols: int = 4,
             rows: int = 4) -> DemoDistrict:
    rng = np.random.default_rng(seed)
    xs = _grid_lines(rng, width)
    ys = _grid_lines(rng, height)
    streets = [((x, 0.0), (x, height)) for x in xs] + [((0.0, y), (width, y)) for y in ys]

    # communities: a cols × rows partition of the district, each with an era
    cx = np.linspace(0, width, cols + 1)
    cy = np.linspace(0, height, rows + 1)
    eras = rng.choice(["1980s work-unit", "1990s estate", "2000s estate", "2010s estate"],
                      size=cols * rows, p=[0.3, 0.3, 0.25, 0.15])
    comm = []
    for r in range(rows):
        for c in range(cols):
            k = r * cols + c
            comm.append({"district": f"C{k + 1:02d}", "xmin": cx[c], "ymin": cy[r],
                         "xmax": cx[c + 1], "ymax": cy[r + 1], "era": eras[k]})
    communities = pd.DataFrame(comm)

    # residential blocks: clustered inside superblocks, kept off the arterials
    density = rng.lognormal(0.0, 0.35, size=cols * rows)
    bx = rng.uniform(0, width, n_blocks * 3)
    by = rng.uniform(0, height, n_blocks * 3)
    ci = np.minimum((bx / width * cols).astype(int), cols - 1)
    ri = np.minimum((by / height * rows).astype(int), rows - 1)
    k = ri * cols + ci
    off_road = (_dist_to_lines(bx, xs) > 25) & (_dist_to_lines(by, ys) > 25)
    accept = off_road & (rng.uniform(0, density.max(), bx.size) < density[k])
    idx = np.flatnonzero(accept)[:n_blocks]
    bx, by, k = bx[idx], by[idx], k[idx]
    n = bx.size
    era = communities["era"].to_numpy()[k]
    old = np.isin(era, ["1980s work-unit"])
    new = np.isin(era, ["2010s estate"])
    total = np.round(rng.lognormal(np.log(95), 0.45, n)).clip(20, 600)
    share60 = np.where(old, 0.30, np.where(new, 0.12, 0.20)) + rng.normal(0, 0.03, n)
    share03 = np.where(new, 0.035, np.where(old, 0.015, 0.025)) + rng.normal(0, 0.005, n)
    share612 = np.where(new, 0.09, np.where(old, 0.05, 0.07)) + rng.normal(0, 0.01, n)
    blocks = pd.DataFrame({
        "id": [f"B{i + 1:05d}" for i in range(n)],
        "x": np.round(ORIGIN[0] + bx, 1), "y": np.round(ORIGIN[1] + by, 1),
        "district": communities["district"].to_numpy()[k],
        "total": total.astype(int),
        "elderly": np.round(total * share60.clip(0.03, 0.5)).astype(int),
        "infant": np.round(total * share03.clip(0.0, 0.08)).astype(int),
        "school": np.round(total * share612.clip(0.0, 0.15)).astype(int),
        "households": np.round(total / rng.uniform(2.4, 2.9, n)).astype(int),
    })

    sites = _sites(rng, n_sites, width, height, xs, ys, communities)
    return DemoDistrict(blocks, sites, [((ORIGIN[0] + a[0], ORIGIN[1] + a[1]),
                                         (ORIGIN[0] + b[0], ORIGIN[1] + b[1])) for a, b in streets],
                        communities.assign(xmin=communities.xmin + ORIGIN[0],
                                           xmax=communities.xmax + ORIGIN[0],
                                           ymin=communities.ymin + ORIGIN[1],
                                           ymax=communities.ymax + ORIGIN[1]))


def _grid_lines(rng: np.random.Generator, length: float) -> np.ndarray:
    pos, out = 0.0, []  # type: float, list[float]
    while True:
        pos += rng.uniform(400, 600)
        if pos > length - 150:
            return np.array(out)
        out.append(pos)


def _dist_to_lines(v: np.ndarray, lines: np.ndarray) -> np.ndarray:
    return np.min(np.abs(v[:, None] - lines[None, :]), axis=1)


def _sites(rng: np.random.Generator, m: int, width: float, height: float, xs: np.ndarray,
           ys: np.ndarray, communities: pd.DataFrame) -> pd.DataFrame:
    kinds = rng.choice(["vacant shop", "community room", "old factory floor"], size=m,
                       p=[0.6, 0.28, 0.12])
    x = np.empty(m)
    y = np.empty(m)
    # shops line the arterials; rooms sit inside estates; factories cluster in two old belts
    shop = kinds == "vacant shop"
    along_x = rng.uniform(size=m) < 0.5
    x[:] = rng.uniform(0, width, m)
    y[:] = rng.uniform(0, height, m)
    sx = shop & along_x
    x[sx] = rng.choice(xs, sx.sum()) + rng.choice([-20.0, 20.0], sx.sum())
    sy = shop & ~along_x
    y[sy] = rng.choice(ys, sy.sum()) + rng.choice([-20.0, 20.0], sy.sum())
    fac = kinds == "old factory floor"
    belt = rng.uniform(size=m) < 0.5
    y[fac & belt] = rng.uniform(0.05, 0.2, (fac & belt).sum()) * height
    x[fac & ~belt] = rng.uniform(0.75, 0.9, (fac & ~belt).sum()) * width
    area = np.where(kinds == "vacant shop", rng.lognormal(np.log(320), 0.6, m),
                    np.where(kinds == "community room", rng.lognormal(np.log(450), 0.4, m),
                             rng.lognormal(np.log(1500), 0.5, m))).round(-1).clip(60, 5000)
    per_m2 = np.where(kinds == "vacant shop", rng.uniform(600, 1200, m),
                      np.where(kinds == "community room", rng.uniform(150, 400, m),
                               rng.uniform(900, 1600, m)))
    cost = (np.round(area * per_m2 / 10_000) * 10_000).astype(int)
    all_services = ["elderly_care", "childcare", "after_school", "meals", "health", "fitness"]
    services = []
    for j in range(m):
        if kinds[j] == "old factory floor":
            allowed = all_services
        elif kinds[j] == "community room":
            allowed = [s for s in all_services if s != "fitness" or rng.uniform() < 0.3]
        else:  # ground-floor shops: childcare needs floors 1-2, fine; fitness rarely
            allowed = [s for s in all_services if rng.uniform() < (0.3 if s == "fitness" else 0.8)]
        services.append(";".join(allowed))
    existing_elderly = np.zeros(m, dtype=int)
    existing_health = np.zeros(m, dtype=int)
    rooms = np.flatnonzero(kinds == "community room")
    picked = rng.choice(rooms, size=min(14, rooms.size), replace=False)
    existing_elderly[picked[:9]] = 1
    existing_health[picked[5:]] = 1
    ci = np.minimum((x / width * len(np.unique(communities.xmin))).astype(int),
                    len(np.unique(communities.xmin)) - 1)
    ri = np.minimum((y / height * len(np.unique(communities.ymin))).astype(int),
                    len(np.unique(communities.ymin)) - 1)
    district = communities["district"].to_numpy()[ri * len(np.unique(communities.xmin)) + ci]
    names = [f"{k.split()[-1].capitalize()} {j + 1}" for j, k in enumerate(kinds)]
    return pd.DataFrame({
        "id": [f"S{j + 1:04d}" for j in range(m)],
        "x": np.round(ORIGIN[0] + x, 1), "y": np.round(ORIGIN[1] + y, 1),
        "name": names, "kind": kinds, "district": district,
        "area": area, "cost": cost, "services": services,
        "existing_elderly_care": existing_elderly, "existing_health": existing_health,
        "forced": np.zeros(m, dtype=bool), "forbidden": np.zeros(m, dtype=bool),
    })


def write(district: DemoDistrict, path: str) -> None:
    """Write blocks, sites, streets and communities as layers of one GeoPackage."""
    import geopandas as gpd
    from shapely.geometry import LineString, box

    blocks = gpd.GeoDataFrame(district.blocks.drop(columns=["x", "y"]),
                              geometry=gpd.points_from_xy(district.blocks.x, district.blocks.y),
                              crs=CRS)
    sites = gpd.GeoDataFrame(district.sites.drop(columns=["x", "y"]),
                             geometry=gpd.points_from_xy(district.sites.x, district.sites.y),
                             crs=CRS)
    streets = gpd.GeoDataFrame({"kind": ["arterial"] * len(district.streets)},
                               geometry=[LineString(s) for s in district.streets], crs=CRS)
    comm = district.communities
    communities = gpd.GeoDataFrame(
        comm[["district", "era"]],
        geometry=[box(a, b, c, d) for a, b, c, d in zip(comm.xmin, comm.ymin, comm.xmax,
                                                         comm.ymax)], crs=CRS)
    for name, layer in (("blocks", blocks), ("sites", sites), ("streets", streets),
                        ("communities", communities)):
        layer.to_file(path, layer=name, driver="GPKG", engine="pyogrio")


def small(seed: int = 3, *, width: float = 2000.0, height: float = 1500.0, n_blocks: int = 160,
          n_sites: int = 40, cols: int = 2, rows: int = 2) -> DemoDistrict:
    """A district small enough for an end-to-end test to solve in seconds (2 × 2 communities,
    160 blocks, 40 sites unless told otherwise)."""
    return generate(seed, width=width, height=height, n_blocks=n_blocks, n_sites=n_sites,
                    cols=cols, rows=rows)


#: the [demand] and [sites] tables of a scenario over :func:`write_folder`'s file
LAYERS = """[demand]
path = "d.gpkg"
layer = "blocks"
[sites]
path = "d.gpkg"
layer = "sites"
"""


def write_folder(folder: Path, district: DemoDistrict | None = None) -> Path:
    """Write ``district`` (default :func:`small`) as ``folder/d.gpkg``, the file the tests'
    scenarios name (layers blocks, sites, streets, communities); return ``folder``."""
    write(small() if district is None else district, str(folder / "d.gpkg"))
    return folder
