"""Network travel costs on the real OSM extract pyrosm ships, plus GraphML and edge lists.

Costs are checked against networkx shortest paths over the same edges after a brute-force
snap onto the nearest edge (tests/geo/netref.py), which share no code with the csgraph
implementation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from siting import pipeline
from siting.outputs.progress import Progress
from siting.scenario import validate_scenario

from .conftest import gpd, run_cli, write_layer
from .netref import reference_costs

pyrosm = pytest.importorskip("pyrosm")
nx = pytest.importorskip("networkx")

UTM = "EPSG:32635"


@pytest.fixture(scope="module")
def osm() -> dict[str, Any]:
    path = Path(pyrosm.get_data("test_pbf"))
    nodes, edges = pyrosm.OSM(str(path)).get_network(network_type="walking", nodes=True)
    return {"path": path, "nodes": nodes, "edges": edges}


@pytest.fixture(scope="module")
def points(osm: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Demand and sites a few metres off random nodes of the largest connected component."""
    rng = np.random.default_rng(42)
    g = nx.Graph()
    g.add_weighted_edges_from(zip(osm["edges"]["u"], osm["edges"]["v"], osm["edges"]["length"]),
                              weight="length")
    comp = sorted(max(nx.connected_components(g), key=len))
    pick = rng.choice(comp, size=18, replace=False)
    nodes = osm["nodes"].set_index("id").loc[pick]
    pts = gpd.GeoSeries(gpd.points_from_xy(nodes["lon"], nodes["lat"]), crs=4326).to_crs(UTM)
    jitter = rng.normal(0, 8.0, size=(len(pts), 2))
    moved = gpd.points_from_xy(pts.x + jitter[:, 0], pts.y + jitter[:, 1], crs=UTM)
    frame = gpd.GeoDataFrame({"id": [f"P{k}" for k in range(len(pts))]}, geometry=moved)
    tmp = tmp_path_factory.mktemp("net")
    demand, sites = frame.iloc[:12].to_crs(4326), frame.iloc[12:].to_crs(4326)
    return {"graph": g, "demand": write_layer(demand, tmp / "demand.gpkg"),
            "sites": write_layer(sites, tmp / "sites.gpkg"), "tmp": tmp}


def _expected(osm: dict[str, Any], points: dict[str, Any],
              network: Path | None = None) -> np.ndarray:
    """Brute-force edge snap + networkx Dijkstra (tests/geo/netref.py): the reference."""
    from siting.geo.network import load_network

    net = load_network(network or osm["path"])

    def xy(path: Path) -> np.ndarray:
        g = gpd.read_file(path).to_crs(UTM)
        return np.column_stack([g.geometry.x, g.geometry.y])

    return reference_costs(net, net.lines(UTM), xy(points["demand"]), xy(points["sites"]), 500.0)


def _prepare(points: dict[str, Any], network: Path, cutoff: float | None = None,
             **net: Any) -> pipeline.Prepared:
    sc = validate_scenario({
        "demand": {"path": str(points["demand"])}, "sites": {"path": str(points["sites"])},
        "distance": {"metric": "network", "network": {"path": str(network), **net},
                     **({"cutoff": cutoff} if cutoff else {})},
        "problem": {"kind": "p-median", "p": 2}})
    return pipeline.prepare(sc, Progress())


def test_pbf_costs_match_networkx(osm: dict[str, Any], points: dict[str, Any]) -> None:
    prepared = _prepare(points, osm["path"])
    expected = _expected(osm, points)
    got = prepared.instance.dense_cost()
    assert np.isfinite(expected).all()
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-6)
    snap = prepared.distance["snap_m"]
    assert 0 < snap["demand_max"] < 40 and prepared.distance["units"] == "m"


def test_cutoff_limits_the_search_and_stays_sparse(osm: dict[str, Any],
                                                   points: dict[str, Any]) -> None:
    full = _prepare(points, osm["path"]).instance.dense_cost()
    cutoff = float(np.median(full))
    inst = _prepare(points, osm["path"], cutoff).instance
    assert inst.is_sparse
    got = inst.dense_cost()
    within = full <= cutoff
    assert 0 < within.sum() < full.size
    np.testing.assert_allclose(got[within], full[within])
    assert np.isinf(got[~within]).all()


