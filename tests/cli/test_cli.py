"""The CLI contract of `siting solve PATH`: JSON fields, exit codes, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from siting.cli import main

ROOT = Path(__file__).resolve().parents[2]
TOY = ROOT / "instances" / "toy" / "toy_pmed.txt"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "siting", *args], capture_output=True,
                          text=True, timeout=300)


def test_solve_json_contract(tmp_path):
    out = tmp_path / "r.json"
    proc = run_cli("solve", str(TOY), "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    for key in ("status", "objective", "bound", "gap", "open_sites", "backend", "formulation",
                "timings"):
        assert key in data
    assert set(data["timings"]) == {"read", "build", "solve", "total"}
    assert data["status"] == "optimal"
    assert data["backend"] == "highs" and data["formulation"] == "benders"
    assert len(data["open_sites"]) == 4 and all(isinstance(s, int) for s in data["open_sites"])
    assert data["verified"]["feasible"] is True
    assert data["objective"] == data["verified"]["objective"]
    # the HiGHS banner must not leak into stdout
    assert "HiGHS" not in proc.stdout.split("\n")[0]
    assert "optimal" in proc.stdout


def test_solve_all_problems_on_toy(tmp_path):
    for args in (["--problem", "p-center"], ["--problem", "p-median", "--formulation", "classic"],
                 ["--problem", "lscp", "--radius", "40"],
                 ["--problem", "mclp", "--radius", "20", "--p", "3"]):
        out = tmp_path / "r.json"
        assert main(["solve", str(TOY), *args, "--json", str(out)]) == 0
        assert json.loads(out.read_text())["status"] == "optimal"


def _bad(tmp_path: Path, text: str) -> Path:
    f = tmp_path / "bad.txt"
    f.write_text(text)
    return f


@pytest.mark.parametrize("content,args,needle", [
    (None, [], "no such file"),
    ("", [], "empty"),
    ("3 2 1\n1 2 5\n", [], "header says 2 edges"),
    ("3 2 1\n1 2 5\n2 9 4\n", [], "outside 1..3"),
    ("3 2 1\n1 2 -5\n2 3 4\n", [], "non-negative"),
    ("3 2 1\n1 2 x\n2 3 4\n", [], "non-numeric"),
    ("3 2 1\n1 2 5\n2 3 4\n", ["--p", "7"], "larger than the number of candidate sites"),
    ("2 2\ncapacity 10\ncapacity 20\n5 1 2\n5 3 4\n", [], "--capacity"),
    ("2 2\n4 10\n4 20\n5 1 2\n5 3 4\n", [], "below total demand"),
    ("2 2\n4 10\n4 -20\n5 1 2\n5 3 4\n", [], "negative"),
    ("2 2\n4 10\n4 20\n5 1 2\n5 3\n", [], "expected 2 customers"),
    ("hello world\n", [], "unrecognised format"),
])
def test_bad_input_one_line_exit_2(tmp_path, content, args, needle):
    path = tmp_path / "missing.txt" if content is None else _bad(tmp_path, content)
    out = tmp_path / "r.json"
    proc = run_cli("solve", str(path), *args, "--json", str(out))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0]
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_usage_errors_exit_2(tmp_path):
    proc = run_cli("solve", str(TOY), "--problem", "nonsense")
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    proc = run_cli("solve", str(TOY), "--problem", "lscp")
    assert proc.returncode == 2 and "--radius" in proc.stderr
    proc = run_cli("solve", str(TOY), "--backend", "nope")
    assert proc.returncode == 2 and "unknown backend" in proc.stderr
    proc = run_cli("solve", str(TOY), "--required", "1", "--forbidden", "1")
    assert proc.returncode == 2 and "both required and forbidden" in proc.stderr
    proc = run_cli("solve", str(TOY), "--required", "999")
    assert proc.returncode == 2 and "unknown site id" in proc.stderr
    # a formulation tied to one solver never runs silently on another
    proc = run_cli("solve", str(TOY), "--formulation", "benders-scip", "--backend", "highs")
    assert proc.returncode == 2 and "runs on the scip backend" in proc.stderr


def test_infeasible_is_a_result_not_a_crash(tmp_path):
    out = tmp_path / "r.json"
    code = main(["solve", str(TOY), "--problem", "lscp", "--radius", "0.5", "--forbidden", "1,2",
                 "--json", str(out)])
    assert code == 1
    data = json.loads(out.read_text())
    assert data["status"] == "infeasible" and data["open_sites"] == []
    assert "no candidate site within" in data["messages"][0]


def test_time_limited_run_is_honest(shared_instances, tmp_path):
    out = tmp_path / "r.json"
    code = main(["solve", str(shared_instances / "orlib-pmed" / "pmed6.txt"), "--problem",
                 "p-center", "--formulation", "classic", "--time-limit", "1", "--json", str(out)])
    data = json.loads(out.read_text())
    assert data["status"] in ("feasible", "optimal", "no_solution")
    if data["status"] == "feasible":
        assert code == 0
        # a bound is reported only once the solver has one (HiGHS may still be in the root LP)
        if data["bound"] is not None:
            assert data["bound"] <= data["objective"] and data["gap"] > 0
        else:
            assert data["gap"] is None
    assert data["timings"]["total"] < 30


def test_ctrl_c_during_solve_keeps_the_incumbent(shared_instances, tmp_path):
    import signal
    import time

    out = tmp_path / "r.json"
    proc = subprocess.Popen([sys.executable, "-m", "siting", "solve",
                             str(shared_instances / "orlib-pmed" / "pmed16.txt"), "--formulation",
                             "classic", "--json", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(6)  # reading and building take well under a second; the solve takes minutes
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr
    data = json.loads(out.read_text())
    assert data["termination"] == "interrupted"
    assert data["status"] in ("feasible", "no_solution")  # never "optimal" unless proven
    if data["status"] == "feasible":
        assert data["verified"]["feasible"] and data["open_sites"]
