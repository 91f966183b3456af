"""Gurobi through gurobipy's matrix API (one addMVar + one addMConstr). Available only when
gurobipy is installed *and* a licence can be obtained; the licence check starts an environment,
so it runs only when asked about availability, never at import time."""

from __future__ import annotations

import functools
import importlib.util
import time

import numpy as np
import scipy.sparse as sp

from ..milp import MilpProblem
from ..options import SolveOptions
from ..solution import MilpSolution, Termination
from .base import Backend, assemble, effective_abs_gap, feasible_point, usable_start


@functools.lru_cache(maxsize=1)
def _licensed() -> bool:
    """Whether a Gurobi environment starts (needs a valid licence; size-limited ones count)."""
    try:
        import gurobipy as gp

        env = gp.Env(params={"OutputFlag": 0})
        env.dispose()
        return True
    except Exception:  # noqa: BLE001 - GurobiError without a licence; any failure = unusable
        return False


class GurobiBackend(Backend):
    name = "gurobi"
    requires = ("gurobipy",)
    distribution = "gurobipy"
    extra = "gurobi"
    supports_mip_start = True
    supports_node_limit = True

    @classmethod
    def is_available(cls) -> bool:
        return importlib.util.find_spec("gurobipy") is not None and _licensed()

    @classmethod
    def unavailable_reason(cls) -> str:
        if importlib.util.find_spec("gurobipy") is not None:
            return ("backend 'gurobi': gurobipy is installed but no Gurobi licence could be "
                    "obtained (set GRB_LICENSE_FILE or run grbgetkey)")
        return super().unavailable_reason()

    def _solve(self, problem: MilpProblem, options: SolveOptions,
               start: np.ndarray | None) -> MilpSolution:
        import gurobipy as gp
        from gurobipy import GRB

        env = gp.Env(params={"OutputFlag": int(bool(options.verbose))})
        try:
            model = gp.Model(problem.name, env=env)
            vtype = np.where(problem.integrality, GRB.INTEGER, GRB.CONTINUOUS)
            x = model.addMVar(problem.n_cols, lb=problem.col_lower, ub=problem.col_upper,
                              obj=problem.c, vtype=vtype)
            model.ObjCon = float(problem.offset)
            model.ModelSense = GRB.MAXIMIZE if problem.sense == "max" else GRB.MINIMIZE
            A = sp.csr_matrix(problem.A)
            lo, hi = problem.row_lower, problem.row_upper
            eq = lo == hi
            for mask, sense, rhs in ((eq, GRB.EQUAL, lo),
                                     (~eq & np.isfinite(lo), GRB.GREATER_EQUAL, lo),
                                     (~eq & np.isfinite(hi), GRB.LESS_EQUAL, hi)):
                rows = np.flatnonzero(mask)
                if rows.size:
                    model.addMConstr(A[rows], x, sense, rhs[rows])
            p = model.Params
            if options.time_limit is not None:
                p.TimeLimit = float(options.time_limit)
            p.MIPGap = float(options.rel_gap)
            p.MIPGapAbs = float(effective_abs_gap(problem, options))
            if options.threads is not None:
                p.Threads = int(options.threads)
            p.Seed = int(options.seed)
            if options.node_limit is not None:
                p.NodeLimit = float(options.node_limit)
            for key, value in options.backend_options.items():
                model.setParam(key, value)
            start = usable_start(problem, start)
            if start is not None:
                x.Start = start
            t0 = time.perf_counter()
            model.optimize()
            seconds = time.perf_counter() - t0
            S = GRB.Status
            status = model.Status
            termination = {
                S.OPTIMAL: Termination.OPTIMAL,
                S.INFEASIBLE: Termination.INFEASIBLE,
                S.UNBOUNDED: Termination.UNBOUNDED,
                S.INF_OR_UNBD: Termination.INFEASIBLE_OR_UNBOUNDED,
                S.TIME_LIMIT: Termination.TIME_LIMIT,
                S.NODE_LIMIT: Termination.ITERATION_LIMIT,
                S.ITERATION_LIMIT: Termination.ITERATION_LIMIT,
                S.SOLUTION_LIMIT: Termination.ITERATION_LIMIT,
                S.INTERRUPTED: Termination.INTERRUPTED,
                S.NUMERIC: Termination.ERROR,
            }.get(status, Termination.OTHER)
            values = feasible_point(problem, np.asarray(x.X)) if model.SolCount > 0 else None
            bound = None
            try:  # ObjBound is unavailable when the solve ended before any bound existed
                if model.IsMIP and termination not in (Termination.INFEASIBLE,
                                                       Termination.ERROR):
                    bound = float(model.ObjBound)
                elif termination is Termination.OPTIMAL:
                    bound = float(model.ObjVal)
            except gp.GurobiError:
                bound = None
            nodes = int(model.NodeCount) if model.IsMIP else 0
            return assemble(self, problem, options, termination=termination, x=values,
                            bound=bound, seconds=seconds, nodes=nodes,
                            native=f"status {status}", start=start)
        finally:
            env.dispose()
