"""Scenario files end to end: `siting solve` writes the report, tables and GeoPackage;
`siting frontier` writes a monotone frontier; bad input is one line and exit code 2."""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting.cli import main
from siting.testing.district import LAYERS, small, write_folder
from tests.conftest import chromium_executable

SCENARIO = """
name = "tiny"
""" + LAYERS + """[problem]
kind = "community"
objective = "{objective}"
{budget}
catalogue = "default"
streets = "d.gpkg#streets"
services = ["elderly_care", {{ name = "childcare", weight = 3 }}, "meals"]
{extra}
[problem.rules]
space_per_100_households = 0
new_site_min_services = 2
new_site_min_core = 2
"""


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = small()
    d.sites.loc[0, "name"] = "<b>Shop & Co</b>"
    return write_folder(tmp_path_factory.mktemp("district"), d)


def _scenario(folder: Path, objective: str = "coverage", budget: str = "budget = 6_000_000",
              extra: str = "") -> Path:
    path = folder / f"{objective}.toml"
    path.write_text(SCENARIO.format(objective=objective, budget=budget, extra=extra))
    return path


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for key, value in attrs:
            if key in ("src", "href") and value and re.match(r"https?:|//", value):
                self.external.append(value)


def test_solve_writes_verified_outputs(district: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = district / "out"
    rc = main(["solve", str(_scenario(district)), "--out", str(out), "--quiet"])
    assert rc == 0, capsys.readouterr().err
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "result.gpkg", "summary.json", "sites.csv", "blocks.csv",
            "coverage.csv", "compliance.csv"} <= names
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["tie_break"] == "proven"
    assert summary["verified"]["feasible"]
    # the reported figures are the tables' figures
    sites = pd.read_csv(out / "sites.csv")
    assert sites["total_cost"].sum() == pytest.approx(summary["cost"]["total"])
    assert summary["cost"]["total"] <= 6_000_000
    blocks = pd.read_csv(out / "blocks.csv")
    weights = {"elderly_care": 1.0, "childcare": 3.0, "meals": 1.0}
    total = sum(w * blocks[f"{s}_credited"].sum() for s, w in weights.items())
    assert total == pytest.approx(summary["objective"], rel=1e-9)
    cov = pd.read_csv(out / "coverage.csv")
    allrow = cov[(cov.service == "childcare") & (cov.district == "ALL")].iloc[0]
    assert allrow.credited == pytest.approx(summary["coverage"]["childcare"]["credited"])
    import geopandas as gpd
    layer = gpd.read_file(out / "result.gpkg", layer="sites")
    assert len(layer) == 40 and layer.crs is not None
    page = (out / "report.html").read_text()
    parser = _Collect()
    parser.feed(page)
    assert "svg" in parser.tags and "table" in parser.tags and not parser.external
    assert "&lt;b&gt;Shop &amp; Co&lt;/b&gt;" in page and "<b>Shop" not in page
    assert "Standards compliance" in page and "导则" in page


