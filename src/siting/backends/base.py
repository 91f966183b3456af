"""The backend contract: translate a MilpProblem in bulk, solve, map the status."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar, TypeVar

import numpy as np

from ..errors import BackendError
from ..milp import MilpProblem
from ..options import SolveOptions
from ..signals import abandon, import_held, interrupts_held
from ..solution import MilpSolution, Status, Termination
from .lazy import LazyResult, LazySeparator, LazySettings


class Backend(ABC):
    """One solver. Subclasses import their native package inside :meth:`solve` only."""

    name: ClassVar[str]
    #: modules probed with importlib.util.find_spec (never imported just to list backends)
    requires: ClassVar[tuple[str, ...]] = ()
    #: distribution whose version is reported
    distribution: ClassVar[str] = ""
    #: pip extra that installs it
    extra: ClassVar[str] = ""
    supports_mip_start: ClassVar[bool] = False
    reports_bound: ClassVar[bool] = True
    supports_threads: ClassVar[bool] = True
    #: honours ``SolveOptions.node_limit``
    supports_node_limit: ClassVar[bool] = False
    #: :meth:`solve_lazy` runs one tree with a separation callback (backends/lazy.py)
    supports_lazy_cuts: ClassVar[bool] = False
    #: a backend that re-solves LP loops faster, used for them when installed
    lp_partner: ClassVar[str | None] = None
    #: the native modules :meth:`_solve` imports (default: :attr:`requires`); loaded by
    #: :meth:`load` with interrupts held before the first solve
    modules: ClassVar[tuple[str, ...] | None] = None

    @classmethod
    def is_available(cls) -> bool:
        return all(importlib.util.find_spec(mod) is not None for mod in cls.requires)

    @classmethod
    def unavailable_reason(cls) -> str:
        """Why :meth:`is_available` is False, with the install hint."""
        return (f"backend {cls.name!r} is not installed; install it with: "
                f"pip install 'siting[{cls.extra}]'")

    @classmethod
    def version(cls) -> str:
        return _distribution_version(cls.distribution)

    @classmethod
    def load(cls) -> None:
        """Import the solver library, an interrupt that arrives meanwhile raised only after it
        (see :func:`siting.signals.import_held`: a Ctrl-C inside an extension's import would
        otherwise end the run with ``ImportError``)."""
        for name in cls.requires if cls.modules is None else cls.modules:
            import_held(name)

    def solve(
        self,
        problem: MilpProblem,
        options: SolveOptions,
        start: np.ndarray | None = None,
    ) -> MilpSolution:
        """Solve ``problem``; never raise for model outcomes (infeasible, limits).

        Models without columns are answered here (several solvers reject or misreport them);
        everything else goes to the backend's :meth:`_solve`.
        """
        done = empty_solution(self, problem, options)
        if done is not None:
            return done
        self.load()
        return self._solve(problem, options, start)

    def solve_lazy(self, master: MilpProblem, separator: LazySeparator, options: SolveOptions,
                   *, start: np.ndarray | None = None,
                   settings: LazySettings = LazySettings()) -> LazyResult:
        """One branch-and-cut tree over ``master`` whose missing rows ``separator`` supplies
        (only when :attr:`supports_lazy_cuts`)."""
        raise BackendError(f"backend {self.name!r} has no lazy-constraint callback")

    @abstractmethod
    def _solve(self, problem: MilpProblem, options: SolveOptions,
               start: np.ndarray | None) -> MilpSolution:
        """Translate ``problem`` in bulk, run the solver, map its status (n_cols > 0)."""


def effective_abs_gap(problem: MilpProblem, options: SolveOptions) -> float:
    """The absolute gap to request: the user's, else just below the objective's step."""
    if options.abs_gap is not None:
        return options.abs_gap
    if problem.objective_granularity > 0:
        return 0.999 * problem.objective_granularity
    return 1e-9


def round_bound(problem: MilpProblem, bound: float | None) -> float | None:
    """Tighten a proven bound to the objective's granularity (a valid, stronger bound)."""
    g = problem.objective_granularity
    if bound is None or g <= 0 or not math.isfinite(bound):
        return bound
    steps = bound / g
    if problem.sense == "min":
        return math.ceil(steps - 1e-6) * g
    return math.floor(steps + 1e-6) * g


