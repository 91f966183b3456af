"""Workbench re-solve time on the demo district: the budget changes, how long until the page
has the new proven-optimal plan? (Measured, not a timed test; see docs/workbench.md.)

    PYTHONPATH=src python benchmarks/workbench/resolve.py [--budgets 30e6 25e6 35e6] [--out FILE]

Runs the workbench's own path without the browser: edits → scenario file → worker process →
plan (the same Runner the server uses), and records, per solve, the wall time from submit to
plan, the pipeline's build/solve split, status and objective.
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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default=str(ROOT / "instances/demo_district/scenario.toml"))
    ap.add_argument("--budgets", nargs="+", type=float, default=[30e6, 25e6, 35e6])
    ap.add_argument("--out", default=str(Path(__file__).with_name("results") / "demo_resolve.json"))
    args = ap.parse_args()

    from siting.serve.app import close_session, new_session
    from siting.serve.engine import parse_edits, write_scenario
    from siting.serve.worker import Job, Runner

    t0 = time.perf_counter()
    session = new_session(args.scenario, exports=Path(os.devnull))
    open_seconds = time.perf_counter() - t0
    done = threading.Event()
    session.runner = Runner(lambda e: done.set() if e["job"].get("state") in (
        "done", "interrupted", "error") and e["type"] == "job" else None)
    session.runner.start()
    rows = []
    try:
        for budget in args.budgets:
            edits = parse_edits({"problem": {"budget": budget}})
            job_id = session.runner.new_id()
            t1 = time.perf_counter()
            write_scenario(session.base, edits, session.work / job_id)
            done.clear()
            job = session.runner.submit(Job(job_id, session.work / job_id, edits))
            done.wait()
            wall = time.perf_counter() - t1
            plan = job.plan or {}
            stages = plan.get("stages") or []
            rows.append({"budget": budget, "state": job.state, "status": plan.get("status"),
                         "objective": plan.get("objective"), "gap": plan.get("gap"),
                         "wall_seconds": round(wall, 2),
                         "milp_seconds": round(sum(s.get("seconds") or 0 for s in stages), 2),
                         "stage_seconds": [round(s.get("seconds") or 0, 2) for s in stages],
                         "tie_break": plan.get("tie_break"), "error": job.error})
            print(json.dumps(rows[-1]), flush=True)
    finally:
        close_session(session)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    out = {"scenario": str(Path(args.scenario).relative_to(ROOT)), "load_average_1min": load,
           "open_seconds":
           round(open_seconds, 2), "solves": rows, "machine": {
               "cpus": os.cpu_count(), "python": sys.version.split()[0],
               "platform": platform.platform()},
           "note": "first solve includes worker start-up; machine shared with other jobs"}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
