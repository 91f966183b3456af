"""The lazy-constraint capability (backends/lazy.py, Backend.solve_lazy) with a separator that
is not Benders: minimum-weight vertex cover whose edge rows are hidden from the master."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting.backends import IPM_ROWS, get_backend, lazy_cut_backend, lp_backend, lp_loop_options
from siting.backends.lazy import CutRows, LazySettings, Separation
from siting.errors import BackendError
from siting.milp import MilpBuilder
from siting.options import SolveOptions
from siting.solution import Termination


class CoverSeparator:
    """x_u + x_v >= 1 for every edge, told to the solver only when a point violates it."""

    def __init__(self, edges: list[tuple[int, int]], weight: np.ndarray) -> None:
        self.edges = np.array(edges)
        self.weight = weight
        self.calls = {"separate": 0, "check": 0, "improve": 0}
        self.added: set[int] = set()

    def _violated(self, x: np.ndarray) -> np.ndarray:
        return np.flatnonzero(x[self.edges[:, 0]] + x[self.edges[:, 1]] < 1 - 1e-6)

    def check(self, x: np.ndarray) -> bool:
        self.calls["check"] += 1
        return self._violated(x).size == 0

    def separate(self, x: np.ndarray, integral: bool) -> Separation:
        self.calls["separate"] += 1
        viol = self._violated(x)
        if viol.size == 0:
            return Separation(False)
        new = np.array([e for e in viol.tolist() if e not in self.added], dtype=np.int64)
        self.added.update(new.tolist())
        indptr = np.arange(new.size + 1) * 2
        return Separation(True, CutRows(indptr, self.edges[new].ravel(), np.ones(2 * new.size),
                                        np.ones(new.size)))

    def improve(self, x: np.ndarray) -> np.ndarray | None:
        """Repair an integral point into a cover (all endpoints of violated edges open)."""
        self.calls["improve"] += 1
        y = np.round(x)
        y[self.edges[self._violated(y)].ravel()] = 1.0
        return y


def graph(seed: int, n: int = 9) -> tuple[list[tuple[int, int]], np.ndarray]:
    rng = np.random.default_rng(seed)
    edges = [(u, v) for u, v in itertools.combinations(range(n), 2) if rng.random() < 0.35]
    return edges, rng.integers(1, 10, n).astype(float)


def brute_cover(edges: list[tuple[int, int]], w: np.ndarray) -> float:
    best = np.inf
    for bits in itertools.product((0, 1), repeat=w.size):
        x = np.array(bits)
        if all(x[u] or x[v] for u, v in edges):
            best = min(best, float(w @ x))
    return best


def master(w: np.ndarray):  # type: ignore[no-untyped-def]
    b = MilpBuilder("min", name="cover-master")
    x = b.add_vars("x", w.size, lower=0.0, upper=1.0, cost=w, integer=True)
    # one harmless row so every solver accepts the model (the edges are all lazy)
    b.add_rows("any", 1, np.zeros(w.size, np.int64), x.start + np.arange(w.size), 1.0, lower=0.0)
    return b.build(objective_granularity=1.0)





@pytest.mark.parametrize("seed", range(4))
def test_lazy_tree_with_reliability_branching_equals_brute_force(seed):
    # the large-p Benders tree's setting: strong branching until one observation per candidate
    pytest.importorskip("pyscipopt")
    edges, w = graph(seed)
    sep = CoverSeparator(edges, w)
    res = get_backend("scip").solve_lazy(
        master(w), sep, SolveOptions(time_limit=60), start=np.ones(w.size),
        settings=LazySettings(strong_branching=True, reliability=1.0))
    assert res.termination is Termination.OPTIMAL, res.native_status
    assert res.x is not None and sep.check(res.x)
    assert res.objective == pytest.approx(brute_cover(edges, w))
    assert res.bound == pytest.approx(res.objective)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("fractional", [-1, 1])
def test_lazy_tree_equals_brute_force(seed, fractional):
    backend = lazy_cut_backend(get_backend("highs"), named=False)
    if backend is None:
        pytest.skip("no backend with lazy cuts installed")
    edges, w = graph(seed)
    sep = CoverSeparator(edges, w)
    res = backend.solve_lazy(master(w), sep, SolveOptions(time_limit=60),
                             start=np.ones(w.size),
                             settings=LazySettings(fractional_every=fractional))
    assert res.termination is Termination.OPTIMAL, res.native_status
    assert res.x is not None and sep.check(res.x)  # the answer satisfies the hidden rows
    assert res.objective == pytest.approx(brute_cover(edges, w))
    assert res.bound == pytest.approx(res.objective)
    assert res.cuts_added == len(sep.added) > 0  # every row came from the separator
    assert sep.calls["check"] > 0 and sep.calls["separate"] > 0


def test_capability_and_routing():
    pytest.importorskip("pyscipopt")
    highs, scip = get_backend("highs"), get_backend("scip")
    assert scip.supports_lazy_cuts and not highs.supports_lazy_cuts
    assert lazy_cut_backend(scip, named=True) is scip
    assert lazy_cut_backend(highs, named=True) is None  # a named backend is respected
    assert lazy_cut_backend(highs, named=False).name == "scip"
    assert lp_backend(scip).name == "highs" and lp_backend(highs) is highs
    with pytest.raises(BackendError, match="no lazy-constraint callback"):
        highs.solve_lazy(master(np.ones(2)), CoverSeparator([(0, 1)], np.ones(2)),
                         SolveOptions())


def test_time_limited_lazy_tree_reports_a_bound():
    pytest.importorskip("pyscipopt")
    edges, w = graph(11, n=40)
    sep = CoverSeparator(edges, w)
    res = get_backend("scip").solve_lazy(master(w), sep, SolveOptions(time_limit=0.01),
                                         start=np.ones(w.size))
    assert res.x is not None and sep.check(res.x)
    assert res.bound is not None and res.bound <= res.objective + 1e-9


def test_lp_loop_options_pick_interior_point_for_large_highs_lps():
    def lp(rows: int, integer: bool = False):  # type: ignore[no-untyped-def]
        b = MilpBuilder("min")
        x = b.add_vars("x", 2, cost=1.0, integer=integer)
        b.add_rows("r", rows, np.repeat(np.arange(rows), 2), np.tile(x.start + np.arange(2), rows),
                   1.0, lower=1.0)
        return b.build()

    highs = get_backend("highs")
    assert lp_loop_options(highs, lp(IPM_ROWS + 1)) == {"solver": "ipm"}
    assert lp_loop_options(highs, lp(10)) == {}
    assert lp_loop_options(highs, lp(IPM_ROWS + 1, integer=True)) == {}  # LPs only
    b = MilpBuilder("min")
    x = b.add_vars("x", 80, cost=1.0)
    rows = IPM_ROWS + 1
    b.add_rows("dense", rows, np.repeat(np.arange(rows), 80), np.tile(x.start + np.arange(80), rows),
               1.0, lower=1.0)
    assert lp_loop_options(highs, b.build()) == {}  # dense rows: simplex
