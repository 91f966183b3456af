"""Operator viability (issue 19): time to proven optimality of the two viability demos.

Usage::

    PYTHONPATH=src:. python -m benchmarks.viability [--scenario PATH ...] [--time-limit 300]
        [--out benchmarks/results/viability]

Each scenario is read and measured (``siting.pipeline.prepare``), then solved exactly as
``siting solve`` does (``siting.community.solve.solve`` with the scenario's backend and time
limit; the verifier re-checks the plan, including every module's users, or the solve raises).
Wall and CPU seconds of the solve (build + greedy start + MILP + verification; CPU = this
process, all solver threads) are recorded with the load average before and after, because the
2-core machine is shared. Writes OUT.csv and OUT.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = [ROOT / "instances" / "demo_district" / "scenario_viability.toml",
             ROOT / "instances" / "demo_district" / "scenario_viability_full.toml"]


def measure(path: Path, time_limit: float | None) -> dict[str, Any]:
    from siting.community.formulation import build_model
    from siting.community.solve import solve
    from siting.pipeline import prepare
    from siting.scenario import load_scenario

    scenario = load_scenario(path)
    prepared = prepare(scenario)
    inst, problem = prepared.instance, prepared.problem
    options = scenario.solver.options()
    if time_limit is not None:
        options = options.model_copy(update={"time_limit": time_limit})
    milp = build_model(inst, problem, budget_row=True).milp   # size only (solve builds again)
    load0 = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    res = solve(inst, problem, backend=scenario.solver.backend, options=options)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert res.check is not None and res.check.feasible, "the verifier rejected the plan"
    ops = res.check.operations
    new = res.check.hosts & (res.plan.new_modules > 0) if res.plan is not None else None
    viable = None if ops is None or new is None else bool(
        (ops.users[new] >= ops.threshold[new] - 1e-6).all())
    return {"scenario": path.name, "services": len(problem.services),
            "status": res.status.value, "tie_break": res.tie_break,
            "coverage": round(res.objective, 4) if res.objective is not None else None,
            "bound": res.bound, "gap": res.gap, "cost": res.check.total_cost,
            "subsidy": None if ops is None else round(ops.subsidy, 2),
            "viable_by_verifier": viable,
            "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "load_before": round(load0, 1), "load_after": round(os.getloadavg()[0], 1),
            "time_limit": options.time_limit, "cols": milp.n_cols, "rows": milp.n_rows,
            "nnz": milp.nnz, "integers": int(milp.integrality.sum()),
            "nodes": res.stages[0].nodes if res.stages else None, "backend": res.backend}


def write(rows: list[dict[str, Any]], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.with_suffix(".csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    cols = ["scenario", "services", "status", "tie_break", "coverage", "bound", "gap", "wall_s",
            "cpu_s", "load_before", "load_after", "cols", "rows", "nnz", "nodes"]
    lines = [f"# Viability demos: time to proven optimality ({time.strftime('%Y-%m-%d %H:%M')}, "
             f"{platform.node()}, {os.cpu_count()} cores shared)", "",
             "Command: `PYTHONPATH=src:. python -m benchmarks.viability`", "",
             "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join("" if r[c] is None else str(r[c]) for c in cols) + " |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", action="append", type=Path)
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "viability")
    args = ap.parse_args(argv)
    rows = []
    for path in args.scenario or SCENARIOS:
        row = measure(path, args.time_limit)
        print(row, flush=True)
        rows.append(row)
    write(rows, args.out)


if __name__ == "__main__":
    main()
