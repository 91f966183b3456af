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
