"""The solver-neutral sparse MILP every formulation builds and every backend translates.

Row-bounds form (what HiGHS takes natively)::

    min/max  c @ x + offset
    s.t.     row_lower <= A @ x <= row_upper        A: scipy.sparse CSR (m x n)
             col_lower <= x <= col_upper
             x_k integer where integrality[k]

Variables and rows come in named *blocks* (contiguous ranges) so decoders and writers never
need per-variable Python objects. :class:`MilpBuilder` assembles blocks from numpy arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

import numpy as np
import scipy.sparse as sp

from .errors import SpecError

Sense = Literal["min", "max"]
INF = np.inf


@dataclass(frozen=True)
class Block:
    """A contiguous range of variables (or rows) with a name and optional index arrays.

    ``index`` holds, per element, the model indices it stands for (e.g. the demand point
    and site of an assignment variable ``x_ij`` as two arrays ``(i, j)``).
    """

    name: str
    start: int
    size: int
    index: tuple[np.ndarray, ...] = ()

    @property
    def slice(self) -> slice:
        return slice(self.start, self.start + self.size)


@dataclass(frozen=True, eq=False)
class MilpProblem:
    """A mixed-integer linear program as arrays. Frozen; build it with :class:`MilpBuilder`."""

    sense: Sense
    c: np.ndarray
    offset: float
    A: sp.csr_array
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integrality: np.ndarray  # bool per column
    blocks: Mapping[str, Block] = field(default_factory=dict)
    row_blocks: Mapping[str, Block] = field(default_factory=dict)
    name: str = "siting"
    # Objective values of integer-feasible points are multiples of this (0 = unknown).
    # Backends use it as an absolute gap just below one step, so proofs close.
    objective_granularity: float = 0.0

    @property
    def n_cols(self) -> int:
        return int(self.c.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.row_lower.shape[0])

    @property
    def nnz(self) -> int:
        return int(self.A.nnz)

    def values(self, x: np.ndarray, block: str) -> np.ndarray:
        """The slice of a solution vector ``x`` that belongs to ``block``."""
        return x[self.blocks[block].slice]

    def objective_value(self, x: np.ndarray) -> float:
        return float(self.c @ x + self.offset)

    def max_violation(self, x: np.ndarray) -> float:
        """Largest violation of rows, bounds and integrality at ``x`` (0 when feasible)."""
        ax = self.A @ x
        viol = [
            np.max(self.row_lower - ax, initial=0.0),
            np.max(ax - self.row_upper, initial=0.0),
            np.max(self.col_lower - x, initial=0.0),
            np.max(x - self.col_upper, initial=0.0),
        ]
        xi = x[self.integrality]
        viol.append(np.max(np.abs(xi - np.round(xi)), initial=0.0))
        return float(max(viol))

    def validate(self) -> None:
        """Check shapes and values; raise :class:`SpecError` on anything a solver would choke on."""
        n, m = self.n_cols, self.n_rows
        if self.A.shape != (m, n):
            raise SpecError(f"MILP matrix has shape {self.A.shape}, expected {(m, n)}")
        for name, arr, size in (
            ("col_lower", self.col_lower, n),
            ("col_upper", self.col_upper, n),
            ("integrality", self.integrality, n),
            ("row_lower", self.row_lower, m),
            ("row_upper", self.row_upper, m),
        ):
            if arr.shape != (size,):
                raise SpecError(f"MILP {name} has shape {arr.shape}, expected ({size},)")
        if not np.all(np.isfinite(self.c)) or not np.isfinite(self.offset):
            raise SpecError("MILP objective has NaN or infinite coefficients")
        if not np.all(np.isfinite(self.A.data)):
            raise SpecError("MILP constraint matrix has NaN or infinite coefficients")
        if np.any(np.isnan(self.row_lower)) or np.any(np.isnan(self.row_upper)):
            raise SpecError("MILP row bounds contain NaN")
        if np.any(self.col_lower > self.col_upper) or np.any(self.row_lower > self.row_upper):
            raise SpecError("MILP has a lower bound above its upper bound")


class MilpBuilder:
    """Assemble a :class:`MilpProblem` from vectorized blocks of columns and rows.

    Columns are added as blocks (``add_vars``); rows as blocks of COO triplets whose column
    indices are global (``add_rows``). Nothing here loops over single variables.
    """

    def __init__(self, sense: Sense = "min", name: str = "siting") -> None:
        self.sense: Sense = sense
        self.name = name
        self._cost: list[np.ndarray] = []
        self._lo: list[np.ndarray] = []
        self._hi: list[np.ndarray] = []
        self._int: list[np.ndarray] = []
        self._blocks: dict[str, Block] = {}
        self._n = 0
        self._rows_i: list[np.ndarray] = []
        self._rows_j: list[np.ndarray] = []
        self._rows_v: list[np.ndarray] = []
        self._rlo: list[np.ndarray] = []
        self._rhi: list[np.ndarray] = []
        self._row_blocks: dict[str, Block] = {}
        self._m = 0
        self.offset = 0.0

    @property
    def blocks(self) -> Mapping[str, Block]:
        """The variable blocks added so far, by name (read-only view)."""
        return MappingProxyType(self._blocks)

    def add_vars(
        self,
        name: str,
        size: int,
        *,
        lower: float | np.ndarray = 0.0,
        upper: float | np.ndarray = INF,
        integer: bool = False,
        cost: float | np.ndarray = 0.0,
        index: tuple[np.ndarray, ...] = (),
    ) -> Block:
        if name in self._blocks:
            raise ValueError(f"duplicate variable block {name!r}")
        block = Block(name, self._n, int(size), index)
        self._cost.append(np.broadcast_to(np.asarray(cost, dtype=float), (size,)))
        self._lo.append(np.broadcast_to(np.asarray(lower, dtype=float), (size,)))
        self._hi.append(np.broadcast_to(np.asarray(upper, dtype=float), (size,)))
        self._int.append(np.full(size, integer, dtype=bool))
        self._blocks[name] = block
        self._n += int(size)
        return block

    def add_rows(
        self,
        name: str,
        size: int,
        rows: np.ndarray,
        cols: np.ndarray,
        vals: np.ndarray | float,
        *,
        lower: float | np.ndarray = -INF,
        upper: float | np.ndarray = INF,
        index: tuple[np.ndarray, ...] = (),
    ) -> Block:
        """Add ``size`` rows; ``rows`` are local (0..size-1), ``cols`` global column indices."""
        if name in self._row_blocks:
            raise ValueError(f"duplicate row block {name!r}")
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        vals_arr = np.broadcast_to(np.asarray(vals, dtype=float), rows.shape)
        block = Block(name, self._m, int(size), index)
        self._rows_i.append(rows + self._m)
        self._rows_j.append(cols)
        self._rows_v.append(vals_arr)
        self._rlo.append(np.broadcast_to(np.asarray(lower, dtype=float), (size,)))
        self._rhi.append(np.broadcast_to(np.asarray(upper, dtype=float), (size,)))
        self._row_blocks[name] = block
        self._m += int(size)
        return block

    def build(self, objective_granularity: float = 0.0) -> MilpProblem:
        def cat(parts: list[np.ndarray], dtype: type = float) -> np.ndarray:
            return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)

        rows = cat(self._rows_i, np.int64)
        cols = cat(self._rows_j, np.int64)
        vals = cat(self._rows_v)
        A = sp.csr_array((vals, (rows, cols)), shape=(self._m, self._n))
        A.sum_duplicates()
        problem = MilpProblem(
            sense=self.sense,
            c=cat(self._cost).copy(),
            offset=float(self.offset),
            A=A,
            row_lower=cat(self._rlo).copy(),
            row_upper=cat(self._rhi).copy(),
            col_lower=cat(self._lo).copy(),
            col_upper=cat(self._hi).copy(),
            integrality=cat(self._int, bool).copy(),
            blocks=dict(self._blocks),
            row_blocks=dict(self._row_blocks),
            name=self.name,
            objective_granularity=objective_granularity,
        )
        problem.validate()
        return problem
