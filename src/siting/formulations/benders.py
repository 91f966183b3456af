"""p-median by Benders decomposition after Duran-Mateluna, Alès & Elloumi (EJOR 2023).

Master variables: y_j (sites) and theta_i (cost of demand point i). For a client i and any
radius D the inequality

    theta_i + sum_{j: d_ij < D} (D - d_ij) y_j >= D                                  (cut)

is valid for every integral y (if the nearest open site is within D the sum is at least
D - d_i(y); otherwise the sum is 0 and theta_i = d_i(y) > D). For a fractional y the most
violated cut of client i sits at the first sorted distance where the cumulative y reaches 1:
the closed-form dual of Elloumi's subproblem, found by a cumsum over the pre-sorted row, so
separation is linear per client and vectorized across all clients.

Phases: (0) greedy+swap incumbent and a subgradient Lagrangian bound whose multipliers seed the
first cuts and fix sites by reduced cost; (1) LP cut loop with in-out stabilization; (2) integer
phase: iterated master MILPs with the accumulated cuts (and an objective cutoff row one grain
below the incumbent), each integral master answer separated exactly, until the master bound
meets the incumbent; on a backend with lazy cuts (SCIP), or when no backend was named and one
is installed, one branch-and-Benders-cut tree instead, this module's separator called by the
backend (backends/lazy.py). More in docs/performance.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from ..backends import Backend, lazy_cut_backend, lp_backend, lp_loop_options, lp_session
from ..backends.lazy import CutRows, LazySettings, LpSession, Separation
from ..decision import Decision
from ..heuristics import count_below, greedy_swap_median, swap_descent_sorted
from ..instance import Instance
from ..milp import MilpBuilder, MilpProblem
from ..problems import PMedian, Problem
from ..solution import Status, Termination
from ._common import check_p, require_reachable, sort_rows
from .base import Context, Formulation, Outcome, granularity

_EPS = 1e-9


class _Cuts:
    """Accumulated cuts as COO pieces: row r reads theta_i + sum_j a_rj y_j >= rhs_r."""

    def __init__(self) -> None:
        self.client: list[np.ndarray] = []
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.rhs: list[np.ndarray] = []
        self.count = 0
        self.nnz = 0
        self.first: list[int] = []  # the first row id of each chunk
        self._seen: dict[tuple[int, float], int] = {}
        #: row ids of the cuts offered to the last ``add`` (fresh or already held)
        self.hit = np.zeros(0, dtype=np.int64)

    def add(self, client: np.ndarray, level: np.ndarray, rows: np.ndarray, cols: np.ndarray,
            vals: np.ndarray) -> int:
        """Add cuts (local row ids index ``client``/``level``); skip exact duplicates."""
        if client.size == 0:
            self.hit = np.zeros(0, dtype=np.int64)
            return 0
        held = np.array([self._seen.get((int(c), float(v)), -1)
                         for c, v in zip(client, level)], dtype=np.int64)
        fresh = held < 0
        # a cut offered twice in one call is kept once
        keys = list(zip(client.tolist(), level.tolist()))
        first: dict[tuple[int, float], int] = {}
        for k, key in enumerate(keys):
            if fresh[k] and key in first:
                fresh[k] = False
            elif fresh[k]:
                first[key] = k
        keep_rows = np.flatnonzero(fresh)
        remap = np.full(client.size, -1, dtype=np.int64)
        remap[keep_rows] = np.arange(keep_rows.size) + self.count
        for dup in np.flatnonzero(~fresh & (held < 0)).tolist():
            held[dup] = remap[first[keys[dup]]]
        self.hit = np.where(held >= 0, held, remap)
        if not fresh.any():
            return 0
        sel = fresh[rows]
        self._seen.update((keys[k], int(remap[k])) for k in keep_rows)
        self.first.append(self.count)
        self.client.append(client[fresh])
        self.rhs.append(level[fresh])
        self.rows.append(remap[rows[sel]])
        self.cols.append(cols[sel])
        self.vals.append(vals[sel])
        self.count += int(keep_rows.size)
        self.nnz += int(sel.sum())
        return int(keep_rows.size)

    def since(self, first: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                          np.ndarray]:
        """client, rhs and the y-part COO (local rows, cols, vals) of the cuts with row id
        ``first`` or later (``first`` is a chunk boundary: a ``count`` seen earlier)."""
        k = self.first.index(first) if first < self.count else len(self.first)
        if k == len(self.first):
            z = np.zeros(0, dtype=np.int64)
            return z, np.zeros(0), z, z, np.zeros(0)
        return (np.concatenate(self.client[k:]), np.concatenate(self.rhs[k:]),
                np.concatenate(self.rows[k:]) - first, np.concatenate(self.cols[k:]),
                np.concatenate(self.vals[k:]))

    def slack(self, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """Each cut's slack at the master point (y, theta)."""
        if self.count == 0:
            return np.zeros(0)
        rows, cols = np.concatenate(self.rows), np.concatenate(self.cols)
        act = np.bincount(rows, weights=np.concatenate(self.vals) * y[cols],
                          minlength=self.count)
        return act + theta[np.concatenate(self.client)] - np.concatenate(self.rhs)

    def subset(self, keep: np.ndarray) -> _Cuts:
        """The cuts whose row ids are flagged in ``keep`` (bool over all rows), as new cuts."""
        client, rhs = np.concatenate(self.client), np.concatenate(self.rhs)
        rows = np.concatenate(self.rows)
        out = _Cuts()
        idx = np.flatnonzero(keep)
        remap = np.full(self.count, -1, dtype=np.int64)
        remap[idx] = np.arange(idx.size)
        sel = keep[rows]
        out.add(client[idx], rhs[idx], remap[rows[sel]], np.concatenate(self.cols)[sel],
                np.concatenate(self.vals)[sel])
        return out


