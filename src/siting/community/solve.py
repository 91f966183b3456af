"""Solve the community model: lexicographic stages on one MILP, decode, verify.

``coverage``: stage 1 maximises weighted credited coverage C; stage 2 minimises cost subject to
C ≥ C* (C* = the verified coverage of stage 1's plan, so the row never cuts it off).
``equity``: stage 1 maximises the minimum district share t; stage 2 maximises C with t ≥ t*.
``cost``: one stage. Each stage gets what is left of the shared time limit and starts from the
previous stage's plan.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from ..backends import get_backend
from ..backends.base import Backend
from ..errors import VerificationError
from ..formulations.base import SolveContext
from ..milp import MilpProblem
from ..options import SolveOptions
from ..solution import MilpSolution, Status, Termination
from .formulation import (CommunityModel, CreditTerms, Lexicographic, build_model,
                          greedy_start, value)
from .instance import CommunityInstance
from .spec import CommunityProblem
from .verify import Allocation, Check, Plan, verify
from .viability import viable_start

#: how the tie among optimal plans was settled (``CommunityResult.tie_break``)
TieBreak = Literal["proven", "not proven", "skipped", "n/a"]

#: slack on the lexicographic bound: relative, so it never exceeds one person in 10⁶
LEX_REL_TOL = 1e-7


@dataclass(frozen=True, eq=False)
class Stage:
    objective: str
    status: Status
    objective_value: float | None
    bound: float | None
    gap: float | None
    seconds: float
    nodes: int | None
    #: why the stage ended ("optimal", "time_limit", "interrupted"...; "not run (...)" when
    #: an earlier stage used up the time or was interrupted)
    termination: str = ""


@dataclass(frozen=True, eq=False)
class CommunityResult:
    """The answer: honest status, the plan, the verifier's recomputation and the stages."""

    problem: CommunityProblem
    status: Status
    objective: float | None         # primary objective, recomputed by the verifier
    bound: float | None             # proven bound on the primary objective
    gap: float | None
    plan: Plan | None
    check: Check | None
    stages: tuple[Stage, ...]
    backend: str
    build_seconds: float
    solve_seconds: float
    x: np.ndarray | None = None     # last stage's MILP vector (warm start for a frontier)
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: coverage: cheapest among optimal plans; equity: best coverage at the optimal level.
    #: "proven", "not proven" (time limit), "skipped" (not asked for) or "n/a" (objective cost)
    tie_break: TieBreak = "n/a"
    #: "interrupted" or "time_limit" when a stage stopped early, else how stage 1 ended
    termination: Termination = Termination.OPTIMAL
    #: infeasible: why, in planning words, each naming the scenario key to change (also in notes)
    reasons: tuple[str, ...] = ()

    @property
    def has_solution(self) -> bool:
        return self.plan is not None


def solve(inst: CommunityInstance, problem: CommunityProblem, *, backend: str | None = None,
          options: SolveOptions | None = None, model: CommunityModel | None = None,
          start: np.ndarray | None = None, tie_break: bool = True,
          explain: bool = True) -> CommunityResult:
    """Build (unless ``model`` is given), solve every stage, decode and verify the plan.

    ``tie_break=False`` stops after the primary objective (``tie_break`` is then "skipped").
    An infeasible result carries ``reasons`` (also in ``notes``) from
    :mod:`siting.community.diagnose`; ``explain=False`` skips that (the diagnosis itself
    solves relaxed copies). Without a ``start`` a greedy plan is the MIP start.
    """
    with one_blas_thread():
        return _solve(inst, problem, backend=backend, options=options, model=model,
                      start=start, tie_break=tie_break, explain=explain)


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """numpy's BLAS on one thread while solving: multi-threaded OpenBLAS took 20-43 ms per
    10k-vector dot product on the loaded 2-core machine (µs on one thread), and its waiting
    threads compete with the solver's. Without threadpoolctl nothing is limited."""
    global _CONTROLLER
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        yield
        return
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    with _CONTROLLER.limit(limits=1, user_api="blas"):
        yield


