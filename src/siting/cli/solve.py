"""`siting solve`: a benchmark instance file, a scenario file, or GIS layers given by flags.

    siting solve PATH [--problem ...]                 OR-Library/SJC/Swain file (as before)
    siting solve SCENARIO.toml [--out DIR]            scenario file (siting.scenario)
    siting solve --demand F --sites F --problem P ... the same pipeline from flags
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import SpecError
from . import EXIT_INTERRUPTED, EXIT_NO_SOLUTION, EXIT_OK

if TYPE_CHECKING:  # the CLI imports the library only when a command runs (fast --help)
    from ..options import SolveOptions



def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("solve", help="solve a siting problem (instance file, scenario or GIS layers)",
                       description="Solve a siting problem. PATH is a scenario .toml file, or "
                       "an OR-Library p-median or capacitated warehouse file, an SJC file, "
                       "a TSPLIB .tsp file or Swain's data (format detected from content). Without PATH, give GIS "
                       "layers with --demand and --sites.")
    p.add_argument("path", metavar="PATH", nargs="?", help="scenario .toml or instance file")
    add_problem_args(p)
    add_solver_args(p)
    add_layer_args(p)
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[], dest="overrides",
                   help="scenario file: override a key, e.g. --set problem.budget=3e6 --set "
                   "solver.time_limit=60 (repeatable; recorded in summary.json)")
    p.add_argument("--json", metavar="FILE", help="write the result as one JSON object")
    p.add_argument("--out", metavar="DIR", help="write the outputs into DIR (scenario/layers "
                   "only): community: report.html, result.gpkg, summary.json and CSV tables; "
                   "other models: result.gpkg, summary.json, CSV tables, map.html and PNG "
                   "figures")
    p.add_argument("--quiet", action="store_true", help="no progress or notes on stderr")
    p.add_argument("--rounding", choices=["floor", "nint", "none"],
                   help="TSPLIB files: distance rounding (default floor for p-median, as in "
                   "the p-median literature; TSPLIB's own nint otherwise)")
    p.add_argument("--lang", choices=["zh", "en"], help="language of the report, map, figures "
                   "and summary (default: the scenario's language, else en)")
    p.set_defaults(run=run)


def add_layer_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("GIS layers (instead of PATH)")
    g.add_argument("--demand", metavar="FILE", help="demand points: GeoPackage, GeoJSON, "
                   "Shapefile, GeoParquet or CSV with lon/lat or x/y columns")
    g.add_argument("--sites", metavar="FILE", help="candidate sites (same formats)")
    g.add_argument("--demand-id", metavar="COL", help="demand id column")
    g.add_argument("--weight", metavar="COL", help="demand weight column (default 1 each)")
    g.add_argument("--site-id", metavar="COL", help="site id column")
    g.add_argument("--site-cost", metavar="COL", help="site cost column")
    g.add_argument("--capacity-col", metavar="COL", help="site capacity column")
    g.add_argument("--metric", choices=["euclidean", "haversine", "network"],
                   help="travel cost (default euclidean; network with --network)")
    g.add_argument("--network", metavar="FILE", help="road network: .osm.pbf, .graphml or "
                   "edge-list .csv")
    g.add_argument("--cutoff", type=float, metavar="C", help="ignore pairs costing more "
                   "(default: the radius for lscp/mclp)")
    g.add_argument("--costs", metavar="FILE", help="OD table (CSV/Parquet, long format)")
    g.add_argument("--cost-site", metavar="COL", help="OD table site id column (default site_id)")
    g.add_argument("--cost-demand", metavar="COL", help="OD table demand id column "
                   "(default demand_id)")
    g.add_argument("--cost-value", metavar="COL", help="OD table cost column (default cost)")


def add_problem_args(p: argparse.ArgumentParser) -> None:
    from .. import kinds

    p.add_argument("--problem", choices=kinds.flag_kinds(),
                   help="model to solve (default: p-median for p-median files, cflp for "
                   "warehouse files)")
    p.add_argument("--p", type=int, help="number of sites to open (default: the file's p)")
    p.add_argument("--radius", type=float, help="coverage radius (lscp, mclp)")
    p.add_argument("--budget", type=float, help="budget on total site cost (mclp; with a "
                   "scenario file it sets problem.budget, e.g. a community budget in yuan)")
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
    from ..options import SolveOptions

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
    """The spec fields the kind's registered flags set (``--p``, ``--radius``...).

    A required ``p`` defaults to the instance file's p; other required fields need their flag.
    """
    from .. import kinds

    entry = kinds.get(kind)
    fields = entry.spec_class().model_fields
    params: dict[str, object] = {}
    for name in entry.flags or ():
        value = getattr(args, name, None)
        required = fields[name].is_required()
        if value is None and name == "p" and required:
            value = default_p
        if value is None and required:
            raise SpecError(f"{kind} needs --{name.replace('_', '-')}")
        if value is False:  # store_true flags left off: the spec's default
            continue
        if value is not None or not required:
            params[name] = value
    return params


_LAYER_FLAGS = ("demand_id", "weight", "site_id", "site_cost", "capacity_col", "metric",
                "network", "cutoff", "costs", "cost_site", "cost_demand", "cost_value")


def run(args: argparse.Namespace) -> int:
    if getattr(args, "rounding", None) and (args.path is None or args.path.endswith(".toml")):
        raise SpecError("--rounding applies to TSPLIB instance files only")
    if args.demand is not None or args.sites is not None:
        if args.path is not None:
            raise SpecError(f"give either PATH ({args.path}) or --demand/--sites, not both")
        if args.demand is None or args.sites is None:
            raise SpecError("GIS input needs both --demand and --sites")
        if args.overrides:
            raise SpecError("--set applies to scenario files; with --demand/--sites use the flags")
        return run_layers(args)
    if args.path is None:
        raise SpecError("give an instance file, a scenario .toml, or --demand and --sites")
    if args.path.lower().endswith(".toml"):
        return run_scenario(args)
    used = [f"--{f.replace('_', '-')}" for f in _LAYER_FLAGS + ("out",)
            if getattr(args, f) is not None]
    if args.overrides:
        raise SpecError("--set applies to scenario files, not instance files")
    if used:
        raise SpecError(f"{used[0]} applies to GIS layers or scenarios, not instance files")
    return run_instance(args)


def _progress(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from ..outputs.progress import make_progress

    return make_progress(quiet=args.quiet, verbose=args.verbose)


def _report(outcome, lang: str | None = None) -> int:  # type: ignore[no-untyped-def]
    from ..i18n import _, use_language

    print(outcome.text, file=sys.stdout)
    if outcome.out_dir is not None:
        with use_language(lang):
            print("  " + _("outputs: {folder} ({files})").format(
                folder=outcome.out_dir, files=", ".join(outcome.files)), file=sys.stdout)
    return _exit_code(outcome.has_solution, outcome.summary.get("termination"))


def _exit_code(has_solution: bool, termination: str | None) -> int:
    """0 solution found, 1 none, 130 interrupted (what is known was still written)."""
    if termination == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT_OK if has_solution else EXIT_NO_SOLUTION


def _given(value: object) -> bool:
    return value is not None and value is not False


#: common flags that set a scenario key (the value is validated by the scenario's models)
SCENARIO_FLAGS = {"budget": "problem.budget", "time_limit": "solver.time_limit",
                  "backend": "solver.backend", "formulation": "solver.formulation",
                  "threads": "solver.threads", "gap": "solver.rel_gap"}


def scenario_overrides(args: argparse.Namespace) -> dict[str, object]:
    """``--set KEY=VALUE`` items and the common flags as scenario keys (flags win)."""
    from .. import overrides

    out = overrides.parse(getattr(args, "overrides", None) or [])
    for flag, key in SCENARIO_FLAGS.items():
        value = getattr(args, flag, None)
        if value is not None:
            out[key] = value
    return out


def run_scenario(args: argparse.Namespace) -> int:
    from .. import kinds, pipeline
    from ..scenario import load_scenario

    spec_flags = tuple(dict.fromkeys(f for k in kinds.all_kinds() for f in k.flags or ()))
    given = [f"--{f.replace('_', '-')}" for f in _LAYER_FLAGS + ("problem",) + spec_flags + (
             "capacity", "required", "forbidden") if f not in SCENARIO_FLAGS
             and _given(getattr(args, f, None))]
    if given:
        raise SpecError(f"{given[0]} is not used with a scenario file; set it in the scenario "
                        "or with --set KEY=VALUE")
    scenario = load_scenario(args.path, overrides=scenario_overrides(args))
    if args.lang:
        scenario = scenario.model_copy(update={"language": args.lang})
    progress = _progress(args)
    if not args.quiet:  # the run log says what differs from the file
        for key, value in scenario.overrides.items():
            print(f"siting: override {key} = {value!r}", file=sys.stderr)
    outcome = pipeline.run(scenario, Path(args.out) if args.out else None,
                           json_path=Path(args.json) if args.json else None,
                           progress=progress)
    return _report(outcome, scenario.language)


def run_layers(args: argparse.Namespace) -> int:
    from .. import pipeline
    from ..scenario import scenario_from_flags

    if args.problem is None:
        raise SpecError("GIS input needs --problem")
    params = problem_params(args, args.problem, None)
    options = solve_options(args).model_dump()
    options.update({k: getattr(args, k) for k in ("backend", "formulation")
                    if getattr(args, k) is not None})
    scenario = scenario_from_flags(
        demand=args.demand, sites=args.sites,
        problem={"kind": args.problem, **{k: v for k, v in params.items() if v is not None}},
        demand_id=args.demand_id, weight=args.weight, site_id=args.site_id,
        site_cost=args.site_cost, capacity_col=args.capacity_col, capacity=args.capacity,
        required=split_ids(args.required), forbidden=split_ids(args.forbidden),
        metric=args.metric, cutoff=args.cutoff, network=args.network, costs=args.costs,
        cost_site=args.cost_site, cost_demand=args.cost_demand, cost_value=args.cost_value,
        solver=options, out=args.out)
    if args.lang:
        scenario = scenario.model_copy(update={"language": args.lang})
    outcome = pipeline.run(scenario, Path(args.out) if args.out else None,
                           json_path=Path(args.json) if args.json else None,
                           progress=_progress(args))
    return _report(outcome, scenario.language)


def run_instance(args: argparse.Namespace) -> int:
    from .. import api
    from ..readers import load_instance, sniff_format

    t0 = time.perf_counter()
    options = solve_options(args)
    fmt = sniff_format(args.path)
    kind = args.problem or ("cflp" if fmt == "cap" else "p-median")
    rounding = getattr(args, "rounding", None)
    if rounding and fmt != "tsplib":
        raise SpecError(f"{args.path}: --rounding applies to TSPLIB files only")
    if fmt == "tsplib" and rounding is None:
        rounding = "floor" if kind == "p-median" else "nint"
    instance = load_instance(args.path, capacity=args.capacity, rounding=rounding)
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
        from ..outputs.write import write_json

        write_json(args.json, result.to_dict())
    from ..i18n import use_language

    with use_language(args.lang):
        print(result.summary(), file=sys.stdout)
    return _exit_code(result.has_solution, result.termination.value)
