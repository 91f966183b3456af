"""HiGHS-specific option choices the backend makes on its own (each stated in the notes)."""

from __future__ import annotations

import numpy as np
import pytest

from siting.backends import get_backend
from siting.milp import MilpBuilder
from siting.options import SolveOptions

pytest.importorskip("highspy")


def _dense_cover(n: int = 60, m: int = 400, seed: int = 0):
    """min sum y s.t. every row covered, rows with ~300 non-zeros each."""
    rng = np.random.default_rng(seed)
    mask = rng.random((n, m)) < 0.75
    r, c = np.nonzero(mask)
    b = MilpBuilder("min", name="dense-cover")
    y = b.add_vars("y", m, lower=0.0, upper=1.0, integer=True, cost=1.0)
    b.add_rows("cover", n, r, y.start + c, 1.0, lower=1.0)
    return b.build()


def test_dense_mip_skips_presolve_and_says_so():
    highs = get_backend("highs")
    sol = highs.solve(_dense_cover(), SolveOptions(time_limit=30))
    assert any("presolve off" in n for n in sol.notes)
    opts = SolveOptions(backend_options={"presolve": "on"})
    plain = highs.solve(_dense_cover(), opts)  # the caller's choice wins: presolve on
    assert not any("presolve" in n for n in plain.notes)
    assert sol.status.value == plain.status.value == "optimal"
    assert sol.objective == pytest.approx(plain.objective)


def test_presolve_kept_for_sparse_rows_or_when_the_caller_sets_it():
    highs = get_backend("highs")
    sparse = _dense_cover(n=200, m=40)  # 30 non-zeros per row
    assert not any("presolve" in n for n in highs.solve(sparse, SolveOptions()).notes)
    opts = SolveOptions(backend_options={"presolve": "on"})
    assert not any("presolve" in n for n in highs.solve(_dense_cover(), opts).notes)


def _assignment(n: int = 40, m: int = 60, seed: int = 1):
    """min sum c x, each row assigned once, at most two rows per column: a transportation
    polytope, so the LP optimum is integral."""
    rng = np.random.default_rng(seed)
    b = MilpBuilder("min", name="assignment")
    x = b.add_vars("x", n * m, upper=1.0, integer=True, cost=rng.integers(1, 99, n * m))
    cols = x.start + np.arange(n * m)
    b.add_rows("once", n, np.repeat(np.arange(n), m), cols, 1.0, lower=1.0, upper=1.0)
    b.add_rows("cap", m, np.tile(np.arange(m), n), cols, 1.0, upper=2.0)
    return b.build()


def test_a_limit_too_short_for_the_search_gets_the_lp_bound_and_an_integral_lp_answer():
    # 4,800 non-zeros x 2e-5 s = 0.096 s of predicted presolve alone: past a 0.05 s limit the
    # MIP search (whose root phases ignore the clock) is skipped for the LP relaxation
    highs = get_backend("highs")
    milp = _assignment()
    full = highs.solve(milp, SolveOptions())
    short = highs.solve(milp, SolveOptions(time_limit=0.05))
    assert any("MIP search skipped" in n for n in short.notes), short.notes
    assert short.termination.value == "time_limit"
    # the LP optimum is integral here: it is the answer, proven by its own bound
    assert short.status.value == "optimal", short
    assert short.objective == pytest.approx(full.objective)
    assert short.bound == pytest.approx(full.objective)
    assert not any("MIP search skipped" in n
                   for n in highs.solve(milp, SolveOptions(time_limit=0.05, backend_options={
                       "presolve": "off"})).notes)  # the caller's options: a plain MIP run


def test_a_skipped_search_keeps_the_start_and_a_bound_never_past_the_optimum():
    highs = get_backend("highs")
    milp = _dense_cover(n=60, m=400)  # ~18,000 non-zeros: the LP optimum is fractional
    full = highs.solve(milp, SolveOptions())
    start = np.ones(milp.n_cols)  # every site open: feasible, poor
    short = highs.solve(milp, SolveOptions(time_limit=0.2), start=start)
    assert any("MIP search skipped" in n for n in short.notes), short.notes
    assert short.objective == pytest.approx(float(milp.n_cols))  # the start is the incumbent
    assert short.bound is not None and short.bound <= full.objective + 1e-6
    assert short.status.value == "feasible"