_CONTROLLER: Any = None


def _solve(inst: CommunityInstance, problem: CommunityProblem, *, backend: str | None,
           options: SolveOptions | None, model: CommunityModel | None,
           start: np.ndarray | None, tie_break: bool,
           explain: bool) -> CommunityResult:  # noqa: PLR0915
    options = options or SolveOptions()
    tie_break_wanted = tie_break
    t0 = time.perf_counter()
    model = model or build_model(inst, problem, budget_row=problem.objective == "coverage")
    build_seconds = time.perf_counter() - t0
    engine = get_backend(backend)
    if start is None and engine.supports_mip_start and options.warm_start:
        # viability rows: the solver's own heuristics find few viable plans (viability.py)
        start = viable_start(model, inst, problem)
    # the shared deadline / Ctrl-C / warm-start rule: a stage that stops on the time limit or
    # an interrupt ends every later stage (they are recorded as not run); the limit counts
    # from the call, so the model build and the viability start are inside it
    ctx = SolveContext(backend=engine, options=options, backend_named=backend is not None,
                       started=t0)
    stages: list[Stage] = []
    notes: list[str] = []
    if start is None and options.warm_start and engine.supports_mip_start:
        # a greedy plan as the MIP start (0.2 s on the demo, on the run's clock); the backend
        # then skips its own first-incumbent search (models/community.md, "Warm starts")
        start = greedy_start(model, inst, problem, seconds=greedy_seconds(options))

    def run(milp: MilpProblem, x0: np.ndarray | None, label: str | None = None, *,
            exact: bool = False, windows: bool = False,
            translate: Callable[[MilpSolution], MilpSolution] | None = None) -> MilpSolution:
        name = label or (milp.sense + " " + _label(milp, model))
        stop = ctx.stopped()
        if stop is not None:
            stages.append(Stage(name, Status.NO_SOLUTION, None, None, None, 0.0, None,
                                f"not run ({stop.value})"))
            return MilpSolution(engine.name, "", stop, Status.NO_SOLUTION, None, None, None, 0.0)
        use_start = x0 if (x0 is not None and engine.supports_mip_start
                           and milp.max_violation(x0) <= 1e-6) else None
        # an exactly weighted objective: only the absolute gap (< 1 step) may count
        if windows and use_start is not None:
            sol = _root_then_windows(model, inst, milp, use_start, ctx, exact, notes)
        else:
            sol = (ctx.solve(milp, start=use_start, rel_gap=0.0) if exact
                   else ctx.solve(milp, start=use_start))
        if translate is not None:  # in the stage's own units before it is recorded
            sol = translate(sol)
        notes.extend(n for n in sol.notes if n not in notes)
        stages.append(Stage(name, sol.status, sol.objective, sol.bound, sol.gap,
                            sol.solve_seconds, sol.nodes, sol.termination.value))
        return sol

    first = "cost" if problem.objective == "cost" else problem.objective
    # exact weights only when the caller asked for exact answers (a relative or absolute gap
    # of their own means "stop early", which the two-stage route honours per stage)
    lex = model.lexicographic() if (first == "coverage" and tie_break_wanted
                                    and options.rel_gap <= SolveOptions().rel_gap
                                    and options.abs_gap is None) else None
    milp1 = lex.milp if lex is not None else model.stage(first)
    windows = windows_wanted(inst, options, engine)
    if lex is not None:   # coverage and its cheapest tie in one exact solve
        lex_state: dict[str, bool] = {}
        sol1 = run(milp1, start, "max coverage, then min cost (one exact weighted objective)",
                   exact=True, windows=windows, translate=lambda sol: lex_translate(
                       lex, sol, model.lift, model.coverage, model.cost, lex_state))
    else:
        sol1 = run(milp1, start, windows=windows)
    if not sol1.has_solution:
        out = _result(problem, sol1.status, None, sol1.bound, None, None, stages, engine.name,
                      build_seconds, t0, None, notes, termination=_termination(ctx, sol1, stages))
        if explain and out.status is Status.INFEASIBLE and not ctx.interrupted:
            from .diagnose import diagnose, joint_reasons

            reasons = diagnose(inst, problem) or joint_reasons(
                inst, problem, solve=solve, backend=backend, options=options)
            out = replace(out, reasons=tuple(reasons), notes=out.notes + tuple(reasons))
        return replace(out, notes=out.notes + tuple(proof_notes(out)))
    assert sol1.x is not None  # has_solution
    plan1 = decode(model, inst, sol1.x)
    check1 = verify(inst, problem, plan1)
    _assert_feasible(check1, "stage 1")
    primary = check1.objective(problem.objective)
    final_sol: MilpSolution | None = sol1
    final_x: np.ndarray | None
    plan, check, final_x = plan1, check1, sol1.x

    tied: TieBreak = "n/a" if problem.objective == "cost" else "skipped"
    if not tie_break_wanted:
        pass
    elif problem.objective == "coverage":
        if lex is not None and lex_state.get("proven"):
            tied = "proven"
        else:
            plan, check, final_x, tied = _cheapest_optimal(model, inst, problem, run,
                                                           plan1, check1, sol1, notes)
        final_sol = None
    elif problem.objective == "equity":
        level = min(primary, sol1.objective if sol1.objective is not None else primary)
        sol2 = run(model.stage("coverage", equity_at_least=max(level - 1e-9, 0.0)), sol1.x,
                   "tie-break: max coverage at the optimal equity level")
        tied = "proven" if sol2.status is Status.OPTIMAL else "not proven"
        if sol2.has_solution:
            assert sol2.x is not None  # has_solution
            plan2 = decode(model, inst, sol2.x)
            check2 = verify(inst, problem, plan2)
            _assert_feasible(check2, "stage 2")
            final_sol, plan, check = sol2, plan2, check2
            primary = check2.objective(problem.objective)
        else:
            notes.append("the tie-break stage found no plan in time; the stage-1 plan is reported")
    final_x = final_sol.x if final_sol is not None else final_x
    primary = check.objective(problem.objective)
    termination = _termination(ctx, sol1, stages)
    out = _result(problem, sol1.status, primary, sol1.bound, plan, check, stages, engine.name,
                  build_seconds, t0, final_x, notes, tied, termination)
    return replace(out, notes=out.notes + tuple(proof_notes(out)))


