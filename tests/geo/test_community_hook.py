"""Problem kind "community" is validated by the scenario and handed to siting.community.pipeline."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from siting import pipeline
from siting.errors import SpecError
from siting.outputs.progress import Progress
from siting.scenario import PROBLEM_KINDS, validate_scenario

from .conftest import make_points, write_layer

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
    assert "community" in PROBLEM_KINDS
    sc = _scenario(tmp_path)
    assert sc.problem.kind == "community"
    assert sc.problem.services[0].name == "childcare"  # expanded from the catalogue


def test_community_run_is_delegated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sc = _scenario(tmp_path)
    seen: dict[str, Any] = {}

    def run(scenario: Any, demand: Any, sites: Any, out_dir: Path | None, *,
            layers: pipeline.Layers, progress: Progress) -> dict[str, Any]:
        i, j, d = layers.pairs(500.0, np.array([]), np.array([]))
        seen.update(scenario=scenario, n=len(demand), m=len(sites), pairs=(i, j, d),
                    crs=layers.crs)
        return {"status": "optimal", "objective": 1.0}

    fake = types.ModuleType("siting.community.pipeline")
    fake.run = run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "siting.community.pipeline", fake)
    outcome = pipeline.run(sc)
    assert outcome.has_solution and outcome.summary["objective"] == 1.0
    assert seen["scenario"] is sc and (seen["n"], seen["m"]) == (10, 4)
    assert seen["crs"].to_epsg() == 4326
    i, j, d = seen["pairs"]
    assert len(i) == len(j) == len(d) > 0 and (d <= 500.0).all()


def test_community_without_its_pipeline_is_a_clean_error(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    sc = _scenario(tmp_path)
    monkeypatch.setitem(sys.modules, "siting.community.pipeline", None)  # import fails
    with pytest.raises(SpecError, match="needs siting.community.pipeline"):
        pipeline.run(sc)
