"""Window search for city-scale community models: exact sub-MILPs over neighbourhoods of sites.

At 50,000 blocks x 3,000 sites a loaded 2-core machine gives HiGHS time for little more than
its root, so the plan it reports is the greedy start, 1.2-2 % below the bound
(benchmarks/results/scale.md, section 2). A window frees every column of a few nearby sites
(used, modules, services) and the coverage columns of the rows they touch, keeps the rest of
the plan as it is, and solves that small MILP exactly (``siting.neighbourhood``): what the
fixed sites leave of the budget, area and rules is the window's room. Half the windows join
the neighbourhoods of two seeds drawn anywhere in the city (mostly far apart), so budget can
move between two areas. The sizes adapt: a window the
solver proves quickly grows, one that is slow or unfinished shrinks.

A plan, never a bound: the bound is the root node's (``community.solve``), which runs first.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from ..milp import MilpProblem
from ..neighbourhood import NeighbourhoodSearch, SubSolve, WindowStats
from .formulation import CommunityModel
from .instance import CommunityInstance

#: rows with more entries than this (budget, district rules) are not followed to free the
#: coverage columns of a window: they tie the window to the whole city
LOCAL_ROW_MAX = 2_000
#: sites per window at the start, and the range the adaptation keeps it in
FIRST_SITES, MIN_SITES, MAX_SITES = 12, 4, 400
#: seconds a window should take: many small windows improve a city plan faster than a few
#: large ones (HiGHS proves a 2,500-column window in 0.6-3 s, a 6,000-column one not in 8 s)
WINDOW_TARGET_SECONDS = 1.0
#: seconds one window may take at most
WINDOW_SECONDS = 3.0


class SiteColumns:
    """Which columns of the model belong to which site, and the coverage columns each site's
    local rows reach."""

    def __init__(self, model: CommunityModel, n_sites: int,
                 csc: sp.csc_array | None = None) -> None:
        p = model.milp
        y, h, m = model.block("y"), model.block("h"), model.block("m")
        site_of = np.full(p.n_cols, -1, dtype=np.int64)
        site_of[y.slice] = np.arange(y.size)
        site_of[h.slice] = model.pair_j
        site_of[m.slice] = model.pair_j
        self.site_of = site_of
        order = np.argsort(site_of[site_of >= 0], kind="stable")
        cols = np.flatnonzero(site_of >= 0)[order]
        self._cols = cols
        self._start = np.searchsorted(site_of[cols], np.arange(n_sites + 1))
        self._csr = sp.csr_array(p.A)
        self._csc = sp.csc_array(p.A) if csc is None else csc
        self._local = np.diff(self._csr.indptr) <= LOCAL_ROW_MAX

    def columns(self, sites: np.ndarray) -> np.ndarray:
        """The sites' own columns plus every non-site column of a local row they appear in."""
        own = np.concatenate([self._cols[self._start[j]:self._start[j + 1]] for j in sites])
        rows = np.unique(self._csc[:, own].indices)
        rows = rows[self._local[rows]]
        reached = self._csr[rows].indices
        reached = reached[self.site_of[reached] < 0]
        return np.union1d(own, reached)


def search(model: CommunityModel, inst: CommunityInstance, milp: MilpProblem, x: np.ndarray,
           solve: SubSolve, until: float, stop: Callable[[float], bool],
           seed: int = 0) -> tuple[np.ndarray, WindowStats]:
    """Improve the plan ``x`` of ``milp`` (the model's stage-1 MILP) by windows until the clock
    reaches ``until`` or ``stop(objective)`` says so; returns the plan and what it did."""
    t0 = time.perf_counter()
    stats = WindowStats(size=FIRST_SITES)
    nb = NeighbourhoodSearch(milp, x)
    sites = SiteColumns(model, inst.n_sites, csc=nb.csc)
    free_sites = np.flatnonzero(milp.col_upper[model.block("y").slice] > 0)
    if free_sites.size < 2:
        return nb.x, stats
    xy = inst.site_xy[free_sites]
    tree = cKDTree(xy)
    rng = np.random.default_rng(seed)
    size = min(FIRST_SITES, free_sites.size)
    # "don't look" marks: a window that found nothing marks its sites, one that improved the
    # plan clears its own and its neighbours' marks; seeds come from unmarked sites, so the
    # search sweeps the city instead of re-solving the same corners
    tried = np.zeros(free_sites.size, dtype=bool)
    while time.perf_counter() < until and not stop(nb.objective):
        untried = np.flatnonzero(~tried)
        if untried.size == 0:
            tried[:] = False
            untried = np.arange(free_sites.size)
        first = int(rng.choice(untried))
        if stats.windows % 2 and free_sites.size > 2 * size:  # and a second seed anywhere
            other = int(rng.choice(untried))
            half = max(size // 2, 1)
            near = np.r_[_nearest(tree, xy[first], half), _nearest(tree, xy[other], half)]
        else:
            near = _nearest(tree, xy[first], size)
        near = np.unique(near)
        window = free_sites[near]
        seconds = min(WINDOW_SECONDS, until - time.perf_counter())
        if seconds <= 0.05:
            break
        started = time.perf_counter()
        outcome = nb.improve(sites.columns(window), solve, seconds)
        took = time.perf_counter() - started
        stats.windows += 1
        if outcome.gain > 0:
            stats.improved += 1
            stats.gained += outcome.gain
            # the plan changed here: the neighbours may gain now
            tried[_nearest(tree, xy[near], 4).ravel()] = False
        elif outcome.proven:
            tried[near] = True
        if outcome.proven and took < WINDOW_TARGET_SECONDS / 2:
            size = min(int(size * 1.25) + 1, MAX_SITES, free_sites.size)
        elif not outcome.proven or took > WINDOW_TARGET_SECONDS:
            size = max(int(size * 0.75), MIN_SITES)
    stats.size, stats.seconds = size, time.perf_counter() - t0
    return nb.x, stats


def _nearest(tree: cKDTree, at: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` sites nearest to ``at`` (one point, or one row per point)."""
    _, idx = tree.query(at, k=np.arange(1, min(k, tree.n) + 1))  # ranks: always a k axis
    return np.asarray(idx)