#: the window search runs on models with at least this many candidate sites (a city; the demo
#: district's 360 sites are proven by the full MILP in seconds and never see it)
WINDOW_MIN_SITES = 1_000
#: the root node may use the time limit up to this share; the window search has the rest
ROOT_SHARE = 0.5


def windows_wanted(inst: CommunityInstance, options: SolveOptions, engine: Backend) -> bool:
    """Whether stage 1 is the root node and then the window search (models/community.md,
    "Window search"): a time limit, a backend that takes a start and stops after the root,
    a city-sized model."""
    return (options.time_limit is not None and options.warm_start
            and engine.supports_mip_start and engine.supports_node_limit
            and inst.n_sites >= WINDOW_MIN_SITES)


def _root_then_windows(model: CommunityModel, inst: CommunityInstance, milp: MilpProblem,
                       start: np.ndarray, ctx: SolveContext, exact: bool,
                       notes: list[str]) -> MilpSolution:
    """Stage 1 at city scale: the backend's root node (LP, cuts, heuristics) gives the bound,
    then exact sub-MILPs over neighbourhoods of sites (windows.py) improve its plan until the
    time limit. The answer is assembled like any backend's: status from plan and bound."""
    from ..backends.base import assemble, proven_optimal
    from .windows import search

    assert ctx.options.time_limit is not None and ctx.deadline is not None  # windows_wanted
    gaps: dict[str, object] = {"rel_gap": 0.0} if exact else {}
    t0 = time.perf_counter()
    root_end = ctx.started + ROOT_SHARE * ctx.options.time_limit
    root = ctx.solve_part(milp, start, max(root_end - t0, 1.0), node_limit=1, **gaps)
    if root.termination in (Termination.OPTIMAL, Termination.INFEASIBLE,
                            Termination.INTERRUPTED) or ctx.stopped() is not None:
        return root
    x = root.x if root.has_solution and root.x is not None else start

    def solve_window(sub: MilpProblem, x0: np.ndarray, seconds: float
                     ) -> tuple[np.ndarray | None, bool]:
        sol = ctx.solve_part(sub, x0, max(seconds, 0.05), rel_gap=1e-4, abs_gap=None,
                             verbose=False)
        ok = sol.status in (Status.OPTIMAL, Status.FEASIBLE) and sol.x is not None
        return (sol.x if ok else None), sol.status is Status.OPTIMAL

    options = ctx.options.model_copy(update=gaps)

    def closed(objective: float) -> bool:
        return proven_optimal(milp, objective, root.bound, options)

    x, stats = search(model, inst, milp, x, solve_window, ctx.deadline,
                      stop=lambda objective: closed(objective) or ctx.stopped() is not None)
    notes.append(f"root node {root.solve_seconds:.1f} s ({root.termination.value}), then "
                 + stats.describe())
    termination = (Termination.INTERRUPTED if ctx.interrupted else
                   Termination.OPTIMAL if closed(milp.objective_value(x))
                   else Termination.TIME_LIMIT)
    return assemble(ctx.backend, milp, options, termination=termination, x=x, bound=root.bound,
                    seconds=time.perf_counter() - t0, nodes=root.nodes,
                    native=f"root node, then {stats.windows} windows", notes=root.notes)


