"""Peer runner: PySAL spopt (PuLP models) on the same instance with the same solver.

spopt builds its classic models through PuLP objects; we hand them to HiGHS (``pulp.HiGHS``,
the same highspy library our backend uses) or to PuLP's bundled CBC, so the measured ratio is
modelling route against modelling route, not solver against solver.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np


def solve_spopt(inst, model: str, params: dict[str, Any], backend: str,  # type: ignore[no-untyped-def]
                time_limit: float | None) -> dict[str, Any]:
    import pulp
    from spopt.locate import PCenter, PMedian

    from siting.decision import Decision

    D = inst.dense_cost()
    if not np.all(np.isfinite(D)):
        raise ValueError("spopt needs a complete cost matrix (no unreachable pairs)")
    if backend == "highs":
        solver = pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=1e-6, gapAbs=0.999
                            if inst.integral_costs else 1e-9)
    elif backend == "cbc":
        solver = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=1e-6)
    else:
        raise ValueError(f"spopt peer supports backends highs and cbc, not {backend!r}")
    p = int(params["p"])
    t0 = time.perf_counter()
    if model == "p-median":
        m = PMedian.from_cost_matrix(D, inst.weight, p_facilities=p, name="spopt-pmedian")
    elif model == "p-center":
        m = PCenter.from_cost_matrix(D, p_facilities=p, name="spopt-pcenter")
    else:
        raise ValueError(f"spopt peer runs p-median and p-center, not {model}")
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    m = m.solve(solver, results=False)
    solve_s = time.perf_counter() - t1
    prob = m.problem
    vals = np.array([v.varValue if v.varValue is not None else 0.0 for v in m.fac_vars])
    open_ = vals > 0.5
    decision = Decision.from_open(open_) if int(open_.sum()) == p else None
    status_code = prob.status
    sol_status = getattr(prob, "sol_status", None)
    optimal = status_code == 1 and sol_status in (None, 1)
    objective = pulp.value(prob.objective)
    return {
        "status": "optimal" if optimal else ("feasible" if decision is not None else "no_solution"),
        "objective": float(objective) if objective is not None and decision is not None else None,
        "bound": float(objective) if optimal and objective is not None else None,
        "gap": 0.0 if optimal else None,
        "build_s": build, "solve_s": solve_s, "formulation": "spopt",
        "notes": f"pulp status {pulp.LpStatus.get(status_code, status_code)}",
        "native_status": str(sol_status), "_decision": decision,
    }
