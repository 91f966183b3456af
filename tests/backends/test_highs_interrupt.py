"""Ctrl-C at the worst moment of a HiGHS solve (backends/highs.py `_run_cancellable`): an
interrupt landing inside highspy's own startSolve or wait must not leave its thread running
unwatched or its class-level lock taken (highspy 1.16), or the next solve of the process waits
forever. Seen in CI: `cflp/lagrangian` hung on its next transportation LP after a Ctrl-C."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("highspy")

ROOT = Path(__file__).resolve().parents[2]

_CHILD = r"""
import _thread, json, sys
import highspy
import numpy as np
from siting.backends import get_backend
from siting.milp import MilpBuilder
from siting.options import SolveOptions

where = sys.argv[1]
original = getattr(highspy.Highs, where)

def interrupted_inside(self, *args, **kwargs):
    out = original(self, *args, **kwargs)
    if not getattr(interrupted_inside, "done", False):
        interrupted_inside.done = True
        _thread.interrupt_main()  # Ctrl-C, delivered at the next bytecode: inside highspy
        for _ in range(1000):
            pass
    return out

setattr(highspy.Highs, where, interrupted_inside)

def knapsack(seed):
    rng = np.random.default_rng(seed)
    b = MilpBuilder("max", name="knapsack")
    x = b.add_vars("x", 60, lower=0.0, upper=1.0, integer=True, cost=rng.integers(10, 99, 60))
    b.add_rows("weight", 1, np.zeros(60, dtype=int), x.start + np.arange(60),
               rng.integers(5, 50, 60).astype(float), upper=400.0)
    return b.build()

highs = get_backend("highs")
first = highs.solve(knapsack(1), SolveOptions())
second = highs.solve(knapsack(2), SolveOptions())  # hung here before the fix
print("RESULT " + json.dumps({"first": first.termination.value, "second": second.status.value}))
"""


@pytest.mark.parametrize("where", ["startSolve", "wait"])
def test_an_interrupt_inside_highspy_cancels_the_solve_and_the_next_one_runs(where):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD, where], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail(f"an interrupt inside highspy's {where} hung the next solve")
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    assert line is not None, f"the child died: {proc.stderr[-2000:]}"
    out = json.loads(line[len("RESULT "):])
    # the interrupted solve says so (the run stops there); the next one is a normal solve
    assert out["first"] == "interrupted", out
    assert out["second"] == "optimal", out


_DEAF = r"""
import _thread, json, signal, sys, threading, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
import numpy as np
import siting.backends.highs as highs_backend
from siting.backends import get_backend
from siting.options import SolveOptions
from siting.testing.models import knapsacks

def deaf_solve(options, ctrl_c):
    t0 = time.perf_counter()
    if ctrl_c:
        threading.Timer(1.0, _thread.interrupt_main).start()
    sol = highs.solve(knapsacks(300, 40, 3), options, start=np.zeros(300))
    return {"wall": time.perf_counter() - t0, "termination": sol.termination.value,
            "objective": sol.objective, "bound": sol.bound, "notes": list(sol.notes)}

# a phase deaf to the stop, as HiGHS presolve's dominated-columns pass or the root LP: the
# cancel never arrives, HiGHS runs on to its own limit
highs_backend.stop_solve = lambda h: None
limit = float(sys.argv[1])
highs = get_backend("highs")
highs.load()
out = {}
t0 = time.perf_counter()
out["ctrl_c"] = deaf_solve(SolveOptions(time_limit=limit, threads=1), ctrl_c=True)
# highspy's class lock: this solve must first wait for the one left running
out["next"] = highs.solve(knapsacks(12, 2, 4), SolveOptions()).status.value
out["next_at"] = time.perf_counter() - t0
# no Ctrl-C: a 1 s limit whose watchdog stop is not heard either (HiGHS itself is given the
# longer limit)
out["limit"] = deaf_solve(SolveOptions(time_limit=1.0, threads=1,
                                       backend_options={"time_limit": limit}), ctrl_c=False)
print("RESULT " + json.dumps(out), flush=True)
# the interpreter now exits with that HiGHS thread still running: it must wait, not abort
"""


def test_a_solve_deaf_to_its_stop_is_left_running_and_cannot_block_or_abort():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    limit = 6.0
    try:
        proc = subprocess.run([sys.executable, "-c", _DEAF, str(limit)], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("a HiGHS solve left running hung the process")
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    assert line is not None, f"the child died (rc {proc.returncode}): {proc.stderr[-2000:]}"
    assert proc.returncode == 0, f"the exit aborted (rc {proc.returncode}): {proc.stderr[-2000:]}"
    out = json.loads(line[len("RESULT "):])
    from siting.backends.highs import ABANDON_GRACE

    for case, termination in (("ctrl_c", "interrupted"), ("limit", "time_limit")):
        got = out[case]
        assert got["termination"] == termination, got
        assert got["wall"] < 1.0 + ABANDON_GRACE + 3.0, f"{case}: returned after {got['wall']:.1f}s"
        assert any("not waited for" in n for n in got["notes"]), got["notes"]
        # the start (or a better incumbent HiGHS reported) and a bound not below it
        assert got["objective"] is not None and got["objective"] >= 0.0, got
        if got["bound"] is not None:
            assert got["bound"] >= got["objective"] - 1e-6, got
    assert out["next"] == "optimal", out
    assert out["next_at"] >= limit - 0.5, out  # it waited for the one left running
