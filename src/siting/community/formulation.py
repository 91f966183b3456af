"""The community model as ONE solver-neutral MilpProblem (notation of models/community.md).

Columns: y_j (site used), m_js (new modules), h_js (service present), z_isk (tier coverage,
uncapacitated services), u_ijs (allocations, capacitated services), t (equity level).
Everything is assembled from index arrays; no per-variable Python objects.

The lexicographic stages share this one matrix: ``CommunityModel.stage`` returns a copy with
another objective and one tightened bound (the ``lex`` row or the bound of ``t``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import numpy as np

from ..milp import Block, MilpBuilder, MilpProblem, Sense
from .instance import CommunityInstance
from .spec import CommunityProblem, Objective, Target
from .viability import add_viability

INF = np.inf


@dataclass(frozen=True, eq=False)
class CreditTerms:
    """Credited persons of service s as a sparse linear expression: Σ coef·x[col] per block."""

    col: np.ndarray
    block: np.ndarray
    coef: np.ndarray
    site: np.ndarray | None = None   # allocations u_ijs: the site j of each column
    group: np.ndarray | None = None  # (n,) aggregated demand group of each block (-1: none)
    group_weight: np.ndarray | None = None  # (groups,) population of each group
    service: int = 0


@dataclass(frozen=True, eq=False)
class Lexicographic:
    """The weighted objective F = K·(coverage / g) − cost / δ on the model's matrix."""

    milp: MilpProblem
    weight: int     # K: one coverage grain is worth more than every cost step a plan can have
    grain: float    # g
    step: float     # δ

    def coverage_bound(self, bound: float) -> float:
        """A proven bound U on F bounds the coverage: K·a − b ≤ U with 0 ≤ b ≤ K − 1 gives
        a ≤ ⌊(U + K − 1) / K⌋."""
        K = self.weight
        return float(np.floor((bound + K - 1) / K + 1e-9)) * self.grain

    def value(self, coverage: float, cost: float) -> float:
        """F of a plan from its (verified) coverage and cost."""
        return self.weight * round(coverage / self.grain) - round(cost / self.step)


