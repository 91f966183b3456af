"""HiGHS through highspy: the model is passed in one call from CSC arrays."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from ..milp import MilpProblem
from ..options import SolveOptions
from ..signals import abandon, interrupts_held
from ..solution import MilpSolution, Status, Termination
from .base import Backend, assemble, effective_abs_gap, feasible_point, usable_start

_banner_shown = False


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence fd 1 (HiGHS prints a licence banner from C++ at the first Highs())."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _new_highs(verbose: bool):  # type: ignore[no-untyped-def]
    global _banner_shown
    import highspy

    if verbose or _banner_shown:
        return highspy.Highs()
    with quiet_stdout():
        h = highspy.Highs()
    _banner_shown = True
    return h


class HighsBackend(Backend):
    name = "highs"
    requires = ("highspy",)
    distribution = "highspy"
    extra = "highs"
    supports_mip_start = True
    supports_node_limit = True

    def _solve(self, problem: MilpProblem, options: SolveOptions,
               start: np.ndarray | None) -> MilpSolution:
        import highspy

        waited = settle_leftovers(options.time_limit)
        if waited is not None:  # an earlier solve's thread outlasted this one's stop
            return assemble(self, problem, options, termination=waited, x=None, bound=None,
                            seconds=0.0, nodes=0, native="not started: an earlier HiGHS "
                            "solve was still finishing", start=usable_start(problem, start))
        if _search_overruns(problem, options):
            return self._relaxation_only(problem, options, start)
        h = _new_highs(options.verbose)
        h.setOptionValue("output_flag", bool(options.verbose))
        if options.time_limit is not None:
            h.setOptionValue("time_limit", float(options.time_limit))
        h.setOptionValue("mip_rel_gap", float(options.rel_gap))
        h.setOptionValue("mip_abs_gap", float(effective_abs_gap(problem, options)))
        if options.threads is not None:
            h.setOptionValue("threads", int(options.threads))
        h.setOptionValue("random_seed", int(options.seed))
        if options.node_limit is not None:
            h.setOptionValue("mip_max_nodes", int(options.node_limit))
        notes: tuple[str, ...] = ()
        int_cols = np.flatnonzero(problem.integrality)
        if _root_by_barrier(problem, options):
            h.setOptionValue("mip_lp_solver", "ipm")
            notes = (*notes, "highs: the root LP by interior point (a root-only solve of a "
                     "large MIP)")
        if _skip_presolve(problem, options):
            h.setOptionValue("presolve", "off")
            notes = (*notes, "highs: presolve off (dense rows: it costs more than it saves "
                     "here, and it does not watch the clock)")
        elif _presolve_overruns(problem, options):
            h.setOptionValue("presolve", "off")
            notes = (*notes, f"highs: presolve off ({problem.nnz} non-zeros would take longer "
                     f"than the {options.time_limit:.3g}s left, and presolve does not watch the "
                     "clock)")
        if _presolve_overruns(problem, options, "mip_heuristic_run_feasibility_jump") and \
                int_cols.size:
            h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
            notes = (*notes, "highs: feasibility jump off (it does not watch the clock either)")
        elif start_makes_jump_moot(problem, options, start):
            h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
        if _presolve_overruns(problem, options, "mip_root_presolve_only") and int_cols.size:
            # the MIP's root LP runs an LP presolve of its own, under its own copy of the time
            # limit (a 180k-row p-dispersion root spent 6 s in its parallel-rows search on a
            # 1 s limit)
            h.setOptionValue("mip_root_presolve_only", True)
            notes = (*notes, "highs: root LP presolve off (the same reason)")
        for key, value in options.backend_options.items():
            status = h.setOptionValue(key, value)
            if status != highspy.HighsStatus.kOk:
                raise ValueError(f"HiGHS rejected option {key}={value!r}")

        # one bulk call with the CSR arrays (row-wise): 0.4 s for 1M columns / 3M non-zeros,
        # against ~3 s through HighsLp attributes plus a scipy CSR->CSC conversion
        inf = highspy.kHighsInf
        A = problem.A
        sense = -1 if problem.sense == "max" else 1
        status = h.passModel(
            problem.n_cols, problem.n_rows, int(A.nnz), 2, sense, float(problem.offset),
            np.ascontiguousarray(problem.c, dtype=float),
            np.maximum(problem.col_lower, -inf), np.minimum(problem.col_upper, inf),
            np.maximum(problem.row_lower, -inf), np.minimum(problem.row_upper, inf),
            A.indptr.astype(np.int32), A.indices.astype(np.int32),
            np.ascontiguousarray(A.data, dtype=float), problem.integrality.astype(np.int32),
        )
        if status == highspy.HighsStatus.kError:
            from ..errors import BackendError

            raise BackendError("HiGHS rejected the model (passModel returned an error)")
        if start is not None and int_cols.size:
            sol = highspy.HighsSolution()
            sol.col_value = np.asarray(start, dtype=float)
            sol.value_valid = True
            h.setSolution(sol)

        t0 = time.perf_counter()
        # solve() runs HiGHS in a thread and turns Ctrl-C into a clean cancel (kInterrupt),
        # keeping the incumbent; run() would block signal handling until the end
        h.HandleKeyboardInterrupt = True
        progress = Progress(problem.n_cols)
        if int_cols.size:
            progress.watch(h)
        watchdog = _cancel_after(h, options.time_limit)
        try:
            interrupted, left = _run_cancellable(h, watchdog)
        finally:
            if watchdog is not None:
                watchdog.cancel()
        seconds = time.perf_counter() - t0
        timed_out = watchdog is not None and watchdog.fired
        if left:
            return self._abandoned(problem, options, seconds, progress, start, notes,
                                   interrupted=interrupted)
        return self._collect(h, problem, options, seconds, mip=bool(int_cols.size), start=start,
                             notes=notes, timed_out=timed_out, interrupted=interrupted)

    def _abandoned(self, problem: MilpProblem, options: SolveOptions, seconds: float,
                   progress: Progress, start: np.ndarray | None, notes: tuple[str, ...],
                   interrupted: bool) -> MilpSolution:
        """The answer of a solve left running (:func:`_run_cancellable`): the last incumbent
        and dual bound HiGHS reported through its callbacks (both in the original model's
        terms), else the checked start; the thread is not touched again."""
        note = ("highs: stopped in a phase that reads neither the cancel nor the time limit "
                "(presolve, the root LP); its answer was not waited for (the solver finishes "
                "that phase in the background)")
        return assemble(self, problem, options,
                        termination=(Termination.INTERRUPTED if interrupted
                                     else Termination.TIME_LIMIT),
                        x=feasible_point(problem, progress.x), bound=progress.bound,
                        seconds=seconds, nodes=None, native="abandoned after the stop",
                        start=usable_start(problem, start), notes=(*notes, note))

    def _relaxation_only(self, problem: MilpProblem, options: SolveOptions,
                         start: np.ndarray | None) -> MilpSolution:
        """A time limit too short for the MIP search on this model: its LP relaxation only
        (the simplex watches the clock and the cancel; the MIP's root phases do not: on a
        225k-non-zero UFL model with 1 s, its root rounding heuristic alone ran 2.5 s, and
        nothing could stop it). The LP's value is a proven bound, the checked start the
        incumbent, an integral LP optimum the answer."""
        relaxed = replace(problem, integrality=np.zeros(problem.n_cols, dtype=bool),
                          objective_granularity=0.0)
        lp = self._solve(relaxed, options, None)
        note = (f"highs: MIP search skipped ({problem.nnz} non-zeros: its root phases, which "
                f"do not watch the clock, would overrun the {options.time_limit:.3g}s left); "
                "LP relaxation bound only")
        if lp.termination in (Termination.INFEASIBLE, Termination.UNBOUNDED,
                              Termination.INFEASIBLE_OR_UNBOUNDED):
            termination = (Termination.INFEASIBLE if lp.termination is Termination.INFEASIBLE
                           else Termination.INFEASIBLE_OR_UNBOUNDED)
            return assemble(self, problem, options, termination=termination, x=None,
                            bound=None, seconds=lp.solve_seconds, nodes=0,
                            native=lp.native_status, notes=(*lp.notes, note))
        x = None
        if lp.status is Status.OPTIMAL and lp.x is not None:
            ints = problem.integrality
            if np.all(np.abs(lp.x[ints] - np.round(lp.x[ints])) <= 1e-6):
                x = feasible_point(problem, lp.x)  # an integral LP optimum solves the MIP
        bound = lp.objective if lp.status is Status.OPTIMAL else None
        termination = (Termination.INTERRUPTED if lp.termination is Termination.INTERRUPTED
                       else Termination.TIME_LIMIT)
        return assemble(self, problem, options, termination=termination, x=x, bound=bound,
                        seconds=lp.solve_seconds, nodes=0, native=lp.native_status,
                        start=usable_start(problem, start), notes=(*lp.notes, note))

    def _collect(self, h, problem: MilpProblem, options: SolveOptions, seconds: float,
                 mip: bool, start: np.ndarray | None, notes: tuple[str, ...] = (),
                 timed_out: bool = False,
                 interrupted: bool = False) -> MilpSolution:  # type: ignore[no-untyped-def]
        import highspy

        ms = h.getModelStatus()
        info = h.getInfo()
        S = highspy.HighsModelStatus
        termination = {
            S.kOptimal: Termination.OPTIMAL,
            S.kInfeasible: Termination.INFEASIBLE,
            S.kUnbounded: Termination.UNBOUNDED,
            S.kUnboundedOrInfeasible: Termination.INFEASIBLE_OR_UNBOUNDED,
            S.kTimeLimit: Termination.TIME_LIMIT,
            S.kIterationLimit: Termination.ITERATION_LIMIT,
            S.kSolutionLimit: Termination.ITERATION_LIMIT,
            S.kInterrupt: Termination.INTERRUPTED,
            # highspy 1.16's stubs omit kHighsInterrupt (status 19), which the module has
            S.kHighsInterrupt: Termination.INTERRUPTED,  # type: ignore[attr-defined]
        }.get(ms, Termination.ERROR if ms in (S.kSolveError, S.kLoadError, S.kModelError,
                                               S.kPresolveError, S.kPostsolveError,
                                               S.kMemoryLimit) else Termination.OTHER)
        if timed_out and termination is Termination.INTERRUPTED:
            termination = Termination.TIME_LIMIT  # our watchdog, not the user, cancelled it
        x = None
        if info.primal_solution_status == 2:
            x = np.asarray(h.getSolution().col_value, dtype=float)
            if x.shape[0] != problem.n_cols:
                x = None
        if (start is not None and x is not None and abs(
                problem.objective_value(x) - float(info.objective_function_value))
                > 1e-6 * max(1.0, abs(float(info.objective_function_value)))):
            # highspy 1.16 hands back the start vector under another objective value: after
            # a MIP solved in presolve (with the optimum's value) and after a stop before the
            # MIP search began. Trust neither: the (checked) start is the incumbent, and a
            # finished solve runs again without it, in the time left. A stopped one must not
            # start again: that lost the Ctrl-C and ran on to the limit.
            if termination is not Termination.OPTIMAL or interrupted or timed_out:
                x = None
            else:
                if options.time_limit is not None:
                    options = options.model_copy(update={
                        "time_limit": max(options.time_limit - seconds, 0.01)})
                return self.solve(problem, options, start=None)
        bound: float | None
        if mip:
            bound = float(info.mip_dual_bound)
        else:
            bound = problem.objective_value(x) if (termination is Termination.OPTIMAL
                                                   and x is not None) else None
        if interrupted and termination in (Termination.OPTIMAL, Termination.TIME_LIMIT,
                                           Termination.ITERATION_LIMIT):
            # Ctrl-C came as HiGHS finished: the answer stands (its bound says what is proven)
            # but the run must stop here, as after any interrupt
            termination = Termination.INTERRUPTED
        sol = assemble(self, problem, options, termination=termination, x=x, bound=bound,
                       seconds=seconds, nodes=int(info.mip_node_count) if mip else 0,
                       native=h.modelStatusToString(ms), start=usable_start(problem, start),
                       notes=notes)
        if not mip and sol.status is Status.OPTIMAL:
            sol = replace(sol, reduced_costs=np.asarray(h.getSolution().col_dual, dtype=float))
        return sol


#: HiGHS presolve seconds per model non-zero, measured on this project's loaded 2-core machine
#: (highspy 1.16: a 30k x 30k p-median radius model with 0.7M non-zeros spent 8-13 s in a
#: presolve that reduced nothing, past a 2 s limit; its time limit is checked only between
#: presolve passes)
PRESOLVE_SECONDS_PER_NNZ = 2e-5
#: share of the time limit presolve may be expected to use
PRESOLVE_SHARE = 0.25
#: seconds after the time limit at which a solve still running is cancelled (HiGHS checks its
#: own limit between iterations; the interrupt callback also reaches the LP and the MIP loops)
CANCEL_GRACE = 0.25


#: a root-only solve (``node_limit = 1``) of a MIP with at least this many non-zeros solves
#: its root LP by interior point: the 50k-block community city (776k non-zeros) took 52 s
#: to its root LP that way against 194 s by dual simplex (highspy 1.16, the same machine)
ROOT_BARRIER_MIN_NNZ = 200_000


def _root_by_barrier(problem: MilpProblem, options: SolveOptions) -> bool:
    return (options.node_limit == 1 and problem.nnz >= ROOT_BARRIER_MIN_NNZ
            and bool(problem.integrality.any())
            and "mip_lp_solver" not in options.backend_options)


def _presolve_overruns(problem: MilpProblem, options: SolveOptions,
                       option: str = "presolve") -> bool:
    """Whether a phase that does not watch the clock (presolve; the feasibility jump heuristic
    that starts the MIP: 8 s on that model) would likely eat a short time limit; then it is
    skipped, unless the caller set ``option`` themselves."""
    if options.time_limit is None or any(k.startswith(option)
                                         for k in options.backend_options):
        return False
    return problem.nnz * PRESOLVE_SECONDS_PER_NNZ > PRESOLVE_SHARE * options.time_limit


def stop_solve(h) -> None:  # type: ignore[no-untyped-def]
    """Ask a running solve to stop as soon as it can. highspy's cancel flag is read only by
    the simplex, IPM and MIP-loop callbacks; presolve (and its probing) and the MIP's next LP
    solves read the time limit instead, so that is set to zero as well. HiGHS reads the limit
    from the live options record in those phases (a plain double, written in place)."""
    h.cancelSolve()
    h.setOptionValue("time_limit", 0.0)


#: seconds: a time limit at most this short may skip the MIP search (:func:`_search_overruns`)
SHORT_LIMIT = 10.0


def _search_overruns(problem: MilpProblem, options: SolveOptions) -> bool:
    """Whether a MIP is too large for its time limit to be worth a search: presolve alone
    would be predicted to take all of it (:data:`PRESOLVE_SECONDS_PER_NNZ`), and the root
    phases that run before the first time check (the root LP's set-up, randomized
    rounding, symmetry detection) scale alike. Only for short limits (:data:`SHORT_LIMIT`):
    under a long one those phases overrun it by a small share, and a search is worth more
    than an LP bound (the 30M-non-zero city MCLPs of benchmarks/scale). Never when the
    caller set HiGHS options."""
    if options.time_limit is None or options.time_limit > SHORT_LIMIT or \
            options.backend_options or not problem.integrality.any():
        return False
    return problem.nnz * PRESOLVE_SECONDS_PER_NNZ > options.time_limit


def start_makes_jump_moot(problem: MilpProblem, options: SolveOptions,
                           start: np.ndarray | None) -> bool:
    """Feasibility jump only hunts for a first incumbent: with a feasible MIP start it is
    skipped (unless the caller set it). On the community demo (highspy 1.16, 1 thread) turning
    it off saved 0.3-2.8 CPU s of 3.5-5.5 on five of six solves (one took 0.5 s longer); the
    plan it found was 70 % below the optimum."""
    return (start is not None and bool(problem.integrality.any())
            and "mip_heuristic_run_feasibility_jump" not in options.backend_options
            and usable_start(problem, start) is not None)


#: seconds a solve asked to stop (Ctrl-C, or the watchdog after its limit) is waited for
#: before it is left to finish in its thread: the simplex, IPM and MIP loops stop within
#: tenths of a second; presolve's dominated-columns and parallel-rows passes and the MIP's
#: root LP read neither the cancel nor a changed time limit (an MCLP cover model: 4-9 s of
#: presolve, a 30 s root LP without presolve; highspy 1.16)
ABANDON_GRACE = 1.0

#: highspy threads left running by :func:`_run_cancellable` (joined before the next solve)
_leftovers: list[threading.Thread] = []


def _run_cancellable(h, watchdog: _Watchdog | None) -> tuple[bool, bool]:  # type: ignore[no-untyped-def]
    """Run the solve in highspy's thread; Ctrl-C or SIGTERM (both KeyboardInterrupt here)
    cancel it and we wait for HiGHS to hand back its incumbent, for :data:`ABANDON_GRACE`
    at most (also after the watchdog's stop); a solve that outlasts it is left running.
    Returns (whether an interrupt arrived, whether the solve was left running).

    (highspy's own joinSolve prints "Waiting for HiGHS to finish" and exits the process on
    the 5th Ctrl-C.) highspy guards "solver running" with class-level locks, so a thread
    left running blocks every later highspy solve: the next solve joins it first
    (:func:`settle_leftovers`), and so does the interpreter's exit (one still running at
    exit aborts the process); the command line ends at once instead
    (:func:`siting.signals.exit_now`)."""
    # Interrupts are held, not raised, for the whole solve: one landing inside highspy's
    # startSolve or wait (highspy 1.16) leaves its class-level lock taken or its thread
    # unwatched, and the next solve of the process then waits forever.
    with interrupts_held() as held:
        thread = h.startSolve()
        stopped_at: float | None = None
        while True:
            done, _ = h.wait(0.1)
            if done:
                return bool(held), False
            if held and stopped_at is None:
                stop_solve(h)
                stopped_at = time.perf_counter()
            if stopped_at is None and watchdog is not None:
                stopped_at = watchdog.fired_at
            if stopped_at is not None and time.perf_counter() - stopped_at > ABANDON_GRACE:
                _leave_running(thread)
                return bool(held), True


def _leave_running(thread: threading.Thread) -> None:
    global _exit_join_registered
    _leftovers.append(thread)
    abandon(thread)
    if not _exit_join_registered:
        import atexit

        atexit.register(_join_at_exit)
        _exit_join_registered = True


_exit_join_registered = False


def settle_leftovers(time_limit: float | None) -> Termination | None:
    """Wait for the highspy threads left running (their phase ends, then their stop is
    read): None once none is left; INTERRUPTED if an interrupt arrives meanwhile, TIME_LIMIT
    if ``time_limit`` seconds pass first (the new solve then does not start)."""
    if not _leftovers:
        return None
    t0 = time.perf_counter()
    with interrupts_held() as held:
        while _leftovers:
            _leftovers[0].join(0.1)
            if not _leftovers[0].is_alive():
                _leftovers.pop(0)
            elif held:
                return Termination.INTERRUPTED
            elif time_limit is not None and time.perf_counter() - t0 > time_limit:
                return Termination.TIME_LIMIT
    return None


def _join_at_exit() -> None:
    """The interpreter's exit waits for the threads left running (a further Ctrl-C does not
    cut that wait: a highspy thread still inside HiGHS when the interpreter goes aborts it)."""
    with interrupts_held():
        for thread in _leftovers:
            thread.join()


class Progress:
    """The last incumbent and dual bound a running MIP reported through highspy's callbacks,
    for a solve that is not waited for: the values are the original model's (sense and
    offset included), as HiGHS's own final report."""

    def __init__(self, n_cols: int) -> None:
        self.n_cols = n_cols
        self.x: np.ndarray | None = None
        self.bound: float | None = None

    def watch(self, h) -> None:  # type: ignore[no-untyped-def]
        h.cbMipImprovingSolution.subscribe(self._solution)
        h.cbMipInterrupt.subscribe(self._bound)

    def _solution(self, event) -> None:  # type: ignore[no-untyped-def]
        x = np.array(event.data_out.mip_solution, dtype=float)
        if x.shape == (self.n_cols,):
            self.x = x

    def _bound(self, event) -> None:  # type: ignore[no-untyped-def]
        b = float(event.data_out.mip_dual_bound)
        if np.isfinite(b):
            self.bound = b


