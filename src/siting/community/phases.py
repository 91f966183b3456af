"""Phased rollout: one exact MILP over every phase (models/community.md#phased-rollout).

Each phase is today's community model on that phase's instance (same sites and pairs, that
phase's segment populations, targets and available sites), built by
:func:`siting.community.formulation.build_model`. The phase MILPs are stacked block-diagonally
and linked by rows addressed through the named column blocks ``y`` and ``m`` (never by
position): what is built stays built (y_j^t ≤ y_j^{t+1}, m_js^t ≤ m_js^{t+1}), and each phase's
spending C_t − C_{t−1} (C_t = cost of everything built by phase t) stays within its budget, or
with ``carry_over`` the cumulative spending C_t within the cumulative budget.

The stacked MILP is solved as one community model (``PhasedModel.community``): 'max coverage,
then min cost' is the model's own exact weighted objective (``CommunityModel.lexicographic``),
the same one-solve tie-break as a one-phase run. A one-phase scenario is solved by
:func:`siting.community.solve.solve` on that phase's instance, so it gives exactly today's
answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..backends import get_backend
from ..errors import DataError, SpecError, VerificationError
from ..formulations.base import SolveContext
from ..geo import columns as col
from ..i18n import N_
from ..milp import MilpProblem
from ..options import SolveOptions
from ..solution import MilpSolution, Status, Termination
from .formulation import CommunityModel, Lexicographic, build_model
from .instance import CommunityInstance
from .solve import (LEX_REL_TOL, CommunityResult, Stage, TieBreak, decode, lex_translate,
                    solve)
from .spec import CommunityProblem, Objective
from .verify import TOL, Check, Plan, verify

NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True, eq=False)
class PhasedInstance:
    """The base instance and, per phase, the instance and problem that phase is checked on."""

    base: CommunityInstance
    problem: CommunityProblem
    instances: tuple[CommunityInstance, ...]
    problems: tuple[CommunityProblem, ...]
    available: np.ndarray   # (m,) first phase a site may be used in
    closing: np.ndarray     # (m,) phase whose start closes the site's existing modules (NEVER)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.problem.phases)

    @property
    def n_phases(self) -> int:
        return len(self.instances)


def phase_populations(problem: CommunityProblem, inst: CommunityInstance,
                      demand: pd.DataFrame | None = None) -> np.ndarray:
    """(T, n, S) segment populations per phase: a phase's own column, else the base population
    times the segment's growth factor (a district's factor overrides the segment's)."""
    T, (n, S) = len(problem.phases), inst.population.shape
    out = np.empty((T, n, S))
    names = {str(d): k for k, d in enumerate(inst.district_names)}
    for t, ph in enumerate(problem.phases):
        for seg in {**ph.segments, **ph.growth, **ph.district_growth}:
            if seg not in inst.segments:
                raise SpecError(f"phases.{ph.name}: no service uses segment {seg!r}")
        for s, seg in enumerate(inst.segments):
            if seg in ph.segments:
                column = ph.segments[seg]
                if demand is None:
                    raise SpecError(f"phases.{ph.name}.segments.{seg}: a phase column needs the "
                                    "demand table")
                if column not in demand.columns:
                    raise DataError(f"{demand.attrs.get('source', 'demand')}: column {column!r} "
                                    f"(segment {seg!r} of phase {ph.name}) is missing")
                out[t, :, s] = col.numbers(demand.reset_index(drop=True), column,
                                           f"segment {seg!r} of phase {ph.name}")
                continue
            factor = np.full(n, ph.growth.get(seg, 1.0))
            for dname, f in ph.district_growth.get(seg, {}).items():
                if dname not in names:
                    raise SpecError(f"phases.{ph.name}.district_growth.{seg}: district "
                                    f"{dname!r} does not occur in the demand table")
                factor[inst.district == names[dname]] = f
            out[t, :, s] = inst.population[:, s] * factor
    return out


