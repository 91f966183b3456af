"""Operator viability and the annual operating view (models/community.md, "Viability").

A new module of service s must have at least ``min_users`` users. Users are an *exclusive*
share: each block's demand for s goes wholly to its nearest hosting site within reach (the
service's outer tier), ties in distance broken by site order (the earlier row of the site table
wins); capacitated services share by their allocation u_ijs instead (``share = "allocation"``).

Model (nearest shares). For block i, order its reachable sites by (d_ij, j): j_1, j_2, ...
and let v_ir ∈ [0, 1] mean "one of i's first r sites hosts s". Then

    v_ir ≥ h_{j_r},   v_ir ≥ v_i,r−1,   v_ir ≤ v_i,r−1 + h_{j_r}   (v_i0 = 0)

and x_ij = v_i,r(j) − v_i,r(j)−1 is block i's share at j. This is the closest-assignment model
Σ_{k ⪯_i j} x_ik ≥ h_j, x_ij ≤ h_j, Σ_j x_ij ≤ 1 in cumulative variables (the same polytope,
O(Σ_i |N_i|) non-zeros instead of O(Σ_i |N_i|²)); at integer h it has exactly one solution, the
nearest share. Users U_js = Σ_i w_i x_ij; viability: U_js ≥ L_s·(m_js + [existing]·e_js).
Subsidy: σ_js ≥ op_s·(m_js + [existing]·e_js) − rev_s·U_js, σ ≥ 0, Σ σ ≤ subsidy budget.

Everything here is arrays; the verifier's recomputation (:func:`operations`) needs no MILP.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import DataError
from .instance import CommunityInstance
from .spec import CommunityProblem

if TYPE_CHECKING:
    from .formulation import CommunityModel

TOL = 1e-6


# ---------------------------------------------------------------------------------------------
# what the scenario asks for


def needs_users(problem: CommunityProblem) -> np.ndarray:
    """(S,) bool: services whose users enter the model (viability or a subsidy row)."""
    sub = problem.viability.subsidy_budget is not None
    return np.array([(s.min_users or 0) > 0 or (sub and (s.operating_cost or 0) > 0)
                     for s in problem.services], dtype=bool)


def user_weights(inst: CommunityInstance, problem: CommunityProblem, s: int) -> np.ndarray:
    """(n,) what one block counts as users of s: its segment, or its households."""
    svc = problem.services[s]
    if svc.users == "households":
        if inst.households is None:
            raise DataError(f"service {svc.name}: users = 'households' but the demand table has "
                            f"no households column ({problem.columns.households!r})")
        return np.asarray(inst.households, dtype=float)
    return inst.population[:, s]


def must_serve(inst: CommunityInstance, problem: CommunityProblem) -> np.ndarray:
    """(m, S) modules that must be viable: e_js counts only when ``viability.existing``."""
    return inst.existing * int(problem.viability.existing)


def nearest_order(pi: np.ndarray, pj: np.ndarray, pd: np.ndarray) -> np.ndarray:
    """Order of pairs by block, then (distance, site): the tie rule 'earlier site row wins'."""
    return np.lexsort((pj, pd, pi))


# ---------------------------------------------------------------------------------------------
# the MILP part (called from formulation.build_model)


def add_viability(b: Any, inst: CommunityInstance, problem: CommunityProblem,
                  hostable: np.ndarray, h: Any, mod: Any, h_index: np.ndarray,
                  credits: Any) -> None:
    """Add closest-assignment users, viability rows and the subsidy row to builder ``b``.

    ``h``/``mod`` are the h_js / m_js blocks (pair index ``h_index``), ``credits`` the credit
    terms (capacitated services read their users from the allocation columns). Adds nothing
    when no service has ``min_users`` and no subsidy budget is set.
    """
    need = needs_users(problem)
    if not need.any():
        return
    viab = problem.viability
    must = must_serve(inst, problem)
    impossible: list[np.ndarray] = []
    for s in (int(k) for k in np.flatnonzero(need)):
        svc = problem.services[s]
        L = float(svc.min_users or 0.0)
        op = float(svc.operating_cost or 0.0) if viab.subsidy_budget is not None else 0.0
        rev = float(svc.revenue_per_user or 0.0)
        wt = user_weights(inst, problem, s)
        # sites whose users are constrained: hostable, and some module must be viable/paid
        rel = hostable[:, s] & ((inst.max_new[:, s] > 0) | (must[:, s] > 0))
        if svc.share_rule == "allocation":
            terms = credits[s]
            cols_j, cols, coef = terms.site, terms.col, _alloc_user_coef(inst, terms, wt)
            reach = coef * terms.group_weight[terms.group[terms.block]]   # most users per column
        else:
            cols_j, cols, coef = _nearest_chain(b, inst, s, hostable[:, s], rel, wt, h, h_index)
            reach = np.clip(coef, 0, None)
        sites = np.flatnonzero(rel)
        if sites.size == 0:
            continue
        loc = np.full(inst.n_sites, -1)
        loc[sites] = np.arange(sites.size)
        sel = loc[cols_j] >= 0
        u_rows, u_cols, u_vals = loc[cols_j[sel]], cols[sel], coef[sel]
        u_reach = reach[sel]
        mcol = mod.start + h_index[sites, s]
        if L > 0:
            # U_js − L m_js ≥ L e_js (e only when existing modules must be viable too)
            b.add_rows(f"viable_{s}", sites.size, np.r_[u_rows, np.arange(sites.size)],
                       np.r_[u_cols, mcol], np.r_[u_vals, np.full(sites.size, -L)],
                       lower=L * must[sites, s].astype(float), index=(sites,))
            # exact reduction: a site whose whole catchment is below L never hosts a new module
            most = np.bincount(u_rows, weights=u_reach, minlength=sites.size)
            dead = sites[(most < L - TOL) & (inst.existing[sites, s] == 0)]
            if dead.size:
                impossible.append(h.start + h_index[dead, s])
            if svc.share_rule == "nearest":
                pj_, pk_ = viability_conflicts(inst, s, hostable[:, s], wt, L)
                if pj_.size:   # h_j + h_k ≤ 1: j cannot reach L once k hosts s
                    k2 = np.arange(pj_.size)
                    b.add_rows(f"viable_pairs_{s}", pj_.size, np.r_[k2, k2],
                               h.start + np.r_[h_index[pj_, s], h_index[pk_, s]], 1.0,
                               upper=1.0, index=(pj_, pk_))
        if op > 0 and not (L > 0 and op <= rev * L):
            # (op ≤ ρ L: a viable point never runs a deficit, σ = 0 always fits: no rows)
            _subsidy_rows(b, s, sites, u_rows, u_cols, rev * u_vals, mcol, op,
                          op * must[sites, s].astype(float),
                          inst.max_new[sites, s].astype(float))
    if impossible:
        cols = np.concatenate(impossible)
        b.add_rows("viable_impossible", cols.size, np.arange(cols.size), cols, 1.0, upper=0.0)
    if viab.subsidy_budget is not None:
        sig = [blk for name, blk in b.blocks.items() if name.startswith("sigma_")]
        if sig:
            cols = np.concatenate([np.arange(blk.start, blk.start + blk.size) for blk in sig])
            b.add_rows("subsidy_budget", 1, np.zeros(cols.size), cols, 1.0,
                       upper=viab.subsidy_budget)


#: most (block, depth, depth) cells the prefix-set keys of the closest-assignment chains may
#: sort; larger instances key prefixes by sequence (a trie), which is exact too
PREFIX_SET_CELLS = 50_000_000

#: most (block, earlier site, later site) triples :func:`viability_conflicts` enumerates
CONFLICT_TRIPLES = 2_000_000


def viability_conflicts(inst: CommunityInstance, s: int, hostable: np.ndarray,
                        wt: np.ndarray, L: float) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (j, k), j < k, of new candidate points of s that cannot both host s.

    Users of j only fall when more sites host s (a block goes to j only while nothing before
    j in its order hosts), so j's users with k and the existing modules hosting are the most j
    can have whenever k hosts; below L, h_j + h_k ≤ 1 is valid (an exact cut: it removes no
    viable plan). Skipped (no pairs) when the triples would exceed ``CONFLICT_TRIPLES``.
    """
    none = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    pr = inst.pairs[s]
    keep = hostable[pr.j] & (wt[pr.i] > 0)
    pi, pj, pd = pr.i[keep], pr.j[keep], pr.d[keep]
    if pi.size == 0:
        return none
    o = nearest_order(pi, pj, pd)
    pi, pj = pi[o], pj[o]
    start = np.r_[0, np.flatnonzero(np.diff(pi)) + 1]
    blk = np.repeat(np.arange(start.size), np.diff(np.r_[start, pi.size]))
    rank = np.arange(pi.size) - start[blk]
    # a block's list ends at its first existing module (nothing after it is ever nearest)
    fixed = inst.existing[pj, s] > 0
    first = np.full(start.size, np.iinfo(np.int64).max)
    np.minimum.at(first, blk[fixed], rank[fixed])
    sel = rank <= first[blk]
    pi, pj, rank, blk = pi[sel], pj[sel], rank[sel], blk[sel]
    start = np.r_[0, np.flatnonzero(np.diff(blk)) + 1]
    if int(rank.sum()) > CONFLICT_TRIPLES:
        return none
    m = inst.n_sites
    new = hostable & (inst.existing[:, s] == 0) & (inst.max_new[:, s] > 0)
    catch = np.bincount(pj, weights=wt[pi], minlength=m)
    # every (later q, earlier p) in one block: the block is lost to j = site(q) if k = site(p)
    q = np.repeat(np.arange(pi.size), rank)
    p = start[np.searchsorted(start, q, side="right") - 1] + (
        np.arange(q.size) - np.repeat(np.cumsum(rank) - rank, rank))
    # only (j, k) pairs that share a block can lose anything: sparse sums over those
    code, inv = np.unique(pj[q] * m + pj[p], return_inverse=True)
    lost = np.bincount(inv.reshape(-1), weights=wt[pi[q]], minlength=code.size)
    j, k = code // m, code % m
    alive = new & (catch >= L - TOL)             # the others are fixed closed already
    bad = (catch[j] - lost < L - TOL) & alive[j] & alive[k]   # users of j when k hosts
    pairs = np.unique(np.column_stack([np.minimum(j, k), np.maximum(j, k)])[bad], axis=0)
    return pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)