def proven_optimal(problem: MilpProblem, objective: float | None, bound: float | None,
                   options: SolveOptions) -> bool:
    """Whether incumbent and bound close within the requested gaps."""
    if objective is None or bound is None or not math.isfinite(bound):
        return False
    diff = abs(objective - bound)
    if diff <= effective_abs_gap(problem, options) + 1e-9 * max(1.0, abs(objective)):
        return True
    return diff <= options.rel_gap * max(abs(objective), 1e-12)


T = TypeVar("T")

#: seconds between repeated stop requests to a solver that was asked to stop
STOP_POLL = 0.1


def run_interruptible(work: Callable[[], T], stop: Callable[[], object]) -> tuple[T, bool]:
    """Run ``work`` (a native solve that releases the GIL) in a worker thread; Ctrl-C or
    SIGTERM calls ``stop`` (the library's own cancel) instead of raising, and the answer the
    solver hands back is kept. Returns (its answer, whether an interrupt arrived).

    In the main thread a native solve delays Python's signal handler until it returns, then
    the interrupt is raised just after it and the answer is lost; and an interrupt landing
    in the few statements that start or join a thread would leave the solver running
    unwatched. So interrupts are held throughout; ``stop`` is repeated until the solve ends,
    since a request that comes before the solver's own start may be reset by it."""
    value, interrupted, _ = _run_in_thread(work, stop, None)
    return value, interrupted  # type: ignore[return-value]


#: seconds a solver asked to stop by an interrupt is waited for before it is left running
#: (:func:`run_abandonable`); a solver that reads its stop flag ends well within it
ABANDON_GRACE = 1.0


def run_abandonable(work: Callable[[], T], stop: Callable[[], object],
                    grace: float = ABANDON_GRACE) -> tuple[T | None, bool]:
    """:func:`run_interruptible` for a library whose stop request may not reach the solver
    (OR-Tools 9.15 passes ``interrupt_solve`` on to neither SCIP nor HiGHS): a solve still
    running ``grace`` seconds after the interrupt is left to finish in its thread
    (:func:`siting.signals.abandon`) and (None, True) is returned; the caller answers with
    what it holds (the checked start) and no bound. The thread holds only its own model and
    solver objects, so later solves run beside it."""
    value, interrupted, left = _run_in_thread(work, stop, grace)
    return (None if left else value), interrupted


