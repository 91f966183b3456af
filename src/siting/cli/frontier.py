"""`siting frontier SCENARIO --budgets LIST|START:STOP:N [--out DIR]`: coverage against budget."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import SpecError
from . import EXIT_NO_SOLUTION, EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("frontier", help="solve a community scenario over a sequence of budgets",
                       description="Solve a community scenario (objective coverage or equity) "
                       "at each budget, warm-starting each solve from the previous plan; write "
                       "frontier.csv and frontier.png (with the knee marked) into --out.")
    p.add_argument("scenario", metavar="SCENARIO", help="community scenario .toml file")
    p.add_argument("--budgets", required=True, metavar="LIST|START:STOP:N",
                   help="comma-separated budgets, or START:STOP:N evenly spaced budgets")
    p.add_argument("--out", metavar="DIR", help="output folder (default: <scenario name>-frontier)")
    p.add_argument("--backend", help="solver backend (default: the scenario's, else highs)")
    p.add_argument("--time-limit", type=float, metavar="S", help="seconds per budget")
    p.add_argument("--cheapest", action="store_true", help="also find the cheapest optimal "
                   "plan at each budget (slower; the cost column is then minimal)")
    p.add_argument("--lang", choices=["zh", "en"], help="language of frontier.png and "
                   "frontier.html (default: the scenario's)")
    p.add_argument("--set", metavar="KEY=VALUE", action="append", default=[], dest="overrides",
                   help="override a scenario key, e.g. --set problem.rules.new_site_min_services=2 "
                   "(repeatable)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..community import frontier as fr
    from ..outputs.progress import make_progress
    from ..outputs.write import check_targets
    from ..pipeline import prepare
    from ..scenario import load_scenario

    from .. import overrides as ov

    budgets = fr.parse_budgets(args.budgets)
    given = ov.parse(args.overrides)
    if args.backend is not None:
        given["solver.backend"] = args.backend
    scenario = load_scenario(args.scenario, overrides=given)
    if not args.quiet:
        for key, value in scenario.overrides.items():
            print(f"siting: override {key} = {value!r}", file=sys.stderr)
    if scenario.problem.kind != "community":
        raise SpecError(f"{args.scenario}: frontier needs problem kind 'community'")
    out = Path(args.out) if args.out else Path(f"{scenario.name}-frontier")
    check_targets(out, None)
    options = scenario.solver.options()
    if args.time_limit is not None:
        if args.time_limit <= 0:
            raise SpecError("--time-limit must be positive")
        options = options.model_copy(update={"time_limit": args.time_limit})
    prepared = prepare(scenario, make_progress(quiet=True))
    inst, problem = prepared.instance, prepared.problem
    points, results = fr.frontier(inst, problem, budgets,
                                  backend=args.backend or scenario.solver.backend,
                                  options=options, tie_break=args.cheapest)
    df = fr.with_plans(fr.table(points), inst, problem, results)
    from ..i18n import _, pgettext, use_language

    with use_language(args.lang or scenario.language):
        title = _("{scenario}: {objective} against budget").format(
            scenario=scenario.name, objective=pgettext("objective", problem.objective))
        files = fr.write(df, out, problem.objective, title,
                         [s.model_dump(mode="json") for s in problem.services])
        if not args.quiet:
            for p in df.itertuples(index=False):
                obj = ("—" if p.objective != p.objective or p.objective is None
                       else f"{p.objective:.6g}")
                mark = "  " + _("<- knee") if p.knee else ""
                print(_("budget {budget}  {status} {objective} {value}").format(
                    budget=f"{p.budget:>14,.0f}", status=f"{pgettext('status', p.status):<11}",
                    objective=pgettext("objective", problem.objective), value=obj) + mark)
            print("  " + _("outputs: {folder} ({files})").format(folder=out,
                                                                 files=", ".join(files)))
    return EXIT_OK if any(p.objective is not None for p in points) else EXIT_NO_SOLUTION