class _Watchdog:
    """Cancels a running solve shortly after its time limit; remembers when it did."""

    def __init__(self, h, time_limit: float) -> None:  # type: ignore[no-untyped-def]
        self.fired_at: float | None = None
        self._h = h
        self._timer = threading.Timer(time_limit + CANCEL_GRACE, self._fire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def fired(self) -> bool:
        return self.fired_at is not None

    def _fire(self) -> None:
        stop_solve(self._h)
        self.fired_at = time.perf_counter()

    def cancel(self) -> None:
        self._timer.cancel()


def _cancel_after(h, time_limit: float | None) -> _Watchdog | None:  # type: ignore[no-untyped-def]
    """A watchdog for the solve (None without a limit)."""
    return None if time_limit is None else _Watchdog(h, time_limit)


#: average non-zeros per row above which a MIP skips HiGHS presolve
DENSE_ROW = 200


def _skip_presolve(problem: MilpProblem, options: SolveOptions) -> bool:
    """HiGHS presolve on dense cover rows (p-center steps: ~600 non-zeros per row) ran 47-54 s
    past a 28 s limit without reducing anything; with it off the same step proved
    infeasibility in 4.6 s (highspy 1.16). Skipped for such MIPs unless the caller set
    presolve options themselves."""
    return (bool(problem.integrality.any()) and problem.n_rows > 0
            and problem.A.nnz / problem.n_rows > DENSE_ROW
            and not any(k.startswith("presolve") for k in options.backend_options))
