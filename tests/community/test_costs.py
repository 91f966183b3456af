"""The community kind takes its travel costs from siting.geo.costs, exactly as the classical
kinds do: on the same layers and cutoff, a network or OD-table scenario gives the community
instance the very pairs (block, site, cost) the classical Instance gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from siting import pipeline
from siting.community.instance import cutoff
from siting.outputs.progress import Progress
from siting.scenario import validate_scenario

from .helpers import SERVICES, tiny_tables

gpd = pytest.importorskip("geopandas")

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 4_400_000.0


def _layers(tmp: Path) -> tuple[Path, Path]:
    demand, sites = tiny_tables(3, n=14, m=5)
    out = []
    for name, df in (("blocks", demand), ("sites", sites)):
        gdf = gpd.GeoDataFrame(df.drop(columns=["x", "y"]),
                               geometry=gpd.points_from_xy(df["x"] + X0, df["y"] + Y0), crs=UTM)
        path = tmp / f"{name}.gpkg"
        gdf.to_file(path, driver="GPKG")
        out.append(path)
    return out[0], out[1]


def _grid_network(tmp: Path) -> Path:
    """A 100 m street grid over the area, with a few streets missing (paths bend)."""
    rng = np.random.default_rng(0)
    rows = ["u,v,length,u_x,u_y,v_x,v_y"]
    step = 100.0
    for a in range(11):
        for b in range(11):
            for da, db in ((1, 0), (0, 1)):
                if a + da > 10 or b + db > 10 or rng.uniform() < 0.15:
                    continue
                x1, y1 = X0 + a * step, Y0 + b * step
                x2, y2 = X0 + (a + da) * step, Y0 + (b + db) * step
                rows.append(f"n{a}_{b},n{a + da}_{b + db},{step},{x1},{y1},{x2},{y2}")
    path = tmp / "streets.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def _od_table(tmp: Path) -> Path:
    demand, sites = tiny_tables(3, n=14, m=5)
    rng = np.random.default_rng(1)
    lines = ["site_id,demand_id,cost"]
    for s in sites["id"]:
        for d in demand["id"]:
            if rng.uniform() < 0.7:
                lines.append(f"{s},{d},{rng.uniform(50, 900):.3f}")
    path = tmp / "od.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _prepare(blocks: Path, sites: Path, problem: dict[str, Any],
             distance: dict[str, Any]) -> Any:
    sc = validate_scenario({"demand": {"path": str(blocks), "id": "id"},
                            "sites": {"path": str(sites), "id": "id"},
                            "distance": distance, "problem": problem})
    return pipeline.prepare(sc, Progress())


@pytest.mark.parametrize("metric", ["network", "table", "euclidean"])
def test_community_pairs_are_the_classical_costs(tmp_path: Path, metric: str) -> None:
    blocks, sites = _layers(tmp_path)
    distance: dict[str, Any] = {"metric": metric}
    if metric == "network":
        distance["network"] = {"path": str(_grid_network(tmp_path)), "crs": UTM}
    elif metric == "table":
        distance["table"] = {"path": str(_od_table(tmp_path))}
    community = _prepare(blocks, sites, {"kind": "community", "services": SERVICES}, distance)
    reach = cutoff(community.problem)
    classical = _prepare(blocks, sites, {"kind": "p-median", "p": 2},
                         {**distance, "cutoff": reach})
    inst, ref = community.instance, classical.instance
    assert community.distance["metric"] == classical.distance["metric"] == metric
    assert list(inst.demand_ids) == list(ref.demand_ids)
    assert list(inst.site_ids) == list(ref.site_ids)
    dense = ref.dense_cost()
    checked = 0
    for k, svc in enumerate(community.problem.services):
        p = inst.pairs[k]
        # every community pair carries exactly the classical cost ...
        np.testing.assert_array_equal(p.d, dense[p.i, p.j])
        # ... and every classical pair within the tier of a hosting site is a community pair
        hosts = inst.allowed[:, k] | (inst.existing[:, k] > 0)
        ci, cj = np.nonzero(np.isfinite(dense) & (dense <= svc.outer_radius) & hosts[None, :])
        assert set(zip(ci.tolist(), cj.tolist())) == set(zip(p.i.tolist(), p.j.tolist()))
        checked += p.i.size
    assert checked > 0
    if metric == "network":  # the network really bends paths: not the straight line
        straight = _prepare(blocks, sites, {"kind": "p-median", "p": 2},
                            {"metric": "euclidean", "cutoff": reach}).instance.dense_cost()
        finite = np.isfinite(dense) & np.isfinite(straight)
        assert (dense[finite] >= straight[finite] - 1e-6).all()
        assert (dense[finite] > straight[finite] + 1.0).any()