#: the greedy start's cap (it stops by itself when no move fits: 0.1-0.2 s on the demo)
GREEDY_MAX_SECONDS = 15.0


def greedy_seconds(options: SolveOptions) -> float:
    """Time for the greedy start: 5 % of a time limit, at most 15 s (15 s without a limit).

    The cap only binds on large instances: the 50k-block benchmark city's greedy takes 1.8 s
    on a quiet machine, and under load a 2 s cap cut it at half the budget (coverage 2.15 M
    instead of 4.02 M), which HiGHS, its root LP unfinished, never improved (91 % gap)."""
    if options.time_limit is None:
        return GREEDY_MAX_SECONDS
    return min(GREEDY_MAX_SECONDS, 0.05 * options.time_limit)


def infeasible_result(problem: CommunityProblem, backend: str,
                      reasons: list[str] | tuple[str, ...]) -> CommunityResult:
    """The result of a scenario a diagnosis rules out before any solve: status infeasible, the
    backend that would have run, no stages, the reasons (also as notes)."""
    return CommunityResult(problem=problem, status=Status.INFEASIBLE, objective=None,
                           bound=None, gap=None, plan=None, check=None, stages=(),
                           backend=backend, build_seconds=0.0, solve_seconds=0.0,
                           notes=tuple(reasons), termination=Termination.INFEASIBLE,
                           reasons=tuple(reasons))


def _termination(ctx: SolveContext, sol1: MilpSolution, stages: list[Stage]) -> Termination:
    """Interrupted or time-limited if any stage stopped so (or did not run); else how stage 1
    ended."""
    if ctx.interrupted:
        return Termination.INTERRUPTED
    if any("time_limit" in s.termination for s in stages):
        return Termination.TIME_LIMIT
    return sol1.termination


