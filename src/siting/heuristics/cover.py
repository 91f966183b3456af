"""Greedy maximal covering with cardinality and/or budget, on a sparse coverage matrix."""

from __future__ import annotations

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
) -> np.ndarray:
    """Open sites by best marginal covered weight (per unit cost under a budget).

    ``C`` is the (n, m) 0/1 coverage matrix. Returns a bool mask; required sites are open
    first. The better of the ratio-greedy and the best single site is kept (Khuller et al.).
    """
    n, m = C.shape
    allowed = np.ones(m, bool) if forbidden is None else ~forbidden
    base = np.zeros(m, bool) if required is None else required.copy()

    def run(ratio: bool) -> np.ndarray:
        open_ = base.copy()
        covered = (C[:, open_].sum(axis=1) > 0) if open_.any() else np.zeros(n, bool)
        spent = float(cost[open_].sum())
        while True:
            if p is not None and open_.sum() >= p:
                break
            gain = C.T @ (w * ~covered)
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
            covered |= C[:, [j]].toarray().ravel() > 0
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
