"""Exact reductions for coverage models (LSCP, MCLP) before any MILP is built.

Pure functions: ``(Instance, problem) -> Reduction``. A reduction keeps every optimal value:
the reduced instance has fewer demand points and sites, and :meth:`Reduction.expand` maps a
decision on it back to the original sites. All work is on the sparse 0/1 coverage matrix
(demand x site, built from the radius pairs), never a dense n x m array.

Rules (Toregas & ReVelle 1973; Church & ReVelle 1974; see docs/scale.md):

* demand covered by no allowed site contributes nothing (MCLP) or is infeasible/dropped (LSCP);
* demand already covered by a required site is covered whatever else opens (MCLP: its weight
  becomes a constant; LSCP: the row is satisfied);
* demand points with identical cover sets merge (weights summed);
* site j is dominated by site k when cover(j) is a subset of cover(k) and cost(k) <= cost(j):
  swapping j for k keeps the site count, does not raise the cost and covers at least as much,
  so both the cardinality and the budget limit allow dropping j (not valid once capacities or
  per-site rules exist, which LSCP/MCLP do not have);
* LSCP only: a demand point whose cover set contains another's is implied by it (row
  dominance), and a demand point covered by exactly one site makes that site essential.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .decision import Decision
from .instance import Instance, SparseCosts
from .problems import LSCP, MCLP

#: skip a pairwise (overlap-matrix) rule when its multiply-add count exceeds this
PAIRWISE_WORK_LIMIT = 3e8
#: rows (or sites) per block of a pairwise rule's overlap product; the run's deadline is read
#: between blocks (the LSCP implied-rows product alone took 0.6 s of a 1 s limit)
PAIRWISE_BLOCK = 512


def _blocks(n: int, deadline: float | None):  # type: ignore[no-untyped-def]
    """Index blocks over ``n`` items, ending early once ``deadline`` (perf_counter) passes.
    A pairwise rule drops an item only for a dominator that is kept (its order is strict),
    so the items of the blocks done form a valid reduction on their own."""
    for lo in range(0, n, PAIRWISE_BLOCK):
        if lo and deadline is not None and time.perf_counter() > deadline:
            return
        yield np.arange(lo, min(lo + PAIRWISE_BLOCK, n))


@dataclass(frozen=True)
class Step:
    """One reduction rule's effect, for the run log."""

    rule: str
    before: int
    after: int
    unit: str
    seconds: float

    def describe(self) -> str:
        return (f"reduce: {self.rule}: {self.unit} {self.before} -> {self.after} "
                f"({self.seconds:.2f}s)")


@dataclass(frozen=True, eq=False)
class Reduction:
    """A reduced covering instance and the map back to the original one.

    ``instance`` is None when nothing is left to decide (every demand point settled); then the
    answer is ``fixed`` (required plus essential sites). ``offset`` is the covered weight that
    no decision can change (MCLP), added to objective and bound of the reduced solve.
    """

    original: Instance
    problem: LSCP | MCLP
    instance: Instance | None
    site_map: np.ndarray          # reduced site -> original site index
    fixed: np.ndarray             # bool over original sites: open in every optimal answer we keep
    offset: float
    steps: tuple[Step, ...] = field(default_factory=tuple)

    def expand(self, decision: Decision) -> Decision:
        """The reduced decision as a decision on the original sites."""
        open_ = self.fixed.copy()
        open_[self.site_map[np.asarray(decision.open, dtype=bool)]] = True
        return Decision.from_open(open_)

    def notes(self) -> tuple[str, ...]:
        return tuple(s.describe() for s in self.steps)


class _State:
    """Working coverage matrix with its bookkeeping (rows: demand groups, cols: sites)."""

    def __init__(self, C: sp.csr_array, w: np.ndarray, rep: np.ndarray, cols: np.ndarray,
                 cost: np.ndarray, required: np.ndarray) -> None:
        self.C, self.w, self.rep, self.cols = C, w, rep, cols
        self.cost, self.required = cost, required
        self.steps: list[Step] = []

    def keep_rows(self, mask: np.ndarray) -> None:
        self.C = self.C[np.flatnonzero(mask)]
        self.w, self.rep = self.w[mask], self.rep[mask]

    def keep_cols(self, mask: np.ndarray) -> None:
        idx = np.flatnonzero(mask)
        self.C = self.C[:, idx].tocsr()
        self.cols, self.cost, self.required = self.cols[idx], self.cost[idx], self.required[idx]

    def log(self, rule: str, before: int, after: int, unit: str, t0: float) -> None:
        self.steps.append(Step(rule, before, after, unit, time.perf_counter() - t0))


def coverage_matrix(instance: Instance, radius: float) -> sp.csr_array:
    """Sparse 0/1 (n, m) matrix: demand i is within ``radius`` of allowed site j."""
    i, j, _ = instance.pairs(max_cost=radius)
    ok = ~instance.forbidden[j]  # type: ignore[index]
    C = sp.csr_array((np.ones(int(ok.sum()), dtype=np.int32), (i[ok], j[ok])),
                     shape=(instance.n_demand, instance.n_sites))
    C.sum_duplicates()
    C.sort_indices()
    return C