def proof_notes(result: CommunityResult) -> list[str]:
    """Notes stating what is proven, derived from the same state as the status (#21.11)."""
    why = {Termination.INTERRUPTED: "the run was interrupted",
           Termination.TIME_LIMIT: "the time limit was reached"}.get(result.termination)
    out: list[str] = []
    if result.status is Status.NO_SOLUTION:
        out.append("no plan was found" + (f": {why}" if why else ""))
    elif result.status in (Status.INFEASIBLE, Status.UNBOUNDED):
        pass  # an answer in itself; its reasons are in the notes
    elif result.status is not Status.OPTIMAL:
        gap = "" if result.gap is None else f" (gap {result.gap:.2%})"
        out.append(f"the primary objective is not proven optimal{gap}"
                   + (f": {why}" if why else ""))
        if result.tie_break == "not proven":
            ran = any(s.objective.startswith("tie-break") and not s.termination.startswith(
                "not run") for s in result.stages)
            out.append("ties may not be broken optimally" + (
                "" if ran else " (the tie-break stage did not run)"))
    elif result.tie_break == "not proven":
        out.append("the primary objective is proven but ties may not be broken optimally "
                   f"({why or 'the tie-break stage stopped before proving it'})")
    return out


def lex_translate(lex: Lexicographic, sol: MilpSolution, lift: Callable[[np.ndarray], np.ndarray],
                  primary: np.ndarray, cost: np.ndarray,
                  state: dict[str, bool]) -> MilpSolution:
    """The weighted solve's answer in coverage units: objective C(x), bound ⌊(U + K − 1)/K⌋·g
    (``lift`` completes the tier variables, ``primary``/``cost`` are the coverage and cost
    vectors; the phased model passes its own).

    Both orders are proven when the solver proved F optimal and the plan's own F (tier
    variables lifted to their best values, as the verifier counts them) reaches the bound U;
    coverage alone is proven when the plan's coverage reaches the coverage bound.
    """
    state["proven"] = False
    bound = None if sol.bound is None else lex.coverage_bound(sol.bound)
    if sol.x is None:
        return replace(sol, objective=None, bound=bound)
    x = lift(sol.x)
    coverage, spent = value(primary, x), value(cost, x)
    status = sol.status
    if status is Status.OPTIMAL or status is Status.FEASIBLE:
        reached = bound is not None and coverage >= bound - 0.5 * lex.grain
        status = Status.OPTIMAL if reached else Status.FEASIBLE
        state["proven"] = (sol.status is Status.OPTIMAL and sol.bound is not None
                           and lex.value(coverage, spent) >= sol.bound - 0.5)
    if bound is not None and status is Status.OPTIMAL:
        bound = max(bound, coverage)
    return replace(sol, status=status, objective=coverage, bound=bound, x=x)


def _cheapest_optimal(model: CommunityModel, inst: CommunityInstance, problem: CommunityProblem,
                      run: Callable[..., MilpSolution], plan: Plan, check: Check,
                      sol1: MilpSolution, notes: list[str],
                      ) -> tuple[Plan, Check, np.ndarray | None, TieBreak]:
    """Among plans with coverage C*, the cheapest: ask repeatedly for a plan with coverage ≥ C*
    that costs at least one cost step less. 'Infeasible' proves the current plan cheapest.

    Each question is a max-coverage MILP with a lower budget (a strong LP bound), much easier to
    settle than 'min cost s.t. coverage ≥ C*' whose LP relaxation is weak.
    """
    if sol1.status is not Status.OPTIMAL:
        notes.append("the coverage stage was not proven optimal, so the cheapest plan among the "
                     "optimal ones was not searched for")
        return plan, check, sol1.x, "not proven"
    floor_value = min(check.coverage_objective, sol1.objective or check.coverage_objective)
    floor = floor_value - LEX_REL_TOL * max(1.0, abs(floor_value))
    step = model.cost_step
    x = sol1.x
    for _ in range(50):
        cost = check.total_cost
        below = cost - step if step > 0 else cost - max(1e-6 * abs(cost), 1e-6)
        if below < -1e-9:
            return plan, check, x, "proven"
        budget = below if problem.budget is None else min(problem.budget, below)
        milp = model.with_budget(budget).stage("coverage", coverage_at_least=floor)
        sol = run(milp, None, f"tie-break: optimal coverage for at most {budget:,.6g}?")
        if sol.status is Status.INFEASIBLE:
            return plan, check, x, "proven"
        if not sol.has_solution:
            return plan, check, x, "not proven"
        assert sol.x is not None  # has_solution
        plan2 = decode(model, inst, sol.x)
        check2 = verify(inst, problem, plan2)
        _assert_feasible(check2, "tie-break stage")
        if check2.total_cost >= cost - 1e-9:  # cannot happen unless tolerances bite
            return plan, check, x, "not proven"
        plan, check, x = plan2, check2, sol.x
    return plan, check, x, "not proven"


