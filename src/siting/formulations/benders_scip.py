"""p-median Benders with a single branch-and-Benders-cut tree on SCIP (lazy cuts).

Phases 0-1 are those of :class:`PMedianBenders`. The integer phase hands the master (all cuts
found so far, as a solver-neutral MILP written to MPS) to SCIP once, with a constraint handler
that separates the closed-form cuts at every integral point SCIP wants to accept (check /
enforcement) and at the root LP. One tree replaces the iterated master MILPs, which re-solve
from scratch after each round of cuts. Math: models/p-median.md#benders-scip.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from ..mps import mps_text
from .base import Context
from .benders import PMedianBenders, TreeResult, _Cuts, _Data, _improve, _master_milp, _round_up

#: fractional separation: -1 never, 0 root only, k every k-th depth
SEPA_FREQ = 1


class PMedianBendersSCIP(PMedianBenders):
    """Benders phases 0-1, then one SCIP tree with the cuts as lazy constraints."""

    kind = "p-median"
    name = "benders-scip"
    summary = ("Benders decomposition with one branch-and-Benders-cut tree: cuts added lazily "
               "through a SCIP constraint handler (needs pyscipopt)")
    doc = "models/p-median.md#benders-scip"
    backend = "scip"  # reported as scip (its LP cut loop runs on HiGHS when that is installed)


def scip_tree(ctx: Context, data: _Data, cuts: _Cuts, y_lo: np.ndarray, y_hi: np.ndarray,
              best_y: np.ndarray, ub: float, lb: float, grain: float, req: np.ndarray,
              ) -> TreeResult:
    """Solve the master once on SCIP, separating cuts lazily; bound and incumbent honest."""
    import pyscipopt

    milp = _master_milp("tree", data, cuts, y_lo, y_hi, True, grain)
    model = pyscipopt.Model()
    model.hideOutput(quiet=not ctx.options.verbose)
    with tempfile.TemporaryDirectory(prefix="siting-bscip-") as tmp:
        path = Path(tmp, "master.mps")
        path.write_text(mps_text(milp, generic_names=True, include_offset=False,
                                 force_min=True), encoding="ascii")
        model.readProblem(str(path))
    by_name = {v.name: v for v in model.getVars()}
    y_cols = milp.blocks["y"].start + np.arange(data.ma)
    t_cols = milp.blocks["theta"].start + np.arange(data.n)
    yv = [by_name[f"C{k}"] for k in y_cols.tolist()]
    tv = [by_name[f"C{k}"] for k in t_cols.tolist()]
    # lazy rows are invisible to presolve: reductions that reason from the rows it sees
    # (dual fixing, restarts that drop columns) would be wrong
    model.setParam("misc/allowstrongdualreds", False)
    model.setParam("misc/allowweakdualreds", False)
    model.setParam("presolving/maxrestarts", 0)
    # SCIP's primal heuristics only see the partial master, so their points mostly fail the
    # exact check; the swap-improved incumbents handed in are better (measured 10-35% faster)
    model.setHeuristics(pyscipopt.SCIP_PARAMSETTING.OFF)
    model.setParam("limits/absgap", 0.999 * grain if grain > 0 else 1e-9)
    model.setParam("limits/gap", float(ctx.options.rel_gap))
    model.setParam("randomization/randomseedshift", int(ctx.options.seed))
    # SCIP's general-purpose cuts (Gomory, MIR, ...) cost more than they gain on this master:
    # the bound moves by branching on y (measured: pmed6 0.98 s -> 0.58 s, pmed17 2.5 -> 1.5 s)
    model.setSeparating(pyscipopt.SCIP_PARAMSETTING.OFF)
    # branch by pseudocosts alone: strong branching re-solves this degenerate master LP for
    # every candidate (measured on pmed32/38/39-shaped graphs: 35/26/21 s -> 23/13/12 s)
    model.setParam("branching/pscost/priority", 100000)
    left = ctx.remaining()
    if left is not None:
        model.setParam("limits/time", max(left, 0.01))
    from ._scip_lazy import _LazyBenders  # imports pyscipopt: only when the tree runs

    handler = _LazyBenders(data, yv, tv, req, ub, best_y)
    model.includeConshdlr(handler, "pmedian-benders", "closed-form p-median Benders cuts",
                          sepapriority=0, enfopriority=-1, chckpriority=-1,
                          sepafreq=SEPA_FREQ,
                          needscons=False)
    handler.offer(best_y, data.separate(best_y)[1])

    t0 = time.perf_counter()
    model.optimize()
    seconds = time.perf_counter() - t0
    status = model.getStatus()
    ctx.note(f"benders-scip: one tree, {status}, {seconds:.2f}s, {int(model.getNNodes())} "
             f"nodes, {handler.added} lazy cuts, {handler.rounds} separations")
    ub, best_y = handler.ub, handler.best_y
    if model.getNSols() > 0:
        sol = model.getBestSol()
        y = np.round(np.clip([model.getSolVal(sol, v) for v in yv], 0.0, 1.0))
        ub, best_y = _improve(data, y, req, ub, best_y)
    if status == "optimal" or status == "gaplimit":
        # every accepted point passed the exact check, so the master bound is the problem's
        raw = float(model.getDualbound())
        lb = max(lb, _round_up(raw, grain))
    elif status == "infeasible":
        lb = ub  # nothing below the incumbent: it is optimal
    else:
        raw = float(model.getDualbound())
        if np.isfinite(raw) and abs(raw) < 1e19:
            lb = max(lb, _round_up(raw, grain))
    return TreeResult(ub=ub, best_y=best_y, lb=lb, timed_out=status == "timelimit",
                      seconds=seconds, version=f"PySCIPOpt {pyscipopt.__version__}")
