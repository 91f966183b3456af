"""UFL at scale on sparse candidate lists: Lagrangian bound (assignment rows relaxed) and
add/drop/swap descent from Lagrangian solutions (see pmedian_lagrange for the relaxation)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .pmedian_lagrange import Pairs, evaluate, swap_descent


@dataclass
class UflResult:
    bound: float
    best_open: np.ndarray | None
    best_value: float
    iterations: int


def _serve_all(P: Pairs, open_: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Open each unserved point's nearest allowed site (UFL has no count to keep)."""
    open_ = open_.copy()
    _, arg, _ = evaluate(P, open_)
    lost = np.flatnonzero(arg < 0)
    for i in lost:
        seg = slice(P.indptr[i], P.indptr[i + 1])
        js, ds = P.j[seg], P.d[seg]
        ok = allowed[js]
        if ok.any() and not open_[js[ok]].any():
            open_[js[ok][np.argmin(ds[ok])]] = True
    return open_


def solve_ufl(P: Pairs, f: np.ndarray, required: np.ndarray, allowed: np.ndarray,
              time_limit: float, max_iter: int = 5000,
              incumbent: np.ndarray | None = None) -> UflResult:
    t0 = time.perf_counter()
    w = P.w
    wd = w[P.i] * P.d
    cap = np.full(P.n, np.inf)  # any multiplier is valid: the bound is for this instance
    # start: 1.5 x the nearest stored cost (above it, so some sites look worth opening)
    near = np.full(P.n, np.inf)
    np.minimum.at(near, P.i, P.d)
    lam = w * near * 1.5
    free = allowed & ~required
    best_open, best_val = None, np.inf
    if incumbent is not None:
        best_val, _, c = evaluate(P, incumbent)
        if np.isfinite(best_val):
            best_open, best_val = incumbent.copy(), best_val + float(f[incumbent].sum())
            lam = np.minimum(cap, w * c)  # each point's cost in the incumbent
        else:
            best_val = np.inf
    bound, alpha, stall = -np.inf, 2.0, 0
    it = 0
    for it in range(1, max_iter + 1):
        red = np.minimum(0.0, wd - lam[P.i])
        rho = np.bincount(P.j, weights=red, minlength=P.m)
        y = required | (free & (f + rho < 0))
        L = float(lam.sum() + (f + rho)[y].sum())
        if L > bound + 1e-12 * max(1.0, abs(L)):
            bound, stall = L, 0
        else:
            stall += 1
            if stall >= 30:
                alpha, stall = alpha * 0.5, 0
        if it % 10 == 1:
            seed = y.copy()
            if not seed.any():
                seed[np.flatnonzero(free)[np.argmin((f + rho)[free])]] = True
            trial = _serve_all(P, seed, allowed)
            val = evaluate(P, trial)[0] + float(f[trial].sum())
            if val < best_val:
                best_open, best_val = trial, val
        if best_val - bound <= 1e-4 * max(1.0, abs(best_val)) or alpha < 1e-5 \
                or time.perf_counter() - t0 > time_limit:
            break
        x = y[P.j] & (wd < lam[P.i])
        g = 1.0 - np.bincount(P.i[x], minlength=P.n)
        norm = float(g @ g)
        if norm <= 0:
            break
        lam = np.clip(lam + alpha * (best_val - L) / norm * g, 0.0, cap)
    return UflResult(bound, best_open, best_val, it)


def start_ufl(P: Pairs, f: np.ndarray, required: np.ndarray, allowed: np.ndarray,
              time_limit: float) -> np.ndarray:
    """Open the single site with the lowest total cost (if it serves everyone), else serve each
    point by its nearest site; then add/drop/swap descent."""
    open_ = required.copy()
    if not open_.any():
        reach = np.bincount(P.j, minlength=P.m)
        total = f + np.bincount(P.j, weights=P.w[P.i] * P.d, minlength=P.m)
        ok = allowed & (reach == P.n)
        if ok.any():
            open_[np.flatnonzero(ok)[np.argmin(total[ok])]] = True
    open_ = _serve_all(P, open_, allowed)
    return swap_descent(P, open_, required, allowed, time_limit, f=f)[0]


def improve_ufl(P: Pairs, f: np.ndarray, open_: np.ndarray, required: np.ndarray,
                allowed: np.ndarray, time_limit: float) -> tuple[np.ndarray, float]:
    return swap_descent(P, open_, required, allowed, time_limit, f=f)
