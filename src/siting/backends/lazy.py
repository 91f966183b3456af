"""Lazy constraints (branch-and-cut with a separation callback), solver-neutral.

A formulation hands a backend that has ``supports_lazy_cuts`` a master MILP that omits a family
of constraints, and a :class:`LazySeparator` that knows them. The backend solves ONE tree and
calls the separator at every point it would accept (integral) and, as asked, at fractional node
LPs; cuts come back as rows over the master's columns. Since every accepted point passes the
separator's check, the tree's bound and incumbent are those of the full problem. Backends never
see the model behind the cuts; separators never see the solver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..solution import Termination


@dataclass(frozen=True)
class CutRows:
    """Rows ``sum_k vals[k] x[cols[k]] >= lower[r]`` for k in ``indptr[r]:indptr[r+1]``."""

    indptr: np.ndarray
    cols: np.ndarray
    vals: np.ndarray
    lower: np.ndarray

    @property
    def count(self) -> int:
        return int(self.lower.size)

    @classmethod
    def empty(cls) -> CutRows:
        return cls(np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))


@dataclass(frozen=True)
class Separation:
    """The separator's verdict at a point: is it cut off, and by which NEW rows.

    ``violated`` with no rows means every violated cut is already in the model (the point
    misses them only by the solver's tolerance): the backend rejects the point without rows.
    """

    violated: bool
    cuts: CutRows = field(default_factory=CutRows.empty)


class LazySeparator(Protocol):
    """What a formulation provides for a lazy-constraint solve (x = all master columns)."""

    def separate(self, x: np.ndarray, integral: bool) -> Separation:
        """Violated lazy constraints at ``x`` (``integral`` when the solver would accept it)."""
        ...

    def check(self, x: np.ndarray) -> bool:
        """True when ``x`` satisfies every lazy constraint (a candidate incumbent)."""
        ...

    def improve(self, x: np.ndarray) -> np.ndarray | None:
        """A better feasible point from an integral ``x`` (a heuristic), or None."""
        ...


@dataclass(frozen=True)
class LazySettings:
    """Tree settings a formulation may ask for; each backend maps what it can."""

    #: separate fractional node LPs: -1 never, 0 at the root only, k every k-th depth
    fractional_every: int = 1
    #: the solver's own primal heuristics (they only see the partial master)
    primal_heuristics: bool = True
    #: the solver's general-purpose cutting planes (Gomory, MIR, ...)
    general_cuts: bool = True
    #: strong branching (False: pseudocosts only)
    strong_branching: bool = True
    #: with ``strong_branching``: a candidate is strong-branched until its pseudocosts hold
    #: this many observations (None: the solver's default reliability rule)
    reliability: float | None = None
    #: probing in presolve (fixing binaries tentatively; it reasons only from the rows seen)
    probing: bool = True


@dataclass(frozen=True)
class LazyResult:
    """The tree's answer: best point (None if none), its objective, the proven bound."""

    termination: Termination
    x: np.ndarray | None
    objective: float | None
    bound: float | None
    seconds: float
    nodes: int
    cuts_added: int
    separations: int
    backend_version: str
    native_status: str


@dataclass(frozen=True)
class LpAnswer:
    """One re-solve of a live cut-loop LP: x, objective, column reduced costs and row duals
    when optimal (None otherwise)."""

    termination: Termination
    objective: float | None
    x: np.ndarray | None
    reduced_costs: np.ndarray | None
    seconds: float
    row_duals: np.ndarray | None = None


class LpSession(Protocol):
    """An LP a backend keeps alive between the rounds of a cut loop: rows are appended and
    each solve starts from the last basis (a fresh model per round re-solves from scratch)."""

    n_rows: int

    def add_rows(self, rows: CutRows) -> None:
        """Append rows ``sum vals x >= lower`` over the LP's columns."""
        ...

    def solve(self, time_limit: float | None) -> LpAnswer:
        """Re-solve within ``time_limit`` seconds (Ctrl-C: an INTERRUPTED answer)."""
        ...