def _subsidy_rows(b: Any, s: int, sites: np.ndarray, u_rows: np.ndarray, u_cols: np.ndarray,
                  rev_vals: np.ndarray, mcol: np.ndarray, op: float, rhs: np.ndarray,
                  max_mod: np.ndarray) -> None:
    """σ_js + rev·U_js − op·m_js ≥ op·e_js (e only when existing modules count), σ ≥ 0."""
    k = sites.size
    # σ ≤ op·(M_js + e_js): finite bounds (no 0·∞ in objective bounds downstream)
    sig = b.add_vars(f"sigma_{s}", k, lower=0.0, upper=op * (max_mod + rhs / max(op, 1e-300)),
                     index=(sites,))
    ar = np.arange(k)
    b.add_rows(f"deficit_{s}", k, np.r_[ar, u_rows, ar],
               np.r_[sig.start + ar, u_cols, mcol],
               np.r_[np.ones(k), rev_vals, np.full(k, -op)], lower=rhs, index=(sites,))


def _alloc_user_coef(inst: CommunityInstance, terms: Any, wt: np.ndarray) -> np.ndarray:
    """Users per allocated person of a (possibly aggregated) group: households / persons."""
    if terms.group is None or terms.group_weight is None:
        return np.ones(terms.col.size)
    members = terms.group >= 0
    hh = np.bincount(terms.group[members], weights=wt[members],
                     minlength=terms.group_weight.size)
    g = terms.group[terms.block]
    gw = terms.group_weight[g]
    return np.divide(hh[g], gw, out=np.zeros(g.size), where=gw > 0)


