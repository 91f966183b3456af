"""The demo district: the committed files are the seeded generator's output, at the promised
scale, and the README scenario validates (the full solve is marked slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siting.testing.district import generate

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "instances" / "demo_district"


def test_generator_is_deterministic_and_realistic() -> None:
    a, b = generate(), generate()
    assert a.blocks.equals(b.blocks) and a.sites.equals(b.sites)
    assert 200_000 <= a.blocks["total"].sum() <= 500_000
    assert 2_000 <= len(a.blocks) <= 5_000
    assert 10 <= a.blocks["district"].nunique() <= 20
    assert 200 <= len(a.sites) <= 900
    assert set(a.sites["kind"]) == {"vacant shop", "community room", "old factory floor"}
    assert (a.sites.filter(like="existing_").sum(axis=1) > 0).sum() > 0
    share60 = a.blocks["elderly"].sum() / a.blocks["total"].sum()
    assert 0.1 < share60 < 0.35
    assert len(a.streets) > 10


def test_committed_files_match_the_generator() -> None:
    gpd = pytest.importorskip("geopandas")
    d = generate()
    blocks = gpd.read_file(DEMO / "demo_district.gpkg", layer="blocks")
    sites = gpd.read_file(DEMO / "demo_district.gpkg", layer="sites")
    assert list(blocks["id"]) == list(d.blocks["id"])
    assert np.array_equal(blocks["elderly"].to_numpy(), d.blocks["elderly"].to_numpy())
    assert np.allclose(blocks.geometry.x, d.blocks["x"]) and np.allclose(sites.geometry.y,
                                                                          d.sites["y"])
    assert list(sites["services"]) == list(d.sites["services"])
    assert (DEMO / "demo_district.gpkg").stat().st_size < 5_000_000


def test_readme_scenario_validates(capsys: pytest.CaptureFixture[str]) -> None:
    from siting.cli import main
    assert main(["validate", str(DEMO / "scenario.toml"), "--quiet"]) == 0


@pytest.mark.slow
def test_readme_command_solves_the_demo_to_optimality(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from siting.cli import main
    out = tmp_path / "demo"
    assert main(["solve", str(DEMO / "scenario.toml"), "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["verified"]["feasible"]
    assert summary["cost"]["total"] <= 30_000_000
    assert (out / "report.html").stat().st_size > 50_000