@dataclass(frozen=True, eq=False)
class CommunityModel:
    milp: MilpProblem
    pair_j: np.ndarray        # (P,) site of each (j, s) host pair
    pair_s: np.ndarray        # (P,) service
    h_index: np.ndarray       # (m, S) local pair index or -1
    coverage: np.ndarray      # objective vector Σ_s β_s credited persons
    cost: np.ndarray          # objective vector Σ f_j y_j + Σ g_s m_js
    credits: tuple[CreditTerms, ...]
    lex_row: int | None
    budget_row: int | None
    t_col: int | None
    #: step of the coverage objective over plans (0: unknown, e.g. capacitated services)
    coverage_grain: float = 0.0
    #: step of the total cost over plans (gcd of integral costs; 0: unknown)
    cost_step: float = 0.0

    def block(self, name: str) -> Block:
        return self.milp.blocks[name]

    def stage(self, objective: Objective, *, coverage_at_least: float | None = None,
              equity_at_least: float | None = None) -> MilpProblem:
        """The MILP with ``objective`` in {'coverage', 'cost', 'equity'} and lex bounds set."""
        p = self.milp
        granular = objective == "cost" or (
            objective == "coverage" and all(t.site is None for t in self.credits))
        sense: Sense
        if objective == "coverage":
            c, sense = self.coverage, "max"
        elif objective == "cost":
            c, sense = self.cost, "min"
        else:
            # numpy reads a None index as "all": the equity column must exist
            assert self.t_col is not None, "the model was built without the equity column"
            c = np.zeros(p.n_cols)
            c[self.t_col] = 1.0
            sense = "max"
        row_lower, col_lower = p.row_lower, p.col_lower
        if coverage_at_least is not None:
            assert self.lex_row is not None, "the model was built without the coverage row"
            row_lower = row_lower.copy()
            row_lower[self.lex_row] = coverage_at_least
        if equity_at_least is not None:
            assert self.t_col is not None, "the model was built without the equity column"
            col_lower = col_lower.copy()
            col_lower[self.t_col] = equity_at_least
        return replace(p, c=c, sense=sense, row_lower=row_lower, col_lower=col_lower,
                       objective_granularity=(self.coverage_grain if objective == "coverage"
                                              else _granularity(c)) if granular else 0.0)

    def lexicographic(self) -> Lexicographic | None:
        """'Max coverage, then min cost' as ONE exact objective, or None when no exact scaling
        is known (capacitated services, non-integral costs, numbers too large for doubles).

        With coverage a·g (a integral: g = ``coverage_grain``) and cost b·δ (b integral in
        [0, K−1]: δ = ``cost_step``, K − 1 = ⌊cost ceiling / δ⌋), F = K·a − b orders plans
        exactly lexicographically: one grain of coverage outweighs every possible cost
        difference. F is integral at every optimum (the tier variables then sit at 0 or 1), so
        an absolute gap below 1 with no relative gap proves both orders at once.
        """
        g, step = self.coverage_grain, self.cost_step
        if g <= 0 or step <= 0 or np.any(self.cost < 0) or np.any(self.coverage < 0):
            return None
        p = self.milp
        ceiling = INF if self.budget_row is None else float(p.row_upper[self.budget_row])
        if not np.isfinite(ceiling):
            ceiling = float(self.cost @ p.col_upper)
        if not np.isfinite(ceiling):
            return None
        K = int(np.floor(ceiling / step + 1e-9)) + 1
        a_max = float(self.coverage @ p.col_upper) / g
        if not np.isfinite(a_max) or K * (a_max + 1.0) > 2.0**50:
            return None
        c = K * np.round(self.coverage / g) - np.round(self.cost / step)
        milp = replace(p, c=c, sense="max", objective_granularity=1.0)
        return Lexicographic(milp=milp, weight=K, grain=g, step=step)

    def lift(self, x: np.ndarray) -> np.ndarray:
        """``x`` with integer columns rounded and every tier variable at its best value
        min(1, Σ h) given the plan: the MILP value of a plan then equals the verifier's."""
        x = x.copy()
        ints = self.milp.integrality
        x[ints] = np.round(x[ints])
        for col, rows in self._tier_rows:
            x[col] = 0.0
            x[col] = np.clip(-(rows @ x), 0.0, 1.0)
        return x

    @cached_property
    def _tier_rows(self) -> list[tuple[np.ndarray, Any]]:
        """(tier columns, their rows of A) per uncapacitated service (for ``lift``)."""
        out = []
        for terms in self.credits:
            if terms.site is None and terms.col.size:
                rows = self.milp.row_blocks[f"tier_{terms.service}"]
                # merged tier variables (``merge_tiers``) share a column: one row each
                cols, first = np.unique(terms.col, return_index=True)
                out.append((cols, self.milp.A[rows.start + first]))
        return out

    def with_sites(self, lock: np.ndarray, forbid: np.ndarray) -> CommunityModel:
        """Sites ``lock`` (bool per site) forced open and ``forbid`` closed, by bounds of y."""
        y = self.block("y").slice
        lo, hi = self.milp.col_lower.copy(), self.milp.col_upper.copy()
        lo[y] = np.where(lock, 1.0, lo[y])
        hi[y] = np.where(lock, 1.0, np.where(forbid, 0.0, hi[y]))
        return replace(self, milp=replace(self.milp, col_lower=lo, col_upper=hi))

    def with_weights(self, weights: np.ndarray) -> CommunityModel:
        """Service weights β (one per service): a new coverage vector, lex row and grain."""
        import scipy.sparse as sp

        cov = np.zeros(self.milp.n_cols)
        for terms in self.credits:
            np.add.at(cov, terms.col, float(weights[terms.service]) * terms.coef)
        A = self.milp.A
        if self.lex_row is not None:
            r, nz = self.lex_row, np.flatnonzero(cov)
            row = sp.csr_array((cov[nz], (np.zeros(nz.size, dtype=np.int64), nz)),
                               shape=(1, A.shape[1]))
            A = sp.csr_array(sp.vstack([A[:r], row, A[r + 1:]], format="csr"))
        grain = _granularity(cov) if all(t.site is None for t in self.credits) else 0.0
        return replace(self, milp=replace(self.milp, A=A), coverage=cov, coverage_grain=grain)

    def with_targets(self, inst: CommunityInstance, targets: dict[str, Target],
                     names: tuple[str, ...]) -> CommunityModel:
        """Targets by the lower bounds of the rows an ``editable`` model keeps for them."""
        rb = self.milp.row_blocks
        lower = self.milp.row_lower.copy()
        for name in names:
            target = targets.get(name, Target())
            overall, district = rb.get(f"target_{name}"), rb.get(f"target_{name}_district")
            if overall is None and district is None:
                if targets.get(name) is not None and target != Target():
                    raise ValueError("the model was built without editable target rows")
                continue
            if overall is not None:
                lower[overall.start] = target.overall or 0.0
            if district is not None:
                shares = _district_shares(inst, target.district, target.districts)
                lower[district.slice] = shares[district.index[0]]
        return replace(self, milp=replace(self.milp, row_lower=lower))

    def with_budget(self, budget: float | None) -> CommunityModel:
        if self.budget_row is None:
            raise ValueError("the model was built without a budget row")
        upper = self.milp.row_upper.copy()
        upper[self.budget_row] = INF if budget is None else budget
        return replace(self, milp=replace(self.milp, row_upper=upper))