def _nearest_chain(b: Any, inst: CommunityInstance, s: int, hostable: np.ndarray,
                   relevant: np.ndarray, wt: np.ndarray, h: Any,
                   h_index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The cumulative closest-assignment variables v_ir of service s.

    Returns (site, column, coefficient) triples with U_js = Σ coef·x[column] over triples of
    site j. Exact reductions: a block's list stops at its first site with an existing module
    (h fixed 1: nothing farther is ever its nearest) and after its last ``relevant`` site; blocks
    with no relevant site or no users are left out; blocks with the same ordered list share
    variables (their weights summed).
    """
    pr = inst.pairs[s]
    keep = hostable[pr.j] & (wt[pr.i] > 0)
    pi, pj, pd = pr.i[keep], pr.j[keep], pr.d[keep]
    o = nearest_order(pi, pj, pd)
    pi, pj = pi[o], pj[o]
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if pi.size == 0:
        return empty
    start = np.r_[0, np.flatnonzero(np.diff(pi)) + 1]
    blk_of = np.repeat(np.arange(start.size), np.diff(np.r_[start, pi.size]))
    rank = np.arange(pi.size) - start[blk_of]
    n_blk = start.size
    big = np.iinfo(np.int64).max
    fixed = inst.existing[pj, s] > 0
    first_fixed = np.full(n_blk, big)
    np.minimum.at(first_fixed, blk_of[fixed], rank[fixed])
    last_rel = np.full(n_blk, -1)
    np.maximum.at(last_rel, blk_of[relevant[pj]], rank[relevant[pj]])
    stop = np.minimum(first_fixed, last_rel)        # inclusive last rank kept
    sel = rank <= stop[blk_of]
    pi, pj, rank, blk_of = pi[sel], pj[sel], rank[sel], blk_of[sel]
    if pi.size == 0:
        return empty
    # one variable per distinct prefix SET: "one of these sites hosts s" is the OR of the
    # set, whatever the order (blocks (a, b, c) and (b, a, c) share {a, b} and {a, b, c}).
    # A block's list is a path of edges P -> P ∪ {j}; each edge gets the three rows of the
    # convex hull of v_S = v_P ∨ h_j. Exact: at integer h every v_S is OR(S) whichever edge
    # reaches it; the LP is the per-block chains' with equal copies identified (no looser).
    blocks, bl = np.unique(blk_of, return_inverse=True)
    length = np.bincount(bl, minlength=blocks.size)
    R = int(length.max())
    grid = np.full((blocks.size, R), -1, dtype=np.int64)
    grid[bl, rank] = pj
    block_ids = pi[np.r_[0, np.flatnonzero(np.diff(bl)) + 1]]
    wb = wt[block_ids]
    by_set = blocks.size * R * R <= PREFIX_SET_CELLS   # sorted prefixes cost O(n R²)
    node = np.full((blocks.size, R), -1, dtype=np.int64)   # node of (block, depth)
    n_nodes = 0
    e_parent, e_site, e_child, e_weight = [], [], [], []
    n_parent, n_site, n_depth = [], [], []
    for r in range(R):
        alive = np.flatnonzero(length > r)
        par = node[alive, r - 1] if r else np.full(alive.size, -1, dtype=np.int64)
        site_r = grid[alive, r]
        # a node is its site set (sorted prefix row) or, past the size guard, its sequence
        # (parent node, site); compared as whole integer rows, no hashing
        key = np.sort(grid[alive, :r + 1], axis=1) if by_set else np.column_stack([par, site_r])
        _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
        inv = inv.reshape(-1)
        child = n_nodes + inv
        node[alive, r] = child
        n_parent.append(par[first])      # one incoming edge per node, for complete_start
        n_site.append(site_r[first])
        n_depth.append(np.full(first.size, r))
        n_nodes += first.size
        ek, einv = np.unique(np.column_stack([par, site_r]), axis=0, return_inverse=True)
        einv = einv.reshape(-1)
        e_parent.append(ek[:, 0])
        e_site.append(ek[:, 1])
        ec = np.empty(ek.shape[0], dtype=np.int64)
        ec[einv] = child                 # P and j determine P ∪ {j}: one child per edge
        e_child.append(ec)
        e_weight.append(np.bincount(einv, weights=wb[alive], minlength=ek.shape[0]))
    parent, gr_j = np.concatenate(e_parent), np.concatenate(e_site)
    childn, gw = np.concatenate(e_child), np.concatenate(e_weight)
    v = b.add_vars(f"near_{s}", n_nodes, lower=0.0, upper=1.0,
                   index=(np.concatenate(n_parent), np.concatenate(n_site),
                          np.concatenate(n_depth)))
    E = parent.size
    vc = v.start + childn
    hc = h.start + h_index[gr_j, s]
    ar = np.arange(E)
    has_prev = parent >= 0
    prev = v.start + np.where(has_prev, parent, 0)
    # per edge P -> S = P ∪ {j}:  h_j − v_S ≤ 0
    b.add_rows(f"near_open_{s}", E, np.r_[ar, ar], np.r_[hc, vc], np.r_[np.ones(E), -np.ones(E)],
               upper=0.0)
    # v_S − v_P − h_j ≤ 0 (v_∅ = 0)
    b.add_rows(f"near_step_{s}", E, np.r_[ar, ar, ar[has_prev]], np.r_[vc, hc, prev[has_prev]],
               np.r_[np.ones(E), -np.ones(E), -np.ones(int(has_prev.sum()))], upper=0.0)
    # v_P − v_S ≤ 0
    k = np.flatnonzero(has_prev)
    b.add_rows(f"near_mono_{s}", k.size, np.r_[np.arange(k.size), np.arange(k.size)],
               np.r_[prev[k], vc[k]], np.r_[np.ones(k.size), -np.ones(k.size)], upper=0.0)
    # x_ij = v_S − v_P on i's edge into j: users at j = Σ_edges W_edge (v_S − v_P), W_edge the
    # users of every block whose list takes the edge
    site = np.r_[gr_j, gr_j[k]]
    col = np.r_[vc, prev[k]]
    coef = np.r_[gw, -gw[k]]
    return site, col, coef


# ---------------------------------------------------------------------------------------------
# the verifier's recomputation (no MILP)


@dataclass(frozen=True, eq=False)
class Operations:
    """Per site × service: users, utilisation and the annual operating figures of a plan."""

    users: np.ndarray          # (m, S) users of the service point (0 where absent)
    nearest: np.ndarray        # (n, S) block's nearest hosting site within reach (-1: none)
    nearest_distance: np.ndarray  # (n, S) its distance (inf: none)
    capacity: np.ndarray       # (m, S) persons the point's modules serve (nan: uncapacitated)
    utilisation: np.ndarray    # (m, S) users / capacity (nan: uncapacitated)
    threshold: np.ndarray      # (m, S) users the point must reach (min_users × modules that
                               #        must be viable; 0 = no requirement)
    operating_cost: np.ndarray  # (m, S) annual (nan: not given)
    revenue: np.ndarray        # (m, S) annual (nan: not given)
    deficit: np.ndarray        # (m, S) operating cost − revenue of the whole point (nan)
    counted_deficit: np.ndarray  # (m, S) the deficit the subsidy budget covers (new modules,
                                 #        plus existing ones when viability.existing)
    subsidy: float             # Σ max(0, counted deficit)


def nearest_users(inst: CommunityInstance, problem: CommunityProblem, s: int,
                  hosts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(users per site, nearest site per block, its distance) of service s for presence
    ``hosts`` (m,) — each block wholly to its nearest hosting site within reach."""
    pr = inst.pairs[s]
    n, m = inst.n_blocks, inst.n_sites
    on = hosts[pr.j]
    pi, pj, pd = pr.i[on], pr.j[on], pr.d[on]
    o = nearest_order(pi, pj, pd)
    pi, pj, pd = pi[o], pj[o], pd[o]
    first = np.r_[True, pi[1:] != pi[:-1]] if pi.size else np.zeros(0, dtype=bool)
    near = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.inf)
    near[pi[first]] = pj[first]
    dist[pi[first]] = pd[first]
    wt = user_weights(inst, problem, s)
    has = near >= 0
    users = np.bincount(near[has], weights=wt[has], minlength=m)
    return users, near, dist


