"""greedy_max_cover: the incremental gains pick what a full recompute per step picks, and a
passed deadline opens nothing beyond the required sites."""

from __future__ import annotations

import time

import numpy as np
import pytest
import scipy.sparse as sp

from siting.heuristics.cover import greedy_max_cover


def _recompute_greedy(C, w, cost, p, budget, required, forbidden, ratio):  # type: ignore[no-untyped-def]
    """The textbook greedy: every gain recomputed over all of C at every step."""
    n, m = C.shape
    open_ = required.copy()
    while p is None or open_.sum() < p:
        covered = (C[:, open_].sum(axis=1) > 0) if open_.any() else np.zeros(n, bool)
        gain = C.T @ (w * ~covered)
        ok = ~forbidden & ~open_ & (gain > 0)
        if budget is not None:
            ok &= cost[open_].sum() + cost <= budget + 1e-9
        if not ok.any():
            break
        score = np.where(ok, gain / cost if ratio else gain, -np.inf)
        open_[int(np.argmax(score))] = True
    return open_


def _covered_weight(C, w, open_):  # type: ignore[no-untyped-def]
    return float(w[(C[:, open_].sum(axis=1) > 0)].sum()) if open_.any() else 0.0


@pytest.mark.parametrize("seed", range(40))
def test_incremental_gains_pick_what_a_full_recompute_picks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(5, 60)), int(rng.integers(2, 25))
    C = sp.csc_array(sp.random(n, m, density=rng.uniform(0.05, 0.5), random_state=seed,
                               format="csc"))
    C.data[:] = 1.0
    w = rng.integers(0, 10, n).astype(float) if seed % 2 else rng.uniform(0, 5, n)
    cost = rng.integers(1, 5, m).astype(float)
    p = None if seed % 3 == 0 else int(rng.integers(1, m + 1))
    budget = None if seed % 3 == 1 else float(rng.integers(1, 20))
    required = rng.uniform(size=m) < 0.1
    forbidden = (rng.uniform(size=m) < 0.1) & ~required
    got = greedy_max_cover(C, w, cost, p, budget, required, forbidden)
    want = _recompute_greedy(C, w, cost, p, budget, required, forbidden, budget is not None)
    if budget is not None:
        plain = _recompute_greedy(C, w, cost, p, budget, required, forbidden, False)
        if _covered_weight(C, w, plain) > _covered_weight(C, w, want):
            want = plain
    assert (got == want).all(), (np.flatnonzero(got), np.flatnonzero(want))


def test_a_passed_deadline_opens_only_the_required_sites() -> None:
    rng = np.random.default_rng(3)
    C = sp.csc_array((rng.uniform(size=(50, 20)) < 0.3).astype(float))
    required = np.zeros(20, bool)
    required[4] = True
    got = greedy_max_cover(C, np.ones(50), np.ones(20), 5, None, required, None,
                           deadline=time.perf_counter() - 1.0)
    assert np.flatnonzero(got).tolist() == [4]
    assert greedy_max_cover(C, np.ones(50), np.ones(20), 5, None, required, None).sum() == 5
