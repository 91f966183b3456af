"""Disconnected networks and unreachable demand: pieces, the unreachable policy, validate."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from siting import Instance, api, pipeline
from siting.formulations import FORMULATIONS
from siting.outputs.progress import Progress
from siting.problems import PCenter, PMedian
from siting.reachability import component_infeasibility, reach_pieces
from siting.scenario import validate_scenario
from siting.solution import Status

from .conftest import run_cli

UTM = "EPSG:32635"


def _two_piece_instance() -> Instance:
    # demand 0-2 reach sites 0-1, demand 3-4 reach site 2; site 3 reaches nobody
    i = np.array([0, 0, 1, 2, 2, 3, 4])
    j = np.array([0, 1, 1, 0, 1, 2, 2])
    cost = np.full((5, 4), np.inf)
    cost[i, j] = np.arange(1, 8, dtype=float)
    return Instance(cost=cost, weight=np.ones(5), demand_ids=np.array(list("abcde")),
                    site_ids=np.array(["S0", "S1", "S2", "S3"]))


def test_pieces_of_the_reachability_graph() -> None:
    pieces = reach_pieces(_two_piece_instance())
    assert pieces.n_with_demand == 2
    assert pieces.demand.tolist() == [0, 0, 0, 1, 1]
    assert pieces.sites.tolist() == [0, 0, 1, -1]


@pytest.mark.parametrize("kind", ["p-median", "p-center"])
def test_every_formulation_reports_infeasible_before_solving(kind: str) -> None:
    inst = _two_piece_instance()
    problem = PMedian(p=1) if kind == "p-median" else PCenter(p=1)
    for name in FORMULATIONS[kind]:
        t0 = time.perf_counter()
        res = api.solve(inst, problem, formulation=name)
        assert res.status is Status.INFEASIBLE, name
        assert any("2 separate pieces" in m for m in res.messages), (name, res.messages)
        assert not res.has_solution and time.perf_counter() - t0 < 2.0
    assert api.solve(inst, problem.model_copy(update={"p": 2})).status is Status.OPTIMAL


def test_required_sites_count_against_p() -> None:
    inst = _two_piece_instance().with_flags(required=["S0", "S1"])
    why = component_infeasibility(inst, PMedian(p=2))
    assert why is not None and "required" in why and "need 3 sites" in why
    assert component_infeasibility(inst, PMedian(p=3)) is None


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path


@pytest.fixture
def split_town(tmp_path: Path) -> dict[str, Path]:
    """Two streets 5 km apart; demand on both, sites on the west one only, one far point."""
    edges = _write(tmp_path, "e.csv", "u,v,length,u_x,u_y,v_x,v_y\n"
                   "a,b,1000,0,0,1000,0\nc,d,1000,5000,0,6000,0\n")
    demand = _write(tmp_path, "d.csv", "id,x,y,pop\nW1,100,10,5\nW2,900,-10,7\n"
                    "E1,5500,5,3\nFAR,500,3000,2\n")
    sites = _write(tmp_path, "s.csv", "id,x,y\nS1,200,0\nS2,800,0\n")
    return {"edges": edges, "demand": demand, "sites": sites, "tmp": tmp_path}


def _scenario(t: dict[str, Path], kind: str = "p-median", **dist: Any) -> Any:
    problem: dict[str, Any] = {"kind": kind}
    problem.update({"p": 1} if kind in ("p-median", "p-center") else
                   {"radius": 2000, "p": 1} if kind == "mclp" else {"radius": 2000})
    network = {"path": str(t["edges"]), "crs": UTM, **dist.pop("network", {})}
    return validate_scenario({
        "demand": {"path": str(t["demand"]), "crs": UTM, "weight": "pop"},
        "sites": {"path": str(t["sites"]), "crs": UTM},
        "distance": {"metric": "network", "network": network, **dist},
        "problem": problem})


def test_unreachable_error_lists_the_ids(split_town: dict[str, Path]) -> None:
    from siting.errors import InfeasibleSpecError

    with pytest.raises(InfeasibleSpecError, match="E1, FAR"):
        pipeline.run(_scenario(split_town))


def test_unreachable_drop_reports_count_and_weight(split_town: dict[str, Path]) -> None:
    progress = Progress()
    out = pipeline.run(_scenario(split_town, unreachable="drop"), progress=progress)
    assert out.summary["status"] == "optimal"
    lost = out.summary["distance"]["unreachable"]
    assert lost["count"] == 2 and lost["weight"] == 5.0 and lost["ids"] == ["E1", "FAR"]
    assert any("dropped 2 demand point(s)" in n and "weight 5" in n for n in progress.notes)
    assert out.result is not None and out.result.instance.n_demand == 2


def test_unreachable_uncovered_is_for_coverage_models(split_town: dict[str, Path]) -> None:
    from siting.errors import SpecError

    out = pipeline.run(_scenario(split_town, "mclp", unreachable="uncovered"))
    assert out.summary["status"] == "optimal"
    assert out.result is not None and out.result.instance.n_demand == 4
    lscp = pipeline.run(_scenario(split_town, "lscp", unreachable="uncovered"))
    assert lscp.summary["status"] == "optimal"
    with pytest.raises(SpecError, match="coverage models"):
        pipeline.run(_scenario(split_town, unreachable="uncovered"))


def test_report_names_pieces_off_network_points_and_access(
        split_town: dict[str, Path]) -> None:
    found = pipeline.validate(_scenario(split_town, unreachable="drop"), Progress())
    rep = found["distance"]["network_report"]
    assert rep["components"] == 2 and rep["components_with_demand"] == 2
    assert rep["components_with_sites"] == 1
    assert rep["demand_in_pieces_without_sites"] == {"count": 1, "ids": ["E1"]}
    assert rep["off_network"]["demand"] == 1 and rep["off_network"]["demand_ids"] == ["FAR"]
    assert rep["access_m"]["demand"]["max"] == pytest.approx(10.0)
    assert rep["access_m"]["demand"]["count"] == 3


def test_largest_component_keeps_one_piece(split_town: dict[str, Path]) -> None:
    # make the east street the bigger piece: E1 stays, the west points are off it
    _write(split_town["tmp"], "e.csv", "u,v,length,u_x,u_y,v_x,v_y\na,b,1000,0,0,1000,0\n"
           "c,d,1000,5000,0,6000,0\nd,e,1000,6000,0,7000,0\n")
    found = pipeline.validate(_scenario(split_town, network={"largest_component": True}),
                              Progress())
    rep = found["distance"]["network_report"]
    assert rep["components"] == 1 and rep["edges"] == 2
    assert rep["off_network"]["demand_ids"] == ["W1", "W2", "FAR"]
    assert rep["off_network"]["sites"] == 2
    assert found["distance"]["unreachable"]["count"] == 4  # no site on the kept piece


def test_cli_validate_shows_pieces_and_infeasibility(split_town: dict[str, Path],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # a site on the east street too: every point reaches a site, but p = 1 < 2 pieces
    _write(split_town["tmp"], "s.csv", "id,x,y\nS1,200,0\nS2,800,0\nS3,5600,0\n")
    _write(split_town["tmp"], "d.csv", "id,x,y,pop\nW1,100,10,5\nW2,900,-10,7\nE1,5500,5,3\n")
    toml = split_town["tmp"] / "run.toml"
    toml.write_text(f'''
[demand]
path = "{split_town['demand']}"
crs = "{UTM}"
weight = "pop"
[sites]
path = "{split_town['sites']}"
crs = "{UTM}"
[distance]
metric = "network"
[distance.network]
path = "{split_town['edges']}"
crs = "{UTM}"
[problem]
kind = "p-median"
p = 1
''')
    rc, out, _ = run_cli(capsys, "validate", toml)
    assert rc == 1, out
    assert "infeasible" in out and "2 separate pieces" in out
    assert "2 connected pieces; demand in 2, sites in 2" in out
    assert "access leg to the network, demand: median" in out
    rc, out, err = run_cli(capsys, "solve", toml, "--json", split_town["tmp"] / "s.json")
    summary = json.loads((split_town["tmp"] / "s.json").read_text())
    assert rc == 1 and summary["status"] == "infeasible", (out, err)


def test_one_piece_is_seen_without_a_pair_list() -> None:
    # a complete dense matrix: the first allowed column reaches everyone, nothing is built
    cost = np.ones((4, 3))
    cost[0, 0] = np.inf
    inst = Instance(cost=cost, weight=np.ones(4), demand_ids=np.arange(4),
                    site_ids=np.arange(3), forbidden=np.array([False, False, True]))
    assert component_infeasibility(inst, PMedian(p=1)) is None
    cost[:, 1] = np.inf  # now site 0 misses demand 0 and site 1 is cut off: demand 0 alone
    cost[0, 2] = 1.0  # ...reachable only from the forbidden site
    inst = Instance(cost=cost, weight=np.ones(4), demand_ids=np.arange(4),
                    site_ids=np.arange(3), forbidden=np.array([False, False, True]))
    assert component_infeasibility(inst, PMedian(p=1)) is None  # unreachable: formulations say so
