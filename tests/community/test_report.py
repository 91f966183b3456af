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
    cols = data["sites"]["columns"]  # costs, then the operating view (users per service point)
    assert "total_cost" in cols
    assert all(c.startswith(("users_", "threshold_", "utilisation_", "deficit_", "annual_"))
               for c in cols[cols.index("total_cost") + 1:])


def test_links_join_each_credited_block_to_its_nearest_hosting_site(solved) -> None:  # type: ignore[no-untyped-def]
    inst, prob, res = solved
    lk = report_data(inst, prob, res)["map"]["links"]
    c = res.check
    got = {(s, i): (j, d) for s, i, j, d in zip(lk["service"], lk["block"], lk["site"], lk["cost"])}
    for s in range(len(prob.services)):
        pr = inst.pairs[s]
        ok = (c.used & c.hosts[:, s])[pr.j]
        credited = set(np.flatnonzero(c.best_tier[:, s] >= 0).tolist())
        assert {i for (t, i) in got if t == s} == credited
        for i in credited:
            sel = ok & (pr.i == i)
            j, d = got[(s, i)]
            assert d == pytest.approx(pr.d[sel].min(), abs=0.06) and c.used[j] and c.hosts[j, s]
    assert got


def test_network_lines_are_drawn_with_their_legend(solved) -> None:  # type: ignore[no-untyped-def]
    inst, prob, res = solved
    (x0, y0), (x1, y1) = inst.demand_xy.min(axis=0), inst.demand_xy.max(axis=0)
    near = [[x0, y0], [x1, y1]]
    far = [[x1 + 5_000, y1], [x1 + 5_100, y1]]
    data = report_data(inst, prob, res, metric="network", network=[near, far],
                       network_note={"edges": 2, "drawn": 2})
    assert data["map"]["network"] == [near]  # outside the map's extent: left out
    html = render_data(data, lang="en")
    assert 'id="layer-network"' in html and 'id="legend-network"' in html
    assert "walking network used for the distances" in html
    assert 'id="legend-network"' not in render_data(report_data(inst, prob, res), lang="en")


def test_infeasible_report_shows_reasons_not_empty_tables() -> None:
    from dataclasses import replace

    from siting.community.solve import infeasible_result

    prob = problem("coverage", budget=80)
    inst = build(11, prob, n=20, m=4)
    why = ["the budget 80 is below the cheapest required opening (120)"]
    res = replace(infeasible_result(prob, "highs", why), notes=())  # as write_outputs does
    data = report_data(inst, prob, res, diagnosis=why)
    for lang in ("en", "zh"):
        html = render_data(data, lang=lang)
        assert "<tbody></tbody>" not in html, lang
        solver = html[html.index('id="sec-solver"'):]
        assert 'href="#no-plan-reasons"' in solver, lang  # points at the reasons, shown once
        top = html[html.index('id="no-plan-reasons"'):html.index('id="sec-solver"')]
        assert html.count(why[0]) == 1 and why[0] in top, lang
    assert "recomputed from the plan" not in render_data(data, lang="en")


def test_infeasible_tie_break_reads_as_the_proof(solved) -> None:  # type: ignore[no-untyped-def]
    inst, prob, res = solved
    data = report_data(inst, prob, res)
    data["result"]["stages"].append({"objective": "tie-break: optimal coverage for at most 79?",
                                     "status": "infeasible", "value": None, "bound": None,
                                     "seconds": 0.1, "nodes": 3})
    html = render_data(data, lang="en")
    row = html[html.index("tie-break: optimal coverage"):]
    row = row[:row.index("</tr>")]
    assert "no plan this cheap keeps the optimum (proved)" in row and ">infeasible<" not in row
