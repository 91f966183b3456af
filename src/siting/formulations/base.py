"""The formulation contract: turn (instance, problem) into answers through a backend.

Most formulations are one MILP (:class:`SingleMilp`: build, optional MIP start, solve, decode).
Algorithms that solve a sequence of MILPs (p-center radius search, Benders) implement
:meth:`Formulation.run` directly and share the wall-clock deadline in :class:`Context`.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..backends.base import Backend
from ..decision import Decision
from ..instance import Instance
from ..milp import MilpProblem
from ..options import SolveOptions
from ..problems import Problem
from ..solution import MilpSolution, Status, Termination
from .grain import granularity  # noqa: F401 - formulations import it from here


@dataclass(kw_only=True)
class SolveContext:
    """The shared deadline, interrupt flag and warm-start rule of a run of MILP solves.

    Every multi-stage algorithm (radius search, Benders, the community model's lexicographic
    stages) solves through one of these, so a time limit or Ctrl-C ends the current solve
    and every later one."""

    backend: Backend
    options: SolveOptions
    started: float = field(default_factory=time.perf_counter)
    log: list[str] = field(default_factory=list)
    #: set when a solve was interrupted (Ctrl-C): multi-solve algorithms stop at once
    interrupted: bool = False
    #: whether the caller chose the backend; if not, an algorithm may finish on another
    #: installed solver that suits it better (and its Outcome says which)
    backend_named: bool = True

    @property
    def deadline(self) -> float | None:
        """When solving must stop: the time limit less a short reserve in which a stopped run
        gets its bound (see formulations/bounds.py), so the whole run ends by the limit."""
        if self.options.time_limit is None:
            return None
        from .bounds import bound_reserve

        limit = self.options.time_limit
        return self.started + limit - bound_reserve(limit)

    @property
    def limit_end(self) -> float | None:
        """When the user's time limit ends."""
        if self.options.time_limit is None:
            return None
        return self.started + self.options.time_limit

    def remaining(self) -> float | None:
        if self.deadline is None:
            return None
        return max(self.deadline - time.perf_counter(), 0.0)

    def out_of_time(self) -> bool:
        if self.interrupted:
            return True
        left = self.remaining()
        return left is not None and left <= 0.0

    def stopped(self) -> Termination | None:
        """Why later solves must not start: interrupted, out of time, or None (go on)."""
        if self.interrupted:
            return Termination.INTERRUPTED
        left = self.remaining()
        if left is not None and left <= 0.0:
            return Termination.TIME_LIMIT
        return None

    def solve_part(self, milp: MilpProblem, start: np.ndarray | None, seconds: float,
                   **overrides: object) -> MilpSolution:
        """Solve a sub-problem for at most ``seconds`` (and what is left of the run)."""
        left = self.remaining()
        return self._solve(milp, start, None, seconds if left is None else min(seconds, left),
                           overrides)

    def solve(self, milp: MilpProblem, start: np.ndarray | None = None,
              backend: Backend | None = None, **overrides: object) -> MilpSolution:
        """Solve one MILP within what is left of the time limit (on ``backend`` if given,
        else the run's backend)."""
        return self._solve(milp, start, backend, self.remaining(), overrides)

    def _solve(self, milp: MilpProblem, start: np.ndarray | None, backend: Backend | None,
               left: float | None, overrides: dict[str, object]) -> MilpSolution:
        update: dict[str, object] = dict(overrides)
        if left is not None:
            update["time_limit"] = max(left, 0.01)
        options = self.options.model_copy(update=update) if update else self.options
        if not options.warm_start:
            start = None
        if self.interrupted:
            # Ctrl-C ends the current solve and every later one: answer without the solver
            from ..backends.base import assemble, usable_start

            return assemble(backend or self.backend, milp, options,
                            termination=Termination.INTERRUPTED, x=None, bound=None,
                            seconds=0.0, nodes=0, native="not started: interrupted",
                            start=usable_start(milp, start))
        sol = (backend or self.backend).solve(milp, options, start=start)
        if sol.termination is Termination.INTERRUPTED:
            self.interrupted = True
        return sol

    def note(self, message: str) -> None:
        self.log.append(message)