def phased_instance(inst: CommunityInstance, problem: CommunityProblem,
                    demand: pd.DataFrame | None = None,
                    populations: np.ndarray | None = None) -> PhasedInstance:
    """Per phase: that phase's populations and targets; sites not yet available are forbidden;
    sites whose existing modules have closed are gone (and closing sites get no new modules)."""
    phases = problem.phases
    if not phases:
        raise SpecError("problem has no phases")
    T, m = len(phases), inst.n_sites
    pops = phase_populations(problem, inst, demand) if populations is None else populations
    lookup = {str(v): j for j, v in enumerate(inst.site_ids)}
    available = np.zeros(m, dtype=np.int64)
    closing = np.full(m, NEVER, dtype=np.int64)
    for t, ph in enumerate(phases):
        for field_name, ids, arr in (("sites_available", ph.sites_available, available),
                                     ("closing", ph.closing, closing)):
            for sid in ids:
                if sid not in lookup:
                    raise SpecError(f"phases.{ph.name}.{field_name}: no site with id {sid!r}")
                arr[lookup[sid]] = t
    ex = inst.existing_site
    bad = (closing < NEVER) & ~ex
    if bad.any():
        raise SpecError(f"phases: site {inst.site_ids[np.flatnonzero(bad)[0]]} closes but has "
                        "no existing modules")
    bad = ex & (available > 0)
    if bad.any():
        raise SpecError(f"phases: site {inst.site_ids[np.flatnonzero(bad)[0]]} has existing "
                        "modules, so it is available from the first phase")
    bad = inst.forced & (closing < NEVER)
    if bad.any():
        raise SpecError(f"phases: site {inst.site_ids[np.flatnonzero(bad)[0]]} is forced but "
                        "closes")
    closes = closing < NEVER
    allowed = inst.allowed & ~closes[:, None]
    max_new = np.where(closes[:, None], 0, inst.max_new)
    instances, problems = [], []
    for t, ph in enumerate(phases):
        gone = closing <= t
        existing = np.where(gone[:, None], 0, inst.existing)
        instances.append(replace(
            inst, population=pops[t], existing=existing, allowed=allowed, max_new=max_new,
            forbidden=inst.forbidden | (available > t) | gone,
            forced=inst.forced if t == T - 1 else np.zeros(m, dtype=bool)))
        targets = problem.targets if ph.targets is None else ph.targets
        problems.append(problem.model_copy(update={"phases": (), "budget": None,
                                                   "targets": targets}))
    return PhasedInstance(inst, problem, tuple(instances), tuple(problems), available, closing)


# ---------------------------------------------------------------------------------------------
# verification (from the plans alone)


@dataclass(frozen=True, eq=False)
class PhasedCheck:
    checks: tuple[Check, ...]          # each phase's plan, verified on that phase's instance
    cumulative: np.ndarray             # (T,) C_t: cost of everything built by phase t
    spend: np.ndarray                  # (T,) C_t − C_{t−1}
    opened: np.ndarray                 # (m,) phase a new site is first used (-1: never/existing)
    coverage: np.ndarray               # (T,) Σ_s β_s credited persons per phase
    objective_total: float             # Σ_t ω_t coverage_t
    violations: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.violations

    @property
    def total_cost(self) -> float:
        return float(self.cumulative[-1])

    def objective(self, problem: CommunityProblem) -> float:
        if problem.objective == "cost":
            return self.total_cost
        if problem.phase_objective == "final":
            return float(self.coverage[-1])
        return self.objective_total


