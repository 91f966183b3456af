"""Problem kind "community" is a registered kind: the scenario validates it and the pipeline
drives it through its registered driver with the layers and travel costs it read."""

from __future__ import annotations

import dataclasses
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from siting import kinds, pipeline
from siting.errors import SpecError
from siting.geo.costs import CostRequest
from siting.outputs.progress import Progress
from siting.protocol import Prepared, RunOutcome
from siting.scenario import PROBLEM_KINDS, validate_scenario

from tests.geo.conftest import make_points, write_layer

pytest.importorskip("siting.community.spec")


def _scenario(tmp: Path) -> Any:
    demand, sites = make_points(17, n=10, m=4)
    return validate_scenario({
        "demand": {"path": str(write_layer(demand, tmp / "d.gpkg"))},
        "sites": {"path": str(write_layer(sites, tmp / "s.gpkg"))},
        "distance": {"metric": "haversine"},
        "problem": {"kind": "community", "catalogue": "default", "services": ["childcare"]},
    })


def test_community_is_a_scenario_problem_kind(tmp_path: Path) -> None:
    assert "community" in PROBLEM_KINDS and "community" in kinds.names()
    assert "community" not in kinds.flag_kinds()  # scenario files only
    sc = _scenario(tmp_path)
    assert sc.problem.kind == "community"
    assert sc.problem.services[0].name == "childcare"  # expanded from the catalogue


def test_community_run_goes_through_its_registered_driver(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sc = _scenario(tmp_path)
    seen: dict[str, Any] = {}

    class Fake:
        def cost_request(self, scenario: Any, layers: Any) -> CostRequest:
            import numpy as np
            n, m = len(layers.demand), len(layers.sites)
            return CostRequest(500.0, np.arange(n).astype(str), np.arange(m).astype(str))

        def prepare(self, scenario: Any, layers: Any, costs: Any, request: Any,
                    progress: Progress) -> Prepared:
            seen.update(scenario=scenario, n=len(layers.demand), m=len(layers.sites),
                        pairs=costs.pairs(), crs=layers.crs)
            return Prepared(scenario, layers, costs, None, scenario.problem, 0.0)

        def solve(self, prepared: Prepared, progress: Progress) -> str:
            return "solved"

        def write(self, prepared: Prepared, solved: str, targets: Any,
                  progress: Progress) -> RunOutcome:
            return RunOutcome({"status": "optimal", "objective": 1.0, "solved": solved}, "", True)

    fake = types.ModuleType("fake_community_driver")
    fake.DRIVER = Fake()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_community_driver", fake)
    entry = dataclasses.replace(kinds.get("community"), driver="fake_community_driver:DRIVER")
    monkeypatch.setitem(kinds._KINDS, "community", entry)
    outcome = pipeline.run(sc)
    assert outcome.has_solution and outcome.summary == {"status": "optimal", "objective": 1.0,
                                                        "solved": "solved"}
    assert seen["scenario"] is sc and (seen["n"], seen["m"]) == (10, 4)
    assert seen["crs"].to_epsg() == 4326
    i, j, d = seen["pairs"]
    assert len(i) == len(j) == len(d) > 0 and (d <= 500.0).all()


def test_an_unregistered_kind_is_a_clean_error() -> None:
    with pytest.raises(SpecError, match="unknown problem kind 'no-such-kind'"):
        kinds.get("no-such-kind")
