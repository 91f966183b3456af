"""p-median at scale on sparse candidate lists: Lagrangian bound (assignment rows relaxed) and a
Lagrangian heuristic with locate-allocate improvement. No dense n x m array anywhere.

Relaxing ``sum_j x_ij = 1`` with multipliers ``lambda_i`` gives

    L(lambda) = sum_i lambda_i + min { sum_j rho_j y_j : sum_j y_j = p },
    rho_j = sum_{i: (i,j) stored} min(0, w_i d_ij - lambda_i),

a valid lower bound for every lambda. We also keep ``lambda_i <= w_i dmax_i`` (dmax_i: the
largest stored cost of i). Then pairs that are not stored could never lower rho_j, so when the
stored pairs are each point's k nearest sites the bound also holds for the untruncated problem.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..instance import Instance, SparseCosts


@dataclass
class Pairs:
    """Stored (i, j, d) in CSR order by demand point, restricted to allowed sites."""

    i: np.ndarray
    j: np.ndarray
    d: np.ndarray
    indptr: np.ndarray
    n: int
    m: int
    w: np.ndarray

    @classmethod
    def from_instance(cls, inst: Instance) -> Pairs:
        if isinstance(inst.cost, SparseCosts):
            i, j, d = inst.cost.rows(), inst.cost.indices, inst.cost.data
        else:
            i, j, d = inst.pairs()
        ok = ~inst.forbidden[j]  # type: ignore[index]
        i, j, d = i[ok], j[ok], d[ok]
        indptr = np.zeros(inst.n_demand + 1, dtype=np.int64)
        np.add.at(indptr, i + 1, 1)
        return cls(i, j, d, np.cumsum(indptr), inst.n_demand, inst.n_sites, inst.weight)


def evaluate(P: Pairs, open_: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """(total weighted cost, assigned site per point (-1 = none reachable), its cost)."""
    keep = open_[P.j]
    r, j, d = P.i[keep], P.j[keep], P.d[keep]
    best = np.full(P.n, np.inf)
    np.minimum.at(best, r, d)
    arg = np.full(P.n, -1, dtype=np.int64)
    hit = d == best[r]
    arg[r[hit][::-1]] = j[hit][::-1]
    total = float(np.sum(P.w * best)) if np.all(np.isfinite(best)) else np.inf
    return total, arg, best


def locate_allocate(P: Pairs, open_: np.ndarray, fixed: np.ndarray, rounds: int = 10,
                    ) -> tuple[np.ndarray, float]:
    """Maranzana/Cooper: move each facility to the best site for its own cluster, repeat.

    A site is a candidate for a cluster only if every member has it in its candidate list.
    """
    open_ = open_.copy()
    val, arg, _ = evaluate(P, open_)
    for _ in range(rounds):
        if not np.isfinite(val):
            break
        a = arg[P.i]                         # cluster (its current site) of each pair's point
        size = np.bincount(arg, minlength=P.m)
        key = a * P.m + P.j
        order = np.argsort(key, kind="stable")
        k_sorted = key[order]
        starts = np.flatnonzero(np.r_[True, k_sorted[1:] != k_sorted[:-1]])
        uk = k_sorted[starts]
        cnt = np.diff(np.r_[starts, k_sorted.size])
        tot = np.add.reduceat((P.w[P.i] * P.d)[order], starts)
        c, j = uk // P.m, uk % P.m
        full = cnt == size[c]
        c, j, tot = c[full], j[full], tot[full]
        # best site per cluster (lowest total; ties -> lowest index)
        o = np.lexsort((j, tot, c))
        c, j, tot = c[o], j[o], tot[o]
        first = np.r_[True, c[1:] != c[:-1]]
        c, j = c[first], j[first]
        move = (j != c) & ~fixed[c] & ~open_[j]
        if not move.any():
            break
        trial = open_.copy()
        trial[c[move]] = False
        trial[j[move]] = True
        if int(trial.sum()) != int(open_.sum()):  # two clusters chose one site: keep safe
            break
        tval, targ, _ = evaluate(P, trial)
        if not tval < val - 1e-9 * max(1.0, abs(val)):
            break
        open_, val, arg = trial, tval, targ
    return open_, val


def repair(P: Pairs, open_: np.ndarray, fixed: np.ndarray, allowed: np.ndarray,
           max_steps: int = 200) -> np.ndarray:
    """Swap sites in until every point reaches an open site (closing the least-used ones)."""
    open_ = open_.copy()
    for _ in range(max_steps):
        _, arg, _ = evaluate(P, open_)
        lost = np.flatnonzero(arg < 0)
        if lost.size == 0:
            break
        i = lost[0]
        seg = slice(P.indptr[i], P.indptr[i + 1])
        cand = P.j[seg][allowed[P.j[seg]] & ~open_[P.j[seg]]]
        if cand.size == 0:
            break
        load = np.bincount(arg[arg >= 0], weights=P.w[arg >= 0], minlength=P.m)
        closable = np.flatnonzero(open_ & ~fixed)
        if closable.size == 0:
            break
        r = closable[np.argmin(load[closable])]
        open_[r] = False
        open_[cand[np.argmin(P.d[seg][allowed[P.j[seg]] & ~open_[P.j[seg]]])]] = True
    return open_


#: halve the subgradient step after this many iterations without a better bound
STALL = 25


@dataclass
class PMedianLagrange:
    bound: float
    best_open: np.ndarray | None
    best_value: float
    iterations: int
    seconds: float
    lam: np.ndarray | None = None


def solve_lagrangian(P: Pairs, p: int, required: np.ndarray, allowed: np.ndarray,
                     time_limit: float, max_iter: int = 5000, heuristic_every: int = 40,
                     incumbent: np.ndarray | None = None, tol: float = 1e-4,
                     lam0: np.ndarray | None = None, polish: bool = True,
                     alpha0: float = 2.0, cap_untruncated: bool = True) -> PMedianLagrange:
    """Subgradient on lambda with a Lagrangian heuristic (p best rho + locate-allocate)."""
    t0 = time.perf_counter()
    w = P.w
    wd = w[P.i] * P.d
    dmax = np.full(P.n, 0.0)
    np.maximum.at(dmax, P.i, P.d)
    # capped: the bound then also holds with the unstored pairs (see module docstring)
    cap = w * dmax if cap_untruncated else np.full(P.n, np.inf)
    best_open = incumbent.copy() if incumbent is not None else None
    best_val = evaluate(P, best_open)[0] if best_open is not None else np.inf
    if lam0 is not None:
        lam = np.minimum(cap, lam0)
    elif best_open is not None and np.isfinite(best_val):
        # start at each point's cost in the incumbent: close to the LP duals of good solutions
        lam = np.minimum(cap, evaluate(P, best_open)[2] * w)
    else:  # else its second-nearest stored cost (a typical LP multiplier scale)
        lam = np.minimum(cap, kth_smallest(P, 2) * w)
    bound = -np.inf
    best_lam = lam
    alpha, stall = alpha0, 0
    free = allowed & ~required
    need = p - int(required.sum())
    it = 0
    for it in range(1, max_iter + 1):
        red = np.minimum(0.0, wd - lam[P.i])
        rho = np.bincount(P.j, weights=red, minlength=P.m)
        cand = np.flatnonzero(free)
        pick = cand[np.argpartition(rho[cand], need - 1)[:need]] if need > 0 else cand[:0]
        y = required.copy()
        y[pick] = True
        L = float(lam.sum() + rho[y].sum())
        if L > bound + 1e-12 * max(1.0, abs(L)):
            bound, stall, best_lam = L, 0, lam
        else:
            stall += 1
            if stall >= STALL:
                alpha, stall = alpha * 0.5, 0
        if it % heuristic_every == 1 or best_open is None:
            trial = y
            if not np.isfinite(evaluate(P, trial)[0]):
                trial = repair(P, trial, required, allowed)
            trial, val = locate_allocate(P, trial, required, rounds=2)
            if val < best_val:
                best_open, best_val = trial, val
        if np.isfinite(best_val) and best_val - bound <= tol * max(1.0, abs(best_val)):
            break
        if alpha < 1e-5 or time.perf_counter() - t0 > time_limit:
            break
        x = y[P.j] & (wd < lam[P.i])
        g = 1.0 - np.bincount(P.i[x], minlength=P.n)
        norm = float(g @ g)
        if norm <= 0:
            break
        target = best_val if np.isfinite(best_val) else bound * 1.05 + 1.0
        lam = np.clip(lam + alpha * (target - L) / norm * g, 0.0, cap)
    if best_open is not None and polish:
        best_open, best_val = locate_allocate(P, best_open, required, rounds=50)
    return PMedianLagrange(bound, best_open, best_val, it, time.perf_counter() - t0, best_lam)


def greedy_add(P: Pairs, p: int, required: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """Greedy add on the sparse lists; unserved points count at twice their largest stored cost."""
    dmax = np.zeros(P.n)
    np.maximum.at(dmax, P.i, P.d)
    cur = 2.0 * dmax + 1.0
    open_ = required.copy()
    if open_.any():
        keep = open_[P.j]
        np.minimum.at(cur, P.i[keep], P.d[keep])
    wi = P.w[P.i]
    while int(open_.sum()) < p:
        gain = np.bincount(P.j, weights=wi * np.maximum(cur[P.i] - P.d, 0.0), minlength=P.m)
        gain[open_ | ~allowed] = -1.0
        j = int(np.argmax(gain))
        open_[j] = True
        hit = P.j == j
        np.minimum.at(cur, P.i[hit], P.d[hit])
    return open_


def kth_smallest(P: Pairs, k: int) -> np.ndarray:
    """Per point, its k-th smallest stored cost (its largest if it has fewer)."""
    order = np.lexsort((P.d, P.i))
    d_sorted = P.d[order]
    counts = np.diff(P.indptr)
    pos = P.indptr[:-1] + np.minimum(k, counts) - 1
    out = np.zeros(P.n)
    has = counts > 0
    out[has] = d_sorted[pos[has]]
    return out


def _two_nearest(P: Pairs, open_: np.ndarray, big: float,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per point: nearest open site, its cost c1, and the second-nearest open cost c2
    (``big`` stands for "none reachable", so closing the only reachable site is never chosen)."""
    _, phi, c1 = evaluate(P, open_)
    keep = open_[P.j] & (P.j != phi[P.i])
    c2 = np.full(P.n, big)
    np.minimum.at(c2, P.i[keep], P.d[keep])
    c1 = np.where(np.isfinite(c1), c1, big)
    return phi, c1, c2