def build_model(inst: CommunityInstance, problem: CommunityProblem, *,
                budget_row: bool | None = None, editable: bool = False,
                merge: bool = True) -> CommunityModel:
    """Assemble the model. ``budget_row=True`` keeps a budget row even without a budget (frontier).

    ``editable=True`` (sessions) also keeps a budget row, and a target row for every service
    (overall) and every district with population, inactive at share 0, so budget and targets
    change by row bounds alone (``with_targets``); the feasible set is the same.
    ``merge=False`` skips the exact tier reduction ``merge_tiers`` (for tests comparing both).
    """
    budget_row = budget_row or editable
    m, S = inst.n_sites, inst.n_services
    services = problem.services
    b = MilpBuilder("max", name=f"community-{problem.objective}")
    existing_site = inst.existing_site

    # --- site and module columns ------------------------------------------------------------
    host = (inst.allowed & ~inst.forbidden[:, None]) | (inst.existing > 0)
    a = np.array([s.module_area for s in services])
    g = np.array([s.module_cost for s in services])
    hostable = hostable_pairs(inst, problem, a, host)
    # new sites that can host nothing the rules accept stay closed (forced ones are left to the
    # solver, which then reports the plan infeasible and diagnose explains why)
    dead = ~existing_site & ~inst.forced & ~hostable.any(axis=1)
    y_lo = (existing_site | inst.forced).astype(float)
    y_hi = np.where(inst.forbidden | dead, 0.0, 1.0)
    y = b.add_vars("y", m, lower=y_lo, upper=y_hi, integer=True)
    pj, ps = np.nonzero(host)
    P = pj.size
    h_index = np.full((m, S), -1, dtype=np.int64)
    h_index[pj, ps] = np.arange(P)
    e = inst.existing[pj, ps].astype(float)
    M = inst.max_new[pj, ps].astype(float)
    mod = b.add_vars("m", P, lower=0.0, upper=M, integer=True, index=(pj, ps))
    h = b.add_vars("h", P, lower=(e > 0).astype(float), upper=1.0, integer=True, index=(pj, ps))
    ar = np.arange(P)

    # floor area: Σ_s a_s m_js ≤ A_j y_j
    used = np.unique(pj)
    row_of = np.full(m, -1, dtype=np.int64)
    row_of[used] = np.arange(used.size)
    b.add_rows("area", used.size, np.concatenate([row_of[pj], np.arange(used.size)]),
               np.concatenate([mod.start + ar, y.start + used]),
               np.concatenate([a[ps], -inst.area[used]]), upper=0.0, index=(used,))
    # m_js ≤ M_js h_js ;  h_js ≤ y_j ;  h_js ≤ e_js + m_js
    b.add_rows("modules_need_service", P, np.r_[ar, ar], np.r_[mod.start + ar, h.start + ar],
               np.r_[np.ones(P), -M], upper=0.0)
    b.add_rows("service_needs_site", P, np.r_[ar, ar], np.r_[h.start + ar, y.start + pj],
               np.r_[np.ones(P), -np.ones(P)], upper=0.0)
    b.add_rows("service_needs_module", P, np.r_[ar, ar], np.r_[h.start + ar, mod.start + ar],
               np.r_[np.ones(P), -np.ones(P)], upper=e)

    # --- coverage: z (uncapacitated) or u (capacitated) ---------------------------------------
    credits: list[CreditTerms] = []
    for s, svc in enumerate(services):
        pr = inst.pairs[s]
        w = inst.population[:, s]
        keep = (w[pr.i] > 0) & hostable[pr.j, s]
        pi, pjs, pdist = pr.i[keep], pr.j[keep], pr.d[keep]
        radii = np.array([t.radius for t in svc.tiers])
        cred = np.array([t.credit for t in svc.tiers])
        tier = np.searchsorted(radii, pdist, side="left")  # first tier whose radius ≥ d
        group, rep, gw, gi, gj, gt = _aggregate(inst, pi, pjs, tier, w, radii.size)
        if svc.capacity is None:
            terms = _tiered(b, s, rep.size, gi, gj, gt, cred, gw, h, h_index)
        else:
            terms = _allocated(b, s, gi, gj, gt, cred, gw, svc.capacity, mod, h_index,
                               inst.existing[:, s])
        credits.append(replace(terms, block=rep[terms.block], group=group, group_weight=gw,
                               service=s))
    # --- operator viability: closest-assignment users, thresholds, subsidy (viability.py) -----
    add_viability(b, inst, problem, hostable, h, mod, h_index, credits)
    t_col = b.add_vars("t", 1, lower=0.0, upper=1.0).start if problem.objective == "equity" \
        else None

    # --- objective vectors ------------------------------------------------------------------
    cov = np.zeros(b._n)
    for s, terms in enumerate(credits):
        np.add.at(cov, terms.col, services[s].weight * terms.coef)
    cost = np.zeros(b._n)
    cost[y.slice] = inst.opening_cost
    cost[mod.slice] = g[ps]

    # --- budget -------------------------------------------------------------------------------
    b_row = None
    if problem.budget is not None or budget_row:
        nz = np.flatnonzero(cost)
        blk = b.add_rows("budget", 1, np.zeros(nz.size), nz, cost[nz],
                         upper=INF if problem.budget is None else problem.budget)
        b_row = blk.start

    # --- 2024 guide rules on newly opened sites ----------------------------------------------
    rules = problem.rules
    new_pairs = ~existing_site[pj]
    new_sites = np.flatnonzero(~existing_site & ~inst.forbidden)
    if rules.new_site_min_services > 0:
        _count_rows(b, "rule_min_services", m, new_sites, pj, new_pairs, h, y,
                    rules.new_site_min_services)
    if rules.new_site_min_core > 0:
        core = np.isin(np.array([s.name for s in services]), problem.core_names)
        _count_rows(b, "rule_min_core", m, new_sites, pj, new_pairs & core[ps], h, y,
                    rules.new_site_min_core)
    if rules.complex_min_area > 0:
        small = new_sites[inst.area[new_sites] < rules.complex_min_area]
        sel = np.isin(pj, small)
        loc = np.searchsorted(small, pj[sel])
        # Σ_s h_js ≤ (K_c − 1)·y_j: the same integer points (h ≤ y), a tighter LP
        kc = float(rules.complex_min_services - 1)
        b.add_rows("rule_complex_area", small.size, np.r_[loc, np.arange(small.size)],
                   np.r_[h.start + ar[sel], y.start + small],
                   np.r_[np.ones(loc.size), np.full(small.size, -kc)], upper=0.0,
                   index=(small,))
    if rules.space_per_100_households > 0 and inst.households is not None:
        G = inst.n_districts
        need = rules.space_per_100_households * np.bincount(
            inst.district, weights=inst.households, minlength=G) / 100.0
        have = np.bincount(inst.site_district[pj], weights=a[ps] * e, minlength=G)
        gs = np.flatnonzero(need - have > 1e-9)
        loc = np.full(G, -1)
        loc[gs] = np.arange(gs.size)
        sel = loc[inst.site_district[pj]] >= 0
        b.add_rows("rule_space", gs.size, loc[inst.site_district[pj][sel]], mod.start + ar[sel],
                   a[ps][sel], lower=(need - have)[gs], index=(gs,))

    # --- targets ------------------------------------------------------------------------------
    names = [s.name for s in services]
    wanted = problem.targets if not editable else {
        n: problem.targets.get(n, Target()) for n in names}
    for sname, target in wanted.items():
        s = names.index(sname)
        terms, w = credits[s], inst.population[:, s]
        if (target.overall is not None or editable) and w.sum() > 0:
            b.add_rows(f"target_{sname}", 1, np.zeros(terms.col.size), terms.col,
                       terms.coef / w.sum(), lower=target.overall or 0.0)
        shares = _district_shares(inst, target.district, target.districts)
        W = np.bincount(inst.district, weights=w, minlength=inst.n_districts)
        gs = np.flatnonzero(((shares > 0) | editable) & (W > 0))
        if gs.size:
            _district_rows(b, f"target_{sname}_district", inst, terms, W, gs, shares[gs])

    # --- equity -------------------------------------------------------------------------------
    if t_col is not None:
        eq_names = problem.equity_services or tuple(names)
        for sname in eq_names:
            s = names.index(sname)
            W = np.bincount(inst.district, weights=inst.population[:, s],
                            minlength=inst.n_districts)
            gs = np.flatnonzero(W > 0)
            if gs.size:
                _district_rows(b, f"equity_{sname}", inst, credits[s], W, gs,
                               np.zeros(gs.size), t_col=t_col)

    # --- lexicographic row (coverage ≥ C*), inactive until stage 2 ----------------------------
    lex_row = None
    if problem.objective == "coverage":
        nz = np.flatnonzero(cov)
        lex_row = b.add_rows("lex_coverage", 1, np.zeros(nz.size), nz, cov[nz]).start

    milp = b.build()
    model = CommunityModel(milp=milp, pair_j=pj, pair_s=ps, h_index=h_index, coverage=cov,
                           cost=cost, credits=tuple(credits),
                           lex_row=lex_row, budget_row=b_row, t_col=t_col,
                           coverage_grain=_granularity(cov) if all(
                               t.site is None for t in credits) else 0.0,
                           cost_step=_granularity(cost))
    return merge_tiers(model, inst) if merge else model


