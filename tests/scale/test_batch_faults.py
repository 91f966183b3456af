"""Batch faults (issue #21 item 10): Ctrl-C stops quietly and leaves no temporary folders;
summary.md keeps the error message the CSV has; an error row names its scenario file."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from siting.batch.manifest import RunSpec
from siting.batch.runner import execute
from siting.batch.summary import markdown_table, write_summary
from siting.errors import SpecError

pytest.importorskip("distributed")
SRC = str(Path(__file__).resolve().parents[2] / "src")
ENV = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH") or SRC}


def _slow_scenarios(folder: Path, runs: int) -> Path:
    """City p-median scenarios whose classic model takes minutes (so Ctrl-C lands mid-run)."""
    from siting.scale.generate import generate_city, scenario_toml, write_city_layers

    demand, sites = write_city_layers(generate_city(1500, 400, seed=3), folder)
    (folder / "slow.toml").write_text(scenario_toml("slow", demand, sites,
                                                    {"kind": "p-median", "p": 25},
                                                    formulation="classic"))
    (folder / "m.csv").write_text("scenario,name,problem.p\n" + "\n".join(
        f"slow.toml,run{k},{25 + k}" for k in range(runs)) + "\n")
    return folder / "m.csv"


def _tmp_folders(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if ".tmp" in p.name) if out.exists() else []


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_batch_is_quiet_and_leaves_no_tmp_folders(tmp_path, signum):
    manifest = _slow_scenarios(tmp_path, 2)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "siting", "batch", str(manifest), "--out",
                             str(out), "--workers", "2"], cwd=tmp_path, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    end = time.monotonic() + 90
    while not _tmp_folders(out) and time.monotonic() < end and proc.poll() is None:
        time.sleep(0.2)  # wait until a worker has started a run
    assert proc.poll() is None and _tmp_folders(out), "no run started"
    time.sleep(2)
    # Ctrl-C in a terminal reaches the whole process group (workers included); kill(1) only us
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)
    else:
        os.kill(proc.pid, signum)
    stdout, stderr = proc.communicate(timeout=90)
    assert proc.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr, stderr
    assert "distributed" not in stderr and "Nanny" not in stderr, stderr
    assert _tmp_folders(out) == []
    assert not (out / "summary.md").exists()  # no partial summary


def test_error_row_names_the_scenario_file(tmp_path):
    spec = RunSpec(name="r4", scenario=tmp_path / "case4.toml", overrides={})

    def failing(scenario, out_dir, overrides):
        raise SpecError("problem cflp needs site capacities")

    rec = execute(spec, str(tmp_path / "out"), failing)
    assert rec["status"] == "error"
    assert rec["message"] == f"{tmp_path / 'case4.toml'}: problem cflp needs site capacities"

    def named(scenario, out_dir, overrides):
        raise SpecError(f"{scenario}: problem.p: must be at least 1")

    assert execute(spec, str(tmp_path / "out"), named)["message"].count("case4.toml") == 1
    assert _tmp_folders(tmp_path / "out") == []


def test_summary_md_keeps_the_error_message(tmp_path):
    rows = [{"name": "ok", "status": "optimal", "objective": 3.0, "bound": 3.0, "gap": 0.0,
             "seconds": 1.0},
            {"name": "bad", "status": "error", "message": "a.toml: demand.gpkg: feature 3, "
                                                          "column 'pop' | bad\nvalue"}]
    csv_path, md_path = write_summary(rows, tmp_path)
    with open(csv_path, newline="") as fh:
        message = list(csv.DictReader(fh))[1]["message"]
    md = md_path.read_text()
    assert "message" in md.splitlines()[0]
    assert r"column 'pop' \| bad value" in md
    assert message.startswith("a.toml: demand.gpkg: feature 3")
    assert markdown_table(rows) == md
