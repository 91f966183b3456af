"""Grid runner: suites x models x formulations x backends, one subprocess per run.

Each run's peak resident memory comes from ``os.wait4`` on that child (its own rusage), and a
wall-clock guard kills a child that overruns its limit by more than the grace period.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import report
from .suites import (Case, cap_cases, default_instances, pmed_cases, random_cases, sf_cases,
                     tsplib_cases)

COLUMNS = ["suite", "instance", "model", "formulation", "backend", "requested_backend",
           "status", "objective",
           "bound", "gap", "known_optimum", "matches_optimum", "verified", "build_s", "solve_s",
           "total_s", "wall_s", "cpu_s", "peak_mb", "n", "m", "p", "resolution", "time_limit",
           "error", "notes", "reference_s"]


def run_case(case: Case, formulation: str, backend: str, time_limit: float,
             resolution: float | None = None, threads: int | None = None,
             grace: float = 30.0) -> dict[str, Any]:
    """Solve one case in a fresh interpreter; return the CSV record."""
    task = {"source": case.source, "model": case.model, "params": case.params,
            "formulation": formulation, "backend": backend, "time_limit": time_limit,
            "known_optimum": case.known_optimum, "resolution": resolution, "threads": threads}
    base = {"suite": case.suite, "instance": case.instance, "model": case.model,
            "formulation": formulation or "default", "backend": backend,
            "requested_backend": backend,
            "known_optimum": case.known_optimum, "p": case.params.get("p", ""),
            "reference_s": case.reference_s,
            "time_limit": time_limit, "resolution": resolution or ""}
    with tempfile.TemporaryDirectory(prefix="siting-bench-") as tmp:
        tpath, opath = Path(tmp) / "task.json", Path(tmp) / "out.json"
        tpath.write_text(json.dumps(task))
        root = Path(__file__).resolve().parents[1]
        env = dict(os.environ)
        env["PYTHONPATH"] = str(root) + os.pathsep + env.get("PYTHONPATH", "")
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "benchmarks.worker", str(tpath), str(opath)],
                                cwd=root, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        killed = False
        deadline = t0 + time_limit + grace
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline and not killed:
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t0
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        rec = dict(base)
        rec["wall_s"] = wall
        rec["peak_mb"] = usage.ru_maxrss / 1024.0  # Linux: kilobytes
        # the child's own CPU (user + system): on a shared, loaded machine wall time is
        # inflated by the other processes, this is not
        rec["cpu_s"] = usage.ru_utime + usage.ru_stime
        if opath.is_file():
            out = json.loads(opath.read_text())
            actual = out.pop("formulation", None)
            rec.update({k: v for k, v in out.items() if k in COLUMNS})
            if actual and not formulation:
                rec["formulation"] = actual  # the model's default, by name
        else:
            rec["status"] = "killed" if killed else "crashed"
            rec["error"] = (f"killed after {wall:.0f}s (limit {time_limit:g}s + grace)" if killed
                            else " ".join(err.strip().splitlines()[-1:]))
    return rec


def expand(cases: list[Case], formulations: list[str], backends: list[str],
           peers: list[str]) -> list[tuple[Case, str, str]]:
    """The run list; a formulation applies only to the models it is registered for, and one
    bound to a solver (e.g. benders-scip) runs once, on that solver, whatever --backends says."""
    from siting.formulations import FORMULATIONS

    runs = []
    for case in cases:
        table = FORMULATIONS.get(case.model, {})
        for form in formulations:
            if form != "default" and form not in table:
                continue
            bound = table[form].backend if form != "default" else None
            for backend in ([bound] if bound else backends):
                runs.append((case, "" if form == "default" else form, backend))
        if case.model in ("p-median", "p-center"):
            for peer in peers:
                runs.append((case, "spopt", peer))
    return runs


def build_cases(args: argparse.Namespace) -> list[Case]:
    root = Path(args.instances) if args.instances else default_instances()
    models = args.models.split(",")
    cases: list[Case] = []
    for suite in args.suites.split(","):
        holdout = [Path(h) for h in (args.holdout or [])]
        if suite == "pmed":
            cases += pmed_cases([root / "orlib-pmed", *holdout], models, args.select)
        elif suite == "cap":
            cases += cap_cases([root / "orlib-cap", *holdout], models, args.select)
        elif suite == "random":
            sizes = [int(s) for s in args.sizes.split(",")]
            cases += random_cases(sizes, models, args.p, args.seed)
        elif suite == "sf":
            cases += sf_cases(root / "sf-cover", models)
        elif suite == "tsplib":
            ps = [int(s) for s in args.tsp_p.split(",")] if args.tsp_p else None
            cases += tsplib_cases([root / "tsplib-pmed", *holdout], models, args.select, ps)
        else:
            print(f"benchmarks: error: unknown suite {suite!r} (choose from pmed, cap, random, "
                  "sf, tsplib)", file=sys.stderr)
            raise SystemExit(2)
    return cases


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m benchmarks",
                                 description="Run a benchmark grid and write CSV, Markdown, plots.")
    ap.add_argument("--suites", default="pmed", help="comma list of pmed, cap, random, sf, "
                    "tsplib (TSPLIB p-median vs Duran-Mateluna et al. 2023)")
    ap.add_argument("--models", default="p-median",
                    help="comma list of p-median, p-center, cflp, ufl")
    ap.add_argument("--formulations", default="default",
                    help="comma list of formulation names ('default' = the model's default)")
    ap.add_argument("--backends", default="default",
                    help="comma list of backends; 'default' = each formulation's own choice "
                         "(the p-median default runs on SCIP when installed, else HiGHS)")
    ap.add_argument("--peers", default="", help="comma list of solvers for the spopt peer "
                    "(highs and/or cbc through PuLP); empty = no peer runs")
    ap.add_argument("--time-limit", type=float, default=60.0, help="seconds per run")
    ap.add_argument("--peer-time-limit", type=float, help="seconds per peer run (default: same)")
    ap.add_argument("--instances", help="instance root (default $SITING_INSTANCES or "
                    "../shared/instances)")
    ap.add_argument("--holdout", action="append", help="extra folder in a suite's format "
                    "(repeatable), e.g. the unseen pmed21-40 or cap111-134/capa-c files")
    ap.add_argument("--select", help="instance filter, e.g. pmed1-20,cap41-74,capa")
    ap.add_argument("--sizes", default="200,500,1000", help="random suite: n = m values")
    ap.add_argument("--p", type=int, default=10, help="random suite: p")
    ap.add_argument("--seed", type=int, default=0, help="random suite: seed")
    ap.add_argument("--tsp-p", help="tsplib suite: only these p (comma list); with a holdout "
                    "folder of .tsp files, also cases without a listed optimum")
    ap.add_argument("--round", type=float, dest="resolution",
                    help="round travel costs to this resolution before solving (reported)")
    ap.add_argument("--threads", type=int, help="solver threads")
    ap.add_argument("--out", default="benchmarks/results/run", help="output path prefix")
    ap.add_argument("--no-plots", action="store_true")
    return ap


def main(argv: list[str] | None = None,
         progress: Callable[[str], None] = lambda s: print(s, flush=True)) -> int:
    args = parser().parse_args(argv)
    cases = build_cases(args)
    runs = expand(cases, args.formulations.split(","), args.backends.split(","),
                  [p for p in args.peers.split(",") if p])
    if not runs:
        print("benchmarks: error: the grid is empty (check --suites/--models/--select)",
              file=sys.stderr)
        return 2
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    records: list[dict[str, Any]] = []
    for k, (case, form, backend) in enumerate(runs, 1):
        limit = args.peer_time_limit if (form == "spopt" and args.peer_time_limit) else args.time_limit
        rec = run_case(case, form, backend, limit, args.resolution, args.threads)
        records.append(rec)
        report.write_csv(records, out.with_suffix(".csv"), COLUMNS)  # incremental: poll-able
        progress(f"[{k}/{len(runs)}] {rec['instance']} {rec['model']} {rec['formulation']} "
                 f"{rec['backend']}: {rec.get('status')} obj={rec.get('objective')} "
                 f"known={rec.get('known_optimum')} {rec.get('total_s') or rec['wall_s']:.2f}s "
                 f"{rec['peak_mb']:.0f}MB {rec.get('error') or ''}")
    report.write_markdown(records, out.with_suffix(".md"), " ".join(["python -m benchmarks",
                                                                     *(argv or sys.argv[1:])]))
    if not args.no_plots:
        report.plots(records, out)
    bad = [r for r in records if r.get("error") and r.get("status") != "killed"]
    return 1 if bad else 0
