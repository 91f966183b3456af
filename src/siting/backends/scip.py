"""SCIP through PySCIPOpt. Its only bulk route is reading a model file, so the arrays are written
as MPS (generic names C<k>/R<k>) and read back; the solution is read the same way."""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import numpy as np

from ..errors import BackendError
from ..milp import MilpProblem
from ..mps import mps_text
from ..options import SolveOptions
from ..solution import MilpSolution, Termination
from .base import Backend, assemble, effective_abs_gap, feasible_point, usable_start

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
    supports_threads = False  # SCIP's tree search is single-threaded

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
            if options.threads not in (None, 1):
                notes.append("scip: single-threaded; --threads ignored")
            for key, value in options.backend_options.items():
                try:
                    model.setParam(key, value)
                except (KeyError, LookupError, ValueError, TypeError) as exc:
                    raise BackendError(f"SCIP rejected option {key}={value!r}: {exc}") from None
            if start is not None:
                sol_path = Path(tmp, "start.sol")
                idx = np.flatnonzero(start)
                sol_path.write_text("".join(f"C{k} {v!r}\n"
                                            for k, v in zip(idx.tolist(), start[idx].tolist())))
                sol = model.readSolFile(str(sol_path))
                if not model.addSol(sol, free=True):
                    notes.append("scip rejected the warm start")
            t0 = time.perf_counter()
            model.optimize()
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
            nodes = int(model.getNNodes())
        return assemble(self, problem, options, termination=termination, x=x, bound=bound,
                        seconds=seconds, nodes=nodes, native=status, notes=tuple(notes), start=start)


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
