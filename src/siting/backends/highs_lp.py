"""A live HiGHS LP for cut loops: rows are added to the solved model and the dual simplex
re-solves from the last basis, instead of a fresh model per round.

Measured on the pcb3038 p=20 Benders master (9,803 rows, 1.1M non-zeros, highspy 1.16, one
thread): the first LP 14.7 CPU s from scratch; adding the next round's 2,882 cuts and
re-solving from the basis 2.3 CPU s, against 21.8 for that master from scratch.
"""

from __future__ import annotations

import time

import numpy as np

from ..milp import MilpProblem
from ..signals import interrupts_held
from ..solution import Termination
from .highs import quiet_stdout, settle_leftovers, stop_solve
from .lazy import CutRows, LpAnswer


class HighsLpSession:
    """One LP kept alive in HiGHS across the rounds of a cut loop (``LpSession``)."""

    def __init__(self, problem: MilpProblem, threads: int | None, seed: int,
                 first_solver: str | None = None) -> None:
        import highspy

        with quiet_stdout():  # the banner (the backend prints it once per process)
            self._h = h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        if threads is not None:
            h.setOptionValue("threads", int(threads))
        h.setOptionValue("random_seed", int(seed))
        # the first solve may take another method (IPM with crossover leaves a basis too)
        self._first = first_solver
        inf = highspy.kHighsInf
        A = problem.A
        h.passModel(
            problem.n_cols, problem.n_rows, int(A.nnz), 2, 1, float(problem.offset),
            np.ascontiguousarray(problem.c, dtype=float),
            np.maximum(problem.col_lower, -inf), np.minimum(problem.col_upper, inf),
            np.maximum(problem.row_lower, -inf), np.minimum(problem.row_upper, inf),
            A.indptr.astype(np.int32), A.indices.astype(np.int32),
            np.ascontiguousarray(A.data, dtype=float), np.zeros(problem.n_cols, np.int32))
        self.n_cols = problem.n_cols
        self.n_rows = problem.n_rows

    def add_rows(self, rows: CutRows) -> None:
        """Append rows ``sum vals x >= lower`` (kept through every later solve)."""
        if rows.count == 0:
            return
        import highspy

        self._h.addRows(rows.count, np.ascontiguousarray(rows.lower, dtype=float),
                        np.full(rows.count, highspy.kHighsInf), int(rows.cols.size),
                        rows.indptr[:-1].astype(np.int32), rows.cols.astype(np.int32),
                        np.ascontiguousarray(rows.vals, dtype=float))
        self.n_rows += rows.count

    def solve(self, time_limit: float | None) -> LpAnswer:
        """Re-solve from the current basis (the dual simplex after rows were added)."""
        import highspy

        waited = settle_leftovers(time_limit)
        if waited is not None:  # an abandoned HiGHS solve still holds highspy's lock
            return LpAnswer(waited, None, None, None, 0.0)
        h = self._h
        if self._first is not None:
            h.setOptionValue("solver", self._first)
            self._first = None
        else:
            h.setOptionValue("solver", "simplex")
        h.setOptionValue("time_limit", float(time_limit) if time_limit is not None
                         else highspy.kHighsInf)
        t0 = time.perf_counter()
        interrupted = False
        h.HandleKeyboardInterrupt = True
        with interrupts_held() as held:
            h.startSolve()
            cancelled = False
            while True:
                done, _ = h.wait(0.1)
                if done:
                    break
                late = time_limit is not None and time.perf_counter() - t0 > time_limit + 0.25
                if (held or late) and not cancelled:
                    stop_solve(h)
                    cancelled = True
            interrupted = bool(held)
        seconds = time.perf_counter() - t0
        S = highspy.HighsModelStatus
        ms = h.getModelStatus()
        termination = {S.kOptimal: Termination.OPTIMAL, S.kInfeasible: Termination.INFEASIBLE,
                       S.kUnboundedOrInfeasible: Termination.INFEASIBLE_OR_UNBOUNDED,
                       S.kTimeLimit: Termination.TIME_LIMIT}.get(ms, Termination.OTHER)
        if interrupted:
            termination = Termination.INTERRUPTED
        elif termination is Termination.OTHER and cancelled:
            termination = Termination.TIME_LIMIT
        if termination is not Termination.OPTIMAL:
            return LpAnswer(termination, None, None, None, seconds)
        sol = h.getSolution()
        return LpAnswer(termination, float(h.getInfo().objective_function_value),
                        np.asarray(sol.col_value, dtype=float),
                        np.asarray(sol.col_dual, dtype=float), seconds,
                        np.asarray(sol.row_dual, dtype=float))