def verify_phased(pinst: PhasedInstance, plans: tuple[Plan, ...]) -> PhasedCheck:
    """Recompute every phase from the plans: the phase rules, monotonicity and the budgets."""
    problem, T = pinst.problem, pinst.n_phases
    names = pinst.names
    if len(plans) != T:
        raise ValueError(f"{len(plans)} phase plans for {T} phases")
    bad: list[str] = []
    checks = []
    for t in range(T):
        chk = verify(pinst.instances[t], pinst.problems[t], plans[t])
        checks.append(chk)
        bad += [f"phase {names[t]}: {v}" for v in chk.violations]
    sid = pinst.base.site_ids
    services = [s.name for s in problem.services]
    for t in range(T):
        early = np.asarray(plans[t].used, bool) & (pinst.available > t)
        for j in np.flatnonzero(early)[:1]:
            bad.append(f"phase {names[t]}: site {sid[j]} is used before it is available "
                       f"(from phase {names[pinst.available[j]]})")
    for t in range(T - 1):
        keep = pinst.closing > t + 1
        lost = checks[t].used & ~checks[t + 1].used & keep
        for j in np.flatnonzero(lost)[:1]:
            bad.append(f"phase {names[t + 1]}: site {sid[j]} was used in phase {names[t]} but "
                       "is not any more (what is built stays built)")
        a, b = np.asarray(plans[t].new_modules), np.asarray(plans[t + 1].new_modules)
        fewer = (a > b) & keep[:, None]
        for j, s in np.argwhere(fewer)[:1]:
            bad.append(f"phase {names[t + 1]}: site {sid[j]} has {b[j, s]} new {services[s]} "
                       f"modules, fewer than the {a[j, s]} of phase {names[t]} (modules are only "
                       "added)")
    cum = np.array([c.total_cost for c in checks])
    spend = np.diff(np.r_[0.0, cum])
    cap = 0.0
    for t, ph in enumerate(problem.phases):
        budget = np.inf if ph.budget is None else float(ph.budget)
        if problem.carry_over:
            cap += budget
            if cum[t] > cap * (1 + TOL) + TOL:
                bad.append(f"phase {ph.name}: spending to date {cum[t]:,.0f} exceeds the budget "
                           f"to date {cap:,.0f} (budget rule, carry-over)")
        elif spend[t] > budget * (1 + TOL) + TOL:
            bad.append(f"phase {ph.name}: spending {spend[t]:,.0f} exceeds the phase budget "
                       f"{budget:,.0f} (budget rule)")
    if problem.budget is not None and cum[-1] > problem.budget * (1 + TOL) + TOL:
        bad.append(f"total cost {cum[-1]:,.0f} exceeds the budget {problem.budget:,.0f}")
    first = np.full(pinst.base.n_sites, -1, dtype=np.int64)
    for t in reversed(range(T)):
        first[checks[t].used & ~pinst.instances[t].existing_site] = t
    cov = np.array([c.coverage_objective for c in checks])
    weights = np.array([ph.weight for ph in problem.phases])
    return PhasedCheck(tuple(checks), cum, spend, first, cov, float(weights @ cov), bad)


# ---------------------------------------------------------------------------------------------
# the stacked model


@dataclass(frozen=True, eq=False)
class PhasedModel:
    milp: MilpProblem                  # the stacked MILP (primary objective)
    models: tuple[CommunityModel, ...]
    offsets: np.ndarray                # (T + 1,) first column of each phase
    primary: np.ndarray                # the primary objective vector (coverage form)
    total_cost: np.ndarray             # C_T as a vector
    lex_row: int                       # primary ≥ floor (inactive: −inf)
    cost_row: int                      # C_T ≤ min(total budget, Σ phase budgets) (implied)
    primary_grain: float = 0.0         # step of the primary over plans (0: unknown)

    def phase_x(self, x: np.ndarray, t: int) -> np.ndarray:
        return x[self.offsets[t]:self.offsets[t + 1]]

    def lift(self, x: np.ndarray) -> np.ndarray:
        """Each phase's slice lifted by its own model (integers rounded, tier variables at their
        best values): the stacked value of a plan then equals the verifier's."""
        return np.concatenate([md.lift(self.phase_x(x, t)) for t, md in enumerate(self.models)])

    @property
    def community(self) -> CommunityModel:
        """The stacked MILP seen as one community model (coverage = the primary, cost = C_T,
        budget row = the C_T row), so phased solves take the community model's own stages and
        its exact lexicographic objective (``CommunityModel.lexicographic``)."""
        empty = np.zeros(0, dtype=np.int64)
        return CommunityModel(
            milp=self.milp, pair_j=empty, pair_s=empty, h_index=np.zeros((0, 0), np.int64),
            coverage=self.primary, cost=self.total_cost, credits=(), lex_row=self.lex_row,
            budget_row=self.cost_row, t_col=None, coverage_grain=self.primary_grain,
            cost_step=self.models[-1].cost_step)


