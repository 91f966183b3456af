"""Backend registry. Insertion order is the preference order; there is no silent fallback."""

from __future__ import annotations

from ..errors import BackendUnavailableError
from ..milp import MilpProblem
from .base import Backend
from .cbc import CbcBackend
from .cpsat import CpSatBackend
from .gurobi import GurobiBackend
from .highs import HighsBackend
from .lazy import LpSession
from .ortools_mb import OrToolsHighsBackend, OrToolsScipBackend
from .scip import ScipBackend

_REGISTRY: dict[str, type[Backend]] = {}


def register(cls: type[Backend]) -> type[Backend]:
    """Register a backend class under ``cls.name`` (usable as a decorator)."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"backend name {cls.name!r} is already registered")
    _REGISTRY[cls.name] = cls
    return cls


for _cls in (HighsBackend, GurobiBackend, CbcBackend, ScipBackend, OrToolsHighsBackend,
             OrToolsScipBackend, CpSatBackend):  # preference order
    register(_cls)

DEFAULT_BACKEND = "highs"


def backend_names() -> list[str]:
    return list(_REGISTRY)


def backend_classes() -> dict[str, type[Backend]]:
    """Registered backend classes by name, in preference order."""
    return dict(_REGISTRY)


def available_backends() -> list[str]:
    return [name for name, cls in _REGISTRY.items() if cls.is_available()]


def lazy_cut_backend(current: Backend, named: bool) -> Backend | None:
    """Where a lazy-constraint tree runs: the run's backend if it can; else, when the caller
    named no backend, the first installed one that can (preference order); else None."""
    if current.supports_lazy_cuts:
        return current
    if named:
        return None
    for name, cls in _REGISTRY.items():
        if cls.supports_lazy_cuts and cls.is_available():
            return get_backend(name)
    return None


def lp_backend(current: Backend) -> Backend:
    """Where a loop of LP re-solves runs: ``current``, or its faster LP partner if installed."""
    partner = current.lp_partner
    if partner and partner in _REGISTRY and _REGISTRY[partner].is_available():
        return get_backend(partner)
    return current


#: sparse LPs with more rows than this go to HiGHS's interior point (with crossover). Measured
#: on Benders masters: pcb3038 p=100, 10,270 rows x 23 nonzeros/row: dual simplex > 76 s,
#: primal simplex 34 s, IPM 8.5 s; rl1304 p=10, 7,755 rows x 135/row: simplex 7.6 s, IPM
#: 13.7 s; at 4-5K rows simplex is as fast or faster
IPM_ROWS = 6000
IPM_MAX_ROW_NNZ = 50


def lp_loop_options(backend: Backend, problem: MilpProblem) -> dict[str, object]:
    """Backend options for one LP of a cut loop (every round is a fresh model, so no warm
    start is lost by the choice); the caller's own backend options take precedence."""
    if backend.name == "highs" and problem.n_rows > IPM_ROWS \
            and problem.nnz <= IPM_MAX_ROW_NNZ * problem.n_rows \
            and not problem.integrality.any():
        return {"solver": "ipm"}
    return {}


def lp_session(backend: Backend, problem: MilpProblem, threads: int | None, seed: int,
               ) -> LpSession | None:
    """A live LP for a cut loop on ``backend`` (rows added, re-solved from the last basis),
    or None where the backend keeps no model between solves (the loop then re-solves fresh
    models). The first solve takes the method :func:`lp_loop_options` picks."""
    if backend.name != "highs":
        return None
    from .highs_lp import HighsLpSession

    first = lp_loop_options(backend, problem).get("solver")
    return HighsLpSession(problem, threads, seed, None if first is None else str(first))


def get_backend(name: str | None = None) -> Backend:
    """Instantiate a backend by name; unknown or uninstalled names are errors with a hint."""
    name = name or DEFAULT_BACKEND
    cls = _REGISTRY.get(name)
    if cls is None:
        known = ", ".join(_REGISTRY)
        raise BackendUnavailableError(f"unknown backend {name!r}; known backends: {known}")
    if not cls.is_available():
        raise BackendUnavailableError(cls.unavailable_reason())
    return cls()


__all__ = ["Backend", "available_backends", "backend_classes", "backend_names", "get_backend",
           "lazy_cut_backend", "lp_backend", "lp_loop_options", "lp_session", "register"]