def operations(inst: CommunityInstance, problem: CommunityProblem, hosts: np.ndarray,
               modules: np.ndarray, new: np.ndarray, allocations: Any,
               bad: list[str] | None = None) -> Operations:
    """Recompute users and operating figures from the plan alone; append violations to ``bad``."""
    n, m, S = inst.n_blocks, inst.n_sites, inst.n_services
    users = np.zeros((m, S))
    near = np.full((n, S), -1, dtype=np.int64)
    ndist = np.full((n, S), np.inf)
    cap = np.full((m, S), np.nan)
    need_m = new + must_serve(inst, problem)
    for s, svc in enumerate(problem.services):
        u, near[:, s], ndist[:, s] = nearest_users(inst, problem, s, hosts[:, s])
        if svc.share_rule == "allocation":
            al = allocations[s] if allocations and s < len(allocations) else None
            u = np.zeros(m)
            if al is not None and np.asarray(al.u).size:
                ai, aj, au = (np.asarray(al.i, np.int64), np.asarray(al.j, np.int64),
                              np.asarray(al.u, float))
                if svc.users == "households":
                    wt, w = user_weights(inst, problem, s), inst.population[:, s]
                    au = au * np.divide(wt[ai], w[ai], out=np.zeros(ai.size), where=w[ai] > 0)
                u = np.bincount(aj, weights=au, minlength=m)
        users[:, s] = np.where(hosts[:, s], u, 0.0)
        if svc.capacity is not None:
            cap[:, s] = svc.capacity * modules[:, s] * hosts[:, s]
    with np.errstate(divide="ignore", invalid="ignore"):
        util = np.where(cap > 0, users / cap, np.nan)
    L = np.array([s.min_users or 0.0 for s in problem.services])
    threshold = np.where(hosts, L[None, :] * need_m, 0.0)
    op = np.array([np.nan if s.operating_cost is None else s.operating_cost
                   for s in problem.services])
    rev = np.array([np.nan if s.revenue_per_user is None else s.revenue_per_user
                    for s in problem.services])
    present = hosts & (modules > 0)
    op_js = np.where(present, op[None, :] * modules, np.where(np.isnan(op)[None, :], np.nan, 0.0))
    rev_js = np.where(present, np.nan_to_num(rev)[None, :] * users,
                      np.where(np.isnan(op)[None, :] & np.isnan(rev)[None, :], np.nan, 0.0))
    deficit = op_js - rev_js
    counted = np.where(hosts, np.nan_to_num(op)[None, :] * need_m
                       - np.nan_to_num(rev)[None, :] * users, 0.0)
    counted = np.where(np.isnan(op)[None, :], np.nan, counted)
    subsidy = float(np.nansum(np.clip(counted, 0, None)))
    if bad is not None:
        sid = inst.site_ids
        low = hosts & (threshold > 0) & (users < threshold - TOL * np.maximum(1.0, threshold))
        for j, s in np.argwhere(low)[:1]:
            svc = problem.services[s]
            more = int(low.sum()) - 1
            bad.append(f"{svc.name} at site {sid[j]} is not viable: {users[j, s]:,.6g} "
                       f"{_unit(svc)} use it, the threshold is {threshold[j, s]:,.6g}"
                       + (f" (and {more} more)" if more else ""))
        budget = problem.viability.subsidy_budget
        if budget is not None and subsidy > budget * (1 + TOL) + TOL:
            bad.append(f"annual operating subsidy {subsidy:,.0f} exceeds the subsidy budget "
                       f"{budget:,.0f}")
    return Operations(users=users, nearest=near, nearest_distance=ndist, capacity=cap,
                      utilisation=util, threshold=threshold, operating_cost=op_js,
                      revenue=rev_js, deficit=deficit, counted_deficit=counted, subsidy=subsidy)


