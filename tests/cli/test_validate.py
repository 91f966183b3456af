"""`siting validate` tells the truth: exit 1 with the reasons (naming the keys) when the
scenario cannot be feasible; --json and text carry the same verdict (#14.1, #14.4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siting.cli import main

from .conftest import scenario


def test_infeasible_scenario_exits_1_with_reasons(district_dir: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(district_dir, "space300", space=300)
    assert main(["validate", str(path)]) == 1
    text = capsys.readouterr().out
    assert "infeasible" in text and ": ok:" not in text
    assert "problem.rules.space_per_100_households" in text
    assert main(["validate", "--json", str(path)]) == 1
    found = json.loads(capsys.readouterr().out)
    assert found["verdict"] == "infeasible"
    assert found["infeasible_because"]
    for reason in found["infeasible_because"]:  # the text printed every reason of the JSON
        assert reason in text


def test_feasible_scenario_exits_0(district_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(district_dir, "ok")
    assert main(["validate", str(path)]) == 0
    assert ": ok:" in capsys.readouterr().out
    assert main(["validate", "--json", str(path)]) == 0
    found = json.loads(capsys.readouterr().out)
    assert found["verdict"] == "ok" and found["infeasible_because"] == []


def test_validate_set_overrides_a_key(district_dir: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(district_dir, "ok2")
    assert main(["validate", str(path), "--set",
                 "problem.rules.space_per_100_households=300"]) == 1
    assert "problem.rules.space_per_100_households = 300" in capsys.readouterr().out


def test_budget_below_every_module_warns(district_dir: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(district_dir, "cheap")
    assert main(["validate", "--json", str(path), "--set", "problem.budget=6000"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert any("no module is affordable" in w for w in found["warnings"]), found["warnings"]