class _Data:
    """Per-client sorted distances over allowed sites (the only precomputation)."""

    def __init__(self, instance: Instance, pm: PMedian) -> None:
        D = instance.dense_cost()
        self.allowed = np.flatnonzero(~instance.forbidden)  # type: ignore[operator]
        # no copy when every site is allowed and reachable (n = 6,000: 288 MB per copy)
        Da = D if self.allowed.size == D.shape[1] else D[:, self.allowed]
        finite = np.isfinite(Da)
        # an unreachable pair is priced above any finite solution so it is never chosen
        if finite.all():
            self.big = float(Da.max() * max(instance.n_sites, 2) + 1.0)
        else:
            self.big = float(np.max(Da[finite]) * max(instance.n_sites, 2) + 1.0) \
                if finite.any() else 1.0
            Da = np.where(finite, Da, self.big)
        # Benders feasibility cuts sum_{j reaches i} y_j >= 1 for every client that does not
        # reach every allowed site: with them the master is exact (infeasible iff no p sites
        # reach everyone); the big price alone lets a light (or zero-weight) client go unserved
        partial = np.flatnonzero(~finite.all(axis=1))
        self.reach_rows, self.reach_cols = np.nonzero(finite[partial])
        self.n_reach = int(partial.size)
        del finite
        # the stand-in price for unreachable pairs is whole when the costs are
        self.order, self.sorted = sort_rows(Da, instance.integral_costs)
        self.Da = Da
        self.w = instance.weight
        self.p = pm.p
        self.n, self.ma = Da.shape
        self.lower = self.sorted[:, 0]  # theta_i is at least the nearest allowed site

    def separate(self, y: np.ndarray, clients: np.ndarray | None = None,
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Per client: the maximal cut's radius D*_i and its value theta_i(y) at ``y``.

        ``y`` is over allowed sites. theta_i(y) summed with weights is the LP value function,
        an upper bound on the LP optimum at a feasible y and the exact cost at integral y.
        Only the sorted prefix up to the radius matters (later entries are at least D*_i):
        the prefix grows 4x per pass for the clients whose cumulative y has not reached 1 in
        it (pcb3038 p=400: a few dozen of 3,038 columns; every column was read before).
        """
        idx = np.arange(self.n) if clients is None else np.asarray(clients)
        level = np.empty(idx.size)
        value = np.empty(idx.size)
        todo = np.arange(idx.size)
        width = min(self.ma, 32)
        while todo.size:
            rows = idx[todo]
            whole = todo.size == self.n and clients is None
            Ds = self.sorted[:, :width] if whole else self.sorted[rows, :width]
            ys = y[self.order[:, :width] if whole else self.order[rows, :width]]
            cum = np.cumsum(ys, axis=1)
            reached = cum[:, -1] >= 1.0 - 1e-9
            last = width == self.ma
            done = np.ones(todo.size, dtype=bool) if last else reached
            pos = np.where(reached, np.argmax(cum >= 1.0 - 1e-9, axis=1), width - 1)[done]
            Ds, ys = Ds[done], ys[done]
            lv = Ds[np.arange(pos.size), pos]
            gain = np.maximum(lv[:, None] - Ds, 0.0) * ys
            level[todo[done]] = lv
            value[todo[done]] = lv - gain.sum(axis=1)
            todo = todo[~done]
            width = min(self.ma, width * 4)
        return level, value

    def value(self, y: np.ndarray) -> float:
        """The exact cost of an integral ``y``; inf when some client reaches no open site."""
        th = self.separate(y)[1]
        if (th >= self.big).any():
            return float("inf")
        return float(self.w @ th)

    def below(self, clients: np.ndarray, bound: np.ndarray) -> np.ndarray:
        """Per client, how many of its sorted distances are < ``bound`` (bisection on the
        sorted rows, no row copies)."""
        lo = np.zeros(clients.size, dtype=np.int64)
        hi = np.full(clients.size, self.ma, dtype=np.int64)
        while True:
            act = lo < hi
            if not act.any():
                return lo
            mid = (lo + hi) // 2
            less = self.sorted[clients, np.minimum(mid, self.ma - 1)] < bound
            lo = np.where(act & less, mid + 1, lo)
            hi = np.where(act & ~less, mid, hi)

    def cut_rows(self, clients: np.ndarray, level: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """COO of the y-part of the cuts (client, radius): local rows, allowed-site cols, coeffs."""
        k = self.below(clients, level)
        r = np.repeat(np.arange(clients.size), k)
        pos = np.arange(r.size) - np.repeat(np.cumsum(k) - k, k)
        who = clients[r]
        cols = self.order[who, pos]
        vals = level[r] - self.sorted[who, pos]
        return r, cols, vals

    def cut_nnz(self, level: np.ndarray) -> int:
        """Nonzeros of the y-part of every client's cut at ``level`` (before building it)."""
        return int(self.below(np.arange(self.n), level).sum())

    def snap(self, clients: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sorted distances just below and at/above ``radius`` (both yield valid cuts)."""
        k = self.below(clients, radius)  # rows are sorted: searchsorted(side="left")
        hi = self.sorted[clients, np.minimum(k, self.ma - 1)]
        lo = self.sorted[clients, np.maximum(k - 1, 0)]
        return lo, hi


def _lagrangian(data: _Data, ub: float, iters: int, deadline: float | None,
                ) -> tuple[float, np.ndarray, list[np.ndarray]]:
    """Subgradient on the relaxed assignment rows: bound, best rho (per site) and u history.

    L(u) = sum_i u_i + sum of the p smallest rho_j, rho_j = sum_i min(0, w_i d_ij - u_i).
    Its optimum equals the LP bound (integrality property); here it is only a warm start.
    """
    w, Da, p = data.w, data.Da, data.p
    u = w * data.sorted[:, min(1, data.ma - 1)]
    best = -np.inf
    best_rho: np.ndarray = np.zeros(data.ma)  # rho's float64 (numpy's stubs type bincount as int)
    history: list[np.ndarray] = []
    lam, stall = 2.0, 0
    wD: np.ndarray | None = None
    n, ma = data.n, data.ma
    positive = w > 0
    for it in range(iters):
        # the first step always runs: L(u) at any u is a bound, so even a run out of time
        # reports a nontrivial one
        if it > 0 and deadline is not None and time.perf_counter() > deadline:
            break
        # red_ij = min(0, w_i d_ij - u_i) is nonzero only for the sites nearer than u_i / w_i:
        # at large p a few per client, taken from the sorted rows (no n x m pass)
        k = count_below(data.sorted, np.where(positive, u / np.where(positive, w, 1.0),
                                              -np.inf))
        if int(k.sum()) <= n * ma // 4:
            rows = np.repeat(np.arange(n), k)
            pos = np.arange(rows.size) - np.repeat(np.cumsum(k) - k, k)
            J = data.order[rows, pos]
            val = np.minimum(w[rows] * data.sorted[rows, pos] - u[rows], 0.0)
            rho = np.bincount(J, weights=val, minlength=ma)
            red = None
        else:
            if wD is None:
                wD = w[:, None] * Da
            red = np.minimum(wD - u[:, None], 0.0)
            rho = red.sum(axis=0)
        chosen = np.argpartition(rho, p - 1)[:p] if p < data.ma else np.arange(data.ma)
        L = float(u.sum() + rho[chosen].sum())
        if not np.isfinite(best) or L > best + 1e-9 * max(1.0, abs(best)):
            best, best_rho, stall = L, rho.copy(), 0
            history.append(u.copy())
        else:
            stall += 1
            if stall >= 20:
                lam, stall = lam / 2.0, 0
        if lam < 1e-4 or ub - best <= 1e-9 * max(1.0, abs(ub)):
            break
        if red is None:
            inside = np.zeros(ma, dtype=bool)
            inside[chosen] = True
            g = 1.0 - np.bincount(rows[(val < 0) & inside[J]], minlength=n)
        else:
            g = 1.0 - (red[:, chosen] < 0).sum(axis=1)
        norm = float(g @ g)
        if norm == 0:
            break
        # a weightless client keeps u_i = 0: its terms min(0, 0 - u_i) span every site and
        # the sorted-row shortcut above (threshold -inf) leaves them out, overstating L
        u = np.where(positive, np.maximum(u + lam * (ub - L) / norm * g, 0.0), 0.0)
    return best, best_rho, history[-8:]


class PMedianBenders(Formulation):
    """Branch-and-Benders-cut style p-median: closed-form cuts on a (y, theta) master."""

    kind = "p-median"
    name = "benders"
    summary = ("Benders decomposition (Duran-Mateluna, Alès & Elloumi 2023): closed-form cuts "
               "separated per client, LP cut loop, then iterated master MILPs")
    doc = "models/p-median.md#benders"

    max_lp_rounds = 200
    #: nonzeros the seed cuts (incumbent + Lagrangian multipliers) may take before phase 1
    seed_nnz = 3_000_000
    lagrangian_iters = 300
    #: phase 2 masters carry the row sum w theta <= incumbent - grain (integral objectives)
    cutoff_row = True
    #: LP-guided search after the LP phase (randomized rounding and shakes, each followed by
    #: swap descent): at most this many rounds, stopping after ``search_stall`` rounds
    #: without a better incumbent or at ``search_share`` of the time left
    search_rounds = 60
    search_stall = 24
    search_share = 0.1
    #: ... and only while p is at most this share of the candidate sites: beyond it each swap
    #: step (O(p m)) costs more and the tree closes the gap anyway (pcb3038 p=400: 19.4 ->
    #: 15.2 CPU s without the search, p=500 24.8 -> 17.9; rl1304 p=200-500 within 0.7 s);
    #: beyond it phase 0 also keeps the greedy start unswapped (p=400: 15.2 -> 9.0 CPU s)
    search_max_p_share = 0.1
    #: keep the phase-1 LP alive in the backend (HiGHS) and add each round's cuts to it
    live_lp = True
    #: the tree master starts from the cuts with a nonzero dual at the last live LP (plus
    #: those found after it and the incumbent's): on the degenerate masters of large p most
    #: binding rows carry no dual, and SCIP's root LP re-solves them from scratch
    tree_priced_rows = True

    def run(self, ctx: Context) -> Outcome:
        t0 = time.perf_counter()
        inst = ctx.instance
        pm = _checked(inst, ctx.problem)
        data = _Data(inst, pm)
        D = inst.dense_cost()
        # the instance knows whether its costs are whole numbers (a second pass took 1.4 s
        # at n = 5,934)
        grain = granularity(inst.weight) if inst.integral_costs else 0.0
        n, ma, w = data.n, data.ma, data.w
        req = inst.required[data.allowed]  # type: ignore[index]

        # phase 0: incumbent and Lagrangian warm start
        # greedy (lazy evaluation), then swaps on the sorted rows (cheap at large p)
        open_full = greedy_swap_median(inst.dense_cost(), w, pm.p, inst.required,
                                       inst.forbidden, max_swaps=0, deadline=ctx.deadline)
        start_y = open_full[data.allowed].astype(float)
        # swaps take at most a tenth of the time limit (rl5934 p=500: hundreds of swaps)
        swap_deadline = None if ctx.deadline is None else \
            time.perf_counter() + 0.1 * (ctx.remaining() or 0.0)
        if pm.p > self.search_max_p_share * ma:
            # at large p the LP's rounding, swapped, is the better start (pcb3038 p=400:
            # greedy + swaps 157740 in 1.9 CPU s of swaps, LP rounding + swaps 156359) and these
            # swaps only delay it: the greedy start is kept as it is
            swap_deadline = time.perf_counter()
        ub, best_y = _improve(data, start_y, req, np.inf, start_y, swap_deadline)
        if not np.isfinite(ub) and data.n_reach:  # greedy left a client without a site
            cover = _cover_start(data, req)
            if cover is not None:
                ub, best_y = _improve(data, cover, req, np.inf, cover, swap_deadline)
        # no feasible incumbent yet (sparse reach): the masters decide, starting from no bound
        lag_deadline = None if ctx.deadline is None else min(
            ctx.deadline, time.perf_counter() + 0.2 * (ctx.remaining() or 0.0))
        lag_bound, rho, history = (_lagrangian(data, ub, self.lagrangian_iters, lag_deadline)
                                   if np.isfinite(ub) else (-np.inf, np.zeros(ma), []))
        lb = max(lag_bound, float(w @ data.lower))
        lb = _round_up(lb, grain)
        y_lo = req.astype(float)
        y_hi = np.ones(ma)
        if np.isfinite(lag_bound) and not req.any() and pm.p < ma:
            y_lo, y_hi = _fix_by_reduced_cost(rho, lag_bound, ub, pm.p, grain, y_lo, y_hi)
        ctx.note(f"benders: heuristic {ub:.10g}, Lagrangian bound {lag_bound:.10g}, "
                 f"fixed {int((y_hi == 0).sum())} closed / {int((y_lo == 1).sum())} open")

        cuts = _Cuts()
        everyone = np.arange(n)
        # seed cuts: the incumbent's exact cuts and cuts at the Lagrangian multipliers
        lvl, _ = data.separate(best_y)
        cuts.add(everyone, lvl, *data.cut_rows(everyone, lvl))
        # newest (best) multipliers first, within a nonzero budget: at small p every cut
        # spans a fifth of the sites, and 16 sets of them made a 22.6M-nonzero first master
        # LP on pcb3038 p=5 (84 s, past the time limit) where 2 sets suffice
        budget = max(self.seed_nnz, 2 * cuts.nnz) - cuts.nnz
        seeds: list[tuple[int, np.ndarray]] = []
        for age, u in enumerate(reversed(history)):
            radius = np.where(w > 0, u / np.maximum(w, 1e-300), data.lower)
            for side, lv in enumerate(data.snap(everyone, radius)):
                budget -= data.cut_nnz(lv)
                if budget < 0:
                    break
                seeds.append((-age * 2 + side, lv))
            if budget < 0:
                break
        for _, lv in sorted(seeds, key=lambda s: s[0]):  # oldest first, as they were found
            cuts.add(everyone, lv, *data.cut_rows(everyone, lv))
        build = time.perf_counter() - t0
        solves = 0
        solve_s = 0.0
        version = ""

        lp_solver = self._lp_backend(ctx)

        def master(integer: bool, start: np.ndarray | None = None,  # type: ignore[no-untyped-def]
                   cutoff: float | None = None, rows: _Cuts | None = None):
            nonlocal solves, solve_s, version
            milp = _master_milp(inst.name, data, cuts if rows is None else rows, y_lo, y_hi,
                                integer, grain, cutoff)
            extra: dict[str, object] = {}
            if not integer:
                tuned = lp_loop_options(lp_solver, milp)
                if tuned:
                    extra["backend_options"] = {**tuned, **ctx.options.backend_options}
            sol = ctx.solve(milp, start=start, backend=None if integer else lp_solver, **extra)
            solves += 1
            solve_s += sol.solve_seconds
            version = sol.backend_version
            ctx.note(f"benders: master {'MILP' if integer else 'LP'} {milp.n_rows} rows, "
                     f"{sol.solve_seconds:.2f}s, {sol.status.value}, obj {sol.objective}, "
                     f"bound {sol.bound}")
            return milp, sol

        # phase 1: LP cut loop, separating at a point between the LP answer and a core point
        core = np.clip(0.5 * best_y + 0.5 * pm.p / ma, y_lo, y_hi)
        lp_value = -np.inf
        timed_out = False
        last_lp = None
        # each master LP holds the cuts binding at the previous one plus the new ones (the
        # slack rows leave its optimum unchanged and only slow it down: rl1304 p=10 kept
        # 7,757 rows of which ~2,000 bind); the pool keeps them all for the integer phase
        active = np.ones(cuts.count, dtype=bool)
        tree_keep: np.ndarray | None = None  # binding at the last master LP, plus newer cuts
        # a round whose LP value does not rise ends the dropping: on a degenerate master the
        # dropped rows let it cycle between optimal faces (pcb3038 p=400: 58 flat rounds)
        keep_all = False
        prev_value = -np.inf
        # on HiGHS the LP stays alive: each round's cuts are added and the dual simplex
        # re-solves from the last basis (pcb3038 p=20: 2.3 CPU s a round instead of 22 for a
        # fresh model), and no row is dropped (the dropping only served fresh models)
        session: LpSession | None = None
        lp_milp: MilpProblem | None = None
        in_session = 0  # the pool's rows [0, in_session) are in the live LP
        first_rows = 0  # ... of which [0, first_rows) came before its cardinality/reach rows
        priced: np.ndarray | None = None  # pool rows with a nonzero dual at the last live LP

        def lp_round(active: np.ndarray):  # type: ignore[no-untyped-def]
            """One master LP: (milp for slicing, termination, objective, x, reduced costs)."""
            nonlocal session, lp_milp, in_session, first_rows, priced, solves, solve_s, version
            if lp_milp is None and self.live_lp:
                lp_milp = _master_milp(inst.name, data, cuts, y_lo, y_hi, False, grain)
                session = lp_session(lp_solver, lp_milp, ctx.options.threads,
                                     ctx.options.seed)
                in_session = first_rows = cuts.count
            if session is None:
                ids = np.flatnonzero(active)
                milp, sol = master(integer=False, rows=None if ids.size == cuts.count
                                   else cuts.subset(active))
                return milp, sol.termination, sol.objective, sol.x, sol.reduced_costs
            assert lp_milp is not None
            session.add_rows(_cut_csr(data, cuts, in_session, lp_milp, y_hi))
            in_session = cuts.count
            if ctx.interrupted:
                return lp_milp, Termination.INTERRUPTED, None, None, None
            ans = session.solve(ctx.remaining())
            solves += 1
            solve_s += ans.seconds
            version = lp_solver.version()
            if ans.termination is Termination.INTERRUPTED:
                ctx.interrupted = True
            ctx.note(f"benders: master LP (live) {session.n_rows} rows, {ans.seconds:.2f}s, "
                     f"{ans.termination.value}, obj {ans.objective}")
            if ans.row_duals is not None:  # session rows: first cuts, the master's own, added
                duals = np.concatenate((ans.row_duals[:first_rows],
                                        ans.row_duals[lp_milp.n_rows:]))
                priced = np.abs(duals) > 1e-9
            return lp_milp, ans.termination, ans.objective, ans.x, ans.reduced_costs

        for rnd in range(self.max_lp_rounds):
            if ctx.out_of_time():
                timed_out = True
                break
            ids = np.flatnonzero(active)
            milp, term, objective, x_lp, rc = lp_round(active)
            if term in (Termination.INFEASIBLE,
                        Termination.INFEASIBLE_OR_UNBOUNDED):  # never unbounded
                if not np.isfinite(ub):  # nothing fixed: the feasibility cuts alone say so
                    return _no_p_sites(ctx, "the master LP", build, solve_s, solves, version)
                lb = ub  # sites fixed against the incumbent: nothing better exists
                break
            if x_lp is None:
                timed_out = term is Termination.TIME_LIMIT
                break
            y_lp = np.clip(milp.values(x_lp, "y"), 0.0, 1.0)
            th_lp = milp.values(x_lp, "theta")
            lp_value = float(objective)  # type: ignore[arg-type]
            lb = max(lb, _round_up(lp_value, grain))
            last_lp = (lp_value, y_lp, milp.values(rc, "y") if rc is not None else None)
            keep_all = keep_all or lp_value <= prev_value + 1e-9 * max(1.0, abs(lp_value))
            prev_value = lp_value
            if session is not None:  # every pool row is in the LP: track the binding ones
                rhs = np.concatenate(cuts.rhs)
                active = cuts.slack(y_lp, th_lp) <= 1e-6 * np.maximum(1.0, np.abs(rhs))
            elif keep_all:
                active = np.ones(cuts.count, dtype=bool)
            else:
                active = np.zeros(cuts.count, dtype=bool)
                active[ids[_binding(milp, x_lp)]] = True
            added = 0
            true_value = 0.0
            for point, alpha in ((y_lp, 0.0), (0.5 * core + 0.5 * y_lp, 0.5)):
                lvl, th = data.separate(point)
                if alpha == 0.0:
                    true_value = float(w @ th)
                    viol = th > th_lp + 1e-7 * np.maximum(1.0, np.abs(th))
                    who = np.flatnonzero(viol)
                else:
                    who = everyone
                    core = point
                fresh = cuts.add(who, lvl[who], *data.cut_rows(who, lvl[who]))
                active = np.concatenate((active, np.ones(fresh, dtype=bool)))
                # a held cut that is violated again (dropped as slack earlier) comes back
                back = cuts.hit[~active[cuts.hit]] if alpha == 0.0 and session is None \
                    else cuts.hit[:0]
                active[back] = True
                added += fresh + int(back.size)
            tree_keep = active.copy()
            if priced is not None and self.tree_priced_rows and priced.size <= tree_keep.size:
                # binding rows with a zero dual leave the LP's optimum where it is: the tree
                # starts without them and its separator adds back any a node needs
                tree_keep[:priced.size] &= priced
            if true_value - lp_value <= 1e-6 * max(1.0, abs(lp_value)) or added == 0:
                break
            if lb >= ub - (0.999 * grain if grain else 1e-9 * max(1.0, ub)):
                break
        ctx.note(f"benders: LP phase bound {lp_value:.10g} after {solves} master LPs, "
                 f"{cuts.count} cuts ({cuts.nnz} nnz)")
        if last_lp is not None:
            cand = np.zeros(ma)
            cand[np.argsort(-last_lp[1], kind="stable")[:pm.p]] = 1.0
            cand[req] = 1.0
            ub, best_y = _improve(data, cand, req, ub, best_y, ctx.deadline)
            # the tree's size follows the incumbent (its reduced-cost fixing and pruning):
            # rl1304 p=100 493870 -> 491664 takes 4 rounds, p=10 finds the optimum
            search_deadline = None if ctx.deadline is None else min(
                ctx.deadline, time.perf_counter() + self.search_share * (ctx.remaining() or 0.0))
            before = ub
            rounds_cap = self.search_rounds if pm.p <= self.search_max_p_share * ma else 0
            ub, best_y, rounds = _lp_search(data, last_lp, req, y_hi, ub, best_y, lb, grain,
                                            rounds_cap, self.search_stall,
                                            search_deadline, ctx.options.seed)
            ctx.note(f"benders: LP-guided search {before:.10g} -> {ub:.10g} in {rounds} rounds")
        if last_lp is not None and last_lp[2] is not None:
            y_lo, y_hi = _fix_by_lp_reduced_cost(*last_lp, ub, grain, y_lo, y_hi)  # type: ignore[arg-type]
            ctx.note(f"benders: LP reduced costs fix {int((y_hi == 0).sum())} closed / "
                     f"{int((y_lo == 1).sum())} open")

        # phase 2: iterated master MILPs, each integral answer separated exactly
        def closed() -> bool:
            return lb >= ub - (0.999 * grain if grain else 1e-9 * max(1.0, abs(ub)))

        tree = None if closed() or timed_out else self._single_tree(
            ctx, data, cuts, tree_keep, y_lo, y_hi, best_y, ub, lb, grain, req)
        ran_on = None
        if tree is not None:
            ran_on = tree.backend
            ub, best_y, lb, timed_out = tree.ub, tree.best_y, tree.lb, tree.timed_out
            solves += 1
            solve_s += tree.seconds
            version = tree.version
            if tree.infeasible:
                return _no_p_sites(ctx, "the branch-and-cut master", build, solve_s, solves,
                                   version, backend=ran_on)

        # iterated masters (also finish a tree that stopped short of the proof in time)
        while not closed() and not timed_out:
            if ctx.out_of_time():
                timed_out = True
                break
            # with an integral objective only answers at least one grain below the incumbent
            # matter: the master gets that as a row, and an infeasible master proves the
            # incumbent (the incumbent itself no longer fits, so it is no start)
            feasible = bool(np.isfinite(ub))
            cutoff = ub - grain if self.cutoff_row and grain > 0 and feasible else None
            start = None if cutoff is not None or not feasible else np.concatenate(
                (best_y, data.separate(best_y)[1]))
            milp, sol = master(integer=True, start=start, cutoff=cutoff)
            if sol.termination in (Termination.INFEASIBLE,
                                   Termination.INFEASIBLE_OR_UNBOUNDED):  # never unbounded
                if not feasible:  # no cutoff row: the feasibility cuts alone are infeasible
                    return _no_p_sites(ctx, "the master MILP", build, solve_s, solves, version)
                lb = ub
                break
            if sol.bound is not None and np.isfinite(sol.bound):
                lb = max(lb, _round_up(float(sol.bound), grain))
            if sol.x is None:
                timed_out = True
                break
            y_int = np.round(np.clip(milp.values(sol.x, "y"), 0.0, 1.0))
            th_m = milp.values(sol.x, "theta")
            lvl, th = data.separate(y_int)
            ub, best_y = _improve(data, y_int, req, ub, best_y, ctx.deadline)
            if last_lp is not None and last_lp[2] is not None:
                y_lo, y_hi = _fix_by_lp_reduced_cost(*last_lp, ub, grain, y_lo, y_hi)  # type: ignore[arg-type]
            value = float(w @ th)
            viol = np.flatnonzero(th > th_m + 1e-7 * np.maximum(1.0, np.abs(th)))
            added = cuts.add(viol, lvl[viol], *data.cut_rows(viol, lvl[viol]))
            if added:
                # also the exact cuts of the (swap-improved) incumbent: tight where it matters
                lv_b, _ = data.separate(best_y)
                cuts.add(everyone, lv_b, *data.cut_rows(everyone, lv_b))
            if sol.termination is Termination.TIME_LIMIT:
                timed_out = True
                break
            if sol.status is Status.OPTIMAL and added == 0:
                # the master's optimum is exact at its own y: proven
                lb = max(lb, min(ub, value))
                break

        if not np.isfinite(ub):  # stopped before any p sites reaching everyone were found
            return Outcome(status=Status.NO_SOLUTION, termination=Termination.TIME_LIMIT,
                           objective=None, bound=lb if np.isfinite(lb) else None,
                           decision=None, build_seconds=build, solve_seconds=solve_s,
                           native_status=f"{solves} master solves, {cuts.count} cuts",
                           backend_version=version, messages=tuple(ctx.log),
                           milp_solves=solves, backend=ran_on)
        open_mask = np.zeros(inst.n_sites, dtype=bool)
        open_mask[data.allowed[best_y > 0.5]] = True
        proven = closed()
        lb = min(lb, ub)
        return Outcome(
            status=Status.OPTIMAL if proven else Status.FEASIBLE,
            termination=Termination.OPTIMAL if proven else Termination.TIME_LIMIT,
            objective=ub, bound=ub if proven else lb,
            decision=Decision.from_open(open_mask), build_seconds=build,
            solve_seconds=solve_s, nodes=None,
            native_status=f"{solves} master solves, {cuts.count} cuts",
            backend_version=version, messages=tuple(ctx.log), milp_solves=solves,
            model_size={"rows": cuts.count + 1, "cols": ma + n, "nnz": cuts.nnz + n + ma},
            backend=ran_on,
        )

    def stopped_bound(self, ctx: Context) -> float | None:
        """None: a stopped run already reports its own bound, at least sum_i w_i d_i,min and
        usually the Lagrangian or LP one. The instance bound (a second Lagrangian over all
        pairs) is no stronger, and at n = 5,934 its 35M pairs took 0.8 GB and ran on past the
        time limit until the harness killed the run, bound and all."""
        return None

    def _lp_backend(self, ctx: Context) -> Backend:
        """The phase-1 LP loop runs where the backend layer says LP loops run best."""
        lp = lp_backend(ctx.backend)
        if lp is not ctx.backend:
            ctx.note(f"benders: LP phase on {lp.name}, integer phase on {ctx.backend.name}")
        return lp

    #: the tree's settings: SCIP's primal heuristics only see the partial master, so their
    #: points mostly fail the exact check, while the swap-improved incumbents handed in are
    #: better (measured 10-35% faster); general cuts cost more than they gain at small p,
    #: where the bound moves by branching on y (pmed-shaped p = 5-10 trees 10-60% slower with
    #: them: pmedlike27 6.6 -> 11.0 s, pmedlike32 13.4 -> 16.6 s), see general_cuts_p_share
    #: for large p; strong branching re-solves this degenerate master for every candidate
    #: (pmed32/38/39-shaped graphs: 35/26/21 s -> 23/13/12 s with pseudocosts only); probing
    #: fixes nothing on these masters and took a quarter of the presolve-plus-root time
    #: (rl1304 p=10: 6.1 -> 1.7 s presolve)
    tree_settings = LazySettings(fractional_every=1, primal_heuristics=False,
                                 general_cuts=False, strong_branching=False, probing=False)
    #: ... SCIP's general cuts on the Benders rows, at the root and in the tree, above this
    #: share of p over the candidate sites: they close what the LP phase leaves at large p
    #: (fl1400 p=200 = 0.14 m: 18,535 -> 1,691 nodes, 205 -> 37 s; pcb3038 p=500 closed at
    #: the root, 11.7 -> 7.3 CPU s, p=300 24.7 -> 17.3; rl1304 p=100 4.1 -> 2.8; rl5934 p=700
    #: 423 -> 108 nodes), where at the root only fl1400 p=200 still took 5,717 nodes
    general_cuts_p_share = 0.05
    #: ... except above this share of p over the candidate sites, where the tree strong-branches
    #: each candidate once (reliability 1): many sites sit at y ~ 1/2 with near-equal
    #: pseudocosts, and one strong branch per candidate picks far better (pcb3038 p=500 =
    #: 0.16 m: 418 -> 78 nodes, tree 6.7 -> 3.7 CPU s; at p=400 = 0.13 m 71 -> 30 nodes but
    #: 3.8 -> 5.7 s, at p=300 and rl1304 p=10 slower too, so below the share it stays off)
    reliable_branching_p_share = 0.15

    def _tree_settings(self, p: int, ma: int) -> LazySettings:
        """The tree's settings for p of ``ma`` candidate sites."""
        settings = self.tree_settings
        if p > self.general_cuts_p_share * ma:
            settings = replace(settings, general_cuts=True)
        if p > self.reliable_branching_p_share * ma:
            settings = replace(settings, strong_branching=True, reliability=1.0)
        return settings

    def _single_tree(self, ctx: Context, data: _Data, cuts: _Cuts,
                     tree_keep: np.ndarray | None, y_lo: np.ndarray,
                     y_hi: np.ndarray, best_y: np.ndarray, ub: float, lb: float, grain: float,
                     req: np.ndarray) -> TreeResult | None:
        """One branch-and-Benders-cut tree where the backend layer offers lazy cuts (the
        run's backend, or an installed one when the caller named none: the tree beats
        iterated masters 2-10x on the hard shapes); None runs the iterated masters."""
        backend = lazy_cut_backend(ctx.backend, ctx.backend_named)
        if backend is None:
            return None
        if backend is not ctx.backend:
            ctx.note(f"benders: gap left after the LP phase; integer phase as one tree on "
                     f"{backend.name} (name a backend to keep every solve on it)")
        milp = _master_milp("tree", data, _tree_cuts(data, cuts, tree_keep, best_y), y_lo,
                            y_hi, True, grain)
        sep = _TreeSeparator(data, milp, req, ub, best_y, ctx.deadline, y_hi)
        update: dict[str, object] = {}
        left = ctx.remaining()
        if left is not None:
            update["time_limit"] = max(left, 0.01)
        options = ctx.options.model_copy(update=update) if update else ctx.options
        res = backend.solve_lazy(milp, sep, options,
                                 start=sep.full(best_y) if np.isfinite(ub) else None,
                                 settings=self._tree_settings(data.p, data.ma))
        if res.termination is Termination.INTERRUPTED:
            ctx.interrupted = True
        if res.termination is Termination.ERROR:
            # the tree failed (a solver error): keep its incumbents, and let the iterated
            # masters finish the proof in the time left
            ctx.note(f"benders: the tree on {backend.name} failed ({res.native_status}) after "
                     f"{res.seconds:.2f}s; iterated masters on {ctx.backend.name} instead")
            return TreeResult(ub=sep.ub, best_y=sep.best_y, lb=lb, infeasible=False,
                              timed_out=False, seconds=res.seconds,
                              version=res.backend_version, backend=ctx.backend.name)
        ctx.note(f"benders: one tree on {backend.name}, {res.native_status}, "
                 f"{res.seconds:.2f}s, {res.nodes} nodes, {res.cuts_added} lazy cuts, "
                 f"{res.separations} separations")
        ub, best_y = sep.ub, sep.best_y
        if res.x is not None:
            y = np.round(np.clip(milp.values(res.x, "y"), 0.0, 1.0))
            ub, best_y = _improve(data, y, req, ub, best_y, ctx.deadline)
        infeasible = res.termination in (Termination.INFEASIBLE,
                                         Termination.INFEASIBLE_OR_UNBOUNDED)
        if infeasible:
            lb = ub  # nothing below the incumbent: it is optimal (none: the request is)
        elif res.bound is not None:
            lb = max(lb, _round_up(res.bound, grain))
        return TreeResult(ub=ub, best_y=best_y, lb=lb,
                          infeasible=infeasible and not np.isfinite(ub),
                          timed_out=res.termination is Termination.TIME_LIMIT,
                          seconds=res.seconds, version=res.backend_version,
                          backend=backend.name)


class _TreeSeparator:
    """The Benders cuts as a lazy-constraint separator over the tree master's columns: a
    point is feasible iff theta_i >= d_i(y) for every client; integral points found on the
    way are improved by swaps and handed back as incumbents."""

    def __init__(self, data: _Data, milp: MilpProblem, req: np.ndarray, ub: float,
                 best_y: np.ndarray, deadline: float | None,
                 y_hi: np.ndarray | None = None) -> None:
        self.data, self.req, self.ub, self.best_y = data, req, ub, best_y
        self.live = None if y_hi is None or (y_hi > 0).all() else y_hi > 0
        self.deadline = deadline
        self.n_cols = milp.n_cols
        self.y_cols = milp.blocks["y"].start + np.arange(data.ma)
        self.t_cols = milp.blocks["theta"].start + np.arange(data.n)
        self._seen: set[tuple[int, float]] = set()

    def full(self, y: np.ndarray) -> np.ndarray:
        """The master point of an integral ``y`` with its exact costs (passes every check)."""
        x = np.zeros(self.n_cols)
        x[self.y_cols] = y
        x[self.t_cols] = self.data.separate(y)[1]
        return x

    def _violated(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y = np.clip(x[self.y_cols], 0.0, 1.0)
        level, value = self.data.separate(y)
        # looser than SCIP's row feasibility (1e-6 relative to the cut's rhs, the level), so
        # a cut the solver already holds as a row is never reported violated again
        viol = np.flatnonzero(value - x[self.t_cols] > 1e-5 * np.maximum(1.0, np.abs(level)))
        return viol, level

    def check(self, x: np.ndarray) -> bool:
        return self._violated(x)[0].size == 0

    def separate(self, x: np.ndarray, integral: bool) -> Separation:
        viol, level = self._violated(x)
        if viol.size == 0:
            return Separation(False)
        fresh = np.array([(int(i), float(level[i])) not in self._seen for i in viol],
                         dtype=bool)
        clients = viol[fresh]
        lv = level[clients]
        self._seen.update(zip(clients.tolist(), lv.tolist()))
        r, cols, vals = self.data.cut_rows(clients, lv)  # rows ascending (row-major nonzero)
        if self.live is not None:  # closed sites are zero in every point of the tree
            keep = self.live[cols]
            r, cols, vals = r[keep], cols[keep], vals[keep]
        per_row = np.bincount(r, minlength=clients.size) + 1  # + theta_i
        indptr = np.concatenate(([0], np.cumsum(per_row)))
        out_cols = np.empty(int(indptr[-1]), dtype=np.int64)
        out_vals = np.empty(int(indptr[-1]))
        head = indptr[:-1]
        out_cols[head], out_vals[head] = self.t_cols[clients], 1.0
        rest = np.ones(out_cols.size, dtype=bool)
        rest[head] = False
        out_cols[rest], out_vals[rest] = self.y_cols[cols], vals
        return Separation(True, CutRows(indptr, out_cols, out_vals, lv))

    def improve(self, x: np.ndarray) -> np.ndarray | None:
        y = x[self.y_cols]
        yi = np.round(y)
        if not np.allclose(y, yi, atol=1e-6):
            return None
        ub, best = _improve(self.data, yi, self.req, self.ub, self.best_y, self.deadline)
        if ub >= self.ub:
            return None
        self.ub, self.best_y = ub, best
        return self.full(best)


def _cut_csr(data: _Data, cuts: _Cuts, first: int, milp: MilpProblem,
             y_hi: np.ndarray) -> CutRows:
    """The cuts with row id ``first`` or later as rows over ``milp``'s columns (theta_i plus
    the y-part; closed sites left out, as in the masters)."""
    client, rhs, r, cols, vals = cuts.since(first)
    live = y_hi[cols] > 0
    r, cols, vals = r[live], cols[live], vals[live]
    order = np.argsort(r, kind="stable")
    r, cols, vals = r[order], cols[order], vals[order]
    y_cols = milp.blocks["y"].start + cols
    t_cols = milp.blocks["theta"].start + client
    per_row = np.bincount(r, minlength=client.size) + 1  # + theta_i
    indptr = np.concatenate(([0], np.cumsum(per_row))).astype(np.int64)
    out_cols = np.empty(int(indptr[-1]), dtype=np.int64)
    out_vals = np.empty(int(indptr[-1]))
    head = indptr[:-1]
    out_cols[head], out_vals[head] = t_cols, 1.0
    rest = np.ones(out_cols.size, dtype=bool)
    rest[head] = False
    out_cols[rest], out_vals[rest] = y_cols, vals
    return CutRows(indptr, out_cols, out_vals, rhs)


def _checked(instance: Instance, problem: Problem) -> PMedian:
    assert isinstance(problem, PMedian)
    check_p(instance, problem.p)
    require_reachable(instance)
    return problem


def _binding(milp: MilpProblem, x: np.ndarray) -> np.ndarray:
    """Which rows of the master's cut block bind at ``x`` (bool, in the block's order)."""
    rows = milp.row_blocks["cuts"].slice
    rhs = milp.row_lower[rows]
    return np.asarray(milp.A[rows] @ x - rhs <= 1e-6 * np.maximum(1.0, np.abs(rhs)))


def _tree_cuts(data: _Data, cuts: _Cuts, keep: np.ndarray | None,
               best_y: np.ndarray) -> _Cuts:
    """The cuts a one-tree master starts from: ``keep`` (those binding at the last master LP
    and the ones added after it) plus the incumbent's exact cuts. Slack rows only slow every
    node LP down; the tree's separator adds back any that a node needs."""
    if keep is None:
        return cuts
    out = cuts.subset(keep)
    everyone = np.arange(data.n)
    lvl, _ = data.separate(best_y)
    out.add(everyone, lvl, *data.cut_rows(everyone, lvl))
    return out


@dataclass
class TreeResult:
    """What a one-tree integer phase hands back: incumbent, proven bound, time spent."""

    ub: float
    best_y: np.ndarray
    lb: float
    #: the master with its feasibility cuts has no answer: no p sites reach everyone
    infeasible: bool
    timed_out: bool
    seconds: float
    version: str
    backend: str


def _improve(data: _Data, y: np.ndarray, req: np.ndarray, ub: float,
             best_y: np.ndarray, deadline: float | None = None) -> tuple[float, np.ndarray]:
    """Swap descent from ``y`` (exactly p open, until ``deadline``); keep it when it beats
    the incumbent."""
    open_ = y > 0.5
    if int(open_.sum()) != data.p:
        return ub, best_y
    swapped = swap_descent_sorted(data.Da, data.order, data.sorted, data.w, open_, req,
                                  deadline=deadline).astype(float)
    # with sparse reach the swaps price a lost client at data.big only: check them exactly
    cand, value = swapped, data.value(swapped)
    if not np.isfinite(value):
        cand, value = y.astype(float), data.value(y)
    if np.isfinite(value) and (not np.isfinite(ub) or value < ub - 1e-9 * max(1.0, abs(ub))):
        return value, cand
    return ub, best_y


def _lp_search(data: _Data, last_lp: tuple[float, np.ndarray, np.ndarray | None],
               req: np.ndarray, y_hi: np.ndarray, ub: float, best_y: np.ndarray, lb: float,
               grain: float, rounds: int, stall: int, deadline: float | None, seed: int,
               ) -> tuple[float, np.ndarray, int]:
    """Incumbents from the master LP answer: every third round p sites drawn with
    probabilities y_lp (randomized rounding of the LP's support), the others the incumbent
    with one to three of its sites moved to one of their eight nearest candidates; each
    followed by swap descent. Candidates are the sites no bound test has closed: by the LP
    reduced costs r_j (z + r_j above the incumbent: in no better solution) and ``y_hi``.
    Seeded, so a run without a deadline is reproducible."""
    z, y_lp, red = last_lp
    rng = np.random.default_rng(seed)
    support = np.flatnonzero((y_lp > 1e-6) & (y_hi > 0) & ~req)
    draw = data.p - int(req.sum())
    if support.size < draw or draw < 1 or not np.isfinite(ub):
        return ub, best_y, 0
    weights = y_lp[support] / y_lp[support].sum()
    done, idle = 0, 0
    target = ub
    while done < rounds and idle < stall:
        if deadline is not None and time.perf_counter() > deadline:
            break
        if lb >= ub - (0.999 * grain if grain else 1e-9 * max(1.0, abs(ub))):
            break  # the incumbent is proven
        done += 1
        free = y_hi > 0
        if red is not None:
            free &= z + red <= ub + 1e-9 * max(1.0, abs(ub))
        cand = np.zeros(data.ma, dtype=bool)
        if done % 3 == 1:
            cand[rng.choice(support, draw, replace=False, p=weights)] = True
        else:
            cand[:] = best_y > 0.5
            movable = np.flatnonzero(cand & ~req)
            for site in rng.choice(movable, min(1 + done % 3, movable.size), replace=False):
                near = data.order[site]
                near = near[free[near] & ~cand[near]][:8]
                if near.size:
                    cand[site], cand[rng.choice(near)] = False, True
        cand[req] = True
        if int(cand.sum()) != data.p:
            continue
        ub, best_y = _improve(data, cand.astype(float), req, ub, best_y, deadline)
        idle = 0 if ub < target else idle + 1
        target = ub
    return ub, best_y, done


def _cover_start(data: _Data, req: np.ndarray) -> np.ndarray | None:
    """Greedy set cover of the clients by sites within reach (required sites first), filled
    up to p by the sites reaching most clients; None when greedy needs more than p."""
    reach = data.Da < data.big
    y = req.astype(bool).copy()
    left = ~reach[:, y].any(axis=1) if y.any() else np.ones(data.n, dtype=bool)
    while left.any():
        if int(y.sum()) >= data.p:
            return None
        gain = reach[left].sum(axis=0)
        gain[y] = -1
        j = int(np.argmax(gain))
        y[j] = True
        left &= ~reach[:, j]
    fill = np.argsort(-reach.sum(axis=0), kind="stable")
    fill = fill[~y[fill]][:data.p - int(y.sum())]
    y[fill] = True
    return y.astype(float)


def _no_p_sites(ctx: Context, what: str, build: float, solve_s: float, solves: int,
                version: str, backend: str | None = None) -> Outcome:
    """The outcome when the master, with a feasibility cut per sparsely reached client, has
    no answer: no p sites reach every demand point."""
    p = getattr(ctx.problem, "p", "?")
    why = (f"no set of p = {p} sites reaches every demand point: {what} with a feasibility "
           f"cut per demand point (some site within reach open) is infeasible")
    return Outcome(status=Status.INFEASIBLE, termination=Termination.INFEASIBLE,
                   objective=None, bound=None, decision=None, build_seconds=build,
                   solve_seconds=solve_s, native_status=f"{solves} master solves, infeasible",
                   backend_version=version, messages=(why, *ctx.log), milp_solves=solves,
                   backend=backend)


def _round_up(value: float, grain: float) -> float:
    if grain > 0 and np.isfinite(value):
        return float(np.ceil(value / grain - 1e-6) * grain)
    return value


def _fix_by_reduced_cost(rho: np.ndarray, L: float, ub: float, p: int, grain: float,
                         y_lo: np.ndarray, y_hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fix sites whose flip would push the Lagrangian bound to the incumbent or beyond.

    With the p smallest rho chosen, opening a non-chosen j instead of the p-th costs
    rho_j - rho_(p); closing a chosen j for the (p+1)-th costs rho_(p+1) - rho_j.
    Only solutions strictly better than the incumbent are kept (granularity-aware).
    """
    target = ub - (0.999 * grain if grain else 1e-9 * max(1.0, abs(ub)))
    order = np.argsort(rho, kind="stable")
    chosen = np.zeros(rho.size, dtype=bool)
    chosen[order[:p]] = True
    pth, next_ = rho[order[p - 1]], rho[order[p]]
    y_lo, y_hi = y_lo.copy(), y_hi.copy()
    y_hi[~chosen & (L + rho - pth > target)] = 0.0
    y_lo[chosen & (L + next_ - rho > target)] = 1.0
    return y_lo, y_hi


def _fix_by_lp_reduced_cost(z: float, y: np.ndarray, r: np.ndarray, ub: float, grain: float,
                            y_lo: np.ndarray, y_hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Classic LP reduced-cost fixing on the master: moving y_j off its bound costs |r_j|."""
    target = ub - (0.999 * grain if grain else 1e-9 * max(1.0, abs(ub)))
    y_lo, y_hi = y_lo.copy(), y_hi.copy()
    y_hi[(y <= 1e-9) & (z + r > target)] = 0.0
    y_lo[(y >= 1 - 1e-9) & (z - r > target)] = 1.0
    return y_lo, np.maximum(y_hi, y_lo)


def _master_milp(name: str, data: _Data, cuts: _Cuts, y_lo: np.ndarray, y_hi: np.ndarray,
                 integer: bool, grain: float, cutoff: float | None = None) -> MilpProblem:
    """min sum w_i theta_i  s.t. the cuts, sum y = p, y in [lo, hi] (binary if ``integer``),
    and sum w_i theta_i <= ``cutoff`` when given."""
    b = MilpBuilder("min", name=f"{name}-pmedian-benders-master")
    y = b.add_vars("y", data.ma, lower=y_lo, upper=y_hi, integer=integer)
    th = b.add_vars("theta", data.n, lower=data.lower, cost=data.w)
    client = np.concatenate(cuts.client)
    rows = np.concatenate(cuts.rows)
    cols = np.concatenate(cuts.cols)
    vals = np.concatenate(cuts.vals)
    # a site closed by a bound test contributes nothing: at small p a cut spans a fifth of
    # the sites, and dropping the closed ones halves the master (rl1304 p=10: 757 closed)
    live = y_hi[cols] > 0
    if not live.all():
        rows, cols, vals = rows[live], cols[live], vals[live]
    b.add_rows("cuts", cuts.count,
               np.concatenate((np.arange(cuts.count), rows)),
               np.concatenate((th.start + client, y.start + cols)),
               np.concatenate((np.ones(cuts.count), vals)),
               lower=np.concatenate(cuts.rhs))
    b.add_rows("cardinality", 1, np.zeros(data.ma, np.int64), y.start + np.arange(data.ma), 1.0,
               lower=float(data.p), upper=float(data.p))
    if data.n_reach:
        b.add_rows("reach", data.n_reach, data.reach_rows, y.start + data.reach_cols, 1.0,
                   lower=1.0)
    if cutoff is not None:
        b.add_rows("cutoff", 1, np.zeros(data.n, np.int64), th.start + np.arange(data.n), data.w,
                   upper=float(cutoff))
    return b.build(objective_granularity=grain if integer else 0.0)