def _unit(svc: Any) -> str:
    from .spec import SEGMENT_WORDS

    if svc.users == "households":
        return "households"
    word = SEGMENT_WORDS.get(svc.segment, svc.segment)
    return "residents" if word == "total" else f"persons ({word})"


# ---------------------------------------------------------------------------------------------
# diagnostics: an upper bound on a site's users


def max_users(inst: CommunityInstance, problem: CommunityProblem, s: int,
              hostable: np.ndarray) -> np.ndarray:
    """(m,) the most users site j could ever have for service s: every block within reach for
    which j could be nearest (no site with an existing module comes before j in its order)."""
    svc = problem.services[s]
    wt = user_weights(inst, problem, s)
    pr = inst.pairs[s]
    keep = hostable[pr.j]
    pi, pj, pd = pr.i[keep], pr.j[keep], pr.d[keep]
    if svc.share_rule == "allocation":
        return np.bincount(pj, weights=wt[pi], minlength=inst.n_sites)
    o = nearest_order(pi, pj, pd)
    pi, pj = pi[o], pj[o]
    fixed = (inst.existing[pj, s] > 0).astype(np.int64)
    # fixed sites strictly before each pair in its block's order
    start = np.r_[True, pi[1:] != pi[:-1]] if pi.size else np.zeros(0, dtype=bool)
    csum = np.cumsum(fixed)
    base = np.maximum.accumulate(np.where(start, csum - fixed, 0)) if pi.size else csum
    before = csum - fixed - base
    ok = before == 0
    return np.bincount(pj[ok], weights=wt[pi[ok]], minlength=inst.n_sites)


