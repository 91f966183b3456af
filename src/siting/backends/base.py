"""The backend contract: translate a MilpProblem in bulk, solve, map the status."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import math
from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from ..milp import MilpProblem
from ..options import SolveOptions
from ..solution import MilpSolution


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

    @classmethod
    def is_available(cls) -> bool:
        return all(importlib.util.find_spec(mod) is not None for mod in cls.requires)

    @classmethod
    def version(cls) -> str:
        if not cls.distribution:
            return "unknown"
        try:
            return importlib.metadata.version(cls.distribution)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    @abstractmethod
    def solve(
        self,
        problem: MilpProblem,
        options: SolveOptions,
        start: np.ndarray | None = None,
    ) -> MilpSolution:
        """Solve ``problem``; never raise for model outcomes (infeasible, limits)."""


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
