"""Community planning speed (issue 18): the demo district cold, each what-if warm, the frontier.

Usage::

    python -m benchmarks.community [--scenario instances/demo_district/scenario.toml]
        [--frontier 10e6:40e6:8] [--repeat 1] [--out benchmarks/results/community]

Every row is measured in this process after ``siting.open_scenario`` (the cold row includes
reading the layers, the pairs and the build); what-ifs start from the base plan (``start=``) so
each is one edit away from the scenario, as a planner at the map would ask it. Wall and CPU
seconds are both recorded (CPU = this process, all solver threads) with the load average, because
the 2-core machine is shared. Every answer is verified (the solve raises otherwise), and each
what-if is compared with a cold solve of the edited scenario (same status, coverage and cost).
Writes OUT.csv and OUT.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(t: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - t[0], time.process_time() - t[1]


def _row(name: str, t: tuple[float, float], res: Any, **extra: Any) -> dict[str, Any]:
    """One result row; ``t`` is a start clock or an already measured (wall, cpu) pair."""
    wall, cpu = t if "elapsed" in extra and extra.pop("elapsed") else _since(t)
    c = res.check
    return {"case": name, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "load": round(os.getloadavg()[0], 1), "status": res.status.value,
            "tie_break": res.tie_break, "coverage": res.objective, "bound": res.bound,
            "cost": None if c is None else c.total_cost,
            "sites": None if c is None else int(c.used.sum()),
            "stages": len(res.stages), **extra}


def what_ifs(session: Any, base: Any) -> list[tuple[str, dict[str, Any]]]:
    """Budget ±10 %, lock one unused site, forbid one used new site, change one weight, forbid
    one site the plan does not use."""
    inst, model = session.instance, session.model
    budget = session.problem.budget
    used = base.check.used
    y = model.block("y")
    open_able = model.milp.col_upper[y.slice] > 0
    new_used = np.flatnonzero(used & ~inst.existing_site)
    unused = np.flatnonzero(~used & open_able)
    # forbid the most expensive new site of the plan; lock the cheapest site it left out
    forbid = str(inst.site_ids[new_used[np.argmax(inst.cost[new_used])]])
    lock = str(inst.site_ids[unused[np.argmin(inst.cost[unused])]])
    svc = max(session.problem.services, key=lambda s: s.weight)
    # and a site the plan does not use forbidden: the plan stays optimal (answered from the
    # base solve's proof, no solve)
    spare = str(inst.site_ids[unused[np.argmax(inst.cost[unused])]])
    edits = [("budget +10%", {"budget": budget * 1.1}), ("budget -10%", {"budget": budget * 0.9}),
             (f"lock {lock}", {"lock": [lock]}), (f"forbid {forbid}", {"forbid": [forbid]}),
             (f"weight {svc.name} {svc.weight:g}->{svc.weight * 0.75:g}",
              {"weights": {svc.name: svc.weight * 0.75}}),
             (f"forbid {spare} (not in the plan)", {"forbid": [spare]})]
    return edits


def run(scenario: Path, budgets: list[float], check_cold: bool) -> list[dict[str, Any]]:
    import siting
    from siting.community.frontier import frontier
    from siting.community.solve import solve

    rows: list[dict[str, Any]] = []
    t = _clock()
    s = siting.open_scenario(scenario)
    t_open = time.perf_counter() - t[0]
    base = s.solve()
    rows.append(_row("demo cold (read + pairs + build + solve)", t, base,
                     open_s=round(t_open, 2)))
    for name, edit in what_ifs(s, base):
        t = _clock()
        res = s.resolve(start=base.x, **edit)
        spent = _since(t)
        extra: dict[str, Any] = {"warm": s.warm, "from_proof": s.cached, "elapsed": True}
        if check_cold:
            inst, prob = s.edited(**edit)
            cold_t = time.perf_counter()
            cold = solve(inst, prob, backend=s.backend, options=s.options)
            extra["cold_wall_s"] = round(time.perf_counter() - cold_t, 2)
            extra["equals_cold"] = (cold.status is res.status
                                    and abs((cold.objective or 0) - (res.objective or 0)) < 1e-6
                                    and abs(cold.check.total_cost - res.check.total_cost) < 1e-6)
        rows.append(_row(f"what-if: {name}", spent, res, **extra))
    for cheapest in (False, True):
        t = _clock()
        points, results = frontier(s.instance, s.problem, budgets, backend=s.backend,
                                   options=s.options, tie_break=cheapest)
        last = results[-1]
        rows.append(_row(f"frontier {len(budgets)} budgets" + (" (cheapest plans)" if cheapest
                                                                else ""), t, last,
                         all_optimal=all(p.status == "optimal" for p in points),
                         coverages=";".join(f"{p.objective:.1f}" for p in points)))
    return rows


def write(rows: list[dict[str, Any]], out: Path, command: str) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    keys: list[str] = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    with open(out.with_suffix(".csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    lines = [f"# Community planning speed ({time.strftime('%Y-%m-%d %H:%M')})", "",
             f"Command: `{command}`", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, shared with other "
             f"developers (load average column: 1-minute load when the row finished).", "",
             "*warm*: the solve started from the last plan (as it was or repaired); *proof*: "
             "answered by an earlier proven solve of the session, without a solve "
             "(`Session.resolve`).", "",
             "| case | wall s | CPU s | load | status | tie-break | coverage | cost | warm | "
             "proof | = cold |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['wall_s']} | {r['cpu_s']} | {r['load']} | "
                     f"{r['status']} | {r['tie_break']} | {r['coverage']} | "
                     f"{r['cost']:,.0f} | {r.get('warm', '')} | {r.get('from_proof', '')} | "
                     f"{r.get('equals_cold', '')} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", type=Path,
                    default=ROOT / "instances" / "demo_district" / "scenario.toml")
    ap.add_argument("--frontier", default="10e6:40e6:8", help="budgets as START:STOP:N or a list")
    ap.add_argument("--no-cold-check", action="store_true",
                    help="skip the cold solve of each edited scenario")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "community")
    args = ap.parse_args(argv)
    from siting.community.frontier import parse_budgets

    rows = run(args.scenario, parse_budgets(args.frontier), not args.no_cold_check)
    for r in rows:
        print({k: r[k] for k in ("case", "wall_s", "cpu_s", "load", "status", "tie_break",
                                 "coverage", "cost")}, flush=True)
    import sys
    write(rows, args.out, "python -m benchmarks.community " + " ".join(sys.argv[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
