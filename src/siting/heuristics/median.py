"""Greedy add + best-improvement swap (Whitaker-style gains) for the p-median."""

from __future__ import annotations

import heapq
import time

import numpy as np
import scipy.sparse as sp

_BIG = 1e300


def _finite(D: np.ndarray) -> np.ndarray:
    """``D`` with inf priced at _BIG (no copy when every pair is reachable)."""
    return D if np.isfinite(D).all() else np.where(np.isfinite(D), D, _BIG)


#: heap re-evaluations (each O(n)) between two looks at the clock
_CLOCK_EVERY = 32
#: largest cost array (entries) whose columns the greedy copies into rows (50M: 400 MB)
_COLUMN_COPY_MAX = 50_000_000


def _symmetric(D: np.ndarray, block: int = 256) -> bool:
    """Whether the square array ``D`` equals its transpose (compared in blocks: no copy).

    Each block of rows is compared from its diagonal on: the pairs left of it were compared
    with an earlier block (half the reads of a whole-row comparison)."""
    n, m = D.shape
    if n != m:
        return False
    return all(np.array_equal(D[lo:lo + block, lo:], D[lo:, lo:lo + block].T)
               for lo in range(0, n, block))


def _lazy_greedy(Df: np.ndarray, w: np.ndarray, p: int, open_: np.ndarray,
                 allowed: np.ndarray, deadline: float | None = None) -> None:
    """Greedy add until ``p`` are open (in place), evaluated lazily (Minoux's accelerated
    greedy): a site's gain only shrinks as sites open (submodularity), so a stale gain is an
    upper bound and only the heap's top is re-evaluated. One n x m pass instead of p; the
    picks are those of the plain greedy (largest gain, lowest index on ties).

    Past ``deadline`` (perf_counter) the sites still missing are the heap's best by their
    stale gains, without re-evaluation (the clock is read per row block of the first pass
    and per :data:`_CLOCK_EVERY` re-evaluations): on 30k x 30k the full greedy takes
    seconds, and a time limit must hold."""
    n, m = Df.shape
    if not open_.any() and p > 0:
        total = w @ Df  # nothing open yet: the best single site is the 1-median
        total[~allowed] = np.inf
        if not np.isfinite(total).any():  # every site misses someone (or overflowed)
            total = np.where(allowed, (Df >= _BIG).sum(axis=0), np.inf)
        open_[int(np.argmin(total))] = True
    if open_.sum() >= p:
        return
    cur = Df[:, open_].min(axis=1)
    gain = np.zeros(m)
    late = False
    for lo in range(0, n, 512):  # row blocks: no n x m temporary
        blk = slice(lo, lo + 512)
        gain += (w[blk, None] * np.maximum(cur[blk, None] - Df[blk], 0.0)).sum(axis=0)
        if deadline is not None and time.perf_counter() > deadline:
            late = True  # the gains of the rows so far rank the sites
            break
    cand = np.flatnonzero(allowed & ~open_)
    heap = list(zip((-gain[cand]).tolist(), cand.tolist()))
    heapq.heapify(heap)
    when = np.zeros(m, dtype=np.int64)  # the round in which a site's gain was computed
    rnd = 0
    evaluations = 0
    n_open = int(open_.sum())
    # each re-evaluation reads one site's column: from a C-ordered n x m array that is n
    # strided reads (rl5934: 56 us against 15 us from a row, ~50,000 of them at p = 700),
    # so the columns are read as rows: the array itself when it is symmetric (N = M
    # instances such as TSPLIB's), else a row copy of the columns when that is affordable
    if _symmetric(Df):
        cols = Df
    else:
        cols = np.ascontiguousarray(Df.T) if Df.size <= _COLUMN_COPY_MAX and not late else Df.T
    while n_open < p and heap and not late:
        g, j = heapq.heappop(heap)
        if when[j] == rnd:
            open_[j] = True
            n_open += 1
            cur = np.minimum(cur, cols[j])
            rnd += 1
            continue
        fresh = float(w @ np.maximum(cur - cols[j], 0.0))
        when[j] = rnd
        heapq.heappush(heap, (-fresh, j))
        evaluations += 1
        if deadline is not None and evaluations % _CLOCK_EVERY == 0:
            late = time.perf_counter() > deadline
    missing = p - int(open_.sum())
    if missing > 0 and heap:  # out of time: the best stale gains, one heap pass
        picks = [j for _, j in heapq.nsmallest(missing, heap)]
        open_[picks] = True


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
    the result is deterministic. Past ``deadline`` (a perf_counter time) the greedy takes
    its remaining picks unevaluated and no further swap is tried: each costs O(n m), and a
    time-limited run must keep its limit.
    """
    n, m = D.shape
    Df = _finite(D)
    allowed = np.ones(m, bool) if forbidden is None else ~forbidden
    open_ = np.zeros(m, bool) if required is None else required.copy()
    _lazy_greedy(Df, w, p, open_, allowed, deadline)
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


def swap_descent(Df: np.ndarray, w: np.ndarray, open_: np.ndarray, allowed: np.ndarray,
                 fixed: np.ndarray, max_swaps: int = 1000) -> np.ndarray:
    """Best-improvement (close r, open j) swaps from ``open_`` to a local optimum (new mask).

    ``Df`` is finite (n, m); ``fixed`` sites never close, sites outside ``allowed`` never open.
    """
    open_ = open_.copy()
    for _ in range(max_swaps):
        move = _best_swap(Df, w, open_, allowed, fixed)
        if move is None:
            break
        open_[move[0]], open_[move[1]] = False, True
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


def swap_descent_sorted(Df: np.ndarray, order: np.ndarray, sorted_: np.ndarray, w: np.ndarray,
                        open_: np.ndarray, fixed: np.ndarray, max_swaps: int = 1000,
                        deadline: float | None = None) -> np.ndarray:
    """:func:`swap_descent` (every site allowed) on per-client sorted distances.

    ``order``/``sorted_`` are each row's site order and distances (``Df`` finite). A swap's
    value only involves, per client, the sites nearer than its second-nearest open one; at
    large p those are few, and each client's two nearest open sites are updated only where a
    swap touches them, so a step costs O(p m + those pairs) instead of several n x m passes
    (rl1304 p=500: 10 s of swaps with the dense step). Falls back to the dense step when the
    pairs are not few (small p). Stops at ``deadline`` (time.perf_counter()).
    """
    open_ = open_.copy()
    near: _Nearest | None = None
    for _ in range(max_swaps):
        if deadline is not None and time.perf_counter() > deadline:
            break
        if open_.sum() < 2:
            move = _best_swap(Df, w, open_, np.ones(Df.shape[1], bool), fixed)
        else:
            if near is None:
                near = _Nearest(Df, open_)
            move = _best_swap_sorted(Df, order, sorted_, w, open_, fixed, near)
        if move is None:
            break
        open_[move[0]], open_[move[1]] = False, True
        if near is not None:
            near.swap(Df, open_, *move)
    return open_


class _Nearest:
    """Each client's nearest and second-nearest open site (ids) and their distances."""

    def __init__(self, Df: np.ndarray, open_: np.ndarray) -> None:
        n = Df.shape[0]
        self.first = np.zeros(n, dtype=np.int64)
        self.second = np.zeros(n, dtype=np.int64)
        self.c1 = np.zeros(n)
        self.c2 = np.zeros(n)
        self._fill(Df, open_, np.arange(n))

    def _fill(self, Df: np.ndarray, open_: np.ndarray, rows: np.ndarray) -> None:
        cols = np.flatnonzero(open_)
        for lo in range(0, rows.size, 2048):  # blocks: no n x p temporary
            blk = rows[lo:lo + 2048]
            sub = Df[np.ix_(blk, cols)]
            part = np.argpartition(sub, 1, axis=1)[:, :2]
            ar = np.arange(blk.size)
            d0, d1 = sub[ar, part[:, 0]], sub[ar, part[:, 1]]
            flip = d1 < d0
            self.first[blk] = cols[np.where(flip, part[:, 1], part[:, 0])]
            self.second[blk] = cols[np.where(flip, part[:, 0], part[:, 1])]
            self.c1[blk], self.c2[blk] = np.minimum(d0, d1), np.maximum(d0, d1)

    def swap(self, Df: np.ndarray, open_: np.ndarray, closed: int, opened: int) -> None:
        """After ``closed`` left and ``opened`` joined: refresh the clients they touch."""
        hit = (self.first == closed) | (self.second == closed) | (Df[:, opened] < self.c2)
        self._fill(Df, open_, np.flatnonzero(hit))


