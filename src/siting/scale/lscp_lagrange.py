"""LSCP heuristics with a bound: cost-effectiveness greedy + redundancy removal, and the
Lagrangian relaxation of the cover rows,

    L(u) = sum_i u_i + sum_j min(0, c_j - sum_{i in N_j} u_i),   u >= 0,

a lower bound on the minimum cover cost for every u (LP-strength at its maximum)."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp


def greedy_cover(C: sp.csr_array, cost: np.ndarray, required: np.ndarray,
                 deadline: float | None = None) -> np.ndarray:
    """Chvatal greedy (cost per newly covered row), then drop redundant sites (dearest first).

    Past ``deadline`` every row still uncovered opens its cheapest site at once (still a cover,
    then pruned the same way), so the heuristic keeps the time limit."""
    CT = C.T.tocsr()
    open_ = required.copy()
    cnt = C @ open_.astype(np.float64)
    while True:
        unc = (cnt == 0).astype(np.float64)
        if not unc.any():
            break
        if deadline is not None and time.perf_counter() > deadline:
            _open_cheapest(C, cost, cnt == 0, open_)
            cnt = C @ open_.astype(np.float64)
            break
        newly = CT @ unc
        ok = (newly > 0) & ~open_
        if not ok.any():
            break  # some row has no site: the caller checks coverability first
        ratio = np.where(ok, cost / np.maximum(newly, 1e-12), np.inf)
        j = int(np.argmin(ratio))
        open_[j] = True
        cnt[_rows_of(CT, j)] += 1  # a CSR row slice of C.T: C[:, [j]] costs O(nnz) per call
    for j in np.flatnonzero(open_ & ~required)[np.argsort(-cost[open_ & ~required])]:
        col = _rows_of(CT, j)
        if np.all(cnt[col] >= 2):
            open_[j] = False
            cnt[col] -= 1
    return open_


def _open_cheapest(C: sp.csr_array, cost: np.ndarray, rows: np.ndarray,
                   open_: np.ndarray) -> None:
    """Open, for each row in ``rows`` that some site covers, its cheapest such site."""
    sub = C[np.flatnonzero(rows)].tocoo()
    if sub.nnz == 0:
        return
    order = np.lexsort((cost[sub.col], sub.row))
    r, j = sub.row[order], sub.col[order]
    first = np.r_[True, r[1:] != r[:-1]]
    open_[j[first]] = True


def _rows_of(CT: sp.csr_array, j: int) -> np.ndarray:
    """The demand rows site ``j`` covers (its stored entries in C.T)."""
    return CT.indices[CT.indptr[j]:CT.indptr[j + 1]]


def lagrangian_bound(C: sp.csr_array, cost: np.ndarray, required: np.ndarray, upper: float,
                     time_limit: float, max_iter: int = 3000) -> tuple[float, int]:
    """max_u L(u) by subgradient (rows covered by required sites are already satisfied)."""
    t0 = time.perf_counter()
    n = C.shape[0]
    CT = C.T.tocsr()
    base = float(cost[required].sum())
    rows = (C @ required.astype(np.float64)) == 0  # rows still to cover
    free = ~required
    u = np.zeros(n)
    u[rows] = cost[free].min() if free.any() else 0.0
    best, alpha, stall = -np.inf, 2.0, 0
    it = 0
    for it in range(1, max_iter + 1):
        s = CT @ u
        red = cost - s
        y = free & (red < 0)
        L = base + float(u.sum()) + float(red[y].sum())
        if L > best + 1e-12 * max(1.0, abs(L)):
            best, stall = L, 0
        else:
            stall += 1
            if stall >= 15:
                alpha, stall = alpha * 0.5, 0
        if upper - best <= 1e-6 * max(1.0, abs(upper)) or alpha < 1e-6 \
                or time.perf_counter() - t0 > time_limit:
            break
        g = rows - C @ y.astype(np.float64)
        g[(u <= 0) & (g < 0)] = 0.0
        norm = float(g @ g)
        if norm <= 0:
            break
        u = np.maximum(0.0, u + alpha * (upper - L) / norm * g)
        u[~rows] = 0.0
    return best, it
