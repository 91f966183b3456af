"""Window search for the budgeted MCLP: exact sub-MILPs over neighbourhoods of sites.

Measured on the generated cities (benchmarks/results/scale.md, section 1b): at a 1 km radius
the block-site coverage graph of a 100k x 10k city is one connected component after the
reductions, so it does not split into independent parts; and most of the gap the
``lagrangian`` formulation reported there was its plan (greedy + swap, ~1.7 % below the best
known plan on the 10k x 1k city), not its bound. A window frees the sites of one neighbourhood
(sites sharing covered demand with a seed site, or with two seeds far apart so budget can move
between them), keeps every other site as it is, and solves the MCLP over the freed sites
exactly: only demand no fixed open site covers counts, the budget is what the fixed sites
leave. A window's answer replaces the plan only when it covers strictly more, so the plan
improves monotonically and stays feasible; it is a plan, never a bound.

Pure arrays plus a solve callback: the solver stays in the backends (the formulation passes
its :class:`~siting.formulations.base.SolveContext`-based callback).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..milp import MilpBuilder, MilpProblem
from ..neighbourhood import WindowStats

#: solve(milp, start, seconds) -> best solution vector found (None: none / stopped)
WindowSolve = Callable[[MilpProblem, np.ndarray, float], "np.ndarray | None"]


@dataclass(frozen=True)
class Components:
    """Connected components of the demand-site coverage graph (sites only)."""

    count: int
    label: np.ndarray      # per site
    sizes: np.ndarray      # sites per component, largest first

    def describe(self) -> str:
        top = ", ".join(f"{int(s):,}" for s in self.sizes[:5])
        return (f"coverage graph: {self.count:,} connected component(s) of sites; "
                f"largest {top}")


def site_components(C: sp.csr_array) -> Components:
    """Components of the bipartite coverage graph, labelled per site (isolated sites count)."""
    n, m = C.shape
    A = sp.bmat([[None, C], [C.T, None]], format="csr")
    k, lab = connected_components(A, directed=False)
    site_lab = lab[n:]
    uniq, site_lab = np.unique(site_lab, return_inverse=True)
    sizes = np.sort(np.bincount(site_lab))[::-1]
    return Components(int(uniq.size), site_lab, sizes)


class WindowSearch:
    """The plan and the cover counts it keeps up to date across windows."""

    def __init__(self, C: sp.csr_array, w: np.ndarray, cost: np.ndarray, free: np.ndarray,
                 open_: np.ndarray, budget: float | None, p: int | None) -> None:
        self.C = C.astype(np.float64).tocsr()
        self.Cc = self.C.tocsc()
        self.CT = self.C.T.tocsr()
        self.w, self.cost, self.free = w, cost, free
        self.open = open_.copy()
        self.budget, self.p = budget, p   # totals (required sites included)
        self.cnt = self.C @ self.open.astype(np.float64)
        #: a price per unit of site cost: windows then maximise coverage - price * cost with no
        #: budget row (the budget relaxed), so windows far apart no longer compete for it
        self.price: float | None = None
        #: the best plan within the limits seen while priced (repaired and filled copies of
        #: the priced plan): the price oscillates, and the plan at the phase's end may be over
        #: the budget by more than a plan passed on the way
        self.best_open: np.ndarray | None = None
        self.best_coverage = -np.inf

    def coverage(self) -> float:
        return float(self.w[self.cnt > 0].sum())

    def restart(self, open_: np.ndarray) -> None:
        """Go on from plan ``open_`` with no price, keeping the matrices (converting the
        pairs three ways again costs about 1 s at 100k blocks)."""
        self.open = open_.copy()
        self.cnt = self.C @ self.open.astype(np.float64)
        self.price, self.best_open, self.best_coverage = None, None, -np.inf

    def within_limits(self) -> WindowSearch:
        """A copy of the plan repaired to the limits and filled (the matrices shared)."""
        other = copy.copy(self)
        other.open, other.cnt, other.price = self.open.copy(), self.cnt.copy(), None
        repair(other)
        fill(other)
        return other

    def remember(self) -> None:
        """Keep the plan within the limits nearest the current one if it is the best yet."""
        other = self.within_limits()
        value = other.coverage()
        if value > self.best_coverage:
            self.best_open, self.best_coverage = other.open.copy(), value

    def window(self, seeds: np.ndarray, size: int) -> np.ndarray:
        """Up to ``size`` free sites sharing the most demand weight with the seeds' demand
        (the seeds first); a second ring when the first is small (sparse areas)."""
        chosen = seeds[self.free[seeds]]
        frontier = seeds
        for _ in range(2):
            rows = np.unique(self.CT[frontier].indices)
            sub = self.C[rows]
            score = np.bincount(sub.indices, weights=np.repeat(self.w[rows], np.diff(sub.indptr)),
                                minlength=self.C.shape[1])
            score[~self.free] = 0.0
            score[chosen] = 0.0
            cand = np.flatnonzero(score > 0)
            room = size - chosen.size
            if cand.size > room:
                cand = cand[np.argpartition(-score[cand], max(room - 1, 0))[:max(room, 0)]]
            chosen = np.concatenate((chosen, cand))
            if chosen.size >= size // 2:
                break
            frontier = chosen
        return np.unique(chosen)

    def milp(self, W: np.ndarray) -> tuple[MilpProblem, np.ndarray, np.ndarray, float] | None:
        """The MCLP over sites ``W`` with every other site fixed: (milp, start, rows, value of
        the current plan on those rows); None when nothing in the window can change. Rows the
        window's sites cover alike are one row of their summed weight (exact, and fewer rows
        make each solve cheaper)."""
        inW = self.Cc[:, W].tocsr()
        rows = np.flatnonzero(np.diff(inW.indptr) > 0)
        yW = self.open[W].astype(np.float64)
        A = inW[rows]
        outside = self.cnt[rows] - A @ yW
        keep = outside <= 0.5
        rows, A = rows[keep], A[keep]
        if rows.size == 0:
            return None
        A, wt = merge_alike(A, self.w[rows])
        inside = A @ yW
        b = MilpBuilder("max", name="mclp-window")
        y = b.add_vars("y", W.size, upper=1.0, integer=True,
                       cost=0.0 if self.price is None else -self.price * self.cost[W])
        z = b.add_vars("z", wt.size, upper=1.0, cost=wt)
        coo = A.tocoo()
        b.add_rows("cover", wt.size, np.concatenate((coo.row, np.arange(wt.size))),
                   np.concatenate((y.start + coo.col, z.start + np.arange(wt.size))),
                   np.concatenate((-np.ones(coo.nnz), np.ones(wt.size))), upper=0.0)
        if self.budget is not None and self.price is None:
            spent_out = float(self.cost[self.open].sum()) - float(self.cost[W] @ yW)
            b.add_rows("budget", 1, np.zeros(W.size, np.int64), y.start + np.arange(W.size),
                       self.cost[W], upper=self.budget - spent_out)
        if self.p is not None:
            count_out = int(self.open.sum()) - int(yW.sum())
            b.add_rows("count", 1, np.zeros(W.size, np.int64), y.start + np.arange(W.size),
                       1.0, upper=float(self.p - count_out))
        grain = _grain(wt) if self.price is None else 0.0
        milp = b.build(objective_granularity=grain)
        start = np.concatenate((yW, (inside > 0).astype(np.float64)))
        before = float(wt[inside > 0].sum())
        if self.price is not None:
            before -= self.price * float(self.cost[W] @ yW)
        return milp, start, rows, before

    def gain_seed(self, rng: np.random.Generator, free_sites: np.ndarray) -> int:
        """A closed free site drawn with probability proportional to the uncovered weight it
        reaches (a random free site when nothing is left uncovered): windows go where
        coverage is missing."""
        gain = self.CT[free_sites] @ (self.w * (self.cnt == 0))
        gain[self.open[free_sites]] = 0.0
        total = float(gain.sum())
        if total <= 0:
            return int(rng.choice(free_sites))
        return int(rng.choice(free_sites, p=gain / total))

    def around(self, sites: np.ndarray) -> np.ndarray:
        """The sites sharing covered demand with ``sites`` (themselves included)."""
        if sites.size == 0:
            return sites
        rows = np.unique(self.CT[sites].indices)
        return np.unique(self.C[rows].indices)

    def apply(self, W: np.ndarray, yW: np.ndarray) -> None:
        old = self.open[W].astype(np.float64)
        delta = yW - old
        if np.any(delta):
            self.cnt += self.Cc[:, W] @ delta
            self.open[W] = yW > 0.5


def merge_alike(A: sp.csr_array, w: np.ndarray) -> tuple[sp.csr_array, np.ndarray]:
    """Rows of ``A`` with the same pattern merged into one carrying their summed weight.

    Alike rows are found by two random projections of each row (same sorted pattern, same
    sums bit for bit); a collision of different patterns is vanishingly unlikely, and a
    window's answer is re-scored on the original rows before it is kept anyway."""
    A = sp.csr_array(A)
    A.sort_indices()
    h = A @ np.random.default_rng(0).random((A.shape[1], 2))
    _, first, inv = np.unique(h, axis=0, return_index=True, return_inverse=True)
    return sp.csr_array(A[first]), np.bincount(inv.ravel(), weights=w, minlength=first.size)


