"""The shipped viability scenario solves to proven optimality with users per module."""

from __future__ import annotations

from pathlib import Path

from siting.pipeline import run
from siting.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parents[2] / "instances" / "demo_district" / \
    "scenario_viability.toml"


def test_viability_demo_is_proven_with_users_per_module(tmp_path: Path) -> None:
    out = run(load_scenario(SCENARIO), tmp_path / "out")
    summary = out.summary
    assert summary["status"] == "optimal" and summary["tie_break"] == "proven"
    assert summary["verified"]["feasible"]
    new = [m for m in summary["modules"] if m["status"] == "new" and m["threshold"]]
    assert new, "no new module with a viability threshold was opened"
    assert all(m["users"] >= m["threshold"] for m in new)
    assert summary["operations"]["subsidy_needed"] <= summary["operations"]["subsidy_budget"]
    assert (tmp_path / "out" / "sites.csv").read_text().count("users_convenience_store") == 1
