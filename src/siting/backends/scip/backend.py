"""SCIP through PySCIPOpt. Its only bulk route is reading a model file, so the arrays are written
as MPS (generic names C<k>/R<k>) and read back; the solution is read the same way. Also the
lazy-constraint capability (one tree, cuts from a solver-neutral separator: ../lazy.py)."""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import numpy as np

from ...errors import BackendError
from ...milp import MilpProblem
from ...mps import mps_text
from ...options import SolveOptions
from ...solution import MilpSolution, Termination
from ..base import (Backend, assemble, effective_abs_gap, feasible_point, run_interruptible,
                    usable_start)
from ..lazy import LazyResult, LazySeparator, LazySettings

_STATUS = {
    "optimal": Termination.OPTIMAL,
    "gaplimit": Termination.OPTIMAL,  # stopped because the requested gap was reached
    "infeasible": Termination.INFEASIBLE,
    "unbounded": Termination.UNBOUNDED,
    "inforunbd": Termination.INFEASIBLE_OR_UNBOUNDED,
    "timelimit": Termination.TIME_LIMIT,
    "userinterrupt": Termination.INTERRUPTED,
    "terminate": Termination.INTERRUPTED,
    "nodelimit": Termination.ITERATION_LIMIT,
    "totalnodelimit": Termination.ITERATION_LIMIT,
    "stallnodelimit": Termination.ITERATION_LIMIT,
    "sollimit": Termination.ITERATION_LIMIT,
    "bestsollimit": Termination.ITERATION_LIMIT,
    "restartlimit": Termination.ITERATION_LIMIT,
    "memlimit": Termination.ERROR,
}


class ScipBackend(Backend):
    name = "scip"
    requires = ("pyscipopt",)
    distribution = "pyscipopt"
    extra = "scip"
    supports_mip_start = True
    supports_node_limit = True
    supports_threads = False  # SCIP's tree search is single-threaded
    supports_lazy_cuts = True  # a constraint handler calls the separator (handler.py)
    # SoPlex re-solves the degenerate cut-loop LPs 10-30x slower than HiGHS's simplex
    # (measured: 0.07 s vs 2.1 s on a 2,458-row p-median Benders master)
    lp_partner = "highs"

    @classmethod
    def version(cls) -> str:
        return f"PySCIPOpt {super().version()}"

    def _solve(self, problem: MilpProblem, options: SolveOptions,
               start: np.ndarray | None) -> MilpSolution:
        import pyscipopt

        notes: list[str] = []
        sign = -1.0 if problem.sense == "max" else 1.0
        start = usable_start(problem, start)
        model = pyscipopt.Model()
        model.hideOutput(quiet=not options.verbose)
        with tempfile.TemporaryDirectory(prefix="siting-scip-") as tmp:
            path = Path(tmp, "model.mps")
            path.write_text(mps_text(problem, generic_names=True, include_offset=False,
                                     force_min=True), encoding="ascii")
            model.readProblem(str(path))
            if options.time_limit is not None:
                model.setParam("limits/time", float(options.time_limit))
            model.setParam("limits/gap", float(options.rel_gap))
            model.setParam("limits/absgap", float(effective_abs_gap(problem, options)))
            model.setParam("randomization/randomseedshift", int(options.seed))
            if options.node_limit is not None:
                model.setParam("limits/nodes", int(options.node_limit))
            if options.threads not in (None, 1):
                notes.append("scip: single-threaded; --threads ignored")
            _set_options(model, options)
            if start is not None:
                sol_path = Path(tmp, "start.sol")
                idx = np.flatnonzero(start)
                sol_path.write_text("".join(f"C{k} {v!r}\n"
                                            for k, v in zip(idx.tolist(), start[idx].tolist())))
                sol = model.readSolFile(str(sol_path))
                if not model.addSol(sol, free=True):
                    notes.append("scip rejected the warm start")
            t0 = time.perf_counter()
            interrupted = _optimize(model)
            seconds = time.perf_counter() - t0
            status = model.getStatus()
            x = None
            if model.getNSols() > 0:
                out = Path(tmp, "best.sol")
                model.writeBestSol(str(out), write_zeros=False)
                x = feasible_point(problem, _read_sol(out.read_text(), problem.n_cols))
            termination = _STATUS.get(status, Termination.OTHER)
            bound = None
            if termination is not Termination.INFEASIBLE:
                raw = float(model.getDualbound())
                if np.isfinite(raw) and abs(raw) < 1e19:
                    bound = sign * raw + problem.offset
            if interrupted and termination is not Termination.INFEASIBLE:
                termination = Termination.INTERRUPTED
            nodes = int(model.getNNodes())
        return assemble(self, problem, options, termination=termination, x=x, bound=bound,
                        seconds=seconds, nodes=nodes, native=status, notes=tuple(notes), start=start)


    def solve_lazy(self, master: MilpProblem, separator: LazySeparator, options: SolveOptions,
                   *, start: np.ndarray | None = None,
                   settings: LazySettings = LazySettings()) -> LazyResult:
        """One SCIP tree over ``master``; a constraint handler asks ``separator`` to check
        every candidate point and to cut off the ones it rejects (minimisation masters)."""
        import pyscipopt

        from .handler import LazyHandler  # subclasses pyscipopt.Conshdlr

        if master.sense != "min":
            raise BackendError("solve_lazy takes minimisation masters")
        self.load()
        model = pyscipopt.Model()
        model.hideOutput(quiet=not options.verbose)
        with tempfile.TemporaryDirectory(prefix="siting-scip-lazy-") as tmp:
            path = Path(tmp, "master.mps")
            path.write_text(mps_text(master, generic_names=True, include_offset=False,
                                     force_min=True), encoding="ascii")
            model.readProblem(str(path))
        by_name = {v.name: v for v in model.getVars()}
        xs = [by_name[f"C{k}"] for k in range(master.n_cols)]
        # lazy rows are invisible to presolve: reductions that reason from the rows it sees
        # (dual fixing, restarts that drop columns) would be wrong
        model.setParam("misc/allowstrongdualreds", False)
        model.setParam("misc/allowweakdualreds", False)
        model.setParam("presolving/maxrestarts", 0)
        if not settings.primal_heuristics:
            model.setHeuristics(pyscipopt.SCIP_PARAMSETTING.OFF)
        if not settings.general_cuts:
            model.setSeparating(pyscipopt.SCIP_PARAMSETTING.OFF)
        if not settings.strong_branching:
            model.setParam("branching/pscost/priority", 100000)
        elif settings.reliability is not None:
            model.setParam("branching/relpscost/priority", 100000)
            model.setParam("branching/relpscost/minreliable", float(settings.reliability))
            model.setParam("branching/relpscost/maxreliable", float(settings.reliability))
        if not settings.probing:
            model.setParam("propagating/probing/maxprerounds", 0)
        model.setParam("limits/absgap", float(effective_abs_gap(master, options)))
        model.setParam("limits/gap", float(options.rel_gap))
        model.setParam("randomization/randomseedshift", int(options.seed))
        if options.time_limit is not None:
            model.setParam("limits/time", max(float(options.time_limit), 0.01))
        _set_options(model, options)
        handler = LazyHandler(separator, xs)
        model.includeConshdlr(handler, "siting-lazy", "lazy constraints of a siting separator",
                              sepapriority=0, enfopriority=-1, chckpriority=-1,
                              sepafreq=settings.fractional_every, needscons=False)
        if start is not None:
            handler.offer(start)
        t0 = time.perf_counter()
        try:
            interrupted = _optimize(model)
        except Exception as exc:  # pyscipopt raises a bare Exception for a SCIP error code
            # (pcb3038 p=500 once ended "SCIP: unspecified error!" mid-tree): an answer, not a
            # crash; the separator keeps the incumbents it handed in, the caller goes on
            return LazyResult(termination=Termination.ERROR, x=None, objective=None,
                              bound=None, seconds=time.perf_counter() - t0, nodes=0,
                              cuts_added=handler.added, separations=handler.rounds,
                              backend_version=self.version(), native_status=f"error: {exc}")
        seconds = time.perf_counter() - t0
        status = model.getStatus()
        x = objective = None
        if model.getNSols() > 0:
            x = handler.point(model.getBestSol())
            objective = master.objective_value(x)
        termination = _STATUS.get(status, Termination.OTHER)
        if interrupted and termination is not Termination.INFEASIBLE:
            termination = Termination.INTERRUPTED
        bound = None
        if termination is not Termination.INFEASIBLE:
            # every accepted point passed the separator's check: the master bound is the
            # problem's (the model's offset was left out of the file)
            raw = float(model.getDualbound())
            if np.isfinite(raw) and abs(raw) < 1e19:
                bound = raw + master.offset
        return LazyResult(termination=termination, x=x, objective=objective, bound=bound,
                          seconds=seconds, nodes=int(model.getNNodes()),
                          cuts_added=handler.added, separations=handler.rounds,
                          backend_version=self.version(), native_status=status)


