"""The SCIP constraint handler of `benders-scip` (kept apart: importing it imports pyscipopt)."""

from __future__ import annotations

from typing import Any

import numpy as np
from pyscipopt import Conshdlr as _HandlerBase

from .benders import _Data, _improve


class _LazyBenders(_HandlerBase):  # type: ignore[misc,valid-type]
    """Constraint handler: a point is feasible iff theta_i >= d_i(y) for every client."""

    def __init__(self, data: _Data, yv: list[Any], tv: list[Any], req: np.ndarray, ub: float,
                 best_y: np.ndarray) -> None:
        super().__init__()
        self.data, self.yv, self.tv, self.req = data, yv, tv, req
        self.ub, self.best_y = ub, best_y
        self.added = 0
        self.rounds = 0
        self._seen: set[tuple[int, float]] = set()

    def _point(self, sol: Any) -> tuple[np.ndarray, np.ndarray]:
        get = self.model.getSolVal
        y = np.clip(np.fromiter((get(sol, v) for v in self.yv), float, len(self.yv)), 0.0, 1.0)
        th = np.fromiter((get(sol, v) for v in self.tv), float, len(self.tv))
        return y, th

    def _violated(self, y: np.ndarray, th: np.ndarray,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        level, value = self.data.separate(y)
        # looser than SCIP's row feasibility (1e-6 relative to the cut's rhs, the level), so a
        # cut SCIP already holds as a row is never reported violated again
        viol = np.flatnonzero(value - th > 1e-5 * np.maximum(1.0, np.abs(level)))
        return viol, level, value

    def offer(self, y: np.ndarray, theta: np.ndarray) -> None:
        """Hand SCIP an integral point with its exact costs (passes every check)."""
        sol = self.model.createSol()
        for v, val in zip(self.yv, y.tolist()):
            self.model.setSolVal(sol, v, val)
        for v, val in zip(self.tv, theta.tolist()):
            self.model.setSolVal(sol, v, val)
        self.model.addSol(sol, free=True)

    def _add_cuts(self, clients: np.ndarray, level: np.ndarray) -> int:
        """Add the cuts as global linear constraints; skip ones already added."""
        rows, cols, vals = self.data.cut_rows(clients, level)
        split = np.searchsorted(rows, np.arange(clients.size + 1))
        from pyscipopt import quicksum

        added = 0
        for r, (i, lv) in enumerate(zip(clients.tolist(), level.tolist())):
            if (i, lv) in self._seen:
                continue
            self._seen.add((i, lv))
            lo, hi = split[r], split[r + 1]
            expr = quicksum(c * self.yv[j] for j, c in
                                      zip(cols[lo:hi].tolist(), vals[lo:hi].tolist()))
            self.model.addCons(expr + self.tv[i] >= lv, removable=False)
            added += 1
        self.added += added
        return added

    def _enforce(self, sol: Any) -> dict[str, Any]:
        from pyscipopt import SCIP_RESULT

        y, th = self._point(sol)
        viol, level, _ = self._violated(y, th)
        if viol.size == 0:
            return {"result": SCIP_RESULT.FEASIBLE}
        self.rounds += 1
        yi = np.round(y)
        if np.allclose(y, yi, atol=1e-6):
            ub, best = _improve(self.data, yi, self.req, self.ub, self.best_y)
            if ub < self.ub:
                self.ub, self.best_y = ub, best
                self.offer(best, self.data.separate(best)[1])
        if self._add_cuts(viol, level[viol]) == 0:
            # the violated cuts are already rows: SCIP's point only misses them by tolerance
            return {"result": SCIP_RESULT.INFEASIBLE}
        return {"result": SCIP_RESULT.CONSADDED}

    def conssepalp(self, constraints: Any, nusefulconss: int) -> dict[str, Any]:
        from pyscipopt import SCIP_RESULT

        y, th = self._point(None)
        viol, level, _ = self._violated(y, th)
        if viol.size == 0 or self._add_cuts(viol, level[viol]) == 0:
            return {"result": SCIP_RESULT.DIDNOTFIND}
        return {"result": SCIP_RESULT.CONSADDED}

    def consenfolp(self, constraints: Any, nusefulconss: int, solinfeasible: bool,
                   ) -> dict[str, Any]:
        return self._enforce(None)

    def consenfops(self, constraints: Any, nusefulconss: int, solinfeasible: bool,
                   objinfeasible: bool) -> dict[str, Any]:
        return self._enforce(None)

    def conscheck(self, constraints: Any, solution: Any, checkintegrality: bool,
                  checklprows: bool, printreason: bool, completely: bool,
                  **kwargs: Any) -> dict[str, Any]:
        from pyscipopt import SCIP_RESULT

        y, th = self._point(solution)
        viol, _, _ = self._violated(y, th)
        return {"result": SCIP_RESULT.INFEASIBLE if viol.size else SCIP_RESULT.FEASIBLE}

    def conslock(self, constraint: Any, locktype: Any, nlockspos: int, nlocksneg: int) -> None:
        # no constraint objects (needscons=False); presolve dual reductions are switched off
        pass
