"""A phased scenario end to end: summary.json `phases`, per-phase CSVs, the GeoPackage's
opening phase, the report's roadmap; a scenario with one phase gives today's answer."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from siting.cli import main
from siting.testing.district import small, write_folder

SCENARIO = """
name = "tiny-phased"
[demand]
path = "d.gpkg"
layer = "blocks"
[sites]
path = "d.gpkg"
layer = "sites"
{phases}
[problem]
kind = "community"
objective = "coverage"
{budget}
carry_over = {carry}
catalogue = "default"
services = ["elderly_care", {{ name = "childcare", weight = 3 }}, "meals"]
[problem.rules]
space_per_100_households = 0
new_site_min_services = 2
new_site_min_core = 2
"""

PHASES = """
[[phases]]
name = "2025"
budget = 2_000_000
[[phases]]
name = "2026"
budget = 1_500_000
growth = { elderly = 1.1 }
[[phases]]
name = "2027"
budget = 1_500_000
growth = { elderly = 1.2, infant = 0.9 }
targets = { elderly_care = { overall = 0.05 } }
"""


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_folder(tmp_path_factory.mktemp("district"), small(n_blocks=120, n_sites=25))


def _run(folder: Path, name: str, phases: str, budget: str = "", carry: str = "false") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(SCENARIO.format(phases=phases, budget=budget, carry=carry))
    out = folder / name
    rc = main(["solve", str(path), "--out", str(out), "--quiet"])
    assert rc == 0
    return out


def test_phased_outputs(district: Path) -> None:
    out = _run(district, "phased", PHASES)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["verified"]["feasible"]
    phases = summary["phases"]
    assert [p["name"] for p in phases] == ["2025", "2026", "2027"]
    budgets = [2_000_000, 1_500_000, 1_500_000]
    assert all(p["cost"] <= b + 1e-6 for p, b in zip(phases, budgets)), "a phase over budget"
    for a, b in zip(phases, phases[1:]):
        assert set(a["open_sites"]) <= set(b["open_sites"]), "what is built stays built"
    assert phases[-1]["open_sites"] == summary["open_sites"]
    assert sum(p["cost"] for p in phases) == pytest.approx(summary["cost"]["total"])
    total = sum(p["coverage_objective"] for p in phases)
    assert total == pytest.approx(summary["objective"], rel=1e-9)
    roadmap = pd.read_csv(out / "phases.csv")
    assert roadmap.groupby("phase")["cost"].sum().to_dict() == pytest.approx(
        {int(p["name"]): p["cost"] for p in phases if p["cost"] > 0})
    for p in phases:
        sites = pd.read_csv(out / f"sites_{p['name']}.csv")
        assert sorted(sites["id"].astype(str)) == sorted(p["open_sites"])
        cov = pd.read_csv(out / f"coverage_{p['name']}.csv")
        row = cov[(cov.service == "elderly_care") & (cov.district == "ALL")].iloc[0]
        assert row.credited == pytest.approx(p["coverage"]["elderly_care"]["credited"])
    import geopandas as gpd
    layer = gpd.read_file(out / "result.gpkg", layer="sites")
    for p in phases:
        opened = set(layer.loc[layer["opened_phase"] == p["name"], "id"].astype(str))
        assert opened == set(p["opened_sites"])
    page = (out / "report.html").read_text()
    assert 'id="sec-roadmap"' in page and "<polyline" in page


def test_one_phase_scenario_is_todays_answer(district: Path) -> None:
    today = _run(district, "today", "", budget="budget = 3_000_000")
    one = _run(district, "one", '[[phases]]\nname = "2025"\nbudget = 3_000_000\n')
    a = json.loads((today / "summary.json").read_text())
    b = json.loads((one / "summary.json").read_text())
    assert "phases" not in a and [p["name"] for p in b["phases"]] == ["2025"]
    for key in ("status", "objective", "open_sites", "new_modules", "cost", "coverage"):
        assert a[key] == b[key] or key == "cost" and a[key]["total"] == b[key]["total"], key


def test_phased_run_replaces_its_own_folder(district: Path) -> None:
    """A second run into a phased run's folder replaces it (its per-phase CSVs are a run's
    own files, not foreign ones)."""
    out = _run(district, "again", PHASES)
    assert (out / "sites_2026.csv").is_file() and (out / "phases.csv").is_file()
    _run(district, "again", PHASES)  # _run asserts exit code 0
    (out / "notes.txt").write_text("mine")
    path = district / "again.toml"
    assert main(["solve", str(path), "--out", str(out), "--quiet"]) == 2, "a foreign file"
