"""CFLP by Lagrangian relaxation, exact site fixing, then a Lagrangian branch-and-bound.

Relaxing the assignment rows ``sum_j x_ij = 1`` with multipliers u_i leaves, per site j, a
continuous knapsack (Cornuejols, Sridharan & Thizy 1991; Beasley 1993):

    v_j(u) = f_j + min { sum_i (c_ij - u_i) x_ij : sum_i q_i x_ij <= s_j, 0 <= x_ij <= 1 }

and over the sites the total-capacity row: L(u) = sum_i u_i + min { v(u) @ y : s @ y >= Q }
(y in [0, 1], its LP: greedy by v_j / s_j), a lower bound on the CFLP optimum for every u at
least as strong as the strong LP's. Subgradient steps raise it; the sites chosen on the way,
re-priced exactly by a transportation LP and improved by drop / add / swap moves ranked by
their Lagrangian floor, give incumbents.

Fixing: forcing y_j to the other value raises the bound (re-solving the site knapsack); when
it reaches the incumbent no better plan has that value, so y_j is fixed. The sites still free
go to a best-first branch-and-bound on y whose nodes re-optimise u from the parent's (Goertz
& Klose 2012 do the same with the volume algorithm), fix again, and price their sites; a node
with every site fixed is one transportation LP. Every L(u) bounds its node, so the search is
exact. Math: models/facility-location.md#cflp-lagrangian. At 100 x 1000 (capa/b/c shapes)
HiGHS does not finish the 100,000-row root LP of the strong model in 2 minutes, and even the
strong model over the 26-38 sites fixing leaves at tight capacities spent 150 s in its root
(caplike7250, loaded machine); the tree proved that case with 59 nodes, 9 CPU s.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass, field, replace

import numpy as np

from ..decision import Decision
from ..errors import SpecError
from ..instance import Instance
from ..milp import MilpBuilder, MilpProblem
from ..problems import CFLP
from ..solution import Status, Termination
from .base import Context, Formulation, Outcome
from .facility import CFLPStrong, check_facility_data


@dataclass
class _Pairs:
    """The allocation pairs sorted by site: i, j, cost of serving all of i from j, demand."""

    i: np.ndarray
    j: np.ndarray
    c: np.ndarray
    q: np.ndarray          # demand of i, per pair
    f: np.ndarray
    s: np.ndarray
    total: float           # total demand
    n: int
    m: int
    lo: np.ndarray         # y lower bounds (required / fixed open)
    hi: np.ndarray         # y upper bounds (forbidden / fixed closed)


def _pairs(inst: Instance) -> _Pairs:
    i, j, c = inst.pairs()
    ok = ~inst.forbidden[j]  # type: ignore[index]
    i, j, c = i[ok], j[ok], inst.weight[i[ok]] * c[ok]
    order = np.lexsort((i, j))
    i, j, c = i[order], j[order], c[order]
    q = inst.demand[i]  # type: ignore[index]
    return _Pairs(i, j, c, q, inst.fixed_cost.astype(float),  # type: ignore[union-attr]
                  inst.capacity.astype(float), float(inst.demand.sum()),  # type: ignore[union-attr]
                  inst.n_demand, inst.n_sites, inst.required.astype(float),  # type: ignore[union-attr]
                  (~inst.forbidden).astype(float))  # type: ignore[operator]


def _site_knapsacks(P: _Pairs, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """v_j(u) for every site and the knapsack's x per pair (vectorized over all sites)."""
    red = P.c - u[P.i]
    neg = red < 0
    x = np.zeros(P.i.size)
    v = P.f.copy()
    k = np.flatnonzero(neg)
    if k.size:
        # within each site, most negative reduced cost per unit of demand first
        ratio = red[k] / np.maximum(P.q[k], 1e-300)
        k = k[np.lexsort((ratio, P.j[k]))]
        jk = P.j[k]
        qk = P.q[k]
        cum = np.cumsum(qk)
        first = np.r_[0, np.flatnonzero(np.diff(jk)) + 1]
        base = np.repeat(cum[first] - qk[first], np.diff(np.r_[first, k.size]))
        before = cum - qk - base                       # demand packed before this pair
        room = P.s[jk] - before
        take = np.clip(room / np.maximum(qk, 1e-300), 0.0, 1.0)
        take[qk <= 0] = 1.0
        x[k] = take
        v += np.bincount(jk, weights=red[k] * take, minlength=P.m)
    return v, x