def merge_tiers(model: CommunityModel, inst: CommunityInstance) -> CommunityModel:
    """An exact reduction before the solver (issue 18: presolve had this to find each solve).

    A tier variable whose row holds a module that already operates (h fixed at 1) is fixed at
    1; tier variables of one service and one district whose rows name the same set of h are
    merged into one (the first), with the others' coefficients summed onto it and the others
    fixed at 0. Exact for every objective and target: each such variable is capped only by
    min(1, Σ h) of its row, and everywhere else "more is better" (checked: ≥ rows with
    positive, ≤ rows with negative coefficients, the objective vectors non-negative), so raising
    the merged ones to the largest value loses nothing. Districts are kept apart so district
    targets and equity rows stay exact. No merge when the check fails.
    """
    import scipy.sparse as sp

    p = model.milp
    tiered = [t for t in model.credits if t.site is None and t.col.size]
    if not tiered:
        return model
    A = sp.csr_array(p.A)
    is_tier = np.zeros(p.n_rows, dtype=bool)
    is_z = np.zeros(p.n_cols, dtype=bool)
    for t in tiered:
        blk = p.row_blocks[f"tier_{t.service}"]
        is_tier[blk.start:blk.start + blk.size] = True
        is_z[t.col] = True
    coo = A.tocoo()
    r, c, v = coo.row, coo.col, coo.data
    other = is_z[c] & ~is_tier[r]
    helps = ((v > 0) & ~np.isfinite(p.row_upper[r])) | ((v < 0) & ~np.isfinite(p.row_lower[r]))
    if not helps[other].all() or (model.coverage[is_z] < 0).any() or (model.cost[is_z] != 0).any():
        return model
    lower, upper = p.col_lower.copy(), p.col_upper.copy()
    target = np.arange(p.n_cols)
    rng = np.random.default_rng(2718)
    r1 = rng.integers(1, 2**63 - 1, size=p.n_cols, dtype=np.int64).astype(np.uint64)
    r2 = rng.integers(1, 2**63 - 1, size=p.n_cols, dtype=np.int64).astype(np.uint64)
    for t in tiered:
        blk = p.row_blocks[f"tier_{t.service}"]
        sub = sp.csr_array(A[blk.start:blk.start + blk.size]).tocoo()
        rows, cols, vals = sub.row, sub.col, sub.data
        hs = vals < 0
        n = blk.size
        zcol = np.zeros(n, dtype=np.int64)
        zcol[rows[~hs]] = cols[~hs]       # one z (+1) per tier row
        fixed = np.zeros(n, dtype=bool)
        fixed[rows[hs & (p.col_lower[cols] > 0.5)]] = True
        lower[zcol[fixed]] = 1.0
        # identical h sets (two independent 64-bit hashes and the count) in one district
        h1 = np.zeros(n, dtype=np.uint64)
        h2 = np.zeros(n, dtype=np.uint64)
        with np.errstate(over="ignore"):
            np.add.at(h1, rows[hs], r1[cols[hs]])
            np.add.at(h2, rows[hs], r2[cols[hs]] * np.uint64(3))
        cnt = np.bincount(rows[hs], minlength=n)
        block_of = np.full(p.n_cols, -1, dtype=np.int64)
        block_of[t.col] = t.block
        district = inst.district[block_of[zcol]].astype(np.uint64)
        free = np.flatnonzero(~fixed)
        keys = np.column_stack([district[free], cnt[free].astype(np.uint64), h1[free], h2[free]])
        _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        rep = zcol[free][first][inverse.reshape(-1)]
        target[zcol[free]] = rep
    dup = target != np.arange(p.n_cols)
    if not dup.any() and np.array_equal(lower, p.col_lower):
        return model
    upper[dup] = 0.0
    lower[dup] = 0.0
    M = sp.csr_array((np.ones(p.n_cols), (np.arange(p.n_cols), target)),
                     shape=(p.n_cols, p.n_cols))
    A2 = sp.csr_array(A @ M)
    A2.sum_duplicates()
    cov = model.coverage @ M
    credits = tuple(replace(t, col=target[t.col]) if t.site is None else t
                    for t in model.credits)
    return replace(model, milp=replace(p, A=A2, col_lower=lower, col_upper=upper),
                   coverage=np.asarray(cov, dtype=float).ravel(), credits=credits)