def _best_swap_sorted(Df: np.ndarray, order: np.ndarray, sorted_: np.ndarray, w: np.ndarray,
                      open_: np.ndarray, fixed: np.ndarray,
                      near: _Nearest) -> tuple[int, int] | None:
    n, m = Df.shape
    cols = np.flatnonzero(open_)
    c1, c2 = near.c1, near.c2
    first = np.searchsorted(cols, near.first)  # position among the open sites
    k = count_below(sorted_, c2)
    if int(k.sum()) > n * m // 4:
        return _best_swap(Df, w, open_, np.ones(m, bool), fixed)
    rows = np.repeat(np.arange(n), k)
    pos = np.arange(rows.size) - np.repeat(np.cumsum(k) - k, k)
    J = order[rows, pos]
    d = sorted_[rows, pos]
    wr, c1r = w[rows], c1[rows]
    # opening j: clients nearer to j than to their site move (only pairs with d < c1 < c2)
    add = np.bincount(J, weights=wr * np.minimum(d - c1r, 0.0), minlength=m)
    # closing r then: its clients fall back to min(c2, d) instead of min(c1, d); beyond c2
    # that is the constant w (c2 - c1), corrected on the pairs nearer than c2
    p = cols.size
    base = np.bincount(first, weights=w * (c2 - c1), minlength=p)
    corr = np.bincount(first[rows] * m + J, weights=wr * (c2[rows] - np.maximum(d, c1r)),
                       minlength=p * m).reshape(p, m)
    delta = add[None, :] + base[:, None] - corr
    delta[:, open_] = np.inf
    delta[fixed[cols], :] = np.inf
    r, j = np.unravel_index(int(np.argmin(delta)), delta.shape)
    if not delta[r, j] < -1e-9 * max(1.0, float(np.abs(w @ c1))):
        return None
    return int(cols[r]), int(j)


def count_below(sorted_: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """Per row, how many entries of the ascending row are < ``bound`` (vectorized bisection)."""
    n, m = sorted_.shape
    lo = np.zeros(n, dtype=np.int64)
    hi = np.full(n, m, dtype=np.int64)
    ar = np.arange(n)
    while True:
        act = lo < hi
        if not act.any():
            return lo
        mid = (lo + hi) // 2
        below = sorted_[ar, np.minimum(mid, m - 1)] < bound
        lo = np.where(act & below, mid + 1, lo)
        hi = np.where(act & ~below, mid, hi)
