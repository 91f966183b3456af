"""report_data: catchments are tier circles (euclidean) or the hull of the blocks a site reaches
(network / table metrics); derived community outlines contain their own blocks; the data is
plain JSON and renders in both languages."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from siting.community.report import render_data, report_data
from siting.community.solve import solve

from .helpers import build, problem


@pytest.fixture(scope="module")
def solved():  # type: ignore[no-untyped-def]
    prob = problem("coverage", budget=80)
    inst = build(11, prob, n=40, m=6)
    res = solve(inst, prob)
    assert res.check is not None
    return inst, prob, res


def test_euclidean_catchments_are_tier_circles(solved) -> None:  # type: ignore[no-untyped-def]
    inst, prob, res = solved
    data = report_data(inst, prob, res, meta={"distance": "euclidean"})
    cat = data["map"]["catchments"]
    want = {(int(j), s, k) for s in range(len(prob.services))
            for j in np.flatnonzero(res.check.used & res.check.hosts[:, s])
            for k in range(len(prob.services[s].tiers))}
    assert {(c["site"], c["service"], c["tier"]) for c in cat} == want and want
    for c in cat:
        x, y, r = c["circle"]
        assert (x, y) == pytest.approx(tuple(inst.site_xy[c["site"]]), abs=0.06)
        assert r == prob.services[c["service"]].tiers[c["tier"]].radius


def test_network_catchments_hold_the_blocks_reached(solved) -> None:  # type: ignore[no-untyped-def]
    inst, prob, res = solved
    data = report_data(inst, prob, res, metric="network")
    assert data["map"]["metric"] == "network"
    for c in data["map"]["catchments"]:
        assert "circle" not in c
        ring = shapely.Polygon(c["ring"]).buffer(0.5)
        pr = inst.pairs[c["service"]]
        sel = (pr.j == c["site"]) & (pr.d <= c["radius"])
        inside = shapely.contains_xy(ring, inst.demand_xy[pr.i[sel], 0],
                                     inst.demand_xy[pr.i[sel], 1])
        assert inside.all()


def test_derived_boundaries_contain_their_blocks(solved) -> None:  # type: ignore[no-untyped-def]
    inst, prob, res = solved
    data = report_data(inst, prob, res)
    m = data["map"]
    assert m["boundary_source"] == "derived"
    assert sorted(b["name"] for b in m["boundaries"]) == sorted(m["districts"])
    for b in m["boundaries"]:
        shape = shapely.unary_union([shapely.Polygon(r) for r in b["rings"]]).buffer(2.5)
        g = m["districts"].index(b["name"])
        pts = inst.demand_xy[inst.district == g]
        assert shapely.contains_xy(shape, pts[:, 0], pts[:, 1]).all(), b["name"]


def test_data_is_json_and_renders_in_both_languages(solved) -> None:  # type: ignore[no-untyped-def]
    inst, prob, res = solved
    data = json.loads(json.dumps(report_data(inst, prob, res, meta={"scenario": "t<b>"}),
                                 allow_nan=False))
    zh, en = render_data(data, lang="zh"), render_data(data, lang="en")
    assert '<html lang="zh-CN">' in zh and '<html lang="en">' in en
    assert "选定站点" in zh and "Selected sites" in en
    assert "t&lt;b&gt;" in zh and "t<b>" not in zh
    assert data["sites"]["columns"][-1] == "total_cost"