def not_viable(inst: CommunityInstance, problem: CommunityProblem,
               hostable: np.ndarray) -> list[tuple[int, int, float, float]]:
    """(site, service, most users, threshold) for sites that no plan keeps viable."""
    out = []
    for s, svc in enumerate(problem.services):
        L = svc.min_users or 0.0
        if L <= 0:
            continue
        most = max_users(inst, problem, s, hostable[:, s])
        cand = hostable[:, s] & (inst.existing[:, s] == 0) & (inst.max_new[:, s] > 0)
        for j in np.flatnonzero(cand & (most < L - TOL)):
            out.append((int(j), s, float(most[j]), float(L)))
    return out


def not_viable_words(inst: CommunityInstance, problem: CommunityProblem,
                     items: list[tuple[int, int, float, float]]) -> list[str]:
    out = []
    for j, s, most, L in items:
        svc = problem.services[s]
        name = svc.label.split(" (")[0].lower() if svc.label else svc.name
        out.append(f"no plan keeps the {name} at {inst.site_ids[j]} viable: at most "
                   f"{most:,.0f} {_unit(svc)} would use it, the threshold is {L:,.0f}")
    return out


# ---------------------------------------------------------------------------------------------
# a viable MIP start: greedy plan, completed into the model's columns


def greedy_plan(inst: CommunityInstance, problem: CommunityProblem, by_ratio: bool = True,
                start: tuple[np.ndarray, np.ndarray] | None = None,
                ) -> tuple[np.ndarray, np.ndarray] | None:
    """(used, new modules) of a greedy plan that keeps every module viable, or None.

    From the existing sites (or the viable plan ``start``), repeatedly add the one new module (opening its site if needed)
    with the best coverage gain per yuan (``by_ratio``) or the best gain, among those that fit
    the area, budget and complex rule and keep every threshold and the subsidy budget (users
    recomputed by :func:`nearest_users`, the verifier's rule). Only a start for the solver: the
    caller verifies it. None for what it does not handle (capacitated services, site-count
    rules, objectives other than coverage).
    """
    services = problem.services
    rules = problem.rules
    if (problem.objective != "coverage" or any(s.capacity is not None for s in services)
            or rules.new_site_min_services > 0 or rules.new_site_min_core > 0):
        return None
    m, S = inst.n_sites, inst.n_services
    a = np.array([s.module_area for s in services])
    g = np.array([s.module_cost for s in services])
    used = inst.existing_site | inst.forced
    new = np.zeros((m, S), dtype=np.int64)
    if start is not None:
        used, new = used | start[0], start[1].astype(np.int64).copy()
    hosts = used[:, None] & ((inst.existing + new) > 0)
    can = inst.allowed & ~inst.forbidden[:, None] & (inst.max_new > 0) & \
        (a[None, :] <= inst.area[:, None] + 1e-9) & (inst.existing == 0)
    credit = _credits(inst, problem)
    L = np.array([s.min_users or 0.0 for s in services])
    sub = problem.viability.subsidy_budget
    op = np.array([(s.operating_cost or 0.0) if sub is not None else 0.0 for s in services])
    rev = np.array([s.revenue_per_user or 0.0 for s in services])
    must = must_serve(inst, problem)
    budget = np.inf if problem.budget is None else float(problem.budget)
    small = ~inst.existing_site & (inst.area < rules.complex_min_area) \
        if rules.complex_min_area > 0 else np.zeros(m, dtype=bool)

    def service_state(s: int, on: np.ndarray) -> tuple[bool, float]:
        """(every threshold of s met, subsidy of s) with presence ``on``."""
        need = np.where(on, new[:, s] + must[:, s], 0)
        if L[s] <= 0 and op[s] <= 0:
            return True, 0.0
        users = nearest_users(inst, problem, s, on)[0]
        ok = bool(np.all(users >= L[s] * need - TOL * np.maximum(1.0, L[s] * need)))
        return ok, float(np.clip(op[s] * need - rev[s] * users, 0, None).sum())

    subsidy = np.array([service_state(s, hosts[:, s])[1] for s in range(S)])
    spent = float(inst.opening_cost[used & ~inst.existing_site].sum() + (g[None, :] * new).sum())
    area_left = inst.area - (a[None, :] * new).sum(axis=1)
    while True:
        gain = _gains(inst, credit, hosts)                               # (m, S)
        price = g[None, :] + np.where(used, 0.0, inst.opening_cost)[:, None]
        fit = can & ~hosts & (new == 0) & (a[None, :] <= area_left[:, None] + 1e-9) & \
            (spent + price <= budget + 1e-9) & (gain > 0)
        fit &= ~(small[:, None] & (hosts.sum(axis=1) >= rules.complex_min_services - 1)[:, None])
        cand = np.argwhere(fit)
        if cand.size == 0:
            break
        score = gain[fit] / np.maximum(price[fit], 1e-9) if by_ratio else gain[fit]
        moved = False
        for k in np.argsort(-score, kind="stable"):
            j, s = (int(v) for v in cand[k])
            on = hosts[:, s].copy()
            on[j] = True
            new[j, s] += 1
            ok, sig = service_state(s, on)
            if ok and (sub is None or subsidy.sum() - subsidy[s] + sig <= sub + TOL):
                hosts[j, s], subsidy[s] = True, sig
                spent += float(price[j, s])
                used[j] = True
                area_left[j] -= a[s]
                moved = True
                break
            new[j, s] -= 1
        if not moved:
            break
    return used, new