def _row_sizes(C: sp.csr_array) -> np.ndarray:
    return np.diff(C.indptr)


def identical_rows(C: sp.csr_array, seed: int = 7) -> np.ndarray:
    """Group label per row: rows with the same column set share a label (checked exactly).

    Rows are hashed by two random 64-bit sums over their columns, then every member is compared
    with its group's first row element by element, so a hash collision only splits a group.
    """
    n, m = C.shape
    C.sort_indices()
    sizes = _row_sizes(C)
    rng = np.random.default_rng(seed)
    keys = np.zeros((n, 3), dtype=np.uint64)
    keys[:, 0] = sizes
    nz = sizes > 0
    for col in (1, 2):
        r = rng.integers(1, 2**63 - 1, size=m, dtype=np.int64).astype(np.uint64)
        vals = r[C.indices]
        if nz.any():
            keys[nz, col] = np.add.reduceat(vals, C.indptr[:-1][nz])
    _, first, label = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    label = label.ravel()
    rep = first[label]
    # exact check: member row == representative row, position by position
    member = np.repeat(np.arange(n), sizes)
    offset = np.arange(C.indices.size) - C.indptr[member]
    bad_pos = C.indices != C.indices[C.indptr[rep[member]] + offset]
    if bad_pos.any():
        bad_rows = np.unique(member[bad_pos])
        label = label.copy()
        label[bad_rows] = label.max() + 1 + np.arange(bad_rows.size)
        _, label = np.unique(label, return_inverse=True)
    return label.ravel()


def _merge_identical(st: _State, t0: float) -> bool:
    before = st.C.shape[0]
    label = identical_rows(st.C)
    groups = int(label.max()) + 1 if label.size else 0
    if groups == before:
        st.log("merge demand with identical cover sets", before, before, "demand points", t0)
        return False
    first = np.full(groups, before, dtype=np.int64)
    np.minimum.at(first, label, np.arange(before))
    w = np.bincount(label, weights=st.w, minlength=groups)
    st.C = st.C[first]
    st.w, st.rep = w, st.rep[first]
    st.log("merge demand with identical cover sets", before, groups, "demand points", t0)
    return True


def dominated_sites(C: sp.csr_array, cost: np.ndarray, required: np.ndarray,
                    deadline: float | None = None) -> np.ndarray | None:
    """Mask of sites dominated by another (cover subset, cost not lower); None if too costly.

    The order (cover superset, cost lower-or-equal, then larger cover, then lower index) is a
    strict partial order, so every dropped site keeps an undominated dominator. Past
    ``deadline`` the sites not yet compared are kept (see :func:`_blocks`).
    """
    sizes_r = _row_sizes(C).astype(float)
    if float(sizes_r @ sizes_r) > PAIRWISE_WORK_LIMIT:
        return None
    size = np.bincount(C.indices, minlength=C.shape[1])
    CT = C.T.tocsr()
    out = np.zeros(C.shape[1], dtype=bool)
    for block in _blocks(C.shape[1], deadline):
        O = (CT[block] @ C).tocoo()
        j, k, ov = block[O.row], O.col, O.data
        better = (cost[k] < cost[j]) | ((cost[k] <= cost[j]) & (
            (size[k] > size[j]) | ((size[k] == size[j]) & (k < j))))
        hit = (ov == size[j]) & (j != k) & better
        out[j[hit]] = True
    out |= size == 0  # covers nothing left to decide
    out &= ~required
    return out


def _drop_dominated(st: _State, t0: float, deadline: float | None = None) -> bool:
    before = st.C.shape[1]
    dom = dominated_sites(st.C, st.cost, st.required, deadline)
    if dom is None:
        st.log("drop dominated sites (skipped: overlap too large)", before, before, "sites", t0)
        return False
    if dom.any():
        st.keep_cols(~dom)
    st.log("drop dominated sites", before, st.C.shape[1], "sites", t0)
    return bool(dom.any())


def _drop_rows_covered_by_required(st: _State, t0: float) -> float:
    """Remove demand already covered by a required (open) site; return its weight."""
    if not st.required.any():
        return 0.0
    before = st.C.shape[0]
    hit = (st.C[:, np.flatnonzero(st.required)].sum(axis=1) > 0)
    hit = np.asarray(hit).ravel()
    gained = float(st.w[hit].sum())
    if hit.any():
        st.keep_rows(~hit)
    st.log("drop demand covered by fixed-open sites", before, st.C.shape[0], "demand points", t0)
    return gained


