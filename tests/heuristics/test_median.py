"""heuristics/median.py: the lazy greedy picks what the plain greedy picks, and the swap
descent on sorted rows makes the dense descent's moves (seeded random instances)."""

from __future__ import annotations

import numpy as np
import pytest

from siting.heuristics import count_below, greedy_swap_median, swap_descent, swap_descent_sorted


def plain_greedy(D: np.ndarray, w: np.ndarray, p: int, forbidden: np.ndarray) -> np.ndarray:
    """Every gain recomputed at every step; first the 1-median; ties to the lowest index."""
    open_ = np.zeros(D.shape[1], bool)
    total = np.where(forbidden, np.inf, w @ D)
    open_[int(np.argmin(total))] = True
    cur = D[:, open_].min(axis=1)
    while open_.sum() < p:
        gain = (w[:, None] * np.maximum(cur[:, None] - D, 0.0)).sum(axis=0)
        gain[open_ | forbidden] = -1.0
        j = int(np.argmax(gain))
        open_[j] = True
        cur = np.minimum(cur, D[:, j])
    return open_


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("copy_columns", [True, False])
def test_lazy_greedy_equals_plain_greedy(seed, copy_columns, monkeypatch):
    # with or without the row copy of the columns (arrays above _COLUMN_COPY_MAX read them
    # in place)
    import siting.heuristics.median as median

    monkeypatch.setattr(median, "_COLUMN_COPY_MAX", 10**9 if copy_columns else 0)
    rng = np.random.default_rng(seed)
    n, m = 120, 80
    D = rng.integers(0, 50, (n, m)).astype(float)  # integral: many ties
    w = rng.integers(1, 4, n).astype(float)
    forbidden = rng.random(m) < 0.2
    p = 1 + seed * 5
    got = greedy_swap_median(D, w, p, forbidden=forbidden, max_swaps=0)
    np.testing.assert_array_equal(got, plain_greedy(D, w, p, forbidden))
    # a symmetric array is read by rows in place of its columns
    S = np.minimum(D[:m], D[:m].T)
    got = greedy_swap_median(S, w[:m], p, forbidden=forbidden, max_swaps=0)
    np.testing.assert_array_equal(got, plain_greedy(S, w[:m], p, forbidden))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("p", [1, 2, 6, 40])
def test_sorted_swap_descent_equals_dense(seed, p):
    rng = np.random.default_rng(seed)
    n, m = 200, 150
    D = rng.random((n, m)) * 100  # distinct values: the best swap is unique
    w = rng.integers(1, 5, n).astype(float)
    order = np.argsort(D, axis=1, kind="stable")
    S = np.take_along_axis(D, order, axis=1)
    start = np.zeros(m, bool)
    start[rng.choice(m, p, replace=False)] = True
    fixed = np.zeros(m, bool)
    if seed % 2:
        fixed[np.flatnonzero(start)[0]] = True
    dense = swap_descent(D, w, start, np.ones(m, bool), fixed)
    np.testing.assert_array_equal(swap_descent_sorted(D, order, S, w, start, fixed), dense)
    assert dense[fixed].all()


def test_count_below():
    S = np.array([[1.0, 2.0, 2.0, 5.0], [0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(count_below(S, np.array([2.0, 1.0])), [1, 4])
    np.testing.assert_array_equal(count_below(S, np.array([9.0, -1.0])), [4, 0])


@pytest.mark.parametrize("seed", range(4))
def test_a_greedy_past_its_deadline_still_opens_p_allowed_sites(seed):
    # issue #21: the MIP start's greedy reads the run's deadline; past it, the picks still
    # missing are taken from the stale gains, so the start stays a feasible p-median plan
    rng = np.random.default_rng(seed)
    n, m, p = 900, 200, 25
    D = rng.uniform(0, 100, (n, m))
    w = rng.integers(1, 4, n).astype(float)
    forbidden = rng.random(m) < 0.2
    required = np.zeros(m, bool)
    required[np.flatnonzero(~forbidden)[:2]] = True
    got = greedy_swap_median(D, w, p, required=required, forbidden=forbidden, deadline=0.0)
    assert got.sum() == p
    assert not (got & forbidden).any() and (got[required]).all()
    # a deadline that never comes changes nothing
    far = greedy_swap_median(D, w, p, forbidden=forbidden, max_swaps=0, deadline=1e18)
    np.testing.assert_array_equal(far, plain_greedy(D, w, p, forbidden))
