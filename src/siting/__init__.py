"""siting: exact facility siting on a solver-neutral sparse MILP.

    >>> import siting
    >>> inst = siting.load_instance("pmed1.txt")
    >>> res = siting.solve(inst, "p-median", p=5)
    >>> res.status, res.objective

The public names load on first use (``import siting`` stays light; ``siting --help`` imports
neither numpy nor scipy).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY: dict[str, str] = {
    "make_problem": ".api", "solve": ".api",
    "available_backends": ".backends", "backend_names": ".backends", "get_backend": ".backends",
    "Decision": ".decision",
    "BackendError": ".errors", "BackendUnavailableError": ".errors", "DataError": ".errors",
    "InfeasibleSpecError": ".errors", "SitingError": ".errors", "SpecError": ".errors",
    "VerificationError": ".errors",
    "Instance": ".instance", "SparseCosts": ".instance",
    "MilpBuilder": ".milp", "MilpProblem": ".milp",
    "SolveOptions": ".options",
    "CFLP": ".problems", "LSCP": ".problems", "MCLP": ".problems", "UFL": ".problems",
    "PCenter": ".problems", "PDispersion": ".problems", "PMedian": ".problems",
    "Problem": ".problems",
    "open_scenario": ".session", "Session": ".session",
    "load_instance": ".readers",
    "Result": ".result", "Timings": ".result",
    "MilpSolution": ".solution", "Status": ".solution", "Termination": ".solution",
    "Verification": ".verify", "verify": ".verify",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'siting' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


if TYPE_CHECKING:
    from .api import make_problem, solve
    from .backends import available_backends, backend_names, get_backend
    from .decision import Decision
    from .errors import (
        BackendError,
        BackendUnavailableError,
        DataError,
        InfeasibleSpecError,
        SitingError,
        SpecError,
        VerificationError,
    )
    from .instance import Instance, SparseCosts
    from .milp import MilpBuilder, MilpProblem
    from .options import SolveOptions
    from .problems import CFLP, LSCP, MCLP, UFL, PCenter, PDispersion, PMedian, Problem
    from .readers import load_instance
    from .result import Result, Timings
    from .session import Session, open_scenario
    from .solution import MilpSolution, Status, Termination
    from .verify import Verification, verify
