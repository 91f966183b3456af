"""SCIP and HiGHS as bundled in OR-Tools, through model_builder's sparse-array route.

``fill_model_from_sparse_data`` is used on a fresh, empty model only (on a non-empty model it
silently builds the wrong problem). Gaps, threads and seeds go through the solver-specific
parameter text. Hints: SCIP takes a complete hint as a MIP start; OR-Tools' HiGHS wrapper
crashes the process on any hint (OR-Tools 9.15), so ortools-highs never sends one.
"""

from __future__ import annotations

import contextlib
import time
from typing import ClassVar

import numpy as np
import scipy.sparse as sp

from ..errors import BackendError
from ..milp import MilpProblem
from ..options import SolveOptions
from ..solution import MilpSolution, Termination
from .base import (Backend, assemble, effective_abs_gap, feasible_point, run_abandonable,
                   usable_start)
from .highs import quiet_stdout


class _OrToolsModelBuilder(Backend):
    requires = ("ortools",)
    modules = ("ortools.linear_solver.python.model_builder_helper",)
    distribution = "ortools"
    extra = "ortools"
    solver_id: ClassVar[str]
    #: the wrapped solver catches SIGINT itself (SCIP), so Python never sees that Ctrl-C
    stops_on_sigint: ClassVar[bool] = False
    #: whether the wrapped solver's bound is trustworthy after a limit
    bound_when_stopped: ClassVar[bool] = True

    @classmethod
    def version(cls) -> str:
        return f"OR-Tools {super().version()}"

    def parameters(self, problem: MilpProblem, options: SolveOptions) -> dict[str, object]:
        raise NotImplementedError

    def _stopper(self, solver: object):  # type: ignore[no-untyped-def]
        """What an interrupt calls while the solve runs (OR-Tools' own stop reaches neither
        solver, but costs nothing to ask)."""
        return solver.interrupt_solve  # type: ignore[attr-defined]

    def _solve(self, problem: MilpProblem, options: SolveOptions,
               start: np.ndarray | None) -> MilpSolution:
        from ortools.linear_solver.python import model_builder_helper as mbh

        notes: list[str] = []
        model = mbh.ModelBuilderHelper()  # must be empty for fill_model_from_sparse_data
        # OR-Tools 9.15's generated stubs spell an Eigen vector ndarray[float64[m, 1]], which
        # no numpy array type matches: the ignores are for the stubs, not the float arrays
        model.fill_model_from_sparse_data(
            problem.col_lower.astype(float),  # type: ignore[arg-type]
            problem.col_upper.astype(float),  # type: ignore[arg-type]
            problem.c.astype(float),  # type: ignore[arg-type]
            problem.row_lower.astype(float),  # type: ignore[arg-type]
            problem.row_upper.astype(float),  # type: ignore[arg-type]
            sp.csr_matrix(problem.A, dtype=float))
        for k in np.flatnonzero(problem.integrality).tolist():  # no bulk setter exists
            model.set_var_integrality(k, True)
        model.set_objective_offset(float(problem.offset))
        model.set_maximize(problem.sense == "max")
        start = usable_start(problem, start)
        if start is not None:
            if self.supports_mip_start:
                for k, v in enumerate(start.tolist()):  # a partial hint is discarded by SCIP
                    model.add_hint(k, v)
            else:
                notes.append(f"{self.name}: warm start not passed (unsupported)")

        solver = mbh.ModelSolverHelper(self.solver_id)
        if not solver.solver_is_supported():
            raise BackendError(f"OR-Tools was built without {self.solver_id}")
        params = self.parameters(problem, options)
        params.update(options.backend_options)
        solver.set_solver_specific_parameters("".join(f"{k} = {_text(v)}\n"
                                                      for k, v in params.items()))
        if options.time_limit is not None:
            solver.set_time_limit_in_seconds(float(options.time_limit))
        solver.enable_output(bool(options.verbose))
        t0 = time.perf_counter()
        # in a worker thread, so Ctrl-C keeps the answer. OR-Tools 9.15 passes interrupt_solve
        # on to neither SCIP nor HiGHS (SCIP catches SIGINT itself, not SIGTERM): a solve
        # still running a moment after the interrupt is left to run on to its own limit in
        # its thread, and the run ends with the start it holds
        with contextlib.nullcontext() if options.verbose else quiet_stdout():
            done, interrupted = run_abandonable(lambda: _solved(solver, model),
                                                self._stopper(solver))
        seconds = time.perf_counter() - t0
        if done is None:
            notes.append(f"{self.name}: the solver did not stop when asked (OR-Tools passes "
                         "no interrupt on); it was left to run on to its limit in the "
                         "background, and its answer is not used")
            return assemble(self, problem, options, termination=Termination.INTERRUPTED,
                            x=None, bound=None, seconds=seconds, nodes=None,
                            native="abandoned after the interrupt", notes=tuple(notes),
                            start=start)
        status = solver.status()
        native = f"{status.name} {solver.status_string()}".strip()
        if status == mbh.SolveStatus.INVALID_SOLVER_PARAMETERS:
            raise BackendError(f"{self.name} rejected its parameters: {solver.status_string()}")
        termination = _termination(status, mbh.SolveStatus)
        if termination is Termination.INFEASIBLE and "unbounded" in native.lower():
            # OR-Tools maps HiGHS's "unbounded or infeasible" to INFEASIBLE
            termination = Termination.INFEASIBLE_OR_UNBOUNDED
        x = None
        if solver.has_solution():
            x = feasible_point(problem, np.asarray(solver.variable_values(), dtype=float))
        if termination is Termination.OTHER and options.time_limit is not None \
                and seconds >= 0.95 * options.time_limit:
            termination = Termination.TIME_LIMIT  # FEASIBLE / NOT_SOLVED after the limit
        if termination is Termination.OTHER and self.stops_on_sigint and not interrupted \
                and not options.backend_options and (
                    options.time_limit is None or seconds < 0.95 * options.time_limit):
            # the solver caught Ctrl-C itself (Python never saw it) and stopped early: only
            # an interrupt ends this run before its limit without a proof
            termination = Termination.INTERRUPTED
            notes.append(f"{self.name}: stopped before its limit without a proof (Ctrl-C)")
        if interrupted and termination is not Termination.INFEASIBLE:
            termination = Termination.INTERRUPTED
        bound = None
        if problem.integrality.any() and (self.bound_when_stopped
                                          or termination is Termination.OPTIMAL):
            raw = float(solver.best_objective_bound())
            if np.isfinite(raw) and abs(raw) < 1e20 and termination not in (
                    Termination.INFEASIBLE, Termination.ERROR):
                bound = raw
        elif termination is Termination.OPTIMAL and x is not None:
            bound = problem.objective_value(x)
        return assemble(self, problem, options, termination=termination, x=x, bound=bound,
                        seconds=seconds, nodes=None, native=native, notes=tuple(notes), start=start)


