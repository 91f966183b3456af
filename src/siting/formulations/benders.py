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
meets the incumbent; on the SCIP backend one tree with lazy cuts instead (benders_scip.py).
More in docs/performance.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..backends import available_backends, get_backend
from ..backends.base import Backend
from ..decision import Decision
from ..heuristics import greedy_swap_median
from ..heuristics.median import _best_swap
from ..instance import Instance
from ..milp import MilpBuilder, MilpProblem
from ..problems import PMedian
from ..solution import Status, Termination
from .base import Context, Formulation, Outcome
from .p_median import _granularity, _prepare

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
        self._seen: set[tuple[int, float]] = set()

    def add(self, client: np.ndarray, level: np.ndarray, rows: np.ndarray, cols: np.ndarray,
            vals: np.ndarray) -> int:
        """Add cuts (local row ids index ``client``/``level``); skip exact duplicates."""
        if client.size == 0:
            return 0
        fresh = np.array([(int(c), float(v)) not in self._seen for c, v in zip(client, level)],
                         dtype=bool)
        if not fresh.any():
            return 0
        keep_rows = np.flatnonzero(fresh)
        remap = np.full(client.size, -1, dtype=np.int64)
        remap[keep_rows] = np.arange(keep_rows.size) + self.count
        sel = fresh[rows]
        self._seen.update(zip(client[fresh].tolist(), level[fresh].tolist()))
        self.client.append(client[fresh])
        self.rhs.append(level[fresh])
        self.rows.append(remap[rows[sel]])
        self.cols.append(cols[sel])
        self.vals.append(vals[sel])
        self.count += int(keep_rows.size)
        self.nnz += int(sel.sum())
        return int(keep_rows.size)

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
        Da = D[:, self.allowed]
        finite = np.isfinite(Da)
        # an unreachable pair is priced above any finite solution so it is never chosen
        self.big = float(np.max(Da[finite]) * max(instance.n_sites, 2) + 1.0) if finite.any() else 1.0
        Da = np.where(finite, Da, self.big)
        self.order = np.argsort(Da, axis=1, kind="stable")
        self.sorted = np.take_along_axis(Da, self.order, axis=1)
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
        """
        order = self.order if clients is None else self.order[clients]
        Ds = self.sorted if clients is None else self.sorted[clients]
        ys = y[order]
        cum = np.cumsum(ys, axis=1)
        pos = np.argmax(cum >= 1.0 - 1e-9, axis=1)
        pos = np.where(cum[:, -1] >= 1.0 - 1e-9, pos, Ds.shape[1] - 1)
        level = Ds[np.arange(Ds.shape[0]), pos]
        gain = np.maximum(level[:, None] - Ds, 0.0) * ys
        return level, level - gain.sum(axis=1)

    def cut_rows(self, clients: np.ndarray, level: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """COO of the y-part of the cuts (client, radius): local rows, allowed-site cols, coeffs."""
        Ds = self.sorted[clients]
        mask = Ds < level[:, None]
        r, k = np.nonzero(mask)
        cols = self.order[clients[r], k]
        vals = level[r] - Ds[r, k]
        return r, cols, vals

    def snap(self, clients: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sorted distances just below and at/above ``radius`` (both yield valid cuts)."""
        Ds = self.sorted[clients]
        k = (Ds < radius[:, None]).sum(axis=1)  # rows are sorted: searchsorted(side="left")
        hi = Ds[np.arange(clients.size), np.minimum(k, self.ma - 1)]
        lo = Ds[np.arange(clients.size), np.maximum(k - 1, 0)]
        return lo, hi


def _lagrangian(data: _Data, ub: float, iters: int, deadline: float | None,
                ) -> tuple[float, np.ndarray, list[np.ndarray]]:
    """Subgradient on the relaxed assignment rows: bound, best rho (per site) and u history.

    L(u) = sum_i u_i + sum of the p smallest rho_j, rho_j = sum_i min(0, w_i d_ij - u_i).
    Its optimum equals the LP bound (integrality property); here it is only a warm start.
    """
    w, Da, p = data.w, data.Da, data.p
    u = w * data.sorted[:, min(1, data.ma - 1)]
    best, best_rho = -np.inf, np.zeros(data.ma)
    history: list[np.ndarray] = []
    lam, stall = 2.0, 0
    wD = w[:, None] * Da
    for it in range(iters):
        if deadline is not None and time.perf_counter() > deadline:
            break
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
        g = 1.0 - (red[:, chosen] < 0).sum(axis=1)
        norm = float(g @ g)
        if norm == 0:
            break
        u = np.maximum(u + lam * (ub - L) / norm * g, 0.0)
    return best, best_rho, history[-8:]


