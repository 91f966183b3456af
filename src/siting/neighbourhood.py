"""Exact neighbourhood search on any :class:`~siting.milp.MilpProblem`.

Free a few columns, fix every other column at the incumbent, and solve the small MILP that is
left (rows without a free column drop out, the fixed columns move into the row bounds). Its
answer replaces the incumbent only when it is strictly better, so the plan stays feasible and
improves monotonically. It is a plan, never a bound. Which columns to free is the caller's
choice (``siting.community.windows`` frees the sites of a neighbourhood); the solve is a
callback, so solvers stay in the backends.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .milp import MilpProblem

#: solve(sub-MILP, start, seconds) -> (solution vector or None, proven optimal)
SubSolve = Callable[[MilpProblem, np.ndarray, float], "tuple[np.ndarray | None, bool]"]

#: a lifted point may violate a row by this much (the backends' feasibility tolerance)
FEASIBILITY_TOL = 1e-6


@dataclass
class WindowStats:
    """What a window search did (the community's and the MCLP's)."""

    windows: int = 0
    improved: int = 0
    gained: float = 0.0
    seconds: float = 0.0
    size: int = 0          # window size (sites) at the end, after adapting

    def describe(self) -> str:
        return (f"window search: {self.windows} windows in {self.seconds:.1f} s, "
                f"{self.improved} improved the plan by {self.gained:,.6g} in all "
                f"(window size at the end {self.size} sites)")


@dataclass
class Outcome:
    """What one neighbourhood did: its size, the gain in the objective's sense, and whether
    the solver proved the neighbourhood's optimum (then a larger one is affordable)."""

    columns: int
    rows: int
    gain: float
    proven: bool


class NeighbourhoodSearch:
    """An incumbent of ``milp`` and the matrix views that make a restriction cheap."""

    def __init__(self, milp: MilpProblem, x: np.ndarray) -> None:
        self.milp = milp
        self.csc = sp.csc_array(milp.A)
        self.x = np.asarray(x, dtype=float).copy()
        self.ax = milp.A @ self.x
        self.objective = milp.objective_value(self.x)
        self._sign = 1.0 if milp.sense == "max" else -1.0
        step = milp.objective_granularity
        # "strictly better" = at least half a step when the objective is on a grid
        self._min_gain = step / 2 if step > 0 else 1e-9 * max(1.0, abs(self.objective))

    def restrict(self, free: np.ndarray) -> tuple[MilpProblem, np.ndarray]:
        """The MILP over the columns ``free`` with every other column fixed at the incumbent;
        also the original indices of its rows."""
        p, x = self.milp, self.x
        A_f = self.csc[:, free]
        rows = np.unique(A_f.indices)
        sub_A = A_f.tocsr()[rows]
        # fixed columns' part of each kept row: A x minus the free columns' part
        shift = self.ax[rows] - sub_A @ x[free]
        with np.errstate(invalid="ignore"):  # inf - finite stays inf
            lower = p.row_lower[rows] - shift
            upper = p.row_upper[rows] - shift
        c = p.c[free]
        sub = MilpProblem(
            sense=p.sense, c=c, offset=self.objective - float(c @ x[free]), A=sub_A,
            row_lower=lower, row_upper=upper, col_lower=p.col_lower[free],
            col_upper=p.col_upper[free], integrality=p.integrality[free],
            name=f"{p.name}-neighbourhood", objective_granularity=p.objective_granularity)
        return sub, rows

    def improve(self, free: np.ndarray, solve: SubSolve, seconds: float) -> Outcome:
        """Solve the neighbourhood of ``free`` and keep its answer if strictly better."""
        free = np.unique(np.asarray(free, dtype=np.int64))
        sub, rows = self.restrict(free)
        x_sub, proven = solve(sub, self.x[free], seconds)
        if x_sub is None:
            return Outcome(free.size, rows.size, 0.0, proven)
        x_sub = np.where(sub.integrality, np.round(x_sub), x_sub)
        x_sub = np.clip(x_sub, sub.col_lower, sub.col_upper)
        gain = self._sign * (sub.objective_value(x_sub) - self.objective)
        if gain < self._min_gain:
            return Outcome(free.size, rows.size, 0.0, proven)
        # only the kept rows hold free columns: every other row's activity is unchanged
        ax_rows = self.ax[rows] + sub.A @ (x_sub - self.x[free])
        p = self.milp
        if (np.max(p.row_lower[rows] - ax_rows, initial=0.0) > FEASIBILITY_TOL
                or np.max(ax_rows - p.row_upper[rows], initial=0.0) > FEASIBILITY_TOL):
            return Outcome(free.size, rows.size, 0.0, proven)  # the solver's tolerance, not ours
        self.x = self.x.copy()
        self.x[free] = x_sub
        self.ax = self.ax.copy()
        self.ax[rows] = ax_rows
        self.objective = p.objective_value(self.x)
        return Outcome(free.size, rows.size, gain, proven)
