"""Greedy maximal covering with cardinality and/or budget, on a sparse coverage matrix."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp


def greedy_max_cover(
    C: sp.csc_array,
    w: np.ndarray,
    cost: np.ndarray,
    p: int | None,
    budget: float | None,
    required: np.ndarray | None = None,
    forbidden: np.ndarray | None = None,
    deadline: float | None = None,
) -> np.ndarray:
    """Open sites by best marginal covered weight (per unit cost under a budget).

    ``C`` is the (n, m) 0/1 coverage matrix. Returns a bool mask; required sites are open
    first. The better of the ratio-greedy and the best single site is kept (Khuller et al.).
    After each opening only the gains of the sites sharing a newly covered row are recomputed
    (exactly, not over all of ``C``). Past ``deadline`` (a perf_counter time) no further site
    is opened: the plan so far is returned, within p and the budget as every step is.
    """
    C = sp.csc_array(C)
    n, m = C.shape
    rows = C.tocsr()
    w = np.asarray(w, dtype=float)
    allowed = np.ones(m, bool) if forbidden is None else ~forbidden
    base = np.zeros(m, bool) if required is None else required.copy()

    def run(ratio: bool) -> np.ndarray:
        open_ = base.copy()
        covered = (C[:, open_].sum(axis=1) > 0) if open_.any() else np.zeros(n, bool)
        spent = float(cost[open_].sum())
        gain = rows.T @ (w * ~covered)
        while True:
            if p is not None and open_.sum() >= p:
                break
            if deadline is not None and time.perf_counter() > deadline:
                break
            ok = allowed & ~open_ & (gain > 0)
            if budget is not None:
                ok &= spent + cost <= budget + 1e-9
            if not ok.any():
                break
            score = gain / np.maximum(cost, 1e-12) if ratio else gain
            score = np.where(ok, score, -np.inf)
            j = int(np.argmax(score))
            open_[j] = True
            spent += float(cost[j])
            col = C.indices[C.indptr[j]:C.indptr[j + 1]]
            col = col[C.data[C.indptr[j]:C.indptr[j + 1]] > 0]
            new = col[~covered[col]]
            if new.size:
                covered[new] = True
                # only the sites sharing a newly covered row change: their gains afresh
                touched = np.unique(rows[new].indices)
                gain[touched] = C[:, touched].T @ (w * ~covered)
        return open_

    def value(open_: np.ndarray) -> float:
        cov = (C[:, open_].sum(axis=1) > 0) if open_.any() else np.zeros(n, bool)
        return float(w[cov].sum())

    best = run(ratio=budget is not None)
    if budget is not None:
        plain = run(ratio=False)
        if value(plain) > value(best):
            best = plain
    return best
