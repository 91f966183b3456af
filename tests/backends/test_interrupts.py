"""A real Ctrl-C or SIGTERM during a solve, on every installed backend (issue #21: "map Ctrl-C to
Termination.INTERRUPTED"): the solve stops, the result says interrupted and keeps its
incumbent with a bound that is not past it, and the next solve of the same process runs
normally (nothing of the interrupted one is left holding the solver).

An interrupt that a library delays or loses is the hazard checked here: raised just after a
native solve that kept the GIL, it threw the answer away (SCIP, OR-Tools); raised inside
Popen or while CBC ran, it killed CBC with its incumbent. Each case runs in its own process
with a timeout, as a stuck solver thread must not hang the suite."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import backend_params

ROOT = Path(__file__).resolve().parents[2]

#: OR-Tools 9.15 passes interrupt_solve on to neither SCIP nor HiGHS. Its SCIP catches SIGINT
#: itself (a SIGTERM is passed on as one SIGINT); its HiGHS is left running
#: (backends/base.py run_abandonable) and the run ends with the start it holds, here none (the
#: knapsacks get no start), so no incumbent and no bound
ABANDONED = {"ortools-highs"}
LIMIT = 20.0
#: their limit: the solve left running ends by it, so the next solve beside it runs within
#: the test's time (a shorter wait, still well past the signal at 2 s)
SHORT_LIMIT = 6.0
#: seconds a stopped solve may take to hand back its answer (shared, loaded 2-core machine)
PROMPT = 8.0

_CHILD = r"""
import json, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
from siting.backends import get_backend
from siting.options import SolveOptions
from siting.signals import handle_termination
from siting.testing.models import knapsacks

name, limit = sys.argv[1], float(sys.argv[2])
backend = get_backend(name)
backend.load()
with handle_termination():
    print("READY", flush=True)
    t0 = time.perf_counter()
    sol = backend.solve(knapsacks(300, 40, 3), SolveOptions(time_limit=limit, threads=1))
    wall = time.perf_counter() - t0
    after = backend.solve(knapsacks(12, 2, 4), SolveOptions(time_limit=60))
print("RESULT " + json.dumps({
    "wall": wall, "termination": sol.termination.value, "status": sol.status.value,
    "objective": sol.objective, "bound": sol.bound, "next": after.status.value}), flush=True)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("name", backend_params())
def test_a_signal_during_a_solve_stops_it_and_keeps_the_incumbent(name, signum):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    limit = SHORT_LIMIT if name in ABANDONED else LIMIT
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, name, str(limit)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        ready = proc.stdout.readline()
        assert ready.startswith("READY"), ready + proc.stderr.read() if proc.stderr else ""
        time.sleep(2.0)  # into the search, past every setup step
        os.kill(proc.pid, signum)
        stdout, stderr = proc.communicate(timeout=LIMIT + 60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"{name}: still running {LIMIT + 60:.0f}s after the signal")
    line = next((ln for ln in stdout.splitlines() if ln.startswith("RESULT ")), None)
    assert line is not None, f"{name}: the child died (rc {proc.returncode}): {stderr[-2000:]}"
    out = json.loads(line[len("RESULT "):])
    assert out["termination"] == "interrupted", out
    assert out["wall"] <= 2.0 + PROMPT, f"{name}: stopped {out['wall'] - 2.0:.1f}s late"
    # the incumbent (x = 0 is feasible, every solver holds something) and an honest bound
    if name in ABANDONED:
        assert out["status"] in ("feasible", "optimal", "no_solution"), out
    else:
        assert out["status"] in ("feasible", "optimal"), out
        assert out["objective"] is not None and out["bound"] is not None, out
    if out["objective"] is not None and out["bound"] is not None:
        assert out["bound"] >= out["objective"] - 1e-6, out  # a maximisation: bound above
    assert out["next"] == "optimal", f"{name}: the solve after the interrupt: {out}"