def complete_start(milp: Any, x: np.ndarray) -> np.ndarray:
    """``x`` (plan columns and tier variables set) with the closest-assignment variables at
    their only integer values (v = OR of its prefix) and σ at the deficit max(0, ·)."""
    x = x.copy()
    for name, blk in milp.blocks.items():
        if name.startswith("near_"):
            s = int(name.split("_")[1])
            parent, site, depth = blk.index
            hv = x[milp.blocks["h"].start + _h_lookup(milp, s)[site]]
            v = np.zeros(blk.size)
            for r in range(int(depth.max(initial=-1)) + 1):   # parents sit one depth up
                at = np.flatnonzero(depth == r)
                up = np.where(parent[at] >= 0, v[np.maximum(parent[at], 0)], 0.0)
                v[at] = np.maximum(hv[at], up)
            x[blk.slice] = v
    for name, blk in milp.blocks.items():
        if name.startswith("sigma_"):
            rows = milp.row_blocks["deficit_" + name.split("_")[1]]
            A = milp.A[rows.start:rows.start + rows.size]
            x[blk.slice] = 0.0
            lack = milp.row_lower[rows.start:rows.start + rows.size] - A @ x
            x[blk.slice] = np.clip(lack, 0.0, milp.col_upper[blk.slice])
    return x


def _h_lookup(milp: Any, s: int) -> np.ndarray:
    """(m,) local h index of service s per site (-1: no pair)."""
    pj, ps = milp.blocks["h"].index
    out = np.full(int(pj.max(initial=-1)) + 1, -1, dtype=np.int64)
    sel = ps == s
    out[pj[sel]] = np.flatnonzero(sel)
    return out


#: most (block, site, service) pairs for which the start's drop-and-refill search runs
SEARCH_PAIRS = 1_000_000