def _run_in_thread(work: Callable[[], T], stop: Callable[[], object], grace: float | None
                   ) -> tuple[T | None, bool, bool]:
    """(answer, interrupted, abandoned): the worker-thread loop of the two runners above."""
    import time

    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc

    stopped_at: float | None = None
    with interrupts_held() as held:
        worker = threading.Thread(target=target, name="siting-solver", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(STOP_POLL)
            if held and worker.is_alive():
                stopped_at = stopped_at or time.perf_counter()
                if grace is not None and time.perf_counter() - stopped_at > grace:
                    abandon(worker)
                    return None, True, True
                try:
                    stop()
                except Exception:  # noqa: BLE001 - a solver between stages may refuse it
                    pass
    if "error" in box:
        if held:  # the stop made the library fail: the user's interrupt is what happened
            raise KeyboardInterrupt(f"interrupted ({box['error']})") from box["error"]  # type: ignore[misc]
        raise box["error"]  # type: ignore[misc]
    return box["value"], bool(held), False  # type: ignore[return-value]


# ---- shared by every backend: status mapping, start checking, solution assembly ----------

#: tolerance for accepting a solution vector read back from a solver or given as a start
FEAS_TOL = 1e-6


def feasible_point(problem: MilpProblem, x: np.ndarray | None, tol: float = FEAS_TOL
                   ) -> np.ndarray | None:
    """``x`` with integer columns snapped, if it satisfies the model within ``tol``; else None.

    Solvers that answer through files print rounded numbers, and some report LP values as
    their "solution" when stopped early: only a point that really is feasible counts.
    """
    if x is None:
        return None
    x = np.asarray(x, dtype=float)
    if x.shape != (problem.n_cols,) or not np.all(np.isfinite(x)):
        return None
    x = x.copy()
    ints = problem.integrality
    x[ints] = np.round(x[ints])
    # relative to the row's scale, so big-coefficient rows (capacities) are not too strict
    scale = 1.0 + np.abs(problem.A) @ np.abs(x) if problem.n_rows else np.zeros(0)
    ax = problem.A @ x
    row_ok = np.all(ax >= problem.row_lower - tol * scale) and np.all(
        ax <= problem.row_upper + tol * scale)
    col_ok = np.all(x >= problem.col_lower - tol) and np.all(x <= problem.col_upper + tol)
    if not (row_ok and col_ok):
        return None
    return np.clip(x, problem.col_lower, problem.col_upper)


def usable_start(problem: MilpProblem, start: np.ndarray | None) -> np.ndarray | None:
    """The MIP start if it is a feasible point of ``problem`` (a bad start is dropped)."""
    if start is None or not problem.integrality.any():
        return None
    return feasible_point(problem, start)


def better(problem: MilpProblem, a: float, b: float) -> bool:
    """Whether objective ``a`` is strictly better than ``b`` for the problem's sense."""
    return a < b if problem.sense == "min" else a > b


def assemble(backend: Backend, problem: MilpProblem, options: SolveOptions, *,
             termination: Termination, x: np.ndarray | None, bound: float | None,
             seconds: float, nodes: int | None, native: str, notes: tuple[str, ...] = (),
             log: str | None = None, start: np.ndarray | None = None) -> MilpSolution:
    """One place that turns a solver's raw answer into an honest :class:`MilpSolution`.

    The objective is recomputed from ``x`` (c @ x + offset), the bound is clipped so it never
    claims more than the incumbent and rounded to the objective's granularity, and the status
    is OPTIMAL only when the solver proved it or the incumbent meets the bound within the gaps.
    A checked warm ``start`` is the incumbent when a stopped solver holds nothing better.
    """
    if start is not None and termination not in (Termination.OPTIMAL, Termination.INFEASIBLE) \
            and (x is None or better(problem, problem.objective_value(start),
                                     problem.objective_value(x))):
        x = start
        notes = (*notes, (f"{backend.name}: the incumbent is the warm start "
                          "(the solver found nothing better in time)"))
    objective = problem.objective_value(x) if x is not None else None
    if bound is not None and not math.isfinite(bound):
        bound = None
    if bound is not None and objective is not None:
        # a bound past the incumbent is numerical noise; it cannot be stronger than the point
        bound = min(bound, objective) if problem.sense == "min" else max(bound, objective)
    bound = round_bound(problem, bound)
    if termination is Termination.INFEASIBLE:
        status, x, objective, bound = Status.INFEASIBLE, None, None, None
    elif termination is Termination.UNBOUNDED and x is None:
        status = Status.UNBOUNDED
    elif x is None:
        status = Status.NO_SOLUTION
    elif termination is Termination.OPTIMAL:
        status = Status.OPTIMAL
        if bound is None:
            bound = objective
    elif termination is Termination.UNBOUNDED:
        status = Status.UNBOUNDED
    elif proven_optimal(problem, objective, bound, options):
        status = Status.OPTIMAL
    else:
        status = Status.FEASIBLE
    return MilpSolution(
        backend=backend.name,
        backend_version=backend.version(),
        termination=termination,
        status=status,
        objective=objective,
        bound=bound,
        x=x,
        solve_seconds=seconds,
        nodes=nodes,
        native_status=native,
        log=log,
        notes=notes,
    )


def empty_solution(backend: Backend, problem: MilpProblem, options: SolveOptions
                   ) -> MilpSolution | None:
    """Answer models without columns directly (several solvers reject them)."""
    if problem.n_cols:
        return None
    ok = bool(np.all(problem.row_lower <= 0.0) and np.all(problem.row_upper >= 0.0))
    x = np.zeros(0) if ok else None
    term = Termination.OPTIMAL if ok else Termination.INFEASIBLE
    return assemble(backend, problem, options, termination=term, x=x,
                    bound=problem.offset if ok else None, seconds=0.0, nodes=0,
                    native="empty model (answered without the solver)")


@functools.lru_cache(maxsize=None)
def _distribution_version(distribution: str) -> str:
    """Installed version of a distribution (reading package metadata costs ~3 ms: once)."""
    if not distribution:
        return "unknown"
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"