def test_rerun_replaces_the_folder(district: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = district / "again"
    for _ in range(2):
        assert main(["solve", str(_scenario(district)), "--out", str(out), "--quiet"]) == 0


def test_infeasible_targets_are_explained(district: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    path = _scenario(district, "cost", budget="",
                     extra='targets = { childcare = { district = 0.99 } }')
    out = district / "infeasible"
    rc = main(["solve", str(path), "--out", str(out), "--quiet"])
    text = capsys.readouterr().out
    assert rc == 1
    assert "childcare target 99% in community" in text and "cannot be met" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "infeasible" and summary["infeasible_because"]


@pytest.mark.parametrize("column,value,needle", [
    ("area", -5.0, "column 'area'"),
    ("existing_meals", 1.5, "not a whole number"),
])
def test_bad_site_values_are_one_line_errors(district: Path, capsys: pytest.CaptureFixture[str],
                                             column: str, value: float, needle: str) -> None:
    import geopandas as gpd
    folder = district / f"bad_{column}"
    folder.mkdir()
    for layer in ("blocks", "sites", "streets"):
        gdf = gpd.read_file(district / "d.gpkg", layer=layer)
        if layer == "sites":
            gdf[column] = 0.0 if column not in gdf else gdf[column]
            gdf.loc[3, column] = value
        gdf.to_file(folder / "d.gpkg", layer=layer, driver="GPKG")
    out = folder / "out"
    rc = main(["solve", str(_scenario(folder)), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err.strip()
    assert rc == 2 and needle in err and "feature 4" in err and "\n" not in err
    assert not out.exists()


def test_unknown_service_and_key_are_spec_errors(district: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    bad = district / "bad.toml"
    bad.write_text(SCENARIO.format(objective="coverage", budget="budget = 1", extra="")
                   .replace('"meals"]', '"karaoke"]'))
    assert main(["solve", str(bad), "--quiet"]) == 2
    assert "karaoke" in capsys.readouterr().err


def test_frontier_is_monotone_with_a_knee(district: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = district / "frontier"
    rc = main(["frontier", str(_scenario(district)), "--budgets", "0:9e6:5", "--out", str(out),
               "--cheapest",
               "--quiet"])
    assert rc == 0, capsys.readouterr().err
    df = pd.read_csv(out / "frontier.csv")
    assert list(df.budget) == [0, 2.25e6, 4.5e6, 6.75e6, 9e6]
    assert (df.status == "optimal").all()
    assert np.all(np.diff(df.objective) >= -1e-9)
    assert (df.cost <= df.budget + 1e-6).all()
    assert df.knee.sum() <= 1
    assert (df.tie_break == "proven").all()
    assert (out / "frontier.png").stat().st_size > 5_000


def test_budget_list_parsing() -> None:
    from siting.community.frontier import knee, parse_budgets
    from siting.errors import SpecError
    assert parse_budgets("1e6, 2e6,3e6") == [1e6, 2e6, 3e6]
    assert parse_budgets("0:10:3") == [0.0, 5.0, 10.0]
    for bad in ("a,b", "1:2", "5:1:3", "-1"):
        with pytest.raises(SpecError):
            parse_budgets(bad)
    assert knee(np.array([0, 1, 2, 3, 4.0]), np.array([0, 8, 9, 9.5, 10.0])) == 1
    assert knee(np.array([0, 1, 2.0]), np.array([0, 1, 2.0])) is None


def test_report_renders_offline_in_chromium(district: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    chromium = chromium_executable()
    out = district / "browser"
    assert main(["solve", str(_scenario(district)), "--out", str(out), "--quiet"]) == 0
    with tempfile.TemporaryDirectory() as profile:
        res = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", f"--user-data-dir={profile}",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://0.0.0.0:1",
             "--virtual-time-budget=3000", "--dump-dom", (out / "report.html").as_uri()],
            capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert len(re.findall(r'<circle class="block"', dom)) == 160
    assert len(re.findall(r'<g class="site site-', dom)) >= 1
    assert "Standards compliance" in dom


def test_validate_lists_pairs_and_reasons(district: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _scenario(district, "cost", budget="",
                     extra='targets = { childcare = { district = 0.99 } }')
    assert main(["validate", str(path), "--json"]) == 1  # cannot be feasible: exit 1 (#14.1)
    found = json.loads(capsys.readouterr().out)
    assert found["blocks"] == 160 and found["pairs"]["childcare"] > 0
    assert any("cannot be met" in r for r in found["infeasible_because"])


def test_warm_started_frontier_equals_cold_solves() -> None:
    from siting.community.frontier import frontier
    from siting.community.solve import solve

    from .helpers import build, problem
    prob = problem("coverage", budget=0)
    inst = build(4, prob)
    points, _ = frontier(inst, prob, [90, 30, 60, 0])
    assert [p.budget for p in points] == [0, 30, 60, 90]
    for p in points:
        cold = solve(inst, prob.with_budget(p.budget), tie_break=False)
        assert p.status == "optimal" and p.tie_break == "skipped"
        assert p.objective == pytest.approx(cold.objective, rel=1e-9)
    assert all(a.objective <= b.objective + 1e-9 for a, b in zip(points, points[1:]))


def test_capacitated_service_writes_allocations(district: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = district / "cap.toml"
    path.write_text(SCENARIO.format(objective="coverage", budget="budget = 6_000_000", extra="")
                    .replace('{ name = "childcare", weight = 3 }',
                             '{ name = "childcare", weight = 3, capacity = 15 }'))
    out = district / "cap"
    assert main(["solve", str(path), "--out", str(out), "--quiet"]) == 0
    alloc = pd.read_csv(out / "allocations.csv")
    sites = pd.read_csv(out / "sites.csv").set_index("id")
    load = alloc.groupby("site")["persons"].sum()
    modules = sites["existing_childcare"] + sites["new_childcare"]
    assert (load <= 15 * modules.reindex(load.index) + 1e-6).all()
    summary = json.loads((out / "summary.json").read_text())
    credited = (alloc["persons"] * alloc["credit"]).sum()
    assert credited == pytest.approx(summary["coverage"]["childcare"]["credited"], rel=1e-9)
