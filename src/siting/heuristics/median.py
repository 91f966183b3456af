"""Greedy add + best-improvement swap (Whitaker-style gains) for the p-median."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

_BIG = 1e300


def _finite(D: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(D), D, _BIG)


def greedy_swap_median(
    D: np.ndarray,
    w: np.ndarray,
    p: int,
    required: np.ndarray | None = None,
    forbidden: np.ndarray | None = None,
    max_swaps: int = 10_000,
    deadline: float | None = None,
) -> np.ndarray:
    """Return a bool mask of exactly ``p`` open sites for min sum_i w_i min_j D_ij.

    ``D`` is dense (n, m), ``inf`` where unreachable. Ties break toward the lowest index, so
    the result is deterministic. Past ``deadline`` (a perf_counter time) no further swap is
    tried: each costs O(n m), and a time-limited run must keep its limit.
    """
    n, m = D.shape
    Df = _finite(D)
    allowed = np.ones(m, bool) if forbidden is None else ~forbidden
    open_ = np.zeros(m, bool) if required is None else required.copy()
    cur = Df[:, open_].min(axis=1) if open_.any() else np.full(n, _BIG)
    while open_.sum() < p:
        gain = (w[:, None] * np.maximum(cur[:, None] - Df, 0.0)).sum(axis=0)
        gain[open_ | ~allowed] = -1.0
        j = int(np.argmax(gain))
        open_[j] = True
        cur = np.minimum(cur, Df[:, j])
    fixed = required if required is not None else np.zeros(m, bool)
    for _ in range(max_swaps):
        if deadline is not None and time.perf_counter() > deadline:
            break
        move = _best_swap(Df, w, open_, allowed, fixed)
        if move is None:
            break
        r, j = move
        open_[r] = False
        open_[j] = True
    return open_


def _best_swap(Df: np.ndarray, w: np.ndarray, open_: np.ndarray, allowed: np.ndarray,
               fixed: np.ndarray) -> tuple[int, int] | None:
    """The best improving (close r, open j) pair, or None at a local optimum."""
    n, m = Df.shape
    cols = np.flatnonzero(open_)
    if cols.size == 0:
        return None
    sub = Df[:, cols]
    if cols.size > 1:
        part = np.argpartition(sub, 1, axis=1)[:, :2]
        d0 = sub[np.arange(n), part[:, 0]]
        d1 = sub[np.arange(n), part[:, 1]]
        swap = d1 < d0
        first = np.where(swap, part[:, 1], part[:, 0])
        c1 = np.minimum(d0, d1)
        c2 = np.maximum(d0, d1)
    else:
        first = np.zeros(n, dtype=np.int64)
        c1 = sub[:, 0]
        c2 = np.full(n, _BIG)
    # cost change of adding j (everyone keeps their site or moves to j)
    newc = np.minimum(c1[:, None], Df)
    add = (w[:, None] * (newc - c1[:, None])).sum(axis=0)  # (m,) <= 0
    # extra cost when r closes: its clients fall back to min(second, D_ij) instead of min(c1, D_ij)
    extra = w[:, None] * (np.minimum(c2[:, None], Df) - newc)
    owner = sp.csr_array((np.ones(n), (first, np.arange(n))), shape=(cols.size, n))
    loss = owner @ extra  # (p, m)
    delta = add[None, :] + loss
    delta[:, open_ | ~allowed] = np.inf
    delta[fixed[cols], :] = np.inf
    k = np.unravel_index(int(np.argmin(delta)), delta.shape)
    if not delta[k] < -1e-9 * max(1.0, float(np.abs(w @ c1))):
        return None
    return int(cols[k[0]]), int(k[1])