class PMedianBenders(Formulation):
    """Branch-and-Benders-cut style p-median: closed-form cuts on a (y, theta) master."""

    kind = "p-median"
    name = "benders"
    summary = ("Benders decomposition (Duran-Mateluna, Alès & Elloumi 2023): closed-form cuts "
               "separated per client, LP cut loop, then iterated master MILPs")
    doc = "models/p-median.md#benders"

    max_lp_rounds = 200
    lagrangian_iters = 300
    #: phase 2 masters carry the row sum w theta <= incumbent - grain (integral objectives)
    cutoff_row = True

    def run(self, ctx: Context) -> Outcome:
        t0 = time.perf_counter()
        inst = ctx.instance
        pm = _prepare(inst, ctx.problem)
        data = _Data(inst, pm)
        grain = _granularity(inst)
        n, ma, w = data.n, data.ma, data.w
        req = inst.required[data.allowed]  # type: ignore[index]

        # phase 0: incumbent and Lagrangian warm start
        open_full = greedy_swap_median(inst.dense_cost(), w, pm.p, inst.required, inst.forbidden,
                                       deadline=ctx.deadline)
        best_y = open_full[data.allowed].astype(float)
        _, th = data.separate(best_y)
        ub = float(w @ th)
        lag_deadline = None if ctx.deadline is None else min(
            ctx.deadline, time.perf_counter() + 0.2 * (ctx.remaining() or 0.0))
        lag_bound, rho, history = _lagrangian(data, ub, self.lagrangian_iters, lag_deadline)
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
        for u in history:
            radius = np.where(w > 0, u / np.maximum(w, 1e-300), data.lower)
            lo_l, hi_l = data.snap(everyone, radius)
            for lv in (lo_l, hi_l):
                cuts.add(everyone, lv, *data.cut_rows(everyone, lv))
        build = time.perf_counter() - t0
        solves = 0
        solve_s = 0.0
        version = ""

        lp_solver = self._lp_backend(ctx)

        def master(integer: bool, start: np.ndarray | None = None,  # type: ignore[no-untyped-def]
                   cutoff: float | None = None):
            nonlocal solves, solve_s, version
            milp = _master_milp(inst.name, data, cuts, y_lo, y_hi, integer, grain, cutoff)
            sol = ctx.solve(milp, start=start, backend=None if integer else lp_solver)
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
        last_master = None  # the last master LP and its answer: which cuts bind
        for rnd in range(self.max_lp_rounds):
            if ctx.out_of_time():
                timed_out = True
                break
            milp, sol = master(integer=False)
            if sol.x is None:
                timed_out = sol.termination is Termination.TIME_LIMIT
                break
            y_lp = np.clip(milp.values(sol.x, "y"), 0.0, 1.0)
            th_lp = milp.values(sol.x, "theta")
            lp_value = float(sol.objective)  # type: ignore[arg-type]
            lb = max(lb, _round_up(lp_value, grain))
            last_lp = (lp_value, y_lp, milp.values(sol.reduced_costs, "y")
                       if sol.reduced_costs is not None else None)
            last_master = (milp, sol.x)
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
                added += cuts.add(who, lvl[who], *data.cut_rows(who, lvl[who]))
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
            ub, best_y = _improve(data, cand, req, ub, best_y)
        if last_lp is not None and last_lp[2] is not None:
            y_lo, y_hi = _fix_by_lp_reduced_cost(*last_lp, ub, grain, y_lo, y_hi)  # type: ignore[arg-type]
            ctx.note(f"benders: LP reduced costs fix {int((y_hi == 0).sum())} closed / "
                     f"{int((y_lo == 1).sum())} open")

        # phase 2: iterated master MILPs, each integral answer separated exactly
        def closed() -> bool:
            return lb >= ub - (0.999 * grain if grain else 1e-9 * max(1.0, abs(ub)))

        tree = None if closed() or timed_out else self._single_tree(
            ctx, data, cuts, last_master, y_lo, y_hi, best_y, ub, lb, grain, req)
        ran_on = None
        if tree is not None:
            ran_on = "scip"
            ub, best_y, lb, timed_out = tree.ub, tree.best_y, tree.lb, tree.timed_out
            solves += 1
            solve_s += tree.seconds
            version = tree.version

        # iterated masters (also finish a tree that stopped short of the proof in time)
        while not closed() and not timed_out:
            if ctx.out_of_time():
                timed_out = True
                break
            # with an integral objective only answers at least one grain below the incumbent
            # matter: the master gets that as a row, and an infeasible master proves the
            # incumbent (the incumbent itself no longer fits, so it is no start)
            cutoff = ub - grain if self.cutoff_row and grain > 0 else None
            start = None if cutoff is not None else np.concatenate(
                (best_y, data.separate(best_y)[1]))
            milp, sol = master(integer=True, start=start, cutoff=cutoff)
            if cutoff is not None and sol.termination in (
                    Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED):  # never unbounded
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
            ub, best_y = _improve(data, y_int, req, ub, best_y)
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

    def _lp_backend(self, ctx: Context) -> Backend:
        """The solver of the phase-1 master LPs. On SCIP the LP cut loop runs on HiGHS when it
        is installed: its simplex re-solves these masters 10-30x faster than SoPlex (measured:
        0.07 s vs 2.1 s on a 2,458-row master); the tree, which needs SCIP's constraint
        handler, stays on SCIP."""
        if ctx.backend.name != "scip" or "highs" not in available_backends():
            return ctx.backend
        ctx.note("benders: LP phase on HiGHS, integer phase on SCIP")
        return get_backend("highs")

    def _single_tree(self, ctx: Context, data: _Data, cuts: _Cuts,
                     last_master: tuple[MilpProblem, np.ndarray] | None, y_lo: np.ndarray,
                     y_hi: np.ndarray, best_y: np.ndarray, ub: float, lb: float, grain: float,
                     req: np.ndarray) -> TreeResult | None:
        """One tree with lazy cuts on SCIP: when SCIP is the backend, or when the caller named
        no backend and SCIP is installed (the tree beats iterated masters 2-10x on the hard
        shapes); None runs the iterated masters."""
        if ctx.backend.name != "scip" and (ctx.backend_named
                                           or "scip" not in available_backends()):
            return None
        if ctx.backend.name != "scip":
            ctx.note("benders: gap left after the LP phase; integer phase as one tree on SCIP "
                     "(name a backend to keep every solve on it)")
        from .benders_scip import scip_tree  # SCIP-only: its constraint handler adds the cuts

        return scip_tree(ctx, data, _tree_cuts(data, cuts, last_master, best_y), y_lo, y_hi,
                         best_y, ub, lb, grain, req)