def hostable_pairs(inst: CommunityInstance, problem: CommunityProblem, a: np.ndarray,
              host: np.ndarray) -> np.ndarray:
    """(m, S): site j can ever offer service s in a feasible plan.

    True for existing modules; for new modules the site must be allowed to host s, have room
    for one module, and (new sites) be able to meet the guide rules at all: K services and C
    core services whose smallest modules fit in A_j, and not be a too-small complex. Dropping
    the other (j, s) from the coverage rows removes no feasible plan.
    """
    rules = problem.rules
    fits = host & (inst.max_new > 0) & (a[None, :] <= inst.area[:, None] + 1e-9)
    ok = np.ones(inst.n_sites, dtype=bool)
    core = np.isin(np.array([s.name for s in problem.services]), problem.core_names)
    for k_min, mask in ((rules.new_site_min_services, np.ones_like(core)),
                        (rules.new_site_min_core, core)):
        if k_min > 0:
            areas = np.where(fits & mask[None, :], a[None, :], np.inf)
            smallest = np.sort(areas, axis=1)[:, :k_min]
            ok &= smallest.sum(axis=1) <= inst.area + 1e-9   # inf when too few services
    if rules.complex_min_area > 0 and rules.new_site_min_services >= rules.complex_min_services:
        ok &= inst.area >= rules.complex_min_area
    new_ok = fits & (ok | inst.existing_site)[:, None]
    return (inst.existing > 0) | new_ok