def _grain(w: np.ndarray) -> float:
    return 1.0 if w.size and np.all(w == np.round(w)) else 0.0


def search(ws: WindowSearch, solve: WindowSolve, deadline: float, stop: Callable[[], bool],
           seed: int = 0, size: int = 80, cap: float = 3.0, max_size: int = 400,
           steer: float = 1.0, target: float = 1.0, marks: bool = True) -> WindowStats:
    """Windows until ``deadline`` (perf_counter) or ``stop()``; returns what happened.

    Seeds alternate: an open site alone (re-optimise a neighbourhood), an open site with a
    closed site anywhere that reaches uncovered demand (budget moves between the two areas).
    Sizes follow the clock: a window proven in under half of ``target`` seconds grows the
    next, one slower than ``target`` or stopped at ``cap`` shrinks it (many ~1 s windows beat
    a few large ones). With ``marks``, "don't look" marks sweep the city: a proven window that
    found nothing marks its sites, an improving one clears the marks around what it changed,
    and seeds come from unmarked sites (all marked: a sweep found nothing, start another).
    A window holding every free site that finds nothing better ends the search (it was the
    whole problem), and so do ``3 x free sites / window size`` windows in a row (at least 30)
    that find nothing.
    """
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    st = WindowStats(size=size)
    free_sites = np.flatnonzero(ws.free)
    looked = np.zeros(ws.free.size, dtype=bool)  # don't-look marks (per site)
    stale = 0  # windows in a row that found nothing better
    if free_sites.size == 0:
        return st
    while time.perf_counter() < deadline and not stop():
        if marks and looked[free_sites].all():
            looked[:] = False
        pool = free_sites[~looked[free_sites]] if marks else free_sites
        seeds = _seeds(ws, rng, pool, two=st.windows % 2 == 1)
        half = st.size if seeds.size == 1 else max(st.size // 2, 1)
        W = np.unique(np.concatenate([ws.window(s[None], half) for s in seeds]))
        built = ws.milp(W)
        st.windows += 1
        if built is None:
            looked[W] = True
            continue
        milp, start, rows, before = built
        left = deadline - time.perf_counter()
        if left <= 0.05:
            break
        t = time.perf_counter()
        x = solve(milp, start, min(cap, left))
        took = time.perf_counter() - t
        proven = x is not None and took < 0.9 * min(cap, left)
        st.size = _next_size(st.size, took, proven, target, max_size)
        if x is None:
            continue
        yW = (x[:W.size] > 0.5).astype(np.float64)
        if ws.price is None and not _within(ws, W, yW):
            continue
        after = float(ws.w[rows][(ws.C[rows][:, W] @ yW) > 0].sum())
        if ws.price is not None:
            after -= ws.price * float(ws.cost[W] @ yW)
        if after > before + 1e-9 * max(1.0, abs(before)):
            changed = W[(ws.open[W] > 0.5) != (yW > 0.5)]
            ws.apply(W, yW)
            looked[W] = False
            looked[ws.around(changed)] = False
            st.improved += 1
            st.gained += after - before
            stale = 0
            if ws.price is not None:
                ws.remember()
        else:
            if proven:
                looked[W] = True
            stale += 1
            whole = W.size >= free_sites.size and proven
            if whole or stale >= max(30, 3 * free_sites.size // max(st.size, 1)):
                break
        if ws.price is not None and ws.budget is not None and ws.budget > 0:
            # steer the price so the plan's cost settles at the budget (over: dearer)
            spent = float(ws.cost[ws.open].sum())
            ws.price *= float(np.exp(np.clip(steer * (spent - ws.budget) / ws.budget, -0.1, 0.1)))
    st.seconds = time.perf_counter() - t0
    return st


def _seeds(ws: WindowSearch, rng: np.random.Generator, pool: np.ndarray,
           two: bool) -> np.ndarray:
    """One seed from ``pool`` (an open site mostly, else one reaching uncovered demand), and
    with ``two`` a second anywhere in ``pool`` reaching uncovered demand."""
    opened = pool[ws.open[pool]]
    first = int(rng.choice(opened)) if opened.size and rng.random() < 0.8 \
        else ws.gain_seed(rng, pool)
    if not two:
        return np.array([first])
    return np.array([first, ws.gain_seed(rng, pool)])


def _next_size(size: int, took: float, proven: bool, target: float, max_size: int) -> int:
    """The next window's size: larger after a window proven in under half the target time,
    smaller after one slower than the target or unfinished."""
    if proven and took < 0.5 * target:
        return min(int(size * 1.2) + 1, max_size)
    if not proven or took > target:
        return max(int(size * 0.8), 10)
    return size


def _within(ws: WindowSearch, W: np.ndarray, yW: np.ndarray) -> bool:
    """The window's answer keeps the whole plan inside the limits (checked, not trusted)."""
    trial = ws.open.copy()
    trial[W] = yW > 0.5
    if ws.budget is not None and float(ws.cost[trial].sum()) > ws.budget + 1e-6:
        return False
    if ws.p is not None and int(trial.sum()) > ws.p:
        return False
    return True


def repair(ws: WindowSearch) -> int:
    """Close the open sites losing the least coverage per unit cost until the plan is within
    the budget and the count (after a priced search); returns how many were closed."""
    closed = 0
    while True:
        spent, count = float(ws.cost[ws.open].sum()), int(ws.open.sum())
        over_b = ws.budget is not None and spent > ws.budget + 1e-9
        over_p = ws.p is not None and count > ws.p
        if not (over_b or over_p):
            return closed
        cand = np.flatnonzero(ws.open & ws.free)
        if cand.size == 0:
            return closed
        single = ws.w * (ws.cnt == 1)
        loss = ws.CT[cand] @ single
        key = loss / np.maximum(ws.cost[cand], 1e-12) if over_b else loss
        j = int(cand[int(np.argmin(key))])
        ws.cnt -= ws.Cc[:, [j]].toarray().ravel()
        ws.open[j] = False
        closed += 1


def fill(ws: WindowSearch) -> int:
    """Open the site adding the most uncovered weight per unit cost while one fits."""
    added = 0
    while True:
        spent, count = float(ws.cost[ws.open].sum()), int(ws.open.sum())
        if ws.p is not None and count >= ws.p:
            return added
        room = np.inf if ws.budget is None else ws.budget - spent
        cand = np.flatnonzero(ws.free & ~ws.open & (ws.cost <= room + 1e-9))
        if cand.size == 0:
            return added
        gain = ws.CT[cand] @ (ws.w * (ws.cnt == 0))
        if ws.budget is not None:
            key = gain / np.maximum(ws.cost[cand], 1e-12)
        else:
            key = gain
        k = int(np.argmax(key))
        if gain[k] <= 0:
            return added
        j = int(cand[k])
        ws.cnt += ws.Cc[:, [j]].toarray().ravel()
        ws.open[j] = True
        added += 1
