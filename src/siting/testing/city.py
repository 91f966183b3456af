"""Seeded synthetic cities: clustered residential blocks with populations, candidate sites with
costs, and sparse travel costs from KD-tree queries (never a dense n x m array).

Used by ``instances/generators/large_city.py`` and the scale benchmarks so anyone can
reproduce the figures with a seed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from ..instance import Instance, SparseCosts


@dataclass(frozen=True, eq=False)
class City:
    """Coordinates in metres; population per block; opening cost per candidate site."""

    demand_xy: np.ndarray
    population: np.ndarray
    site_xy: np.ndarray
    site_cost: np.ndarray
    seed: int
    side_m: float

    @property
    def name(self) -> str:
        return f"city-{self.demand_xy.shape[0]}x{self.site_xy.shape[0]}-s{self.seed}"


def generate_city(n_demand: int, n_sites: int, seed: int = 0, side_km: float | None = None,
                  clusters: int | None = None) -> City:
    """A city of ``n_demand`` blocks around ``clusters`` centres (plus 20 % spread uniformly).

    Density is fixed by default (side grows with sqrt(n_demand)); block populations are
    lognormal integers; sites sit near blocks (jittered) and cost more near dense centres.
    """
    rng = np.random.default_rng(seed)
    side = 1000.0 * (side_km if side_km is not None else max(np.sqrt(n_demand) / 8.0, 1.0))
    k = clusters if clusters is not None else max(int(np.sqrt(n_demand) / 4), 1)
    centres = rng.uniform(0.05 * side, 0.95 * side, size=(k, 2))
    spread = rng.uniform(0.02, 0.08, size=k) * side
    n_bg = n_demand // 5
    which = rng.integers(0, k, size=n_demand - n_bg)
    pts = centres[which] + rng.normal(size=(n_demand - n_bg, 2)) * spread[which, None]
    bg = rng.uniform(0, side, size=(n_bg, 2))
    demand_xy = np.clip(np.vstack((pts, bg)), 0, side)
    population = np.maximum(np.round(rng.lognormal(5.5, 0.8, size=n_demand)), 1.0)
    host = rng.choice(n_demand, size=n_sites, replace=n_sites > n_demand)
    site_xy = np.clip(demand_xy[host] + rng.normal(scale=150.0, size=(n_sites, 2)), 0, side)
    # denser neighbourhoods -> dearer land: cost rises with the number of blocks within 1 km
    crowd = cKDTree(demand_xy).query_ball_point(site_xy, 1000.0, return_length=True)
    crowd = np.asarray(crowd, dtype=float)
    base = rng.uniform(50, 150, size=n_sites)
    site_cost = np.round(base * (1.0 + crowd / max(float(crowd.mean()), 1.0)))
    return City(demand_xy, population, site_xy, site_cost, seed, side)


def _instance(city: City, costs: SparseCosts, name: str) -> Instance:
    n, m = city.demand_xy.shape[0], city.site_xy.shape[0]
    return Instance(cost=costs, weight=city.population, demand_ids=np.arange(n),
                    site_ids=np.arange(m), fixed_cost=city.site_cost, name=name)


def radius_instance(city: City, radius: float) -> Instance:
    """Sparse Euclidean costs for every (block, site) pair within ``radius`` metres."""
    dem, sit = cKDTree(city.demand_xy), cKDTree(city.site_xy)
    pairs = dem.sparse_distance_matrix(sit, radius, output_type="ndarray")
    n, m = city.demand_xy.shape[0], city.site_xy.shape[0]
    costs = SparseCosts.from_pairs(pairs["i"], pairs["j"], pairs["v"], (n, m))
    return _instance(city, costs, f"{city.name}-r{radius:g}")


def knn_instance(city: City, k: int) -> Instance:
    """Sparse Euclidean costs to each block's ``k`` nearest sites (a p-median candidate list).

    Pairs beyond the k nearest count as unreachable in this instance; any solution feasible
    here costs the same in the full Euclidean problem (each block still uses its nearest open
    site, which is among its k nearest).
    """
    n, m = city.demand_xy.shape[0], city.site_xy.shape[0]
    k = min(k, m)
    d, j = cKDTree(city.site_xy).query(city.demand_xy, k=k)
    d, j = np.asarray(d).reshape(n, k), np.asarray(j).reshape(n, k)
    i = np.repeat(np.arange(n), k)
    costs = SparseCosts.from_pairs(i, j.ravel(), d.ravel(), (n, m))
    return _instance(city, costs, f"{city.name}-knn{k}")


def write_city(city: City, folder: Path) -> tuple[Path, Path]:
    """Write ``demand.csv`` (id,x,y,population) and ``sites.csv`` (id,x,y,cost)."""
    folder.mkdir(parents=True, exist_ok=True)
    demand, sites = folder / "demand.csv", folder / "sites.csv"
    with open(demand, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "x", "y", "population"])
        for k, ((x, y), p) in enumerate(zip(city.demand_xy, city.population)):
            w.writerow([k, f"{x:.1f}", f"{y:.1f}", int(p)])
    with open(sites, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "x", "y", "cost"])
        for k, ((x, y), c) in enumerate(zip(city.site_xy, city.site_cost)):
            w.writerow([k, f"{x:.1f}", f"{y:.1f}", int(c)])
    return demand, sites


#: a projected CRS in metres for the synthetic coordinates (UTM zone 50N, around Beijing)
CITY_CRS = "EPSG:32650"
_ORIGIN = (400_000.0, 4_400_000.0)


def write_city_layers(city: City, folder: Path) -> tuple[Path, Path]:
    """Like :func:`write_city`, but coordinates shifted into UTM 50N so GIS tools place them."""
    shifted = City(city.demand_xy + _ORIGIN, city.population, city.site_xy + _ORIGIN,
                   city.site_cost, city.seed, city.side_m)
    return write_city(shifted, folder)


def scenario_toml(name: str, demand: Path, sites: Path, problem: dict[str, object],
                  time_limit: float | None = None, formulation: str | None = None,
                  maps: bool = False) -> str:
    """A scenario file (siting.scenario format) for a generated city."""
    lines = [f'name = "{name}"', "", "[demand]", f'path = "{demand.name}"', 'x = "x"', 'y = "y"',
             f'crs = "{CITY_CRS}"', 'weight = "population"', "", "[sites]",
             f'path = "{sites.name}"', 'x = "x"', 'y = "y"', f'crs = "{CITY_CRS}"',
             'cost = "cost"', "", "[distance]", 'metric = "euclidean"', "", "[problem]"]
    for key, value in problem.items():
        lines.append(f'{key} = "{value}"' if isinstance(value, str) else f"{key} = {value}")
    lines += ["", "[solver]"]
    if time_limit is not None:
        lines.append(f"time_limit = {time_limit}")
    if formulation is not None:
        lines.append(f'formulation = "{formulation}"')
    lines += ["", "[outputs]", "gpkg = false", "csv = true", f"html = {str(maps).lower()}",
              f"png = {str(maps).lower()}", ""]
    return "\n".join(lines)
