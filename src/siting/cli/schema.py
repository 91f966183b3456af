"""`siting schema`: print the JSON Schema of scenario files."""

from __future__ import annotations

import argparse
import json
import sys

from . import EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of scenario files",
                       description="Print the JSON Schema that scenario .toml files follow.")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..scenario import json_schema

    json.dump(json_schema(), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return EXIT_OK