def _optimize(model: object) -> bool:
    """Solve in a worker thread (optimizeNogil; PySCIPOpt's plugin callbacks take the GIL
    themselves); Ctrl-C or SIGTERM interrupts SCIP and keeps its incumbent. Returns whether an
    interrupt arrived.

    ``optimize()`` keeps the GIL for the whole solve: SCIP's own SIGINT catcher stops it, but
    SIGTERM's handler (and a simulated Ctrl-C) waits for the end, then raises just after it and
    the answer is lost. So SCIP's catcher is off and the one Python path serves both."""
    model.setParam("misc/catchctrlc", False)  # type: ignore[attr-defined]
    _, interrupted = run_interruptible(model.optimizeNogil,  # type: ignore[attr-defined]
                                       model.interruptSolve)  # type: ignore[attr-defined]
    return interrupted


def _set_options(model: object, options: SolveOptions) -> None:
    for key, value in options.backend_options.items():
        try:
            model.setParam(key, value)  # type: ignore[attr-defined]
        except (KeyError, LookupError, ValueError, TypeError) as exc:
            raise BackendError(f"SCIP rejected option {key}={value!r}: {exc}") from None


_LINE = re.compile(r"^C(\d+)\s+(\S+)", re.MULTILINE)


def _read_sol(text: str, n_cols: int) -> np.ndarray:
    """Column values from SCIP's solution file (lines 'C<k> value (obj:...)')."""
    x = np.zeros(n_cols)
    found = _LINE.findall(text)
    if found:
        idx = np.fromiter((int(k) for k, _ in found), dtype=np.int64, count=len(found))
        val = np.fromiter((float(v) for _, v in found), dtype=float, count=len(found))
        x[idx] = val
    return x