def _choose_sites(P: _Pairs, v: np.ndarray, exact: bool = True) -> tuple[float, np.ndarray]:
    """min v @ y s.t. s @ y >= total demand, lo <= y <= hi, y binary: sites with v_j < 0
    open, the rest of the capacity by an exact cover knapsack (dynamic programme over capacity
    in units of the capacities' common divisor) or, when that table would be too large, by its
    LP (greedy by v_j / s_j). Either is a valid lower bound; the integral one is stronger."""
    y = P.lo.copy()
    free = (P.hi > 0) & (P.lo < 1)
    take = free & (v < 0)
    y[take] = 1.0
    need = P.total - float(P.s @ y)
    if need <= 1e-9:
        return float(v @ y), y
    cand = np.flatnonzero(free & ~take & (P.s > 0))
    units = _units(P.s[cand], need) if exact else None
    if units is not None:
        size, goal = units
        chosen = _cover_knapsack(v[cand], size, goal)
        if chosen is not None:
            y[cand[chosen]] = 1.0
            return float(v @ y), y
    cand = cand[np.argsort(v[cand] / P.s[cand], kind="stable")]
    cum = np.cumsum(P.s[cand])
    full = int(np.searchsorted(cum, need - 1e-9))
    y[cand[:full]] = 1.0
    if full < cand.size:
        left = need - (cum[full - 1] if full else 0.0)
        y[cand[full]] = min(1.0, left / P.s[cand[full]])
    return float(v @ y), y


