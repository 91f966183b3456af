"""Stop means stop for the community kind (#21): Ctrl-C and time limits end every stage,
notes agree with the status, and every input is checked before the first solve."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest

from siting import pipeline
from siting.errors import SitingError
from siting.outputs.progress import Progress
from siting.scenario import validate_scenario

DEMO = Path(__file__).resolve().parents[2] / "instances" / "demo_district"
pytest.importorskip("geopandas")


def _demo(**problem: Any) -> Any:
    data = tomllib.loads((DEMO / "scenario.toml").read_text(encoding="utf-8"))
    data["problem"].update(problem)
    return data


def test_a_streets_typo_fails_before_anything_is_solved(monkeypatch: pytest.MonkeyPatch) -> None:
    import siting.community.pipeline as driver

    def no_solve(*a: Any, **k: Any) -> Any:
        raise AssertionError("solve started before every input was checked")

    monkeypatch.setattr(driver, "solve", no_solve)
    sc = validate_scenario(_demo(streets="demo_district.gpkg#roads"), base_dir=DEMO,
                           source="demo.toml")
    with pytest.raises(SitingError, match="problem.streets: cannot read .*roads"):
        pipeline.validate(sc, Progress())
    with pytest.raises(SitingError, match="problem.streets"):
        pipeline.run(sc)


def test_an_unknown_service_names_the_scenario_file() -> None:
    data = _demo()
    data["problem"]["services"] = ["meals", "space_station"]
    with pytest.raises(SitingError, match=r"^demo.toml: problem.services\[1\]: 'space_station' "
                                          "is not in the catalogue 'default'"):
        validate_scenario(data, base_dir=DEMO, source="demo.toml")


def test_a_time_limit_ends_every_later_stage_and_the_notes_agree() -> None:
    data = _demo()
    data["solver"] = {"time_limit": 2.0}
    sc = validate_scenario(data, base_dir=DEMO, source="demo.toml")
    t0 = time.perf_counter()
    outcome = pipeline.run(sc, progress=Progress())
    elapsed = time.perf_counter() - t0
    s = outcome.summary
    assert s["termination"] == "time_limit", s["stages"]
    # the limit ends the running stage (one exact weighted solve on the demo, or stage 1 of the
    # two-stage route) with whatever it has, and every later stage does not run
    assert s["status"] in ("feasible", "no_solution"), s["status"]
    if s["status"] == "feasible":
        assert s["gap"] > 0 and s["bound"] is not None
    assert "time_limit" in s["stages"][0]["termination"], s["stages"]
    assert all(st["termination"] == "not run (time_limit)" for st in s["stages"][1:])
    # no note may claim a proof the status does not have
    assert not any("is proven" in n for n in s["notes"])
    said = "not proven optimal" if s["status"] == "feasible" else "no plan was found"
    assert any(said in n for n in s["notes"]), s["notes"]
    assert elapsed < 60  # build + 2 s + writing the summary, on a loaded machine


def test_ctrl_c_stops_every_stage_and_exits_130(tmp_path: Path) -> None:
    out = tmp_path / "o"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    # the demo itself now proves in seconds; every catalogue service with viability runs for
    # minutes, so the signal meets a running stage
    long_run = DEMO / "scenario_viability_full.toml"
    proc = subprocess.Popen([sys.executable, "-m", "siting", "solve", str(long_run),
                             "--out", str(out), "--verbose"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    assert proc.stderr is not None
    for line in proc.stderr:  # wait until the first stage is running
        if "solving community model" in line:
            break
    time.sleep(3.0)
    proc.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    try:
        stdout, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the solve went on for 120 s after Ctrl-C")
    assert proc.returncode == 130, stdout
    assert time.monotonic() - t0 < 120
    summary = json.loads((out / "summary.json").read_text())  # complete outputs, marked
    assert summary["termination"] == "interrupted"
    ends = [st["termination"] for st in summary["stages"]]
    first = ends.index("interrupted")  # the stage running at the signal, then none ran
    assert all(e == "not run (interrupted)" for e in ends[first + 1:]), ends
    assert "interrupted" in stdout


def test_ctrl_c_in_a_frontier_ends_every_later_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    import siting.community.frontier as fr
    import siting.community.session as cs
    from siting.solution import Termination
    from siting.testing.community import build, problem

    prob = problem("coverage", budget=60)
    inst = build(2, prob)
    calls: list[float] = []
    real = cs.solve  # the frontier's budgets are what-ifs of one session

    def interrupted(inst: Any, p: Any, **kw: Any) -> Any:
        calls.append(p.budget)
        return dataclasses.replace(real(inst, p, **kw), termination=Termination.INTERRUPTED)

    monkeypatch.setattr(cs, "solve", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fr.frontier(inst, prob, [40.0, 60.0, 80.0])
    assert calls == [40.0]