def _sigint_once(solver: object) -> object:
    """A stop for OR-Tools' SCIP, which hears no ``interrupt_solve`` but catches SIGINT itself
    while it solves: one SIGINT to this process (a SIGTERM then stops it the way Ctrl-C does,
    incumbent kept). Only once: SCIP ends the process itself on its fifth Ctrl-C. Landing
    outside SCIP's handler, it is held with the first interrupt and does nothing."""
    import os
    import signal

    sent: list[bool] = []

    def stop() -> None:
        solver.interrupt_solve()  # type: ignore[attr-defined]
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)

    return stop


def _solved(solver: object, model: object) -> bool:
    """Run the solve; True (the worker's answer is only whether it ended)."""
    solver.solve(model)  # type: ignore[attr-defined]
    return True


def _termination(status: object, S: object) -> Termination:
    table = {
        S.OPTIMAL: Termination.OPTIMAL,  # type: ignore[attr-defined]
        S.INFEASIBLE: Termination.INFEASIBLE,  # type: ignore[attr-defined]
        S.UNBOUNDED: Termination.UNBOUNDED,  # type: ignore[attr-defined]
        S.CANCELLED_BY_USER: Termination.INTERRUPTED,  # type: ignore[attr-defined]
        S.ABNORMAL: Termination.ERROR,  # type: ignore[attr-defined]
        S.MODEL_INVALID: Termination.ERROR,  # type: ignore[attr-defined]
    }
    return table.get(status, Termination.OTHER)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


class OrToolsScipBackend(_OrToolsModelBuilder):
    name = "ortools-scip"
    solver_id = "scip"
    supports_mip_start = True
    stops_on_sigint = True

    def _stopper(self, solver: object):  # type: ignore[no-untyped-def]
        return _sigint_once(solver)
    supports_threads = False

    def parameters(self, problem: MilpProblem, options: SolveOptions) -> dict[str, object]:
        return {"limits/gap": float(options.rel_gap),
                "limits/absgap": float(effective_abs_gap(problem, options)),
                "randomization/randomseedshift": int(options.seed)}


class OrToolsHighsBackend(_OrToolsModelBuilder):
    name = "ortools-highs"
    solver_id = "highs"
    supports_mip_start = False  # hints crash OR-Tools 9.15's HiGHS wrapper
    # after a time limit OR-Tools 9.15 reports bound 0.0 and no solution, whatever the model
    # (a maximisation whose optimum is 8,600 included): only a proven optimum's bound counts
    bound_when_stopped = False

    def parameters(self, problem: MilpProblem, options: SolveOptions) -> dict[str, object]:
        params: dict[str, object] = {"mip_rel_gap": float(options.rel_gap),
                                     "mip_abs_gap": float(effective_abs_gap(problem, options)),
                                     "random_seed": int(options.seed)}
        if options.threads is not None:
            params["threads"] = int(options.threads)
        return params
