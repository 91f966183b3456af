"""What a backend returns for one MILP: two-axis status, incumbent, bound, timings."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np


class Termination(str, Enum):
    """Why the solver stopped."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    TIME_LIMIT = "time_limit"
    ITERATION_LIMIT = "iteration_limit"
    INTERRUPTED = "interrupted"
    ERROR = "error"
    OTHER = "other"


class Status(str, Enum):
    """What is known about the answer. ``OPTIMAL`` only when proven."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_SOLUTION = "no_solution"


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / |objective|; 0 when both are 0, inf when only the objective is 0."""
    if objective is None or bound is None or not math.isfinite(bound):
        return None
    diff = abs(objective - bound)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    if objective == 0:
        return math.inf
    return diff / abs(objective)


@dataclass(frozen=True, eq=False)
class MilpSolution:
    """A backend's answer to one :class:`~siting.milp.MilpProblem`."""

    backend: str
    backend_version: str
    termination: Termination
    status: Status
    objective: float | None
    bound: float | None
    x: np.ndarray | None
    solve_seconds: float
    nodes: int | None = None
    native_status: str = ""
    log: str | None = None
    notes: tuple[str, ...] = ()
    #: LP reduced costs per column when the backend reports them (pure LPs only), else None
    reduced_costs: np.ndarray | None = None

    @property
    def has_solution(self) -> bool:
        return self.x is not None and self.status in (Status.OPTIMAL, Status.FEASIBLE)

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.bound)
