"""`--set KEY=VALUE` and the common flags override scenario keys; the run log and summary.json
say what was changed (#14.9); community summary.json has the README's timings (#14.13)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siting import overrides
from siting.cli import main
from siting.errors import SpecError
from siting.scenario import load_scenario

from .conftest import scenario


def test_values_are_toml_or_text() -> None:
    assert overrides.parse(["problem.budget=3e6", "solver.backend=cbc", "a.b=true",
                            "x.y=[1, 2]"]) == {"problem.budget": 3e6, "solver.backend": "cbc",
                                               "a.b": True, "x.y": [1, 2]}
    with pytest.raises(SpecError, match="expected KEY=VALUE"):
        overrides.parse(["problem.budget"])


def test_overrides_are_validated_like_the_file(district_dir: Path) -> None:
    path = scenario(district_dir, "o1")
    sc = load_scenario(path, overrides=["problem.budget=3e6", "solver.time_limit=60"])
    assert sc.problem.budget == 3e6 and sc.solver.time_limit == 60
    assert sc.overrides == {"problem.budget": 3e6, "solver.time_limit": 60}
    with pytest.raises(SpecError, match=r"--set problem\.budgt=3: problem\.budgt: unknown key"):
        load_scenario(path, overrides=["problem.budgt=3"])
    with pytest.raises(SpecError, match=r"--set solver\.time_limit=-1: solver\.time_limit"):
        load_scenario(path, overrides=["solver.time_limit=-1"])


def test_solve_flags_and_set_reach_summary(district_dir: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(district_dir, "o2")
    out = tmp_path / "out"
    code = main(["solve", str(path), "--budget", "2e6", "--time-limit", "30", "--backend",
                 "highs", "--set", "problem.rules.new_site_min_core=1", "--out", str(out)])
    assert code == 0
    err = capsys.readouterr().err
    assert "override problem.budget = 2000000.0" in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overrides"] == {"problem.rules.new_site_min_core": 1,
                                    "problem.budget": 2e6, "solver.time_limit": 30.0,
                                    "solver.backend": "highs"}
    assert summary["cost"]["budget"] == 2e6
    for key in ("read", "build", "solve", "total"):
        assert isinstance(summary["timings"][key], float), key
    assert summary["timings"]["total"] >= summary["timings"]["read"]


def test_layer_flags_still_refused_with_a_scenario(district_dir: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(district_dir, "o3")
    assert main(["solve", str(path), "--metric", "haversine"]) == 2
    assert "--set KEY=VALUE" in capsys.readouterr().err


def test_solve_help_does_not_promise_community_pngs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["solve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "community: report.html, result.gpkg, summary.json and CSV tables" in text


def test_frontier_takes_set(district_dir: Path, tmp_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(district_dir, "o4")
    code = main(["frontier", str(path), "--budgets", "1e6,2e6", "--out", str(tmp_path / "f"),
                 "--set", "problem.rules.new_site_min_core=1", "--backend", "highs"])
    assert code == 0
    err = capsys.readouterr().err
    assert "override problem.rules.new_site_min_core = 1" in err
    assert "override solver.backend = 'highs'" in err