def _drop_implied_rows(st: _State, t0: float, deadline: float | None = None) -> bool:
    """LSCP row dominance: a row whose cover set contains another's is implied. Past
    ``deadline`` the rows not yet compared are kept (see :func:`_blocks`)."""
    before = st.C.shape[0]
    sizes_c = np.bincount(st.C.indices, minlength=st.C.shape[1]).astype(float)
    if float(sizes_c @ sizes_c) > PAIRWISE_WORK_LIMIT:
        st.log("drop implied demand rows (skipped: overlap too large)", before, before,
               "demand points", t0)
        return False
    size = _row_sizes(st.C)
    CT = st.C.T.tocsc()
    drop = np.zeros(before, dtype=bool)
    for block in _blocks(before, deadline):
        O = (st.C[block] @ CT).tocoo()
        a, b, ov = block[O.row], O.col, O.data
        # row a implied by row b: cover(b) within cover(a); identical rows were merged
        # already, ties (equal sets) keep the lower index
        hit = (ov == size[b]) & (a != b) & ((size[b] < size[a]) | (b < a))
        drop[a[hit]] = True
    if drop.any():
        st.keep_rows(~drop)
    st.log("drop implied demand rows", before, st.C.shape[0], "demand points", t0)
    return bool(drop.any())


def _fix_essential(st: _State, t0: float) -> bool:
    """LSCP: a demand point covered by exactly one site forces that site open."""
    sizes = _row_sizes(st.C)
    single = sizes == 1
    if not single.any():
        return False
    sites = np.unique(st.C.indices[st.C.indptr[:-1][single]])
    new = sites[~st.required[sites]]
    before = int(st.required.sum())
    st.required = st.required.copy()
    st.required[new] = True
    st.log("fix essential sites", before, int(st.required.sum()), "fixed-open sites", t0)
    return bool(new.size)


def reduce_covering(instance: Instance, problem: LSCP | MCLP, max_rounds: int = 20,
                    deadline: float | None = None) -> Reduction:
    """Apply the exact reductions for ``problem`` (LSCP or MCLP) and return the reduced instance.

    For LSCP, demand points no allowed site can reach are dropped (the caller decides first
    whether that is allowed: ``drop_unreachable``). Past ``deadline`` (a perf_counter time) no
    further rule starts: every rule is exact on its own, so stopping between rules keeps the
    reduced instance equivalent, only larger.
    """
    t0 = time.perf_counter()
    C = coverage_matrix(instance, problem.radius)
    m = instance.n_sites
    allowed = ~instance.forbidden  # type: ignore[operator]
    st = _State(C, instance.weight.astype(float), np.arange(instance.n_demand),
                np.arange(m), instance.site_costs().astype(float),
                instance.required.copy())  # type: ignore[union-attr]
    st.log("coverage pairs within radius (of all demand x site pairs)",
           instance.n_demand * m, int(C.nnz), "pairs", t0)
    is_mclp = isinstance(problem, MCLP)

    t = time.perf_counter()
    keep_r = _row_sizes(st.C) > 0
    if is_mclp:
        keep_r &= st.w > 0
    rule = ("drop demand with no weight or no site in reach" if is_mclp
            else "drop demand no site can reach")
    st.keep_rows(keep_r)
    st.log(rule, instance.n_demand, st.C.shape[0], "demand points", t)

    t = time.perf_counter()
    before = m
    st.keep_cols(allowed)
    st.log("drop forbidden sites", before, st.C.shape[1], "sites", t)

    # MCLP needs one round: merging rows never changes which sites dominate which, and dropping
    # dominated sites only creates new identical rows (merged right after). LSCP loops because
    # essential sites settle rows, which can expose new implied rows, dominance and essentials.
    offset = 0.0

    def late() -> bool:
        if deadline is None or time.perf_counter() <= deadline:
            return False
        n = st.C.shape[0]
        st.log("stopped at the time limit, later rules skipped", n, n, "demand points",
               time.perf_counter())
        return True

    for _ in range(1 if is_mclp else max_rounds):
        rows_before = st.C.shape[0]
        offset += _drop_rows_covered_by_required(st, time.perf_counter())
        if st.C.shape[0] == 0 or late():
            break
        _merge_identical(st, time.perf_counter())
        if late():
            break
        implied = (not is_mclp) and _drop_implied_rows(st, time.perf_counter(), deadline)
        if late():
            break
        dom = _drop_dominated(st, time.perf_counter(), deadline)
        if dom:
            _merge_identical(st, time.perf_counter())
        if late():
            break
        essential = (not is_mclp) and _fix_essential(st, time.perf_counter())
        if not (implied or dom or essential or st.C.shape[0] < rows_before):
            break

    fixed = np.zeros(m, dtype=bool)
    fixed[st.cols[st.required]] = True
    if st.C.shape[0] == 0:
        return Reduction(instance, problem, None, np.zeros(0, np.int64), fixed,
                         offset if is_mclp else 0.0, tuple(st.steps))
    coo = st.C.tocoo()
    costs = SparseCosts.from_pairs(coo.row, coo.col, np.zeros(coo.nnz), st.C.shape)
    reduced = Instance(
        cost=costs,
        weight=st.w,
        demand_ids=np.asarray(instance.demand_ids)[st.rep],
        site_ids=np.asarray(instance.site_ids)[st.cols],
        fixed_cost=st.cost if instance.fixed_cost is not None else None,
        required=st.required,
        name=instance.name,
        source=instance.source,
    )
    return Reduction(instance, problem, reduced, st.cols, fixed,
                     offset if is_mclp else 0.0, tuple(st.steps))