def _aggregate(inst: CommunityInstance, pi: np.ndarray, pj: np.ndarray, tier: np.ndarray,
               w: np.ndarray, K: int) -> tuple[np.ndarray, ...]:
    """Merge blocks of one district that see exactly the same (site, tier) set.

    Returns (group of each block or -1, representative block per group, group population,
    and the representative's pairs as (group, site, tier)). Two independent 64-bit hashes
    of the pair set make an accidental merge vanishingly unlikely (~n²/2¹²⁸).
    """
    n = inst.n_blocks
    rng = np.random.default_rng(12345)
    code = pj.astype(np.int64) * K + tier
    size = int(inst.n_sites * K)
    r1 = rng.integers(1, 2**63 - 1, size=size, dtype=np.int64).astype(np.uint64)
    r2 = rng.integers(1, 2**63 - 1, size=size, dtype=np.int64).astype(np.uint64)
    h1 = np.zeros(n, dtype=np.uint64)
    h2 = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.add.at(h1, pi, r1[code])
        np.add.at(h2, pi, r2[code] * np.uint64(3))
    cnt = np.bincount(pi, minlength=n)
    blocks = np.flatnonzero(cnt > 0)
    keys = np.column_stack([inst.district[blocks].astype(np.uint64), cnt[blocks].astype(np.uint64),
                            h1[blocks], h2[blocks]])
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    group = np.full(n, -1, dtype=np.int64)
    group[blocks] = inverse
    rep = blocks[first]
    gw = np.bincount(inverse, weights=w[blocks], minlength=rep.size)
    is_rep = np.zeros(n, dtype=bool)
    is_rep[rep] = True
    sel = is_rep[pi]
    return group, rep, gw, group[pi[sel]], pj[sel], tier[sel]


