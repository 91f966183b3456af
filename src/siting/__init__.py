"""siting: exact facility siting on a solver-neutral sparse MILP.

    >>> import siting
    >>> inst = siting.load_instance("pmed1.txt")
    >>> res = siting.solve(inst, "p-median", p=5)
    >>> res.status, res.objective
"""

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
from .problems import CFLP, LSCP, MCLP, UFL, PCenter, PMedian, Problem
from .readers import load_instance
from .result import Result, Timings
from .solution import MilpSolution, Status, Termination
from .verify import Verification, verify

__version__ = "0.1.0"


def open_scenario(path, **kw):  # type: ignore[no-untyped-def]
    """A :class:`siting.session.Session` on a community scenario (imported on first use)."""
    from .session import open_scenario as _open

    return _open(path, **kw)


__all__ = [
    "BackendError",
    "BackendUnavailableError",
    "CFLP",
    "DataError",
    "Decision",
    "InfeasibleSpecError",
    "Instance",
    "LSCP",
    "MCLP",
    "MilpBuilder",
    "MilpProblem",
    "MilpSolution",
    "PCenter",
    "PMedian",
    "Problem",
    "Result",
    "SitingError",
    "SolveOptions",
    "SparseCosts",
    "SpecError",
    "Status",
    "Termination",
    "Timings",
    "UFL",
    "Verification",
    "VerificationError",
    "available_backends",
    "backend_names",
    "get_backend",
    "load_instance",
    "make_problem",
    "open_scenario",
    "solve",
    "verify",
]
