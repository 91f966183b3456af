"""`siting export PATH --problem ... --format {mps,lp} FILE`: write the model for any solver."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import SpecError
from . import EXIT_OK
from .solve import add_problem_args, problem_params, split_ids


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write the MILP of a siting problem as MPS or LP",
                       description="Build the model exactly as `siting solve` would and write "
                       "it as free MPS or CPLEX LP for an external solver. Column names are "
                       "<block>_<k> (e.g. y_3 opens site 3). When the default formulation is an "
                       "algorithm (several MILPs), the first single-model formulation is used.")
    p.add_argument("path", metavar="PATH", help="instance file")
    p.add_argument("file", metavar="FILE", help="output model file")
    add_problem_args(p)
    p.add_argument("--formulation", help="formulation name (default: the model's default)")
    p.add_argument("--format", choices=["mps", "lp"], default=None,
                   help="model format (default: from FILE's suffix, else mps)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from .. import api
    from ..formulations import FORMULATIONS, SingleMilp, get_formulation
    from ..mps import lp_text, mps_text
    from ..readers import load_instance, sniff_format

    fmt = args.format or ("lp" if Path(args.file).suffix.lower() == ".lp" else "mps")
    target = Path(args.file)
    if not target.parent.exists():
        raise SpecError(f"{target}: folder {target.parent} does not exist")
    kind_default = "cflp" if sniff_format(args.path) == "cap" else "p-median"
    instance = load_instance(args.path, capacity=args.capacity)
    kind = args.problem or kind_default
    if kind == "cflp" and instance.capacity is None:
        raise SpecError(f"{args.path}: cflp needs capacities; give --capacity")
    instance = instance.with_flags(split_ids(args.required), split_ids(args.forbidden))
    problem = api.make_problem(kind, **problem_params(args, kind, instance.default_p))
    form = get_formulation(kind, args.formulation)
    if args.formulation is None and not isinstance(form, SingleMilp):
        # the default runs an algorithm; export the first formulation that is one model
        single = [n for n, c in FORMULATIONS[kind].items() if issubclass(c, SingleMilp)]
        if single:
            form = get_formulation(kind, single[0])
    if not isinstance(form, SingleMilp):
        raise SpecError(f"formulation {form.name!r} of {kind} solves a sequence of MILPs and "
                        "has no single model to export; choose another with --formulation")
    milp = form.build(instance, problem)
    text = mps_text(milp) if fmt == "mps" else lp_text(milp)
    from ..outputs.write import write_text

    write_text(target, text, encoding="ascii")
    print(f"wrote {fmt.upper()} model of {kind} ({form.name}) on {instance.name} to {target}: "
          f"{milp.n_rows} rows, {milp.n_cols} columns, {milp.nnz} non-zeros", file=sys.stdout)
    return EXIT_OK
