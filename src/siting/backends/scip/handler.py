"""A SCIP constraint handler around a solver-neutral :class:`~siting.backends.lazy.LazySeparator`
(imports pyscipopt at module level: imported only when a lazy tree runs)."""

from __future__ import annotations

from typing import Any

import numpy as np
from pyscipopt import SCIP_RESULT, Conshdlr, quicksum

from ..lazy import CutRows, LazySeparator


class LazyHandler(Conshdlr):  # type: ignore[misc]
    """A point is feasible iff the separator accepts it; its cuts become global rows."""

    def __init__(self, separator: LazySeparator, xs: list[Any]) -> None:
        super().__init__()
        self.separator = separator
        self.xs = xs
        self.added = 0
        self.rounds = 0

    def point(self, sol: Any) -> np.ndarray:
        get = self.model.getSolVal
        return np.fromiter((get(sol, v) for v in self.xs), float, len(self.xs))

    def offer(self, x: np.ndarray) -> bool:
        """Hand SCIP a point that passes every check (an incumbent). It is built over the
        original variables: in the tree some are (multi-)aggregated by presolve, and setting
        one of those in a transformed solution is an error (pcb3038 p=500 with a site fixed
        open: "cannot set solution value for multiple aggregated variable")."""
        sol = self.model.createOrigSol()
        for k in np.flatnonzero(x).tolist():
            self.model.setSolVal(sol, self.xs[k], float(x[k]))
        return bool(self.model.addSol(sol, free=True))

    def _add(self, cuts: CutRows) -> int:
        xs, ptr = self.xs, cuts.indptr.tolist()
        cols, vals = cuts.cols.tolist(), cuts.vals.tolist()
        for r, lower in enumerate(cuts.lower.tolist()):
            lo, hi = ptr[r], ptr[r + 1]
            expr = quicksum(c * xs[j] for j, c in zip(cols[lo:hi], vals[lo:hi]))
            self.model.addCons(expr >= lower, removable=False)
        self.added += cuts.count
        return cuts.count

    def _enforce(self) -> dict[str, Any]:
        x = self.point(None)
        sep = self.separator.separate(x, integral=True)
        if not sep.violated:
            return {"result": SCIP_RESULT.FEASIBLE}
        self.rounds += 1
        better = self.separator.improve(x)
        if better is not None:
            self.offer(better)
        if self._add(sep.cuts) == 0:
            # the violated cuts are already rows: SCIP's point only misses them by tolerance
            return {"result": SCIP_RESULT.INFEASIBLE}
        return {"result": SCIP_RESULT.CONSADDED}

    def conssepalp(self, constraints: Any, nusefulconss: int) -> dict[str, Any]:
        sep = self.separator.separate(self.point(None), integral=False)
        if not sep.violated or self._add(sep.cuts) == 0:
            return {"result": SCIP_RESULT.DIDNOTFIND}
        return {"result": SCIP_RESULT.CONSADDED}

    def consenfolp(self, constraints: Any, nusefulconss: int, solinfeasible: bool,
                   ) -> dict[str, Any]:
        return self._enforce()

    def consenfops(self, constraints: Any, nusefulconss: int, solinfeasible: bool,
                   objinfeasible: bool) -> dict[str, Any]:
        return self._enforce()

    def conscheck(self, constraints: Any, solution: Any, checkintegrality: bool,
                  checklprows: bool, printreason: bool, completely: bool,
                  **kwargs: Any) -> dict[str, Any]:
        ok = self.separator.check(self.point(solution))
        return {"result": SCIP_RESULT.FEASIBLE if ok else SCIP_RESULT.INFEASIBLE}

    def conslock(self, constraint: Any, locktype: Any, nlockspos: int, nlocksneg: int) -> None:
        # no constraint objects (needscons=False); presolve dual reductions are switched off
        pass