def _label(milp: MilpProblem, model: CommunityModel) -> str:
    if model.t_col is not None and milp.c[model.t_col] != 0:
        return "equity"
    return "coverage" if np.array_equal(milp.c, model.coverage) else "cost"


def _result(problem: CommunityProblem, status: Status, objective: float | None,
            bound: float | None, plan: Plan | None, check: Check | None,
            stages: list[Stage], backend: str, build_seconds: float, t0: float,
            x: np.ndarray | None, notes: list[str], tie_break: TieBreak = "n/a",
            termination: Termination = Termination.OPTIMAL) -> CommunityResult:
    gap = None
    if objective is not None and bound is not None:
        diff = abs(objective - bound) if np.isfinite(bound) else np.inf
        gap = 0.0 if diff <= 1e-9 * max(1.0, abs(objective)) else (
            diff / abs(objective) if objective else np.inf)
        if problem.objective != "cost" and bound < objective:  # verified value beats the bound
            gap = 0.0
        if problem.objective == "cost" and bound > objective:
            gap = 0.0
    return CommunityResult(problem=problem, status=status, objective=objective, bound=bound,
                           gap=gap, plan=plan, check=check, stages=tuple(stages), backend=backend,
                           build_seconds=build_seconds,
                           solve_seconds=time.perf_counter() - t0 - build_seconds, x=x,
                           notes=tuple(notes), tie_break=tie_break, termination=termination)


def decode(model: CommunityModel, inst: CommunityInstance, x: np.ndarray) -> Plan:
    """Round the integer columns and read the allocations out of the MILP vector."""
    m, S = inst.n_sites, inst.n_services
    used = np.round(model.milp.values(x, "y")).astype(bool)
    new = np.zeros((m, S), dtype=np.int64)
    new[model.pair_j, model.pair_s] = np.round(model.milp.values(x, "m")).astype(np.int64)
    allocs: list[Allocation | None] = []
    for terms in model.credits:
        if terms.site is None:
            allocs.append(None)
        else:
            allocs.append(_disaggregate(terms, inst, np.clip(x[terms.col], 0.0, None)))
    return Plan(used=used, new_modules=new, allocations=tuple(allocs))


def _assert_feasible(check: Check, where: str) -> None:
    if check.violations:
        raise VerificationError(f"the solver's plan ({where}) failed verification: "
                                f"{check.violations[0]}")


def _disaggregate(terms: CreditTerms, inst: CommunityInstance, u: np.ndarray) -> Allocation:
    """Split each group's allocation over its blocks in proportion to their population."""
    assert terms.site is not None and terms.group is not None and terms.group_weight is not None
    keep = u > 1e-9
    cols_group = terms.group[terms.block[keep]]
    site, amount = terms.site[keep], u[keep]
    members = np.flatnonzero(terms.group >= 0)
    order = members[np.argsort(terms.group[members], kind="stable")]
    sizes = np.bincount(terms.group[members], minlength=terms.group_weight.size)
    start = np.r_[0, np.cumsum(sizes)[:-1]]
    reps = sizes[cols_group]
    col = np.repeat(np.arange(cols_group.size), reps)
    offset = np.arange(col.size) - np.repeat(np.cumsum(reps) - reps, reps)
    blocks = order[start[cols_group][col] + offset]
    w = inst.population[:, terms.service][blocks]
    share = np.divide(w, terms.group_weight[cols_group][col],
                      out=np.zeros(col.size), where=terms.group_weight[cols_group][col] > 0)
    return Allocation(blocks, site[col], amount[col] * share)
