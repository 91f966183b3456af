"""Scenario files: validation with key paths, relative paths, templates, schema and validate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from siting.errors import SpecError
from siting.scenario import PROBLEM_KINDS, load_scenario

from tests.geo.conftest import leftovers, make_points, run_cli, write_layer

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted((ROOT / "models" / "scenarios").glob("*.toml"))

GOOD = """
name = "town"
[demand]
path = "data/demand.gpkg"
id = "block"
weight = "pop"
[sites]
path = "data/sites.gpkg"
id = "site"
cost = "rent"
required = "open_now"
forbidden = "blocked"
[distance]
metric = "euclidean"
[problem]
kind = "lscp"
radius = 1200
[solver]
time_limit = 30
[outputs]
dir = "out"
png = false
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    demand, sites = make_points(11, n=30, m=10)
    (tmp_path / "data").mkdir()
    write_layer(demand, tmp_path / "data" / "demand.gpkg")
    write_layer(sites, tmp_path / "data" / "sites.gpkg")
    (tmp_path / "run.toml").write_text(GOOD)
    return tmp_path


def test_paths_resolve_against_the_scenario_file(project: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/")
    sc = load_scenario(project / "run.toml")
    assert sc.demand.path == project / "data" / "demand.gpkg"
    assert sc.outputs.dir == project / "out"
    assert sc.cutoff == 1200  # lscp: the radius is the cutoff


def test_scenario_solves_and_writes_outputs(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(capsys, "solve", project / "run.toml")
    assert rc == 0, err
    files = sorted(p.name for p in (project / "out").iterdir())
    assert "result.gpkg" in files and "map.html" in files and "map.png" not in files
    summary = json.loads((project / "out" / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["verified"]["feasible"]
    assert summary["metrics"]["covered_count_pct"] == 100.0
    assert "S0" in summary["open_sites"] and "S9" not in summary["open_sites"]
    assert "EPSG:32635" in out  # the run says which CRS it used


def test_validate_command(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run_cli(capsys, "validate", project / "run.toml")
    assert rc == 0, err
    assert "ok: lscp, 30 demand points, 10 sites" in out
    assert "EPSG:32635" in out
    assert not (project / "out").exists()  # validate writes nothing


def test_schema_command(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run_cli(capsys, "schema")
    assert rc == 0
    schema = json.loads(out)
    assert set(schema["required"]) == {"demand", "sites", "problem"}
    assert schema["additionalProperties"] is False
    kinds = set(schema["properties"]["problem"]["discriminator"]["mapping"])
    assert {"p-median", "p-center", "lscp", "mclp", "ufl", "cflp"} <= kinds
    assert kinds == set(PROBLEM_KINDS)


@pytest.mark.parametrize("template", TEMPLATES, ids=[t.name for t in TEMPLATES])
def test_templates_are_valid(template: Path) -> None:
    sc = load_scenario(template, check_files=False)
    assert sc.name


def test_sf_template_reproduces_the_mclp_optimum(shared_instances: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # the template points at ../shared/instances beside the checkout; follow $SITING_INSTANCES
    text = (ROOT / "models" / "scenarios" / "sf_mclp.toml").read_text()
    scenario = tmp_path / "sf_mclp.toml"
    scenario.write_text(text.replace("../../../shared/instances", shared_instances.as_posix()))
    rc, _, err = run_cli(capsys, "solve", scenario, "--out", tmp_path / "sf", "--quiet")
    assert rc == 0, err
    summary = json.loads((tmp_path / "sf" / "summary.json").read_text())
    assert summary["objective"] == 875247


BAD = {
    "unknown key": (GOOD.replace('id = "block"', 'id = "block"\ncolour = "red"'),
                    "demand.colour: unknown key"),
    "unknown top-level table": (GOOD + "\n[extras]\na = 1\n", "extras: unknown key"),
    "wrong type": (GOOD.replace("radius = 1200", 'radius = "far"'), "problem.radius"),
    "negative radius": (GOOD.replace("radius = 1200", "radius = -5"), "problem.radius"),
    "unknown problem kind": (GOOD.replace('kind = "lscp"', 'kind = "teleport"'),
                             "problem: unknown problem kind"),
    "unknown problem key": (GOOD.replace("radius = 1200", "radius = 1200\np = 3"),
                            "problem.p: unknown key"),
    "unknown solver option": (GOOD.replace("time_limit = 30", "time_limt = 30"),
                              "solver.time_limt: unknown key"),
    "bad metric": (GOOD.replace('metric = "euclidean"', 'metric = "crow"'), "distance.metric"),
    "network without section": (GOOD.replace('metric = "euclidean"', 'metric = "network"'),
                                "distance: metric 'network' needs"),
    "missing file": (GOOD.replace("data/sites.gpkg", "data/shops.gpkg"),
                     "sites.path = "),
    "invalid toml": (GOOD.replace("[problem]", "[problem"), "invalid TOML"),
    "missing problem": (GOOD.split("[problem]")[0], "problem: Field required"),
    "unknown column": (GOOD.replace('weight = "pop"', 'weight = "people"'),
                       "no column 'people'"),
    "required and forbidden": (GOOD.replace('forbidden = "blocked"', 'forbidden = "open_now"'),
                               "both required and forbidden"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_scenarios_fail_cleanly(project: Path, capsys: pytest.CaptureFixture[str],
                                    name: str) -> None:
    text, expect = BAD[name]
    (project / "bad.toml").write_text(text)
    for command in (["validate"], ["solve"]):
        rc, _, err = run_cli(capsys, *command, project / "bad.toml")
        assert rc == 2, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("siting: error: "), err
        assert expect in lines[0], lines[0]
        assert not (project / "out").exists()
        assert leftovers(project) == []


def test_missing_scenario_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="scenario file not found"):
        load_scenario(tmp_path / "none.toml")


def test_flags_cannot_be_mixed_with_a_scenario(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    rc, _, err = run_cli(capsys, "solve", project / "run.toml", "--p", "3")
    assert rc == 2 and "--p is not used with a scenario file" in err


def test_copied_scenario_keeps_working(project: Path, tmp_path_factory: pytest.TempPathFactory,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path_factory.mktemp("moved")
    shutil.copytree(project / "data", other / "data")
    (other / "run.toml").write_text(GOOD)
    rc, _, err = run_cli(capsys, "validate", other / "run.toml")
    assert rc == 0, err
