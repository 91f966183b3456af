"""The README's promises on time limits and interrupts, for every kind and formulation in the
registry (issue #21 items 2, 3): a time-limited run ends near its limit and keeps its incumbent
with a bound and a gap; Ctrl-C ends the run promptly (exit 130 on the command line) and never
claims more than is proven.

Instances are sized so that no formulation proves them within the limit on this machine. The
slack is wide because the machine is shared (2 cores, several developers): the checks catch
overruns of the kind reported (8-20 s on a 2 s limit), not tenths of a second.
"""

from __future__ import annotations

import _thread
import math
import threading
import time
from functools import lru_cache

import pytest

import siting
from siting.formulations import FORMULATIONS
from siting.instance import Instance
from siting.options import SolveOptions
from siting.solution import Status, Termination

LIMIT = 1.0
#: allowed wall time beyond the limit (model build and verification included). Measured on
#: this loaded 2-core machine (2026-12-02, backends/highs.py zeroing the live limit and
#: skipping the MIP search a limit cannot afford): at most 1.9 s over a 1 s limit
#: (p-median radius / benders builds, lscp reductions, cflp lagrangian's LP loop).
SLACK = 5.0  # 1.9 s measured, with room for a CI machine under load
#: allowed wall time after a Ctrl-C; stops measured 0.0-1.3 s late (a HiGHS phase that reads
#: neither the cancel nor the time limit, such as mclp cover's 4-9 s presolve, is waited for
#: 1 s and then left to finish in its thread: backends/highs.py ABANDON_GRACE)
CANCEL_SLACK = 6.0

CASES = [(kind, name) for kind, table in FORMULATIONS.items() for name in table]


@lru_cache(maxsize=None)
def _instance(kind: str) -> Instance:
    from siting.scale.generate import generate_city, knn_instance, radius_instance

    if kind == "p-dispersion":  # sites measured against themselves
        import numpy as np

        rng = np.random.default_rng(15)
        xy = rng.uniform(0, 10_000, size=(600, 2))
        d = np.floor(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
        ids = np.array([f"s{k}" for k in range(600)])
        return Instance(cost=d, weight=np.ones(600), demand_ids=ids, site_ids=ids)
    if kind in ("p-median", "p-center"):
        return knn_instance(generate_city(2500, 500, seed=11), 40)
    if kind in ("lscp", "mclp"):
        return radius_instance(generate_city(8000, 900, seed=12), 900.0)
    if kind == "ufl":
        return knn_instance(generate_city(2500, 300, seed=13), 30)
    import tempfile
    from pathlib import Path

    from benchmarks.lookalikes import cap_like

    path = Path(tempfile.mkdtemp()) / "caplike.txt"
    path.write_text(cap_like(8000, seed=14))
    return siting.load_instance(path)


PARAMS = {"p-median": {"p": 60}, "p-center": {"p": 60}, "p-dispersion": {"p": 40}, "lscp": {"radius": 900.0,
          "drop_unreachable": True}, "mclp": {"radius": 600.0, "p": 60}, "ufl": {}, "cflp": {}}


def _check_honest(res: siting.Result) -> None:
    if res.status is Status.OPTIMAL:
        assert res.bound is not None and res.gap is not None and res.gap <= 1e-4
        return
    assert res.status in (Status.FEASIBLE, Status.NO_SOLUTION), res.summary()
    assert res.bound is not None and math.isfinite(res.bound), f"no bound: {res.summary()}"
    if res.has_solution:
        assert res.gap is not None, res.summary()
        if res.problem.kind in ("mclp", "p-dispersion"):  # maximised
            assert res.bound >= res.objective - 1e-6
        else:
            assert res.bound <= res.objective + 1e-6


@pytest.mark.parametrize("kind,formulation", CASES)
def test_time_limit_ends_near_the_limit_with_a_bound(kind, formulation):
    inst = _instance(kind)
    t0 = time.perf_counter()
    res = siting.solve(inst, kind, formulation=formulation,
                       options=SolveOptions(time_limit=LIMIT), **PARAMS[kind])
    wall = time.perf_counter() - t0
    assert wall <= LIMIT + SLACK, f"{kind}/{formulation}: {wall:.1f}s for a {LIMIT}s limit"
    _check_honest(res)


_CHILD = """
import _thread, json, signal, sys, threading, time
# a parent started in the background (no job control) hands down SIGINT ignored, and then
# interrupt_main does nothing: the child stands for a terminal's Ctrl-C, so it handles it
signal.signal(signal.SIGINT, signal.default_int_handler)
import siting
from siting.options import SolveOptions
from tests.test_time_limits import PARAMS, _check_honest, _instance

kind, formulation, after = sys.argv[1], sys.argv[2], float(sys.argv[3])
inst = _instance(kind)
timer = threading.Timer(after, _thread.interrupt_main)  # what Ctrl-C does
t0 = time.perf_counter()
timer.start()
try:
    res = siting.solve(inst, kind, formulation=formulation,
                       options=SolveOptions(time_limit=60), **PARAMS[kind])
except KeyboardInterrupt:
    res = None  # stopped outside a solver call: the CLI exits 130 here
finally:
    timer.cancel()
wall = time.perf_counter() - t0
out = {"wall": wall, "result": res is not None}
if res is not None:
    out["termination"] = res.termination.value
    out["summary"] = res.summary()
    try:
        _check_honest(res)
        out["honest"] = ""
    except AssertionError as exc:
        out["honest"] = str(exc) or "dishonest result"
print("RESULT " + json.dumps(out), flush=True)
import os
os._exit(0)  # a solve left running in highspy's thread must not hold the exit
"""


@pytest.mark.parametrize("kind,formulation", CASES)
def test_ctrl_c_ends_the_run_promptly(kind, formulation):
    # each case in its own process: a HiGHS solve that ignores the cancel keeps running in
    # highspy's thread and would hold its lock over every later solve of the test process
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    after = 1.0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), str(root)])}
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD, kind, formulation, str(after)],
                              cwd=root, env=env, capture_output=True, text=True,
                              timeout=after + CANCEL_SLACK + 60)  # build + imports included
    except subprocess.TimeoutExpired:
        pytest.fail(f"{kind}/{formulation}: still running {after + CANCEL_SLACK + 60:.0f}s "
                    "after start")
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    assert line is not None, proc.stdout[-2000:] + proc.stderr[-2000:]
    out = json.loads(line[len("RESULT "):])
    wall = out["wall"]
    if out["result"] and wall < after:
        pytest.skip(f"{kind}/{formulation} finished before the interrupt")
    assert wall <= after + CANCEL_SLACK, f"{kind}/{formulation}: stopped {wall - after:.1f}s late"
    if out["result"]:
        assert out["termination"] == "interrupted", out["summary"]
        assert not out["honest"], out["honest"]
