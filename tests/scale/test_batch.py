"""Batches on a Dask LocalCluster: atomic per-run folders, skip on rerun, survive a killed worker."""

from __future__ import annotations

import csv
import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import cloudpickle
import pytest

from siting.batch import read_manifest, run_batch
from siting.batch.runner import execute
from siting.cli import main
from siting.errors import SpecError

from . import _batch_runner
from ._batch_runner import city_runner

distributed = pytest.importorskip("distributed")
cloudpickle.register_pickle_by_value(_batch_runner)  # workers need not import tests/


def _manifest(tmp: Path, runs: int, sleep: float) -> Path:
    log = tmp / "attempts.log"
    log.touch()
    for seed in range(2):
        (tmp / f"city{seed}.toml").write_text(
            f"blocks = 300\nsites = 40\nseed = {seed}\nradius = 700.0\nsleep = {sleep}\n")
    lines = [f'[defaults]\nattempt_log = "{log}"\n']
    for k in range(runs):
        lines.append(f'[[run]]\nscenario = "city{k % 2}.toml"\n[run.set]\nbudget = {400 + 100 * k}\n')
    path = tmp / "manifest.toml"
    path.write_text("\n".join(lines))
    return path


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _attempts(tmp: Path) -> tuple[Counter, Counter, list[tuple[str, int]]]:
    starts, finishes, started = Counter(), Counter(), []
    for line in (tmp / "attempts.log").read_text().splitlines():
        kind, name, pid = line.split()
        (starts if kind == "start" else finishes)[name] += 1
        if kind == "start":
            started.append((name, int(pid)))
    return starts, finishes, started


def test_batch_runs_publishes_and_skips_on_rerun(tmp_path: Path, client) -> None:
    runs = read_manifest(_manifest(tmp_path, 4, 0.0))
    out = tmp_path / "out"
    rep = run_batch(runs, out, runner=city_runner, client=client)
    assert rep.ran == 4 and rep.skipped == 0 and rep.failed == 0
    for r in runs:
        assert (out / r.name / "run.json").is_file() and (out / r.name / "result.json").is_file()
    assert not list(out.glob(".tmp-*"))
    with open(rep.summary_csv) as fh:
        rows = list(csv.DictReader(fh))
    assert [row["name"] for row in rows] == [r.name for r in runs]
    assert all(row["status"] == "optimal" and float(row["objective"]) > 0 for row in rows)
    # larger budgets never cover less (same city)
    objs = {r.name: float(row["objective"]) for r, row in zip(runs, rows)}
    assert objs[runs[2].name] >= objs[runs[0].name]
    stamp = {r.name: (out / r.name / "run.json").stat().st_mtime_ns for r in runs}
    again = run_batch(runs, out, runner=city_runner, client=client)
    assert again.ran == 0 and again.skipped == 4
    assert stamp == {r.name: (out / r.name / "run.json").stat().st_mtime_ns for r in runs}


def test_killed_worker_run_is_retried_exactly_once(tmp_path: Path, client) -> None:
    runs = read_manifest(_manifest(tmp_path, 6, 1.5))
    out = tmp_path / "out"
    pids = set(client.run(os.getpid).values())
    killed: list[int] = []

    def killer() -> None:
        deadline = time.time() + 30
        while time.time() < deadline and not killed:
            _, finishes, started = _attempts(tmp_path)
            busy = [pid for name, pid in started if finishes[name] == 0 and pid in pids]
            if len(started) >= 2 and busy:
                time.sleep(0.3)  # well inside the 1.5 s sleep of that run
                os.kill(busy[0], signal.SIGKILL)
                killed.append(busy[0])
                return
            time.sleep(0.05)

    t = threading.Thread(target=killer)
    t.start()
    rep = run_batch(runs, out, runner=city_runner, client=client)
    t.join()
    assert killed, "the test never killed a worker"
    starts, finishes, _ = _attempts(tmp_path)
    assert sum(starts.values()) > len(runs)  # the killed attempt started but never finished
    assert len(finishes) == len(runs) and set(finishes.values()) == {1}
    assert rep.failed == 0 and len(rep.rows) == len(runs)
    published = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert published == sorted(r.name for r in runs)
    assert all(r["status"] == "optimal" for r in rep.rows)


def test_execute_is_idempotent(tmp_path: Path) -> None:
    runs = read_manifest(_manifest(tmp_path, 1, 0.0))
    first = execute(runs[0], str(tmp_path / "o"), city_runner)
    second = execute(runs[0], str(tmp_path / "o"), city_runner)
    assert first["status"] == "optimal" and second.get("skipped")
    assert _attempts(tmp_path)[1][next(iter(_attempts(tmp_path)[1]))] == 1


def test_manifest_errors_name_the_run(tmp_path: Path, capsys) -> None:
    (tmp_path / "a.toml").write_text("x = 1\n")
    bad = tmp_path / "m.toml"
    bad.write_text('[[run]]\nscenario = "a.toml"\nname = "r"\n[[run]]\nscenario = "a.toml"\n'
                   'name = "r"\n')
    with pytest.raises(SpecError, match="run 2: name 'r'"):
        read_manifest(bad)
    csvm = tmp_path / "m.csv"
    csvm.write_text("scenario,problem.budget\na.toml,5\nmissing.toml,6\n")
    with pytest.raises(SpecError, match="run 2: scenario file not found"):
        read_manifest(csvm)
    assert main(["batch", str(csvm), "--out", str(tmp_path / "o")]) == 2
    assert "scenario file not found" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_csv_manifest_overrides(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("x = 1\n")
    m = tmp_path / "m.csv"
    m.write_text("scenario,name,problem.budget,solver.time_limit\na.toml,,500,\na.toml,b,7.5,30\n")
    runs = read_manifest(m)
    assert runs[0].overrides == {"problem.budget": 500} and runs[0].name == "a-budget=500"
    assert runs[1].overrides == {"problem.budget": 7.5, "solver.time_limit": 30}
    assert runs[1].name == "b"


def test_cli_batch_runs_real_pipeline_scenarios(tmp_path: Path, capsys) -> None:
    pytest.importorskip("geopandas")
    from siting.testing.city import generate_city, scenario_toml, write_city_layers

    city = generate_city(300, 30, seed=9)
    demand, sites = write_city_layers(city, tmp_path)
    for k, budget in enumerate((300, 600)):
        (tmp_path / f"s{k}.toml").write_text(scenario_toml(
            f"s{k}", demand, sites, {"kind": "mclp", "radius": 600.0, "budget": budget},
            time_limit=20))
    # the CSV manifest overrides the budget written in the scenario files
    (tmp_path / "m.csv").write_text("scenario,name,problem.budget\n" + "\n".join(
        f"s{k}.toml,run{k},{b}" for k, b in enumerate((400, 800))) + "\n")
    out = tmp_path / "out"
    assert main(["batch", str(tmp_path / "m.csv"), "--out", str(out), "--workers", "2"]) == 0
    text = capsys.readouterr().out
    assert "| run0 | optimal |" in text and "| run1 | optimal |" in text
    import json

    for k, budget in enumerate((400, 800)):
        summary = json.loads((out / f"run{k}" / "summary.json").read_text())
        assert summary["problem"]["budget"] == budget
        assert summary["verified"]["feasible"]
    assert main(["batch", str(tmp_path / "m.csv"), "--out", str(out)]) == 0
    assert "2 already finished" in capsys.readouterr().err