def build_phased(pinst: PhasedInstance) -> PhasedModel:
    """Stack the phase models and add the linking rows (columns addressed by block name)."""
    problem, T = pinst.problem, pinst.n_phases
    models = tuple(build_model(pinst.instances[t], pinst.problems[t], budget_row=False)
                   for t in range(T))
    offsets = np.r_[0, np.cumsum([md.milp.n_cols for md in models])].astype(np.int64)
    n = int(offsets[-1])
    S = pinst.base.n_services

    def cols(t: int, name: str) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        blocks = models[t].milp.blocks
        if name not in blocks:
            raise SpecError(f"phases: the community model has no {name!r} column block")
        blk = blocks[name]
        return offsets[t] + blk.start + np.arange(blk.size), blk.index

    def stacked(t: int, vec: np.ndarray) -> np.ndarray:
        out = np.zeros(n)
        out[offsets[t]:offsets[t + 1]] = vec
        return out

    # C_t = Σ f_j y_j + Σ g_s m_js over phase t's columns (everything built by phase t): the
    # phase model's own cost vector
    cum = [stacked(t, models[t].cost) for t in range(T)]

    rows: list[sp.csr_array] = []
    lo: list[np.ndarray] = []
    hi: list[np.ndarray] = []

    def add(mat: sp.spmatrix | sp.sparray, lower: np.ndarray | float,
            upper: np.ndarray | float) -> int:
        mat = sp.csr_array(mat)
        rows.append(mat)
        lo.append(np.broadcast_to(np.asarray(lower, float), (mat.shape[0],)))
        hi.append(np.broadcast_to(np.asarray(upper, float), (mat.shape[0],)))
        return sum(r.shape[0] for r in rows[:-1])

    def link(a: np.ndarray, b: np.ndarray) -> sp.coo_array:
        k = np.arange(a.size)
        return sp.coo_array((np.r_[np.ones(a.size), -np.ones(a.size)],
                             (np.r_[k, k], np.r_[a, b])), shape=(a.size, n))

    for t in range(T - 1):
        # what is built stays built (sites whose existing modules close next are exempt)
        y0, _ = cols(t, "y")
        y1, _ = cols(t + 1, "y")
        keep = np.flatnonzero(pinst.closing > t + 1)
        add(link(y0[keep], y1[keep]), -np.inf, 0.0)
        m0, (j0, s0) = cols(t, "m")
        m1, (j1, s1) = cols(t + 1, "m")
        k0, k1 = j0 * S + s0, j1 * S + s1
        common, i0, i1 = np.intersect1d(k0, k1, assume_unique=True, return_indices=True)
        add(link(m0[i0], m1[i1]), -np.inf, 0.0)
    # budgets
    cap = 0.0
    for t, ph in enumerate(problem.phases):
        if problem.carry_over:
            cap += np.inf if ph.budget is None else ph.budget
            if np.isfinite(cap):
                add(cum[t][None, :], -np.inf, cap)
        elif ph.budget is not None:
            add((cum[t] - (cum[t - 1] if t else 0.0))[None, :], -np.inf, ph.budget)
    # C_T ≤ Σ_t b_t holds under either budget rule: the implied ceiling keeps the exact
    # lexicographic weight K (one more than the cost steps a plan can have) small
    ceiling = float(sum(np.inf if ph.budget is None else ph.budget for ph in problem.phases))
    if problem.budget is not None:
        ceiling = min(ceiling, float(problem.budget))
    cost_row = add(cum[-1][None, :], -np.inf, ceiling)
    weights = np.array([ph.weight for ph in problem.phases])
    if problem.phase_objective == "final":
        weights = np.zeros(T)
        weights[-1] = 1.0
    primary = np.concatenate([w * md.coverage for w, md in zip(weights, models)])
    lex_row = add(primary[None, :], -np.inf, np.inf)

    base_rows = sum(md.milp.n_rows for md in models)
    A = sp.vstack([sp.block_diag([md.milp.A for md in models], format="csr"), *rows],
                  format="csr")
    cat = np.concatenate
    grain = weighted_grain(weights, [md.coverage_grain for md in models])
    milp = MilpProblem(
        sense="max", c=primary.copy(), offset=0.0, A=sp.csr_array(A),
        row_lower=cat([*(md.milp.row_lower for md in models), *lo]),
        row_upper=cat([*(md.milp.row_upper for md in models), *hi]),
        col_lower=cat([md.milp.col_lower for md in models]),
        col_upper=cat([md.milp.col_upper for md in models]),
        integrality=cat([md.milp.integrality for md in models]),
        name=f"community-phased-{problem.objective}", objective_granularity=grain)
    milp.validate()
    return PhasedModel(milp, models, offsets, primary, cum[-1], base_rows + lex_row,
                       base_rows + cost_row, grain)