def _tree_cuts(data: _Data, cuts: _Cuts, last_master: tuple[MilpProblem, np.ndarray] | None,
               best_y: np.ndarray) -> _Cuts:
    """The cuts a one-tree master starts from: those binding at the last master LP plus the
    incumbent's exact cuts. Slack rows only slow every node LP down; the tree's separator
    adds back any that a node needs."""
    if last_master is None:
        return cuts
    milp, x = last_master
    rows = milp.row_blocks["cuts"].slice
    rhs = milp.row_lower[rows]
    binding = milp.A[rows] @ x - rhs <= 1e-6 * np.maximum(1.0, np.abs(rhs))
    keep = np.ones(cuts.count, dtype=bool)  # cuts added after that LP stay
    keep[:binding.size] = binding
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
    timed_out: bool
    seconds: float
    version: str


def _improve(data: _Data, y: np.ndarray, req: np.ndarray, ub: float,
             best_y: np.ndarray) -> tuple[float, np.ndarray]:
    """Swap descent from ``y`` (exactly p open); keep it when it beats the incumbent."""
    open_ = y > 0.5
    if int(open_.sum()) != data.p:
        return ub, best_y
    allowed = np.ones(data.ma, dtype=bool)
    for _ in range(1000):
        move = _best_swap(data.Da, data.w, open_, allowed, req)
        if move is None:
            break
        open_[move[0]], open_[move[1]] = False, True
    cand = open_.astype(float)
    value = float(data.w @ data.separate(cand)[1])
    if value < ub - 1e-9 * max(1.0, abs(ub)):
        return value, cand
    return ub, best_y


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
    b.add_rows("cuts", cuts.count,
               np.concatenate((np.arange(cuts.count), rows)),
               np.concatenate((th.start + client, y.start + np.concatenate(cuts.cols))),
               np.concatenate((np.ones(cuts.count), np.concatenate(cuts.vals))),
               lower=np.concatenate(cuts.rhs))
    b.add_rows("cardinality", 1, np.zeros(data.ma, np.int64), y.start + np.arange(data.ma), 1.0,
               lower=float(data.p), upper=float(data.p))
    if cutoff is not None:
        b.add_rows("cutoff", 1, np.zeros(data.n, np.int64), th.start + np.arange(data.n), data.w,
                   upper=float(cutoff))
    return b.build(objective_granularity=grain if integer else 0.0)
