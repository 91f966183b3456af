"""`siting solve PATH --problem ...`: solve a benchmark instance file."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace

from .. import api
from ..errors import SpecError
from ..options import SolveOptions
from ..readers import load_instance, sniff_format
from . import EXIT_NO_SOLUTION, EXIT_OK
from ._output import write_json_atomic

PROBLEMS = ["p-median", "p-center", "lscp", "mclp", "ufl", "cflp"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("solve", help="solve a siting problem on an instance file",
                       description="Solve a siting problem. PATH is an OR-Library p-median or "
                       "capacitated warehouse file, an SJC file or Swain's data (format "
                       "detected from content).")
    p.add_argument("path", metavar="PATH", help="instance file")
    add_problem_args(p)
    add_solver_args(p)
    p.add_argument("--json", metavar="FILE", help="write the result as one JSON object")
    p.set_defaults(run=run)


def add_problem_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--problem", choices=PROBLEMS,
                   help="model to solve (default: p-median for p-median files, cflp for "
                   "warehouse files)")
    p.add_argument("--p", type=int, help="number of sites to open (default: the file's p)")
    p.add_argument("--radius", type=float, help="coverage radius (lscp, mclp)")
    p.add_argument("--budget", type=float, help="budget on total site cost (mclp)")
    p.add_argument("--capacity", type=float, help="capacity of every site (needed when a "
                   "file says 'capacity')")
    p.add_argument("--single-source", action="store_true", help="cflp: each demand point "
                   "served by one site")
    p.add_argument("--weighted", action="store_true", help="p-center: multiply costs by weights")
    p.add_argument("--drop-unreachable", action="store_true", help="lscp: leave out demand "
                   "points no site can reach (they are reported)")
    p.add_argument("--required", metavar="ID,ID,...", help="sites that are already open")
    p.add_argument("--forbidden", metavar="ID,ID,...", help="sites that may not open")


def add_solver_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--formulation", help="formulation name (default: the model's default)")
    p.add_argument("--backend", help="solver backend (default: highs)")
    p.add_argument("--time-limit", type=float, metavar="S", help="wall-clock limit in seconds")
    p.add_argument("--threads", type=int, metavar="N", help="solver threads")
    p.add_argument("--gap", type=float, metavar="REL", help="relative gap to stop at")
    p.add_argument("--seed", type=int, default=0, help="random seed for solvers and heuristics")
    p.add_argument("--warm-start", action=argparse.BooleanOptionalAction, default=True,
                   help="pass a heuristic solution as MIP start (default: on)")
    p.add_argument("--verbose", action="store_true", help="show the solver log")


def solve_options(args: argparse.Namespace) -> SolveOptions:
    data: dict[str, object] = {"seed": args.seed, "warm_start": args.warm_start,
                               "verbose": args.verbose}
    if args.time_limit is not None:
        if args.time_limit <= 0:
            raise SpecError("--time-limit must be positive")
        data["time_limit"] = args.time_limit
    if args.threads is not None:
        if args.threads < 1:
            raise SpecError("--threads must be at least 1")
        data["threads"] = args.threads
    if args.gap is not None:
        if args.gap < 0:
            raise SpecError("--gap must be non-negative")
        data["rel_gap"] = args.gap
    return SolveOptions.model_validate(data)


def split_ids(text: str | None) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()] if text else []


def problem_params(args: argparse.Namespace, kind: str, default_p: int | None) -> dict[str, object]:
    params: dict[str, object] = {}
    if kind in ("p-median", "p-center", "mclp"):
        p = args.p if args.p is not None else (default_p if kind != "mclp" else None)
        if p is None and kind != "mclp":
            raise SpecError(f"{kind} needs --p")
        params["p"] = p
    if kind in ("lscp", "mclp"):
        if args.radius is None:
            raise SpecError(f"{kind} needs --radius")
        params["radius"] = args.radius
    if kind == "mclp":
        params["budget"] = args.budget
    if kind == "cflp" and args.single_source:
        params["single_source"] = True
    if kind == "p-center" and args.weighted:
        params["weighted"] = True
    if kind == "lscp" and args.drop_unreachable:
        params["drop_unreachable"] = True
    return params


def run(args: argparse.Namespace) -> int:
    t0 = time.perf_counter()
    options = solve_options(args)
    fmt = sniff_format(args.path)
    instance = load_instance(args.path, capacity=args.capacity)
    kind = args.problem or ("cflp" if fmt == "cap" else "p-median")
    if kind == "cflp" and instance.capacity is None:
        raise SpecError(f"{args.path}: cflp needs capacities; give --capacity")
    instance = instance.with_flags(split_ids(args.required), split_ids(args.forbidden))
    read = time.perf_counter() - t0
    problem = api.make_problem(kind, **problem_params(args, kind, instance.default_p))
    result = api.solve(instance, problem, formulation=args.formulation, backend=args.backend,
                       options=options)
    total = time.perf_counter() - t0
    result = replace(result, timings=replace(result.timings, read=read, total=total))
    if args.json:
        write_json_atomic(args.json, result.to_dict())
    print(result.summary(), file=sys.stdout)
    return EXIT_OK if result.has_solution else EXIT_NO_SOLUTION
