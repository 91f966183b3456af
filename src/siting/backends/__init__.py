"""Backend registry. Insertion order is the preference order; there is no silent fallback."""

from __future__ import annotations

from ..errors import BackendUnavailableError
from .base import Backend
from .cbc import CbcBackend
from .cpsat import CpSatBackend
from .gurobi import GurobiBackend
from .highs import HighsBackend
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
           "register"]