def test_speed_turns_metres_into_minutes(osm: dict[str, Any], points: dict[str, Any]) -> None:
    metres = _prepare(points, osm["path"]).instance.dense_cost()
    minutes = _prepare(points, osm["path"], speed_kmh=4.8).instance.dense_cost()
    np.testing.assert_allclose(minutes, metres / 80.0)  # 4.8 km/h = 80 m/min


def test_graphml_and_edge_list_give_the_same_costs(osm: dict[str, Any],
                                                   points: dict[str, Any]) -> None:
    nodes, edges = osm["nodes"].set_index("id"), osm["edges"]
    g = nx.MultiDiGraph(crs="EPSG:4326")
    for nid, row in nodes.iterrows():
        g.add_node(str(nid), x=float(row["lon"]), y=float(row["lat"]))
    for u, v, length in zip(edges["u"], edges["v"], edges["length"]):
        g.add_edge(str(u), str(v), length=float(length))  # osmnx stores each direction
        g.add_edge(str(v), str(u), length=float(length))
    graphml = points["tmp"] / "walk.graphml"
    nx.write_graphml(g, graphml)
    table = edges[["u", "v", "length"]].copy()
    table["u_x"] = nodes.loc[edges["u"], "lon"].to_numpy()
    table["u_y"] = nodes.loc[edges["u"], "lat"].to_numpy()
    table["v_x"] = nodes.loc[edges["v"], "lon"].to_numpy()
    table["v_y"] = nodes.loc[edges["v"], "lat"].to_numpy()
    csv = points["tmp"] / "edges.csv"
    table.to_csv(csv, index=False, float_format="%.9f")
    # the same ways as pyrosm's walking filter (the profile's tag rules need tags)
    ref = _prepare(points, osm["path"], walk={"filter": "pyrosm"}).instance.dense_cost()
    np.testing.assert_allclose(ref, _expected(osm, points, graphml), rtol=1e-9, atol=1e-6)
    for path in (graphml, csv):
        np.testing.assert_allclose(_prepare(points, path).instance.dense_cost(), ref,
                                   rtol=1e-9, atol=1e-3)


def test_oneway_edges_in_an_edge_list(tmp_path: Path) -> None:
    # a-b-c line, b->c one way: c reaches a only the long way round through d
    (tmp_path / "e.csv").write_text(
        "u,v,length,u_x,u_y,v_x,v_y,oneway\n"
        "a,b,100,0,0,100,0,no\nb,c,100,100,0,200,0,yes\nc,d,500,200,0,200,500,no\n"
        "d,a,500,200,500,0,0,no\n")
    (tmp_path / "d.csv").write_text("id,x,y\nA,0,0\nC,200,0\n")
    (tmp_path / "s.csv").write_text("id,x,y\nSA,0,0\nSC,200,0\n")
    sc = validate_scenario({
        "demand": {"path": str(tmp_path / "d.csv"), "crs": "EPSG:32635"},
        "sites": {"path": str(tmp_path / "s.csv"), "crs": "EPSG:32635"},
        "distance": {"metric": "network",
                     "network": {"path": str(tmp_path / "e.csv"), "crs": "EPSG:32635"}},
        "problem": {"kind": "p-median", "p": 1}})
    cost = pipeline.prepare(sc, Progress()).instance.dense_cost()
    assert cost.tolist() == [[0.0, 200.0], [1000.0, 0.0]]


def test_cli_network_run_writes_outputs(osm: dict[str, Any], points: dict[str, Any],
                                        tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run_cli(capsys, "solve", "--demand", points["demand"], "--sites",
                           points["sites"], "--metric", "network", "--network", osm["path"],
                           "--problem", "p-median", "--p", "2", "--out", tmp_path / "o")
    assert rc == 0, err
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["verified"]["feasible"]
    assert summary["distance"]["metric"] == "network"
    assert summary["distance"]["snap_m"]["sites_max"] > 0
    ref = _expected(osm, points)
    # independent p-median value of the reported sites
    ids = [f"P{k}" for k in range(12, 18)]
    cols = [ids.index(s) for s in summary["open_sites"]]
    assert summary["objective"] == pytest.approx(ref[:, cols].min(axis=1).sum(), rel=1e-9)