def _units(cap: np.ndarray, need: float, limit: int = 4_000_000) -> tuple[np.ndarray, int] | None:
    """Integral capacities in units of their gcd, and the need rounded up (None if too big)."""
    if cap.size == 0 or not np.all(cap == np.round(cap)):
        return None
    g = int(np.gcd.reduce(cap.astype(np.int64)))
    if g <= 0:
        return None
    goal = int(np.ceil(need / g - 1e-9))
    if goal * cap.size > limit:
        return None
    return (cap // g).astype(np.int64), goal


def _cover_knapsack(cost: np.ndarray, size: np.ndarray, goal: int) -> np.ndarray | None:
    """Indices of a min-cost subset with total size >= goal (costs >= 0); None if impossible."""
    if int(size.sum()) < goal:
        return None
    best = np.full(goal + 1, np.inf)
    best[0] = 0.0
    pick = np.zeros((cost.size, goal + 1), dtype=bool)
    r = np.arange(goal + 1)
    for k in range(cost.size):
        via = best[np.maximum(r - size[k], 0)] + cost[k]
        better = via < best
        pick[k] = better
        best = np.where(better, via, best)
    if not np.isfinite(best[goal]):
        return None
    out, left = [], goal
    for k in range(cost.size - 1, -1, -1):
        if left > 0 and pick[k, left]:
            out.append(k)
            left = max(left - int(size[k]), 0)
    return np.array(out[::-1], dtype=np.int64)


def _bound(P: _Pairs, u: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    v, x = _site_knapsacks(P, u)
    val, y = _choose_sites(P, v)
    return float(u.sum()) + val, v, x, y


def _fix(P: _Pairs, u: np.ndarray, v: np.ndarray, target: float,
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds on y after fixing every site whose flip lifts L(u) above ``target`` (``v``: the
    site values v_j(u)), and per site its bounds with y_j forced to 0 and to 1 (an m x 2
    array, ``-inf`` where fixed): the tree branches on them."""
    base = float(u.sum())
    lo, hi = P.lo.copy(), P.hi.copy()
    free = np.flatnonzero((P.hi > 0) & (P.lo < 1))
    forced_bounds = np.full((P.m, 2), -np.inf)
    exact = free.size <= 300  # two knapsack programmes per site: keep the DP for small m
    for j in free.tolist():
        forced = []
        for val in (0.0, 1.0):
            trial = replace(P, lo=lo.copy(), hi=hi.copy())
            trial.lo[j] = trial.hi[j] = val
            if val == 0.0 and float(trial.s @ trial.hi) < P.total - 1e-9:
                lo[j] = 1.0   # without j the capacity left is short: j must open
                break
            got, _ = _choose_sites(trial, v, exact)
            if base + got > target:
                if val == 1.0:
                    hi[j] = 0.0
                else:
                    lo[j] = 1.0
                break
            forced.append(base + got)
        if len(forced) == 2:
            forced_bounds[j] = forced
    return lo, hi, forced_bounds


def _restrict(P: _Pairs, lo: np.ndarray, hi: np.ndarray) -> _Pairs:
    """The pairs of the sites still allowed, with the fixings as bounds (the tree's space)."""
    keep = hi[P.j] > 0
    return replace(P, i=P.i[keep], j=P.j[keep], c=P.c[keep], q=P.q[keep], lo=lo.copy(),
                   hi=hi.copy())


def _ascent(P: _Pairs, u: np.ndarray, target: float, step: float, iterations: int,
            ) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Subgradient steps from ``u`` (Polyak towards ``target``, halved after 5 stalls); stops
    once L(u) reaches ``target``. Best bound, its u, v and y, and the running average of the
    y's (a primal estimate, as in the volume algorithm: at the dual optimum many sites tie on
    v_j, so the last y alone says little about which sites the optimum needs)."""
    best = -np.inf
    best_u, best_v, best_y = u, np.zeros(P.m), np.zeros(P.m)
    y_avg: np.ndarray | None = None
    stall = 0
    for _ in range(iterations):
        L, v, x, y = _bound(P, u)
        y_avg = y.copy() if y_avg is None else 0.9 * y_avg + 0.1 * y
        if not np.isfinite(best) or L > best + 1e-12 * max(1.0, abs(best)):
            best, best_u, best_v, best_y, stall = L, u, v, y, 0
        else:
            stall += 1
            if stall >= 5:
                step, stall = step / 2.0, 0
        if best >= target or step < 1e-4:
            break
        g = 1.0 - np.bincount(P.i, weights=x * y[P.j], minlength=P.n)
        norm = float(g @ g)
        if norm <= 1e-12:
            break
        u = u + step * (target - L) / norm * g
    return best, best_u, best_v, best_y, (best_y if y_avg is None else y_avg)


@dataclass(order=True)
class _Node:
    bound: float
    tag: int
    lo: np.ndarray = field(compare=False)
    hi: np.ndarray = field(compare=False)
    u: np.ndarray = field(compare=False)


def _tree(ctx: Context, P: _Pairs, best: _Incumbent, u: np.ndarray, bound: float, tol: float,
          iterations: int = 60) -> tuple[float, int]:
    """Best-first branch-and-bound on y with Lagrangian bounds (Goertz & Klose 2012 style):
    each node re-optimises u from its parent's, prices its sites for incumbents, fixes sites
    whose flip lifts the bound past the incumbent and branches on the free site whose averaged
    y is most fractional (ties: the higher weaker forced bound); each child starts from the
    bound its forced value gave. Every L(u) is a valid bound within the node, and a node whose
    sites are all fixed is priced exactly, so the search is exact. Returns the lower bound
    (the incumbent when the tree is exhausted, else the smallest open node's) and the
    number of nodes."""
    heap = [_Node(bound, 0, P.lo.copy(), P.hi.copy(), u)]
    nodes = tag = 0
    while heap:
        node = heapq.heappop(heap)
        if node.bound >= best.value - tol:
            return best.value, nodes   # best-first: every open node is at least as high
        if ctx.out_of_time():
            return min(node.bound, best.value), nodes
        nodes += 1
        Q = replace(P, lo=node.lo, hi=node.hi)
        if float(Q.s @ Q.hi) < Q.total - 1e-9:
            continue
        L, u, v, y, y_avg = _ascent(Q, node.u, best.value, 1.0, iterations)
        L = max(L, node.bound)
        if L < best.value - tol:
            best.try_sites(y > 0, v, u)
            best.try_sites(y_avg >= 0.5, v, u)
        if L >= best.value - tol:
            continue
        lo, hi, forced = _fix(Q, u, v, best.value - tol)
        free = np.flatnonzero((hi > 0) & (lo < 1))
        if free.size == 0:
            best.consider(lo > 0)   # every site fixed: the transportation LP is the node
            continue
        # the most fractional site of the primal estimate; ties by the weaker forced bound
        frac = np.minimum(y_avg[free], 1.0 - y_avg[free])
        j = int(free[np.lexsort((-forced[free].min(axis=1), -np.round(frac, 2)))[0]])
        for val in (0, 1):
            clo, chi = lo.copy(), hi.copy()
            clo[j] = chi[j] = float(val)
            tag += 1
            heapq.heappush(heap, _Node(max(L, float(forced[j, val])), tag, clo, chi, u))
    return best.value, nodes


def _second_cheapest(P: _Pairs) -> np.ndarray:
    order = np.lexsort((P.c, P.i))
    first = np.searchsorted(P.i[order], np.arange(P.n))
    counts = np.bincount(P.i, minlength=P.n)
    pick = first + np.minimum(1, counts - 1)
    return P.c[order][pick]


class CFLPLagrangian(Formulation):
    """Lagrangian bound + transportation-LP incumbents + exact fixing + strong MILP on the rest."""

    kind = "cflp"
    name = "lagrangian"
    summary = ("Lagrangian relaxation of the assignment rows (site knapsacks + total capacity), "
               "incumbents by transportation LPs, exact site fixing, strong MILP on the rest")
    doc = "models/facility-location.md#cflp-lagrangian"
    iterations = 400
    #: what proves the sites left free after fixing: "tree" (Lagrangian branch-and-bound) or
    #: "milp" (the strong model restricted to them)
    search = "tree"
    #: subgradient steps per tree node (warm-started from the parent's multipliers)
    node_iterations = 60

    def run(self, ctx: Context) -> Outcome:
        t0 = time.perf_counter()
        inst, prob = ctx.instance, ctx.problem
        if not isinstance(prob, CFLP):
            raise SpecError("the lagrangian cflp formulation is for cflp only")
        if prob.single_source:
            out = CFLPStrong().run(ctx)
            return replace(out, messages=("lagrangian: single-source assignment is integral; "
                                          "solved the strong model",) + out.messages)
        check_facility_data(inst, prob)
        P = _pairs(inst)
        build = time.perf_counter() - t0
        best = _Incumbent(ctx, inst, P)

        # subgradient on L(u); sites chosen on the way seed the incumbents
        # start: each point's second-cheapest pair (a classic choice; some sites look useful)
        u = _second_cheapest(P)
        lag, best_u, step, stall = -np.inf, u.copy(), 2.0, 0
        left = ctx.remaining()
        budget = 0.25 * (left if left is not None else 60.0)
        seen: set[bytes] = set()
        it = 0
        for it in range(1, self.iterations + 1):
            L, v, x, y = _bound(P, u)
            if not np.isfinite(lag) or L > lag + 1e-12 * max(1.0, abs(lag)):
                lag, best_u, stall = L, u.copy(), 0
            else:
                stall += 1
                if stall >= 15:
                    step, stall = step / 2.0, 0
            key = np.packbits(y > 0).tobytes()
            if key not in seen and (it % 10 == 1 or stall == 0):
                seen.add(key)
                best.try_sites(y > 0, v)
            if best.value - lag <= 1e-7 * max(1.0, abs(best.value)) or step < 1e-5:
                break
            if time.perf_counter() - t0 > budget or ctx.out_of_time():
                break
            served = np.bincount(P.i, weights=x * y[P.j], minlength=P.n)
            g = 1.0 - served
            norm = float(g @ g)
            if norm <= 1e-12:
                break
            target = best.value if np.isfinite(best.value) else lag + 0.05 * abs(lag)
            u = u + step * (target - L) / norm * g
        v_best, _ = _site_knapsacks(P, best_u)
        best.local_search(best_u, v_best)
        ctx.note(f"lagrangian: {it} subgradient iterations, bound {lag:.10g}, incumbent "
                 f"{best.value:.10g} ({best.lps} transportation LPs)")
        if not np.isfinite(best.value):  # no plan found: the strong model on every site
            lo, hi, tol = P.lo, P.hi, 0.0
        else:
            tol = 1e-9 * max(1.0, abs(best.value))
            lo, hi, _ = _fix(P, best_u, v_best, best.value + tol)
        n_closed = int(((hi == 0) & (P.hi > 0)).sum())
        n_open = int(((lo == 1) & (P.lo < 1)).sum())
        ctx.note(f"lagrangian: fixing closes {n_closed} and opens {n_open} of {P.m} sites")
        lb = lag
        if np.isfinite(best.value) and \
                best.value - lb <= max(tol, ctx.options.rel_gap * abs(best.value)):
            return self._answer(ctx, best, best.value, build, t0, best.lps)
        sub = replace(inst, required=lo > 0.5, forbidden=hi < 0.5)
        if float(sub.capacity[hi > 0.5].sum()) < P.total - 1e-9:  # type: ignore[index]
            return self._answer(ctx, best, best.value, build, t0, best.lps)  # nothing better
        if np.isfinite(best.value) and self.search == "tree":
            best.allowed = hi > 0
            tree_lb, nodes = _tree(ctx, _restrict(P, lo, hi), best, best_u, lag, tol,
                                   self.node_iterations)
            done = tree_lb >= best.value - tol
            ctx.note(f"lagrangian: tree on {int(((hi > 0) & (lo < 1)).sum())} free sites: "
                     f"{nodes} nodes, {best.lps} transportation LPs in all, "
                     f"{'exhausted' if done else 'stopped'}")
            return self._answer(ctx, best, max(lag, tree_lb), build, t0, best.lps,
                                proven=done, nodes=nodes)
        milp = CFLPStrong().build(sub, prob)
        start = best.start_vector(milp)
        sol = ctx.solve(milp, start=start)
        ctx.note(f"lagrangian: strong MILP on {int((hi > 0.5).sum())} free sites "
                 f"({milp.n_cols:,} columns): {sol.status.value}, {sol.solve_seconds:.2f}s")
        if sol.termination in (Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED):
            return self._answer(ctx, best, best.value, build, t0, best.lps + 1)
        if sol.x is not None and sol.objective is not None and sol.objective < best.value - tol:
            best.take_milp(CFLPStrong().decode(sub, prob, milp, sol.x), float(sol.objective))
        sub_bound = sol.bound if sol.bound is not None and np.isfinite(sol.bound) else -np.inf
        if sol.status is Status.OPTIMAL:
            sub_bound = max(sub_bound, float(sol.objective)) if sol.objective is not None else sub_bound
        lb = max(lag, min(sub_bound, best.value))
        return self._answer(ctx, best, lb, build, t0, best.lps + 1,
                            proven=sol.status is Status.OPTIMAL, nodes=sol.nodes,
                            version=sol.backend_version)

    def _answer(self, ctx: Context, best: _Incumbent, lb: float, build: float, t0: float,
                solves: int, proven: bool | None = None, nodes: int | None = None,
                version: str = "") -> Outcome:
        from .heuristic import closed

        if best.decision is None:
            return Outcome(Status.NO_SOLUTION, Termination.TIME_LIMIT if ctx.out_of_time()
                           else Termination.OTHER, None, lb if np.isfinite(lb) else None, None,
                           build_seconds=build, solve_seconds=time.perf_counter() - t0 - build,
                           messages=tuple(ctx.log), milp_solves=solves)
        gap_closed = closed(best.value, lb, 0.0, ctx.options)
        ok = gap_closed if proven is None else (proven or gap_closed)
        return Outcome(
            status=Status.OPTIMAL if ok else Status.FEASIBLE,
            termination=Termination.OPTIMAL if ok else Termination.TIME_LIMIT,
            objective=best.value, bound=best.value if ok else min(lb, best.value),
            decision=best.decision, build_seconds=build,
            solve_seconds=time.perf_counter() - t0 - build, nodes=nodes,
            native_status="bound closed" if ok else "incumbent with bound",
            backend_version=version, messages=tuple(ctx.log), milp_solves=solves)


class _Incumbent:
    """The best plan so far, priced exactly: for an open set, a transportation LP."""

    def __init__(self, ctx: Context, inst: Instance, P: _Pairs) -> None:
        self.ctx, self.inst, self.P = ctx, inst, P
        self.value = np.inf
        self.open: np.ndarray | None = None
        self.decision: Decision | None = None
        self.lps = 0
        self._cache: dict[bytes, float] = {}
        #: sites new plans may use (the tree narrows it to the sites fixing left)
        self.allowed = P.hi > 0

    def price(self, open_: np.ndarray) -> tuple[float, Decision | None]:
        """Fixed costs plus the cheapest allocation to ``open_`` (inf if it cannot serve all)."""
        P = self.P
        key = np.packbits(open_).tobytes()
        if key in self._cache:
            return self._cache[key], None
        if float(P.s[open_].sum()) < P.total - 1e-9 or (open_ < (P.lo > 0)).any() \
                or (open_ & (P.hi <= 0)).any():
            self._cache[key] = np.inf
            return np.inf, None
        sel = open_[P.j]
        i, j, c, q = P.i[sel], P.j[sel], P.c[sel], P.q[sel]
        b = MilpBuilder("min", name="cflp-transport")
        x = b.add_vars("x", i.size, lower=0.0, upper=1.0, cost=c)
        k = np.arange(i.size)
        b.add_rows("assign", P.n, i, x.start + k, 1.0, lower=1.0, upper=1.0)
        sites = np.flatnonzero(open_)
        local = np.searchsorted(sites, j)
        b.add_rows("capacity", sites.size, local, x.start + k, q, upper=P.s[sites])
        sol = self.ctx.solve(b.build())
        self.lps += 1
        if sol.x is None or sol.status is not Status.OPTIMAL:
            self._cache[key] = np.inf
            return np.inf, None
        frac = np.clip(sol.x, 0.0, 1.0)
        keep = frac > 1e-9
        f = frac[keep] / np.bincount(i[keep], weights=frac[keep], minlength=P.n)[i[keep]]
        value = float(P.f[open_].sum() + c[keep] @ f)
        self._cache[key] = value
        return value, Decision(open_.copy(), i[keep], j[keep], f)

    def consider(self, open_: np.ndarray, floor: float = -np.inf) -> bool:
        """Price ``open_`` unless a lower bound on its cost (``floor``, e.g. its Lagrangian
        value, or the capacity-free cost) shows it cannot beat the incumbent."""
        if np.isfinite(self.value) and max(floor, self.relaxed(open_)) >= \
                self.value - 1e-9 * max(1.0, abs(self.value)):
            return False  # cannot beat the incumbent: no transportation LP needed
        value, dec = self.price(open_)
        if dec is not None and value < self.value - 1e-9 * max(1.0, abs(value)):
            self.value, self.open, self.decision = value, open_.copy(), dec
            return True
        return False

    def relaxed(self, open_: np.ndarray) -> float:
        """A lower bound on :meth:`price`: fixed costs plus each customer's cheapest open
        pair, capacities ignored. Most local-search moves fail it, and each LP it saves
        cost 0.1-0.3 s (capb-7000-like: 87 transportation LPs were 21 of 38 s)."""
        P = self.P
        sel = open_[P.j]
        cheapest = np.full(P.n, np.inf)
        np.minimum.at(cheapest, P.i[sel], P.c[sel])
        return float(P.f[open_].sum() + cheapest.sum())

    def try_sites(self, open_: np.ndarray, v: np.ndarray, u: np.ndarray | None = None) -> None:
        """The Lagrangian's sites, topped up by v_j / s_j until capacity covers demand and
        every customer reaches an open site (its pair with the smallest v_j). With ``u``
        (whose site values are ``v``), sum(u) + v over the sites bounds their cost from below
        (the Lagrangian with y fixed), which spares the LP when it cannot win."""
        P = self.P
        open_ = open_ | (P.lo > 0)
        open_ &= self.allowed
        if float(P.s[open_].sum()) < P.total:
            cand = np.flatnonzero(~open_ & self.allowed)
            for j in cand[np.argsort(v[cand] / np.maximum(P.s[cand], 1e-300))].tolist():
                open_[j] = True
                if float(P.s[open_].sum()) >= P.total:
                    break
        while True:
            reached = np.bincount(P.i[open_[P.j]], minlength=P.n) > 0
            lost = np.flatnonzero(~reached)
            if lost.size == 0:
                break
            mine = np.flatnonzero(P.i == lost[0])  # pairs of the first unreached customer
            mine = mine[self.allowed[P.j[mine]]]
            if mine.size == 0:
                return
            open_[P.j[mine[np.argmin(v[P.j[mine]])]]] = True
        self.consider(open_, -np.inf if u is None else float(u.sum() + v[open_].sum()))

    def local_search(self, u: np.ndarray, v: np.ndarray, rounds: int = 4,
                     lps: int = 40) -> None:
        """Drop, add and swap moves ranked by their Lagrangian floor sum(u) + v over the new
        sites (a lower bound on the move's cost at the multipliers ``u``, site values ``v``):
        the most promising moves are priced first, at most ``lps`` LPs per round, and moves
        whose floor cannot beat the incumbent are never priced."""
        P = self.P
        for _ in range(rounds):
            if self.open is None or self.ctx.out_of_time():
                return
            cur = self.open
            base = float(u.sum() + v[cur].sum())
            out = np.flatnonzero(cur & (P.lo < 1))
            into = np.flatnonzero(~cur & (P.hi > 0))
            gain_cap = float(P.s[cur].sum()) - P.total
            # moves as (drop, add) with -1 for none; floors of drops, adds, swaps
            drop = np.r_[out, np.full(into.size, -1), np.repeat(out, into.size)]
            add = np.r_[np.full(out.size, -1), into, np.tile(into, out.size)]
            floor = base - np.where(drop >= 0, v[drop], 0.0) + np.where(add >= 0, v[add], 0.0)
            room = gain_cap - np.where(drop >= 0, P.s[drop], 0.0) + \
                np.where(add >= 0, P.s[add], 0.0)
            ok = (room >= -1e-9) & (floor < self.value)
            order = np.flatnonzero(ok)[np.argsort(floor[ok], kind="stable")]
            improved = False
            for k in order[:lps].tolist():
                trial = cur.copy()
                if drop[k] >= 0:
                    trial[drop[k]] = False
                if add[k] >= 0:
                    trial[add[k]] = True
                if self.consider(trial, float(floor[k])):
                    improved = True
                    break
                if self.ctx.out_of_time():
                    return
            if not improved:
                return

    def take_milp(self, decision: Decision, value: float) -> None:
        self.value, self.open, self.decision = value, decision.open.copy(), decision

    def start_vector(self, milp: MilpProblem) -> np.ndarray | None:
        """The incumbent as a start for the restricted strong MILP (y and x blocks)."""
        if self.decision is None:
            return None
        d = self.decision
        # every incumbent is priced by a transportation LP or decoded from the strong MILP
        assert d.alloc_i is not None and d.alloc_j is not None and d.alloc_frac is not None
        xs = np.zeros(milp.n_cols)
        yb, xb = milp.blocks["y"], milp.blocks["x"]
        xs[yb.start:yb.start + yb.size] = d.open.astype(float)
        key = d.alloc_i.astype(np.int64) * self.P.m + d.alloc_j
        order = np.argsort(key)
        mk = xb.index[0].astype(np.int64) * self.P.m + xb.index[1]
        pos = np.searchsorted(key[order], mk)
        pos = np.minimum(pos, key.size - 1)
        hit = key[order][pos] == mk
        xs[xb.start:xb.start + xb.size] = np.where(hit, d.alloc_frac[order][pos], 0.0)
        return xs
