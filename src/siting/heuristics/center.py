"""Farthest-first (Gonzalez) construction and a swap descent for the p-center."""

from __future__ import annotations

import numpy as np


def _objective(S: np.ndarray, open_: np.ndarray) -> float:
    return float(S[:, open_].min(axis=1).max())


def farthest_first(
    S: np.ndarray,
    p: int,
    required: np.ndarray | None = None,
    forbidden: np.ndarray | None = None,
) -> np.ndarray:
    """Open ``p`` sites: repeatedly serve the currently worst-served demand point.

    ``S`` is the (n, m) service-cost array (``inf`` unreachable), already weighted if the
    model is. Each step opens the allowed site closest to the worst-served point.
    """
    n, m = S.shape
    allowed = np.ones(m, bool) if forbidden is None else ~forbidden
    open_ = np.zeros(m, bool) if required is None else required.copy()
    cur = S[:, open_].min(axis=1) if open_.any() else np.full(n, np.inf)
    while open_.sum() < p:
        worst = int(np.argmax(np.where(np.isfinite(cur), cur, np.inf)))
        row = np.where(allowed & ~open_, S[worst], np.inf)
        j = int(np.argmin(row))
        if not np.isfinite(row[j]):
            cand = np.flatnonzero(allowed & ~open_)
            j = int(cand[0])
        open_[j] = True
        cur = np.minimum(cur, S[:, j])
    return open_


def pcenter_swap(S: np.ndarray, open_: np.ndarray, forbidden: np.ndarray | None = None,
                 required: np.ndarray | None = None, max_rounds: int = 50) -> np.ndarray:
    """First-improvement swaps that lower the max service cost (bounded rounds)."""
    open_ = open_.copy()
    n, m = S.shape
    allowed = np.ones(m, bool) if forbidden is None else ~forbidden
    fixed = np.zeros(m, bool) if required is None else required
    best = _objective(S, open_)
    for _ in range(max_rounds):
        improved = False
        served = S[:, open_].min(axis=1)
        worst = int(np.argmax(served))
        # candidates that would serve the worst point better
        cand = np.flatnonzero(allowed & ~open_ & (S[worst] < served[worst]))
        cand = cand[np.argsort(S[worst, cand], kind="stable")][:20]
        for j in cand:
            for r in np.flatnonzero(open_ & ~fixed):
                trial = open_.copy()
                trial[r] = False
                trial[j] = True
                val = _objective(S, trial)
                if val < best - 1e-12:
                    open_, best, improved = trial, val, True
                    break
            if improved:
                break
        if not improved:
            break
    return open_
