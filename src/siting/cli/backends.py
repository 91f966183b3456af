"""`siting backends`: list solver backends (preference order) with version and availability."""

from __future__ import annotations

import argparse
import json
import sys



def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("backends", help="list solver backends",
                       description="List solver backends in preference order. Availability is "
                       "probed without importing the solvers (Gurobi also needs a licence).")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(run=run)


def rows() -> list[dict[str, object]]:
    from ..backends import DEFAULT_BACKEND, backend_classes

    out = []
    for name, cls in backend_classes().items():
        ok = cls.is_available()
        out.append({
            "backend": name,
            "available": ok,
            "version": cls.version() if ok else None,
            "default": name == DEFAULT_BACKEND,
            "mip_start": cls.supports_mip_start,
            "bound": cls.reports_bound,
            "threads": cls.supports_threads,
            "install": f"pip install 'siting[{cls.extra}]'",
        })
    return out


def run(args: argparse.Namespace) -> int:
    table = rows()
    if args.json:
        json.dump({"backends": table}, sys.stdout, indent=2)
        print()
        return 0
    print(f"{'backend':<14} {'available':<10} {'version':<26} {'mip start':<10} install")
    for r in table:
        name = f"{r['backend']}{' *' if r['default'] else ''}"
        print(f"{name:<14} {'yes' if r['available'] else 'no':<10} "
              f"{r['version'] or '-'!s:<26} {'yes' if r['mip_start'] else 'no':<10} "
              f"{r['install']}")
    print("* default; order = preference order. A backend is never swapped for another silently.")
    return 0