def swap_descent(P: Pairs, open_: np.ndarray, fixed: np.ndarray, allowed: np.ndarray,
                 time_limit: float, max_swaps: int = 100_000, f: np.ndarray | None = None,
                 batch: int = 32) -> tuple[np.ndarray, float]:
    """Best-improvement swaps (Resende & Werneck's gain/loss/extra decomposition) on sparse
    candidate lists: delta(j in, r out) = gain(j) + loss(r) + extra(r, j), where extra only
    has entries for stored pairs closer than a point's second-nearest open site.

    With opening costs ``f`` (UFL) the count is free: additions (gain(j) + f_j) and drops
    (loss(r) - f_r) are tried too and every move's delta includes f_j - f_r.
    """
    t0 = time.perf_counter()
    open_ = open_.copy()
    big = 1e6 * max(float(P.d.max(initial=1.0)), 1.0)
    wi = P.w[P.i]
    fc = np.zeros(P.m) if f is None else f

    def value(mask: np.ndarray) -> float:
        return evaluate(P, mask)[0] + float(fc[mask].sum())

    val = value(open_)
    for _ in range(max_swaps):
        if time.perf_counter() - t0 > time_limit:
            break
        phi, c1, c2 = _two_nearest(P, open_, big)
        c1i, c2i = c1[P.i], c2[P.i]
        gain = np.bincount(P.j, weights=wi * np.minimum(0.0, P.d - c1i), minlength=P.m)
        loss = np.bincount(phi[phi >= 0], weights=(P.w * (c2 - c1))[phi >= 0], minlength=P.m)
        can_in = allowed & ~open_
        can_out = open_ & ~fixed
        g = np.where(can_in, gain + fc, np.inf)
        lo = np.where(can_out, loss - fc, np.inf)
        best = float(g.min() + lo.min())
        move = (int(np.argmin(lo)), int(np.argmin(g)))
        if f is not None:  # UFL: pure add or drop
            ja, rd = int(np.argmin(g)), int(np.argmin(lo))
            if g[ja] < best:
                best, move = float(g[ja]), (-1, ja)
            if lo[rd] < best and int(open_.sum()) > 1:
                best, move = float(lo[rd]), (rd, -1)
        sel = (P.d < c2i) & can_in[P.j] & (phi[P.i] >= 0)
        if sel.any():
            r = phi[P.i[sel]]
            j = P.j[sel]
            ex = wi[sel] * (np.maximum(P.d[sel], c1i[sel]) - c2i[sel])
            key = r * P.m + j
            uk, inv = np.unique(key, return_inverse=True)
            extra = np.bincount(inv, weights=ex)
            rr, jj = uk // P.m, uk % P.m
            delta = g[jj] + lo[rr] + extra
            k = int(np.argmin(delta))
            if delta[k] < best:
                best, move = float(delta[k]), (int(rr[k]), int(jj[k]))
            if f is None and batch > 1:
                # try many improving swaps with distinct sites at once; keep them only if
                # the true objective confirms at least half the predicted saving
                tried = _batch_swaps(P, open_, rr, jj, delta, batch, value, val)
                if tried is not None:
                    open_, val = tried
                    continue
        if not best < -1e-9 * max(1.0, abs(val)):
            break
        trial = open_.copy()
        if move[0] >= 0:
            trial[move[0]] = False
        if move[1] >= 0:
            trial[move[1]] = True
        tval = value(trial)
        if not tval < val - 1e-12 * max(1.0, abs(val)):
            break  # numerical disagreement: stop rather than cycle
        open_, val = trial, tval
    return open_, val