def weighted_grain(weights: np.ndarray, grains: list[float],
                   max_denominator: int = 10**4) -> float:
    """Step of Σ_t ω_t a_t g_t over integers a_t: the gcd of the ω_t g_t as fractions, or 0
    (unknown) when a phase's grain is unknown or a weight is not a fraction with a small
    denominator. Phases of weight 0 do not count."""
    from fractions import Fraction
    from math import gcd

    terms: list[Fraction] = []
    for w, g in zip(weights, grains):
        if w == 0:
            continue
        if g <= 0:
            return 0.0
        fw = Fraction(float(w)).limit_denominator(max_denominator)
        fg = Fraction(float(g)).limit_denominator(max_denominator)
        if abs(float(fw) - w) > 1e-12 * max(1.0, w) or abs(float(fg) - g) > 1e-12 * max(1.0, g):
            return 0.0
        terms.append(fw * fg)
    if not terms:
        return 0.0
    den = 1
    for f in terms:
        den = den * f.denominator // gcd(den, f.denominator)
    num = 0
    for f in terms:
        num = gcd(num, f.numerator * (den // f.denominator))
    return num / den if num > 0 and den <= max_denominator**2 else 0.0


# ---------------------------------------------------------------------------------------------
# solving


@dataclass(frozen=True, eq=False)
class PhasedResult:
    pinst: PhasedInstance
    status: Status
    objective: float | None         # primary objective, recomputed by verify_phased
    bound: float | None
    gap: float | None
    plans: tuple[Plan, ...] | None
    check: PhasedCheck | None
    stages: tuple[Stage, ...]
    backend: str
    build_seconds: float
    solve_seconds: float
    tie_break: TieBreak = "n/a"
    termination: Termination = Termination.OPTIMAL
    notes: tuple[str, ...] = ()

    @property
    def has_solution(self) -> bool:
        return self.plans is not None


def solve_phased(inst: CommunityInstance, problem: CommunityProblem, *,
                 demand: pd.DataFrame | None = None, populations: np.ndarray | None = None,
                 backend: str | None = None, options: SolveOptions | None = None,
                 tie_break: bool = True) -> PhasedResult:
    """The phased plan: primary objective proven and, among optimal plans, the cheapest.

    As in a one-phase solve (siting.community.solve), 'max coverage, then min cost' is ONE
    exact weighted objective from ``CommunityModel.lexicographic`` on the stacked model; only
    when no exact scaling is known (capacitated services, weights that are no small fractions)
    does the tie-break ask again for a plan one cost step cheaper.
    """
    pinst = phased_instance(inst, problem, demand, populations)
    if pinst.n_phases == 1:
        return _one_phase(pinst, backend, options, tie_break)
    options = options or SolveOptions()
    t0 = time.perf_counter()
    model = build_phased(pinst)
    view = model.community
    build_seconds = time.perf_counter() - t0
    engine = get_backend(backend)
    ctx = SolveContext(backend=engine, options=options, backend_named=backend is not None)
    stages: list[Stage] = []
    notes: list[str] = []

    def run(milp: MilpProblem, label: str, *, exact: bool = False) -> MilpSolution:
        stop = ctx.stopped()
        if stop is not None:
            stages.append(Stage(label, Status.NO_SOLUTION, None, None, None, 0.0, None,
                                f"not run ({stop.value})"))
            return MilpSolution(engine.name, "", stop, Status.NO_SOLUTION, None, None, None, 0.0)
        # an exactly weighted objective: only the absolute gap (< 1 step) may count
        sol = ctx.solve(milp, rel_gap=0.0) if exact else ctx.solve(milp)
        if exact:
            assert lex is not None
            # in primary units, as a one-phase solve reads its own
            sol = lex_translate(lex, sol, model.lift, model.primary, model.total_cost,
                                lex_state)
        notes.extend(n for n in sol.notes if n not in notes)
        stages.append(Stage(label, sol.status, sol.objective, sol.bound, sol.gap,
                            sol.solve_seconds, sol.nodes, sol.termination.value))
        return sol

    first: Objective = "cost" if problem.objective == "cost" else "coverage"
    # the same rule as a one-phase solve: exact weights only when exact answers are asked for
    lex = exact_lexicographic(model) if (first == "coverage" and tie_break
                                         and options.rel_gap <= SolveOptions().rel_gap
                                         and options.abs_gap is None) else None
    lex_state: dict[str, bool] = {}
    if lex is not None:
        sol1 = run(lex.milp, "max coverage over phases, then min cost (one exact weighted "
                   "objective)", exact=True)
    else:
        sol1 = run(view.stage(first), f"{'min' if first == 'cost' else 'max'} {first} over phases")
    if not sol1.has_solution:
        return PhasedResult(pinst, sol1.status, None, sol1.bound, None, None, None, tuple(stages),
                            engine.name, build_seconds, time.perf_counter() - t0 - build_seconds,
                            termination=_termination(ctx, sol1, stages), notes=tuple(notes))
    assert sol1.x is not None
    plans, check = _decode_check(model, pinst, sol1.x, "stage 1")
    tb: TieBreak = "n/a" if problem.objective == "cost" else "skipped"
    if problem.objective != "cost" and tie_break:
        if lex is not None:
            tb = "proven" if lex_state.get("proven") else "not proven"
        else:
            plans, check, tb = _cheapest_optimal(view, model, pinst, run, sol1, plans, check)
    primary = check.objective(problem)
    gap = _gap(problem, primary, sol1.bound)
    out = PhasedResult(pinst, sol1.status, primary, sol1.bound, gap, plans, check, tuple(stages),
                       engine.name, build_seconds, time.perf_counter() - t0 - build_seconds,
                       tb, _termination(ctx, sol1, stages), tuple(notes))
    if out.status is not Status.OPTIMAL:
        out = replace(out, notes=out.notes + (N_("the primary objective is not proven optimal"),))
    elif tb == "not proven":
        out = replace(out, notes=out.notes + (N_(
            "the primary objective is proven but ties may not be broken optimally"),))
    return out


#: largest weighted objective F the exact one-solve proof is asked for: it needs an absolute gap
#: below 1, which a solver's floating-point bound cannot give on much larger values (the
#: one-phase demo's F reaches 1.0e9 and proves in seconds; the phased demo's, with growth
#: factors and discounts making the grain 1/2000, reaches 3e12 and did not prove in 45 min)
LEX_MAX_MAGNITUDE = 2.0**32


def exact_lexicographic(model: PhasedModel) -> Lexicographic | None:
    """The community model's exact weighted objective on the stacked model
    (``CommunityModel.lexicographic``), or None when there is none or its values are too large
    for the proof (then the tie-break asks the cost-step questions)."""
    lex = model.community.lexicographic()
    if lex is None:
        return None
    a_max = float(model.primary @ model.milp.col_upper) / lex.grain
    return lex if lex.weight * (a_max + 1.0) <= LEX_MAX_MAGNITUDE else None


def _cheapest_optimal(view: CommunityModel, model: PhasedModel, pinst: PhasedInstance,
                      run: Callable[[MilpProblem, str], MilpSolution], sol1: MilpSolution,
                      plans: tuple[Plan, ...], check: PhasedCheck,
                      ) -> tuple[tuple[Plan, ...], PhasedCheck, TieBreak]:
    """No exact weights known: ask for a plan with the optimal primary costing one cost step
    less (the community model's budget row and lex row); 'infeasible' proves the current plan
    cheapest."""
    if sol1.status is not Status.OPTIMAL:
        return plans, check, "not proven"
    primary = check.objective(pinst.problem)
    floor_value = min(primary, sol1.objective if sol1.objective is not None else primary)
    floor = floor_value - LEX_REL_TOL * max(1.0, abs(floor_value))
    step, ceiling = view.cost_step, float(model.milp.row_upper[model.cost_row])
    for _ in range(50):
        cost = check.total_cost
        below = cost - step if step > 0 else cost - max(1e-6 * abs(cost), 1e-6)
        if below < -1e-9:
            return plans, check, "proven"
        budget = min(below, ceiling)
        sol = run(view.with_budget(budget).stage("coverage", coverage_at_least=floor),
                  f"tie-break: optimal coverage for at most {budget:,.6g}?")
        if sol.status is Status.INFEASIBLE:
            return plans, check, "proven"
        if not sol.has_solution or sol.x is None:
            return plans, check, "not proven"
        plans2, check2 = _decode_check(model, pinst, sol.x, "tie-break stage")
        if check2.total_cost >= cost - 1e-9:
            return plans, check, "not proven"
        plans, check = plans2, check2
    return plans, check, "not proven"


def _decode_check(model: PhasedModel, pinst: PhasedInstance, x: np.ndarray,
                  where: str) -> tuple[tuple[Plan, ...], PhasedCheck]:
    plans = tuple(decode(model.models[t], pinst.instances[t], model.phase_x(x, t))
                  for t in range(pinst.n_phases))
    check = verify_phased(pinst, plans)
    if check.violations:
        raise VerificationError(f"the solver's phased plan ({where}) failed verification: "
                                f"{check.violations[0]}")
    return plans, check


def _one_phase(pinst: PhasedInstance, backend: str | None, options: SolveOptions | None,
               tie_break: bool) -> PhasedResult:
    """Exactly today's solve on the one phase's instance (its budget: the tighter one)."""
    problem, ph = pinst.problem, pinst.problem.phases[0]
    budgets = [b for b in (ph.budget, problem.budget) if b is not None]
    prob = pinst.problems[0].model_copy(update={"budget": min(budgets) if budgets else None})
    pinst = replace(pinst, problems=(prob,))
    res = solve(pinst.instances[0], prob, backend=backend, options=options, tie_break=tie_break)
    plans = None if res.plan is None else (res.plan,)
    check = None if plans is None else verify_phased(pinst, plans)
    objective = None if check is None else check.objective(problem)
    return PhasedResult(pinst, res.status, objective, res.bound, res.gap, plans, check,
                        res.stages, res.backend, res.build_seconds, res.solve_seconds,
                        res.tie_break, res.termination, res.notes)


def _termination(ctx: SolveContext, sol1: MilpSolution, stages: list[Stage]) -> Termination:
    if ctx.interrupted:
        return Termination.INTERRUPTED
    if any("time_limit" in s.termination for s in stages):
        return Termination.TIME_LIMIT
    return sol1.termination


def _gap(problem: CommunityProblem, objective: float, bound: float | None) -> float | None:
    if bound is None:
        return None
    if not np.isfinite(bound):
        return np.inf
    if problem.objective == "cost":
        diff = max(objective - bound, 0.0)
    else:
        diff = max(bound - objective, 0.0)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / abs(objective) if objective else np.inf


def phases_summary(pinst: PhasedInstance, plans: tuple[Plan, ...],
                   check: PhasedCheck) -> list[dict[str, object]]:
    """summary.json's ``phases``: in phase order, each phase's sites, new modules, cost and
    coverage (all from the verifier)."""
    base, problem = pinst.base, pinst.problem
    out: list[dict[str, object]] = []
    prev = np.zeros_like(np.asarray(plans[0].new_modules))
    for t, ph in enumerate(problem.phases):
        chk = check.checks[t]
        new = np.asarray(plans[t].new_modules)
        added = np.maximum(new - prev, 0)
        prev = new
        modules = [{"site": str(base.site_ids[j]), "service": problem.services[s].name,
                    "modules": int(added[j, s])} for j, s in np.argwhere(added > 0)]
        out.append({
            "name": ph.name, "year": ph.year,
            "open_sites": [str(v) for v in base.site_ids[chk.used]],
            "opened_sites": [str(v) for v in base.site_ids[check.opened == t]],
            "new_modules": modules,
            "cost": float(check.spend[t]), "cumulative_cost": float(check.cumulative[t]),
            "budget": ph.budget,
            "coverage_objective": float(chk.coverage_objective),
            "coverage": {svc.name: {
                "credited": float(chk.covered[s]), "population": float(chk.population[s]),
                "share": chk.share(s),
                "districts": {str(base.district_names[gi]): float(chk.district_covered[s, gi]
                                                                  / chk.district_population[s, gi])
                              for gi in np.flatnonzero(chk.district_population[s] > 0)}}
                for s, svc in enumerate(problem.services)},
        })
    return out


# ---------------------------------------------------------------------------------------------
# pipeline helpers: diagnosis, the final phase as a CommunityResult, per-phase tables


def diagnose_phases(pinst: PhasedInstance) -> list[str]:
    """Each phase's single-cause proofs of infeasibility (siting.community.diagnose) against
    the budget to date (a valid bound whatever the carry-over rule), naming the phase."""
    from .diagnose import diagnose

    out: list[str] = []
    to_date = 0.0
    for t, ph in enumerate(pinst.problem.phases):
        to_date += np.inf if ph.budget is None else ph.budget
        caps = [b for b in (to_date, pinst.problem.budget) if b is not None and np.isfinite(b)]
        prob = pinst.problems[t].model_copy(update={"budget": min(caps) if caps else None})
        out += [f"phase {ph.name}: {r}" for r in diagnose(pinst.instances[t], prob)]
    return out


def final_result(res: PhasedResult) -> tuple[CommunityInstance, CommunityProblem, CommunityResult]:
    """The last phase's instance, problem and plan as a CommunityResult (what the report,
    tables and summary of a one-plan run read); the objective stays the phased one."""
    pinst = res.pinst
    inst = pinst.instances[-1]
    prob = pinst.problems[-1].model_copy(update={"budget": pinst.problem.budget})
    plan = None if res.plans is None else res.plans[-1]
    check = None if res.check is None else res.check.checks[-1]
    out = CommunityResult(problem=prob, status=res.status, objective=res.objective,
                          bound=res.bound, gap=res.gap, plan=plan, check=check,
                          stages=res.stages, backend=res.backend,
                          build_seconds=res.build_seconds, solve_seconds=res.solve_seconds,
                          notes=res.notes, tie_break=res.tie_break, termination=res.termination)
    return inst, prob, out


def opened_phase(res: PhasedResult) -> np.ndarray:
    """(m,) per site: the phase it opens in, 'existing', or '' (never used)."""
    pinst = res.pinst
    assert res.check is not None
    names = np.array(pinst.names + ("",), dtype=object)
    out = names[np.where(res.check.opened >= 0, res.check.opened, pinst.n_phases)]
    out[pinst.base.existing_site] = "existing"
    return out


def file_label(name: str) -> str:
    """A phase name as it appears in file names (letters, digits, '-', '_')."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)


def write_phase_tables(folder: object, res: PhasedResult) -> list[str]:
    """phases.csv (the roadmap: site, service, modules added and cost per phase) and, per
    phase, sites_<phase>.csv and coverage_<phase>.csv (verifier values)."""
    from pathlib import Path

    from .tables import coverage_table, sites_table

    pinst, check, plans = res.pinst, res.check, res.plans
    assert check is not None and plans is not None
    folder = Path(str(folder))
    base, problem = pinst.base, pinst.problem
    g = np.array([s.module_cost for s in problem.services])
    rows = []
    prev = np.zeros_like(np.asarray(plans[0].new_modules))
    for t, ph in enumerate(problem.phases):
        new = np.asarray(plans[t].new_modules)
        added = np.maximum(new - prev, 0)
        prev = new
        for j in np.flatnonzero((check.opened == t) | (added.sum(axis=1) > 0)):
            opening = float(pinst.instances[t].opening_cost[j]) if check.opened[j] == t else 0.0
            row: dict[str, object] = {"phase": ph.name, "year": ph.year,
                                      "site": str(base.site_ids[j]),
                                      "opens": bool(check.opened[j] == t),
                                      "opening_cost": opening}
            for s, svc in enumerate(problem.services):
                row[f"new_{svc.name}"] = int(added[j, s])
            row["module_cost"] = float(added[j] @ g)
            row["cost"] = opening + float(added[j] @ g)
            rows.append(row)
    written = ["phases.csv"]
    columns = ["phase", "year", "site", "opens", "opening_cost",
               *(f"new_{s.name}" for s in problem.services), "module_cost", "cost"]
    pd.DataFrame(rows, columns=columns).to_csv(folder / "phases.csv", index=False)
    for t, ph in enumerate(problem.phases):
        inst, prob, chk = pinst.instances[t], pinst.problems[t], check.checks[t]
        label = file_label(ph.name)
        sites = sites_table(inst, prob, chk, plans[t].new_modules, used_only=True)
        sites.to_csv(folder / f"sites_{label}.csv", index=False)
        coverage_table(inst, prob, chk).to_csv(folder / f"coverage_{label}.csv", index=False)
        written += [f"sites_{label}.csv", f"coverage_{label}.csv"]
    return written


def phases_text(res: PhasedResult) -> str:
    """The rollout lines of the run summary, in the current language (siting.i18n)."""
    from ..i18n import _, fmt_money, fmt_percent, pgettext

    assert res.check is not None
    pinst, check = res.pinst, res.check
    lines = ["  " + _("rollout over {n} phases:").format(n=pinst.n_phases)]
    for t, ph in enumerate(pinst.problem.phases):
        chk = check.checks[t]
        shares = ", ".join(f"{pgettext('service', svc.name)} {fmt_percent(chk.share(s), 1)}"
                           for s, svc in enumerate(pinst.problem.services))
        lines.append("    " + _("{phase}: opens {opened} sites, spends {cost}; {shares}").format(
            phase=ph.name, opened=int((check.opened == t).sum()),
            cost=fmt_money(float(check.spend[t])), shares=shares))
    return "\n".join(lines)


def phase_views(res: PhasedResult) -> list[tuple[CommunityInstance, CommunityProblem, Check]]:
    """Per phase: its instance, problem and verified check (the report's map of each phase)."""
    if res.check is None:
        return []
    return list(zip(res.pinst.instances, res.pinst.problems, res.check.checks))