def improved_plan(inst: CommunityInstance, problem: CommunityProblem,
                  by_ratio: bool = True, rounds: int = 3) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`greedy_plan`, then drop each opened new site, or each new module, in turn and
    refill greedily, keeping a change when it covers more (or as much for less). A drop keeps
    the plan viable: the blocks move to other hosting sites, whose users only grow."""
    plan = greedy_plan(inst, problem, by_ratio)
    if plan is None or sum(p.i.size for p in inst.pairs) > SEARCH_PAIRS:
        return plan          # each refill costs O(pairs) per module added
    credit = _credits(inst, problem)
    g = np.array([s.module_cost for s in problem.services])

    def score(p: tuple[np.ndarray, np.ndarray]) -> tuple[float, float]:
        used, new = p
        hosts = used[:, None] & ((inst.existing + new) > 0)
        cov = _coverage(inst, credit, hosts)
        cost = float(inst.opening_cost[used & ~inst.existing_site].sum() + (g * new).sum())
        return round(cov, 6), -cost

    best = score(plan)
    fixed = inst.existing_site | inst.forced
    for _ in range(rounds):
        better = False
        # drop a whole new site, or one new module, then refill
        drops = [(int(j), -1) for j in np.flatnonzero(plan[0] & ~fixed)] + \
            [(int(j), int(k)) for j, k in np.argwhere(plan[1] > 0)]
        for j, k in drops:
            used, new = plan[0].copy(), plan[1].copy()
            if k < 0:
                used[j], new[j] = False, 0
            else:
                new[j, k] = 0
                used[j] = bool(fixed[j] or new[j].any())
            cand = greedy_plan(inst, problem, by_ratio, start=(used, new))
            if cand is not None and score(cand) > best:
                plan, best, better = cand, score(cand), True
        if not better:
            break
    return plan


def _credits(inst: CommunityInstance, problem: CommunityProblem) -> list[np.ndarray]:
    """Per service, the weighted credited persons of each pair of ``inst.pairs[s]`` (block i
    if site j hosted s): sparse, one value per pair within reach."""
    out = []
    for s, svc in enumerate(problem.services):
        pr = inst.pairs[s]
        radii = np.array([t.radius for t in svc.tiers])
        cred = np.array([t.credit for t in svc.tiers])
        out.append(svc.weight * inst.population[pr.i, s]
                   * cred[np.minimum(np.searchsorted(radii, pr.d, side="left"), radii.size - 1)])
    return out


def _best(inst: CommunityInstance, credit: list[np.ndarray], hosts: np.ndarray,
          s: int) -> np.ndarray:
    """(n,) each block's best credit of service s among the hosting sites."""
    pr = inst.pairs[s]
    best = np.zeros(inst.n_blocks)
    on = hosts[pr.j, s]
    np.maximum.at(best, pr.i[on], credit[s][on])
    return best


def _gains(inst: CommunityInstance, credit: list[np.ndarray], hosts: np.ndarray) -> np.ndarray:
    """(m, S) coverage gained if site j also hosted s."""
    gain = np.zeros((inst.n_sites, inst.n_services))
    for s in range(inst.n_services):
        pr = inst.pairs[s]
        more = np.clip(credit[s] - _best(inst, credit, hosts, s)[pr.i], 0, None)
        gain[:, s] = np.bincount(pr.j, weights=more, minlength=inst.n_sites)
    return gain


def _coverage(inst: CommunityInstance, credit: list[np.ndarray], hosts: np.ndarray) -> float:
    return float(sum(_best(inst, credit, hosts, s).sum() for s in range(inst.n_services)))


def viable_start(model: CommunityModel, inst: CommunityInstance,
                 problem: CommunityProblem) -> np.ndarray | None:
    """A MIP start for a model with viability rows: the better (coverage, then cost) of the
    two greedy plans, as a point the model accepts (every row, bound and integrality checked
    on the completed vector; the solver's answer is verified as always); else None."""
    if not needs_users(problem).any():
        return None
    best: tuple[tuple[float, float], np.ndarray] | None = None
    for by_ratio in (True, False):
        plan = improved_plan(inst, problem, by_ratio)
        if plan is None:
            return None
        used, new = plan
        hosts = used[:, None] & ((inst.existing + new) > 0)
        x = np.zeros(model.milp.n_cols)
        x[model.block("y").slice] = used
        x[model.block("m").slice] = new[model.pair_j, model.pair_s]
        x[model.block("h").slice] = hosts[model.pair_j, model.pair_s]
        x = complete_start(model.milp, model.lift(x))
        if model.milp.max_violation(x) > 1e-6:
            continue
        key = (float(np.multiply(model.coverage, x).sum()),
               -float(np.multiply(model.cost, x).sum()))
        if best is None or key > best[0]:
            best = (key, x)
    return None if best is None else best[1]