def _tiered(b: MilpBuilder, s: int, n: int, pi: np.ndarray, pj: np.ndarray, tier: np.ndarray,
            cred: np.ndarray, w: np.ndarray, h: Block, h_index: np.ndarray) -> CreditTerms:
    """Nested coverage v_isk ∈ [0,1]: "block i reaches a site of s within tier k".

    v_isk ≤ Σ_{j: d_ij ≤ r_sk} h_js, and the credit is Σ_k (c_k − c_next) v_isk with c_next the
    credit of the block's next wider tier (0 after the last). At integer h the best choice
    is v = 1 exactly for the tiers that reach a hosting site, so the credit is that of the best
    tier; the LP relaxation is tighter than one variable per tier with Σ_k z_isk ≤ 1 (an
    inner site open at 0.5 credits 0.5·c_1 here, 0.5·c_1 + 0.5·c_2 there). Tiers that add no
    site to the one before are dominated and get no variable.
    """
    K = cred.size
    prev = np.zeros(n, dtype=np.int64)
    zi_parts, zk_parts = [], []
    for k in range(K):
        cnt = np.bincount(pi[tier <= k], minlength=n)
        blocks = np.flatnonzero(cnt > prev)
        zi_parts.append(blocks)
        zk_parts.append(np.full(blocks.size, k))
        prev = cnt
    zi, zk = np.concatenate(zi_parts), np.concatenate(zk_parts)
    Z = zi.size
    z = b.add_vars(f"z_{s}", Z, lower=0.0, upper=1.0, index=(zi, zk))
    if Z == 0:
        return CreditTerms(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    # row per v: v_isk − Σ_{j: d_ij ≤ r_sk} h_js ≤ 0
    key = zi * K + zk
    order = np.argsort(key)
    rows_i, cols_i = [np.arange(Z)], [z.start + np.arange(Z)]
    vals_i = [np.ones(Z)]
    for k in range(K):
        sel = tier <= k
        ppi, ppj = pi[sel], pj[sel]
        pos = np.searchsorted(key, ppi * K + k, sorter=order)
        pos = np.minimum(pos, Z - 1)
        hit = key[order[pos]] == ppi * K + k if Z else np.zeros(0, dtype=bool)
        rows_i.append(order[pos[hit]])
        cols_i.append(h.start + h_index[ppj[hit], s])
        vals_i.append(-np.ones(int(hit.sum())))
    b.add_rows(f"tier_{s}", Z, np.concatenate(rows_i), np.concatenate(cols_i),
               np.concatenate(vals_i), upper=0.0, index=(zi, zk))
    # credit increments: c_k minus the credit of the same block's next variable (sorted by key)
    ks = key[order]
    nxt = np.zeros(Z)
    same = (ks[1:] // K) == (ks[:-1] // K)
    nxt[order[:-1][same]] = cred[zk[order[1:][same]]]
    return CreditTerms(z.start + np.arange(Z), zi, w[zi] * (cred[zk] - nxt))


def _allocated(b: MilpBuilder, s: int, pi: np.ndarray, pj: np.ndarray, tier: np.ndarray,
               cred: np.ndarray, w: np.ndarray, q: float, mod: Block, h_index: np.ndarray,
               existing: np.ndarray) -> CreditTerms:
    """u_ijs ≥ 0 with Σ_j u ≤ w_is and Σ_i u ≤ q_s (e_js + m_js); credit c_s(d_ij) per person."""
    U = pi.size
    u = b.add_vars(f"u_{s}", U, lower=0.0, upper=w[pi], index=(pi, pj))
    blocks, loc_i = np.unique(pi, return_inverse=True)
    b.add_rows(f"alloc_demand_{s}", blocks.size, loc_i, u.start + np.arange(U), 1.0,
               upper=w[blocks], index=(blocks,))
    sites, loc_j = np.unique(pj, return_inverse=True)
    b.add_rows(f"alloc_capacity_{s}", sites.size,
               np.concatenate([loc_j, np.arange(sites.size)]),
               np.concatenate([u.start + np.arange(U), mod.start + h_index[sites, s]]),
               np.concatenate([np.ones(U), np.full(sites.size, -q)]),
               upper=q * existing[sites].astype(float), index=(sites,))
    return CreditTerms(u.start + np.arange(U), pi, cred[tier], pj)


def _count_rows(b: MilpBuilder, name: str, m: int, sites: np.ndarray, pj: np.ndarray,
                sel: np.ndarray, h: Block, y: Block, k: int) -> None:
    """Σ_{s in set} h_js − k y_j ≥ 0 for each newly opened site j."""
    loc = np.full(m, -1)
    loc[sites] = np.arange(sites.size)
    idx = np.flatnonzero(sel & (loc[pj] >= 0))
    b.add_rows(name, sites.size, np.concatenate([loc[pj[idx]], np.arange(sites.size)]),
               np.concatenate([h.start + idx, y.start + sites]),
               np.concatenate([np.ones(idx.size), np.full(sites.size, -float(k))]),
               lower=0.0, index=(sites,))


def _district_shares(inst: CommunityInstance, every: float | None,
                     named: dict[str, float]) -> np.ndarray:
    shares = np.full(inst.n_districts, every if every is not None else 0.0)
    lookup = {str(x): k for k, x in enumerate(inst.district_names)}
    for key, share in named.items():
        if key not in lookup:
            from ..errors import SpecError
            raise SpecError(f"targets: district {key!r} does not occur in the demand table")
        shares[lookup[key]] = share
    return shares


def _district_rows(b: MilpBuilder, name: str, inst: CommunityInstance, terms: CreditTerms,
                   W: np.ndarray, gs: np.ndarray, lower: np.ndarray,
                   t_col: int | None = None) -> None:
    """Σ_{i in g} credit / W_g (− t) ≥ lower for districts gs."""
    loc = np.full(inst.n_districts, -1)
    loc[gs] = np.arange(gs.size)
    dist = inst.district[terms.block]
    sel = loc[dist] >= 0
    rows = [loc[dist[sel]]]
    cols = [terms.col[sel]]
    vals = [terms.coef[sel] / W[dist[sel]]]
    if t_col is not None:
        rows.append(np.arange(gs.size))
        cols.append(np.full(gs.size, t_col))
        vals.append(-np.ones(gs.size))
    b.add_rows(name, gs.size, np.concatenate(rows), np.concatenate(cols), np.concatenate(vals),
               lower=lower, index=(gs,))


def value(c: np.ndarray, x: np.ndarray) -> float:
    """c·x without BLAS: multi-threaded OpenBLAS ddot on a 10k vector took 20 ms on the shared
    2-core machine (0.003 ms single-threaded); repairs and checks call this many times."""
    return float(np.multiply(c, x).sum())


def _granularity(c: np.ndarray, max_denominator: int = 10**4) -> float:
    """Step of the objective over integer points: the gcd of the coefficients when all are
    integral multiples of a common rational 1/L (L ≤ ``max_denominator``), else 0 (unknown).

    Credits such as ½ or ¼ and weights such as 0.25 give steps like 0.5 or 0.125; only the few
    distinct fractional parts are turned into fractions.
    """
    from fractions import Fraction
    from math import lcm

    nz = np.unique(np.abs(c[c != 0]))
    if nz.size == 0 or not np.all(np.isfinite(nz)):
        return 0.0
    frac = np.unique(np.round(nz - np.floor(nz), 12))
    L = 1
    for f in frac[frac > 0]:
        q = Fraction(float(f)).limit_denominator(max_denominator)
        if abs(float(q) - f) > 1e-12:   # not a fraction with a small denominator
            return 0.0
        L = lcm(L, q.denominator)
        if L > max_denominator:
            return 0.0
    scaled = nz * L
    if scaled.max() >= 2.0**53 or not np.all(
            np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, scaled)):
        return 0.0
    gcd = int(np.gcd.reduce(np.round(scaled).astype(np.int64)))
    return gcd / L if gcd > 0 else 0.0


def greedy_start(model: CommunityModel, inst: CommunityInstance, problem: CommunityProblem,
                 x: np.ndarray | None = None, max_steps: int = 10_000,
                 seconds: float = 2.0) -> np.ndarray | None:
    """A feasible plan by greedy ratio (a MIP start, never an answer): from ``x`` (or the
    sites that must operate), repeatedly take the move with the most weighted coverage per
    yuan that fits the budget: open a closed site with the best service set the rules and
    its area allow, or add one service to an open site. Coverage gains are exact for the
    tier rows (one sparse product per step; the services' rows are separate, so a site's
    gains add up). Stops after ``seconds`` (the plan so far). Returns the lifted point if the
    model accepts it, else None (objective ``cost``: the first plan that fits). On the demo:
    0.2 s, coverage 0.35 % below the optimum.
    """
    import time

    stop_at = time.perf_counter() + seconds
    p = model.milp
    y, hb, mb = model.block("y"), model.block("h"), model.block("m")
    if x is None:
        x = np.where(np.isfinite(p.col_lower), p.col_lower, 0.0)
        x[mb.slice] = 0.0
    x = model.lift(x)
    tiers = model._tier_rows
    if not tiers:
        return x if p.max_violation(x) <= 1e-6 else None
    services, rules = problem.services, problem.rules
    S, P = len(services), model.pair_j.size
    a = np.array([s.module_area for s in services])
    g = np.array([s.module_cost for s in services])
    core = np.isin(np.array([s.name for s in services]), problem.core_names)
    pj, ps = model.pair_j, model.pair_s
    e = inst.existing[pj, ps] > 0
    new_site = ~inst.existing_site
    small = new_site & (inst.area < rules.complex_min_area) if rules.complex_min_area > 0 \
        else np.zeros(inst.n_sites, dtype=bool)
    can_add = (p.col_upper[hb.slice] > 0.5) & ((p.col_upper[mb.slice] >= 1) | e)
    budget = np.inf if model.budget_row is None else float(p.row_upper[model.budget_row])
    # subsets of services as bit masks: which services, how many, core count, area, cost
    masks = np.arange(1, 2**S) if S <= 10 else np.zeros(0, dtype=np.int64)
    bits = (masks[:, None] >> np.arange(S)[None, :]) & 1 > 0
    mask_ok = (bits.sum(1) >= rules.new_site_min_services) & (
        (bits & core[None, :]).sum(1) >= rules.new_site_min_core)
    bits, masks = bits[mask_ok], masks[mask_ok]
    hidx = np.where(model.h_index >= 0, model.h_index, P)   # P: a missing pair
    least_cost = problem.objective == "cost"    # any plan that meets the targets will do
    for _ in range(max_steps):
        if time.perf_counter() > stop_at or (least_cost and p.max_violation(x) <= 1e-6):
            break
        xh = np.zeros(p.n_cols)
        xh[hb.slice] = x[hb.slice]
        gain_col = np.zeros(p.n_cols)
        for cols, rows in tiers:
            reached = -(rows @ xh) > 0.5
            w = np.where(reached, 0.0, model.coverage[cols])
            gain_col -= rows.T @ w
        gain = np.maximum(gain_col[hb.slice], 0.0)           # per pair
        left = budget - value(model.cost, x)
        h_now = x[hb.slice] > 0.5
        y_now = x[y.slice] > 0.5
        best: tuple[float, int, int] | None = None            # (ratio, kind, index)
        # one more service at an open site
        area_used = np.bincount(pj, weights=a[ps] * x[mb.slice], minlength=inst.n_sites)
        count = np.bincount(pj, weights=h_now, minlength=inst.n_sites)
        add = (~h_now & can_add & y_now[pj] & (gain > 0) & (g[ps] <= left + 1e-9)
               & (area_used[pj] + a[ps] <= inst.area[pj] + 1e-9)
               & ~(small[pj] & (count[pj] + 1 >= rules.complex_min_services)))
        if add.any():
            r = np.where(add, gain / np.maximum(g[ps], 1e-9), -np.inf)
            q = int(np.argmax(r))
            best = (float(r[q]), 0, q)
        # open a closed site with a service set; sites locked open without a service first
        closed = ~y_now & (p.col_upper[y.slice] > 0.5)
        pending = y_now & new_site & (count == 0)
        if pending.any():
            closed, add, best, left = pending, np.zeros_like(add), None, np.inf
        if masks.size and closed.any():
            gp = np.r_[gain, 0.0]
            okp = np.r_[can_add & ~e, False]
            sites = np.flatnonzero(closed)
            pairs = hidx[sites][:, None, :]                   # (sites, 1, S)
            have = np.where(bits[None, :, :], okp[pairs], True).all(axis=2)
            area = (bits * a).sum(1)
            cnt = bits.sum(1)
            fits = have & (area[None, :] <= inst.area[sites][:, None] + 1e-9) & ~(
                small[sites][:, None] & (cnt[None, :] >= rules.complex_min_services))
            cost = inst.opening_cost[sites][:, None] + (bits * g).sum(1)[None, :]
            gsum = np.where(bits[None, :, :], gp[pairs], 0.0).sum(axis=2)
            ok = fits & (cost <= left + 1e-9) & ((gsum > 0) | pending.any())
            if ok.any():
                r = np.where(ok, gsum / np.maximum(cost, 1e-9), -np.inf)
                k = int(np.argmax(r))
                if best is None or r.flat[k] > best[0]:
                    best = (float(r.flat[k]), 1, k)
        if best is None:
            break
        _, kind, k = best
        if kind == 0:
            chosen = [k]
        else:
            si, mi = divmod(k, masks.size)
            j = int(sites[si])
            x[y.start + j] = 1.0
            chosen = [int(hidx[j, s]) for s in np.flatnonzero(bits[mi])]
        for q in chosen:
            x[hb.start + q] = 1.0
            if not e[q]:
                x[mb.start + q] = max(x[mb.start + q], 1.0)
        x = model.lift(x)
    return x if p.max_violation(x) <= 1e-6 else None
