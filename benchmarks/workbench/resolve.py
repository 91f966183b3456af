"""Workbench re-solve time on the demo district: the budget changes, how long until the page
has the new plan, proven optimal? (Measured, not a timed test; see docs/workbench.md.)

    PYTHONPATH=src python benchmarks/workbench/resolve.py [--budgets 27e6 33e6 30e6] \
        [--out benchmarks/results/workbench-resolve.json]

Runs the workbench's own path without the browser: edits → scenario file → worker process (the
same Runner the server uses, warm: the session is opened when the worker starts) → plan with
report, gpkg and CSVs written. Per solve it records the wall time from submit to plan, the
worker's CPU seconds over that time (/proc, Linux), which path answered (warm/cold), the MILP
stage times, status, gap, tie-break and objective, and the machine's load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of a process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def solve_once(session, runner, budget, done, *, first: bool, mode: str,  # type: ignore[no-untyped-def]
               since: float) -> dict:
    """Submit one budget what-if (None: no edit) and wait for its plan; the row."""
    from siting.serve.engine import parse_edits, write_scenario
    from siting.serve.worker import Job

    edits = parse_edits({} if budget is None else {"problem": {"budget": budget}})
    job_id = f"{mode}-{runner.new_id()}"
    load = os.getloadavg()[0]
    c0, w0 = cpu_seconds(runner.worker_pid), time.perf_counter()
    write_scenario(session.base, edits, session.work / job_id)
    done.clear()
    job = runner.submit(Job(job_id, session.work / job_id, edits))
    done.wait()
    wall = time.perf_counter() - w0
    c1 = cpu_seconds(runner.worker_pid)
    plan = job.plan or {}
    stages = plan.get("stages") or []
    row = {"runner": mode, "budget": budget, "first": first, "state": job.state,
           "path": plan.get("path"), "status": plan.get("status"),
           "objective": plan.get("objective"), "gap": plan.get("gap"),
           "tie_break": plan.get("tie_break"), "cost": (plan.get("cost") or {}).get("total"),
           "wall_seconds": round(wall, 2),
           "worker_cpu_seconds": None if c0 is None or c1 is None else round(c1 - c0, 2),
           "stage_seconds": [round(s.get("seconds") or 0, 2) for s in stages],
           # answered by an earlier proven solve of the worker's session (no solve ran)
           "answer": "earlier proof" if any("earlier in this session" in n or
                                            "larger feasible set" in n
                                            for n in plan.get("notes") or []) else "solved",
           "load_average_1min_before": round(load, 2), "error": job.error}
    if first:
        row["since_worker_start_seconds"] = round(time.perf_counter() - since, 2)
    return row


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default=str(ROOT / "instances/demo_district/scenario.toml"))
    ap.add_argument("--budgets", nargs="+", type=float, default=[27e6, 33e6, 30e6, 25e6])
    ap.add_argument("--out", default=str(ROOT / "benchmarks/results/workbench-resolve.json"))
    ap.add_argument("--with-cold", action="store_true",
                    help="also run the same solves through the full pipeline (reference)")
    args = ap.parse_args()

    from siting.serve.app import close_session, new_session
    from siting.serve.worker import Runner

    t0 = time.perf_counter()
    session = new_session(args.scenario, exports=Path(os.devnull))
    open_seconds = time.perf_counter() - t0
    done = threading.Event()

    def publish(e: dict) -> None:
        if e["type"] == "job" and e["job"].get("state") in ("done", "interrupted", "error"):
            done.set()

    rows = []
    try:
        for mode in ["warm", *(["cold"] if args.with_cold else [])]:
            # warm: the server's runner (session opened as the worker starts); cold: a runner
            # without the scenario, every solve through pipeline.run (the reference)
            runner = Runner(publish, scenario=session.base.path if mode == "warm" else None)
            session.runner = runner
            t1 = time.perf_counter()
            runner.start()
            try:
                for k, budget in enumerate([None, *args.budgets]):
                    rows.append(solve_once(session, runner, budget, done, first=k == 0,
                                           mode=mode, since=t1))
                    print(json.dumps(rows[-1]), flush=True)
            finally:
                runner.stop()
    finally:
        session.runner = None
        close_session(session)
    out = {"scenario": str(Path(args.scenario).resolve().relative_to(ROOT)),
           "command": "PYTHONPATH=src python benchmarks/workbench/resolve.py"
                      + (" --with-cold" if args.with_cold else ""),
           "open_seconds_server": round(open_seconds, 2), "solves": rows,
           "load_average_after": [round(x, 2) for x in os.getloadavg()],
           "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                       "platform": platform.platform()},
           "note": "per runner, row 1 (no edit) includes the worker start (warm: opening the "
                   "session, pipeline.prepare + model build); the rows after it are budget "
                   "what-ifs. Wall = submit to plan (outputs written); CPU = the worker "
                   "process only."}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    Path(args.out).with_suffix(".md").write_text(markdown(out), encoding="utf-8")
    return 0


def markdown(out: dict) -> str:
    """The results as the table benchmarks/results/workbench-resolve.md shows."""
    lines = [f"# Workbench budget re-solve: {out['scenario']}", "",
             f"Command: `{out['command']}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); "
             f"{out['machine']['cpus']} CPUs, Python {out['machine']['python']}, "
             f"{out['machine']['platform']}. The machine is shared: the 1-minute load average "
             "before each solve is in the table (2 cores: anything above 2 means the solve "
             f"waited for a core). Load after the run: {out['load_average_after']}.", "",
             "Wall = submit to plan on the page (outputs written); CPU = the worker process. "
             "Per runner, the first row is the scenario as opened (no edit; the warm runner's "
             "also waits for the worker to open the session); the rows after it are budget "
             "what-ifs. Runner *warm* is the workbench's; *cold* (with `--with-cold`) solves "
             "the same files through `pipeline.run` for reference.", "",
             "*answer*: solved, or *earlier proof* (the warm session had proven this what-if "
             "before and returned that plan, verified again, without a solve; its MILP stage "
             "times are the earlier solve's).", "",
             "| runner | budget (yuan) | path | answer | status | gap | tie-break | objective | "
             "cost | wall s | worker CPU s | MILP stages wall s | load |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in out["solves"]:
        budget = "as opened" if r["budget"] is None else f"{r['budget']:,.0f}"
        gap = "" if r["gap"] is None else f"{r['gap']:.2g}"
        lines.append(f"| {r['runner']} | {budget} | {r['path']} | {r.get('answer', '')} | "
                     f"{r['status']} | {gap} | {r['tie_break']} | "
                     f"{r['objective']} | {r['cost']:,.0f} | {r['wall_seconds']} | "
                     f"{r['worker_cpu_seconds']} | {' + '.join(map(str, r['stage_seconds']))} | "
                     f"{r['load_average_1min_before']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
