"""Outputs: GeoPackage layers readable by geopandas, summary metrics, CSVs, atomic writes,
escaping of user text in the map, progress and quiet flags."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting import pipeline
from siting.outputs import figures
from siting.outputs.progress import PrintProgress, Progress, make_progress
from siting.scenario import validate_scenario

from tests.geo.conftest import gpd, leftovers, make_points, run_cli, write_layer


def _files(tmp: Path, *, sites_ids: list[str] | None = None) -> tuple[Path, Path]:
    demand, sites = make_points(21, n=40, m=9)
    if sites_ids is not None:
        sites["site"] = sites_ids
    return write_layer(demand, tmp / "d.gpkg"), write_layer(sites, tmp / "s.gpkg")


def _solve(capsys: pytest.CaptureFixture[str], d: Path, s: Path, out: Path,
           *args: str) -> dict:
    rc, _, err = run_cli(capsys, "solve", "--demand", d, "--sites", s, "--demand-id", "block",
                         "--weight", "pop", "--site-id", "site", "--site-cost", "rent",
                         "--capacity-col", "cap", "--out", out, *args)
    assert rc == 0, err
    return json.loads((out / "summary.json").read_text())


def test_gpkg_and_tables_for_a_coverage_run(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    d, s = _files(tmp_path)
    out = tmp_path / "out"
    summary = _solve(capsys, d, s, out, "--problem", "mclp", "--radius", "700", "--p", "3")
    assert gpd.list_layers(out / "result.gpkg")["name"].tolist() == ["sites", "demand",
                                                                      "assignments"]
    sites = gpd.read_file(out / "result.gpkg", layer="sites")
    demand = gpd.read_file(out / "result.gpkg", layer="demand")
    lines = gpd.read_file(out / "result.gpkg", layer="assignments")
    assert sites.crs.to_epsg() == 32635 and len(sites) == 9 and len(demand) == 40
    assert set(sites.loc[sites["open"], "site_id"]) == set(summary["open_sites"])
    assert {"required", "load", "utilization", "capacity"} <= set(sites.columns)
    assert {"assigned_site", "travel_cost", "covered"} <= set(demand.columns)
    assert (lines.geom_type == "LineString").all()
    # covered weight in the layer = MCLP objective = metric
    covered_w = float(demand.loc[demand["covered"], "weight"].sum())
    assert covered_w == pytest.approx(summary["objective"])
    assert summary["metrics"]["covered_weight"] == pytest.approx(covered_w)
    assert summary["metrics"]["covered_count"] == int(demand["covered"].sum())
    assert demand.loc[demand["covered"], "travel_cost"].max() <= 700
    # every covered point's line ends at its site; site load sums the covered weight
    assert len(lines) == int(demand["covered"].sum())
    assert sites["load"].sum() == pytest.approx(covered_w)
    np.testing.assert_allclose(sites.loc[sites["open"], "utilization"],
                               sites.loc[sites["open"], "load"] / 4000.0)
    assert summary["metrics"]["site_load"] == {
        r.site_id: pytest.approx(r.load) for r in sites[sites["open"]].itertuples()}
    for name in ("sites", "demand", "assignments"):
        table = pd.read_csv(out / f"{name}.csv")
        assert len(table) == len(gpd.read_file(out / "result.gpkg", layer=name))
    for key in ("status", "objective", "bound", "gap", "open_sites", "backend",
                "formulation", "timings"):
        assert key in summary
    assert (out / "map.png").stat().st_size > 10_000
    assert (out / "travel_cost.png").stat().st_size > 5_000


def test_median_metrics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d, s = _files(tmp_path)
    summary = _solve(capsys, d, s, tmp_path / "o", "--problem", "p-median", "--p", "3")
    demand = gpd.read_file(tmp_path / "o" / "result.gpkg", layer="demand")
    w, c = demand["weight"].to_numpy(), demand["travel_cost"].to_numpy()
    assert summary["objective"] == pytest.approx(float((w * c).sum()))
    assert summary["metrics"]["weighted_mean_cost"] == pytest.approx((w * c).sum() / w.sum())
    assert summary["metrics"]["max_cost"] == pytest.approx(c.max())
    assert summary["metrics"]["covered_count_pct"] == 100.0


def test_cflp_allocations_respect_capacity(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    d, s = _files(tmp_path)
    summary = _solve(capsys, d, s, tmp_path / "o", "--problem", "cflp", "--single-source")
    sites = gpd.read_file(tmp_path / "o" / "result.gpkg", layer="sites")
    assert (sites["load"] <= sites["capacity"] + 1e-6).all()
    assert summary["verified"]["feasible"]


def test_a_failed_write_leaves_nothing(tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    d, s = _files(tmp_path)
    sc = validate_scenario({"demand": {"path": str(d), "id": "block"},
                            "sites": {"path": str(s), "id": "site"},
                            "problem": {"kind": "p-median", "p": 2}})

    def boom(*a: object, **k: object) -> list[str]:
        raise OSError("disk full")

    monkeypatch.setattr(figures, "write_figures", boom)
    results = tmp_path / "results"
    results.mkdir()
    with pytest.raises(OSError, match="disk full"):
        pipeline.run(sc, results / "run", json_path=results / "r.json")
    assert list(results.iterdir()) == []


def test_rerun_replaces_a_previous_run_but_not_foreign_folders(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d, s = _files(tmp_path)
    out = tmp_path / "o"
    first = _solve(capsys, d, s, out, "--problem", "p-median", "--p", "2")
    second = _solve(capsys, d, s, out, "--problem", "p-median", "--p", "4")
    assert first["problem"]["p"] == 2 and second["problem"]["p"] == 4
    assert leftovers(tmp_path) == []
    (out / "notes.txt").write_text("mine")
    rc, _, err = run_cli(capsys, "solve", "--demand", d, "--sites", s, "--problem", "p-median",
                         "--p", "2", "--out", out)
    assert rc == 2 and "notes.txt" in err
    assert (out / "notes.txt").read_text() == "mine"


def test_user_text_is_escaped_in_the_map(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    evil = ['<script>alert("x")</script>', "</script><b>", "a&b", "S'3", '"q"', "ok",
            "<img src=x onerror=alert(1)>", "z", "y"]
    d, s = _files(tmp_path, sites_ids=evil)
    _solve(capsys, d, s, tmp_path / "o", "--problem", "p-median", "--p", "9")
    page = (tmp_path / "o" / "map.html").read_text()
    for text in ("<script>alert", "</script><b>", "<img src=x"):
        assert text not in page
    assert page.count("</script>") == 2  # the data block and the code block only
    assert "http://" not in page.replace('"http://www.w3.org/2000/svg"', "")
    assert "https://" not in page and "<link" not in page


def test_progress_modes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert type(make_progress(quiet=True)) is Progress
    stream = io.StringIO()
    p = make_progress(stream=stream)
    assert isinstance(p, PrintProgress)  # not a TTY: no bars
    with p.step("reading"):
        p.advance(1, 2)
        p.note("detail")
    p.warn("careful")
    assert stream.getvalue() == "siting: warning: careful\n"
    d, s = _files(tmp_path)
    rc, _, err = run_cli(capsys, "solve", "--demand", d, "--sites", s, "--problem", "p-median",
                         "--p", "2", "--verbose")
    assert rc == 0 and "siting: travel costs (euclidean) ..." in err and "working CRS" in err
    rc, out, err = run_cli(capsys, "solve", "--demand", d, "--sites", s, "--problem",
                           "p-median", "--p", "2", "--quiet")
    assert rc == 0 and err == "" and "CRS: EPSG:32635" in out


def test_orlib_path_still_works(shared_instances: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    pmed = shared_instances / "orlib-pmed" / "pmed1.txt"
    if not pmed.is_file():
        pytest.skip("pmed1 not in the shared instances")
    rc, out, err = run_cli(capsys, "solve", pmed, "--problem", "p-median")
    assert rc == 0, err
    assert "p-median on pmed1: optimal" in out
    rc, _, err = run_cli(capsys, "solve", pmed, "--out", "x")
    assert rc == 2 and "--out applies to GIS layers or scenarios" in err


def test_budget_and_ufl_use_the_site_cost_column(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    d, s = _files(tmp_path)
    summary = _solve(capsys, d, s, tmp_path / "b", "--problem", "mclp", "--radius", "500",
                     "--budget", "7")
    sites = gpd.read_file(tmp_path / "b" / "result.gpkg", layer="sites")
    assert sites.loc[sites["open"], "site_cost"].sum() <= 7
    assert summary["verified"]["feasible"]
    summary = _solve(capsys, d, s, tmp_path / "u", "--problem", "ufl")
    sites = gpd.read_file(tmp_path / "u" / "result.gpkg", layer="sites")
    demand = gpd.read_file(tmp_path / "u" / "result.gpkg", layer="demand")
    expected = (sites.loc[sites["open"], "site_cost"].sum()
                + (demand["weight"] * demand["travel_cost"]).sum())
    assert summary["objective"] == pytest.approx(expected, rel=1e-9)
