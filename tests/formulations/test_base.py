"""The single-MILP run (formulations/base.py SingleMilp.run) under a time limit: optional
stages give way to the limit, the answer keeps its bound."""

from __future__ import annotations

import time

import numpy as np

from siting.backends import get_backend
from siting.formulations.base import Context
from siting.formulations.p_median import PMedianClassic
from siting.options import SolveOptions
from siting.problems import PMedian
from siting.testing import random_instance


class _SlowBuild(PMedianClassic):
    """The classic p-median whose build overruns the limit; records whether start ran."""

    started = False

    def build(self, instance, problem):  # type: ignore[no-untyped-def]
        milp = super().build(instance, problem)
        time.sleep(0.3)  # past the 0.2 s limit
        return milp

    def start(self, instance, problem, milp, seed):  # type: ignore[no-untyped-def]
        type(self).started = True
        return super().start(instance, problem, milp, seed)


def test_a_build_that_uses_the_limit_up_skips_the_mip_start_and_still_answers():
    inst = random_instance(3, n=30, m=12)
    ctx = Context(instance=inst, problem=PMedian(p=3), backend=get_backend("highs"),
                  options=SolveOptions(time_limit=0.2))
    out = _SlowBuild().run(ctx)
    assert not _SlowBuild.started, "the MIP start ran after the limit"
    assert any("MIP start skipped" in m for m in out.messages), out.messages
    assert out.termination.value in ("time_limit", "optimal"), out
    # the solver still had its moment (0.01 s): whatever it holds comes with its bound
    if out.objective is not None:
        assert out.bound is None or out.bound <= out.objective + 1e-6
    # with time left the start runs as before
    _SlowBuild.started = False
    ctx = Context(instance=inst, problem=PMedian(p=3), backend=get_backend("highs"),
                  options=SolveOptions(time_limit=30))
    out = _SlowBuild().run(ctx)
    assert _SlowBuild.started and out.status.value == "optimal"
    assert np.isfinite(out.objective)
