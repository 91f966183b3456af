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