def _batch_swaps(P: Pairs, open_: np.ndarray, rr: np.ndarray, jj: np.ndarray,
                 delta: np.ndarray, batch: int, value: object, val: float,
                 ) -> tuple[np.ndarray, float] | None:
    """Apply up to ``batch`` improving swaps (distinct sites, best first) if they pay off."""
    order = np.argsort(delta, kind="stable")
    order = order[delta[order] < -1e-9 * max(1.0, abs(val))][: 8 * batch]
    if order.size < 2:
        return None
    used: set[int] = set()
    chosen = []
    for k in order:
        r, j = int(rr[k]), int(jj[k])
        if r in used or j in used:
            continue
        used.update((r, j))
        chosen.append(k)
        if len(chosen) >= batch:
            break
    if len(chosen) < 2:
        return None
    trial = open_.copy()
    trial[rr[chosen]] = False
    trial[jj[chosen]] = True
    tval = value(trial)  # type: ignore[operator]
    predicted = float(delta[chosen].sum())
    if tval - val <= 0.5 * predicted:
        return trial, tval
    return None


def shake_descent(P: Pairs, open_: np.ndarray, val: float, fixed: np.ndarray,
                  allowed: np.ndarray, time_limit: float, seed: int = 0,
                  ) -> tuple[np.ndarray, float]:
    """Variable neighbourhood search: swap k random facilities for random nearby candidates,
    descend, keep the result if it is better (k grows on failure, resets on success)."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    k, k_max = 1, 8
    while time.perf_counter() - t0 < time_limit:
        trial = open_.copy()
        outs = np.flatnonzero(trial & ~fixed)
        if outs.size == 0:
            break
        for r in rng.choice(outs, size=min(k, outs.size), replace=False):
            # a candidate near r: a site stored for one of r's nearby demand points
            near = P.i[(P.j == r)]
            if near.size == 0:
                continue
            i = int(rng.choice(near))
            seg = P.j[P.indptr[i]:P.indptr[i + 1]]
            cand = seg[allowed[seg] & ~trial[seg]]
            if cand.size == 0:
                continue
            trial[r] = False
            trial[int(rng.choice(cand))] = True
        left = time_limit - (time.perf_counter() - t0)
        if left <= 0:
            break
        trial, tval = swap_descent(P, trial, fixed, allowed, left)
        if tval < val - 1e-9 * max(1.0, abs(val)):
            open_, val, k = trial, tval, 1
        else:
            k = k + 1 if k < k_max else 1
    return open_, val