@dataclass(kw_only=True)
class Context(SolveContext):
    """Everything a formulation needs to run, plus the shared deadline."""

    instance: Instance
    problem: Problem


@dataclass(frozen=True)
class Outcome:
    """A formulation's answer in model terms (objective in the model's units)."""

    status: Status
    termination: Termination
    objective: float | None
    bound: float | None
    decision: Decision | None
    build_seconds: float = 0.0
    solve_seconds: float = 0.0
    nodes: int | None = None
    native_status: str = ""
    backend_version: str = ""
    messages: tuple[str, ...] = ()
    model_size: dict[str, int] = field(default_factory=dict)
    milp_solves: int = 1
    #: the backend that decided the answer, when not the run's own (see Context.backend_named)
    backend: str | None = None


class Formulation(ABC):
    """A way to solve one problem kind. Registered by (kind, name)."""

    kind: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str] = ""
    #: the models/ document that states its math
    doc: ClassVar[str] = ""
    #: a formulation built around one solver's features names it here; it then runs on that
    #: backend (and the result says so), and asking for another backend is an error
    backend: ClassVar[str | None] = None

    @abstractmethod
    def run(self, ctx: Context) -> Outcome:
        """Solve ``ctx.problem`` on ``ctx.instance``."""

    def stopped_bound(self, ctx: Context) -> float | None:
        """A valid bound for a run stopped early, from the instance alone (see bounds.py);
        combined with the solver's by :func:`siting.formulations.bounds.complete`."""
        from .bounds import bound_seconds, instance_bound

        return instance_bound(ctx.instance, ctx.problem, bound_seconds(ctx))


class SingleMilp(Formulation):
    """One MILP: :meth:`build`, optional :meth:`start`, solve, :meth:`decode`."""

    #: when :meth:`start` should stop improving (half of the time left when it begins; None
    #: without a time limit): set by :meth:`run`, read by starts that search
    start_deadline: float | None = None

    @abstractmethod
    def build(self, instance: Instance, problem: Problem) -> MilpProblem:
        """The whole model as a solver-neutral MILP, built with array operations only."""

    @abstractmethod
    def decode(self, instance: Instance, problem: Problem, milp: MilpProblem,
               x: np.ndarray) -> Decision:
        """Read the decision (open sites, allocations) off a solution vector."""

    def start(self, instance: Instance, problem: Problem, milp: MilpProblem,
              seed: int) -> np.ndarray | None:
        """A feasible solution vector to use as a MIP start, or None."""
        return None

    def run(self, ctx: Context) -> Outcome:
        t0 = time.perf_counter()
        milp = self.build(ctx.instance, ctx.problem)
        start = None
        skipped: tuple[str, ...] = ()
        if ctx.options.warm_start:
            left = ctx.remaining()
            if left is not None and left <= 0.0:
                # the build used the time up: the MIP start is optional, the limit is not
                skipped = ("MIP start skipped: the model build used up the time limit",)
            else:
                self.start_deadline = None if left is None else time.perf_counter() + 0.5 * left
                start = self.start(ctx.instance, ctx.problem, milp, ctx.options.seed)
        build = time.perf_counter() - t0
        sol = ctx.solve(milp, start=start)
        decision = None
        if sol.x is not None and sol.status in (Status.OPTIMAL, Status.FEASIBLE):
            decision = self.decode(ctx.instance, ctx.problem, milp, sol.x)
        return Outcome(
            status=sol.status,
            termination=sol.termination,
            objective=sol.objective if decision is not None else None,
            bound=sol.bound,
            decision=decision,
            build_seconds=build,
            solve_seconds=sol.solve_seconds,
            nodes=sol.nodes,
            native_status=sol.native_status,
            backend_version=sol.backend_version,
            messages=skipped + sol.notes,
            model_size={"rows": milp.n_rows, "cols": milp.n_cols, "nnz": milp.nnz},
        )


def open_mask_from(x: np.ndarray, milp: MilpProblem, block: str = "y") -> np.ndarray:
    return milp.values(x, block) > 0.5
