"""`siting batch MANIFEST --out DIR [--scheduler ADDRESS]`: many scenario runs on Dask."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from . import EXIT_NO_SOLUTION, EXIT_OK


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("batch", help="run many scenario files on a Dask cluster",
                       description="Run every scenario listed in MANIFEST (TOML [[run]] tables or "
                       "a CSV with a 'scenario' column plus dotted override columns). Each "
                       "finished run is published atomically as DIR/<name>/; rerunning skips "
                       "finished runs. Writes DIR/summary.csv and DIR/summary.md.")
    p.add_argument("manifest", metavar="MANIFEST", help="manifest file (.toml or .csv)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (shared by workers)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="existing Dask scheduler, e.g. "
                   "tcp://10.0.0.5:8786 (default: a local cluster)")
    p.add_argument("--workers", type=int, metavar="N", help="local cluster: worker processes "
                   "(default: one per core, at most 4)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..batch import read_manifest, run_batch
    from ..batch.summary import markdown_table

    runs = read_manifest(args.manifest)

    def progress(rec: dict[str, Any]) -> None:
        print(f"siting batch: {rec.get('name')}: {rec.get('status')}", file=sys.stderr)

    report = run_batch(runs, args.out, scheduler=args.scheduler, n_workers=args.workers,
                       on_done=progress)
    sys.stdout.write(markdown_table(report.rows))
    print(f"siting batch: {report.ran} run, {report.skipped} already finished, "
          f"{report.failed} failed; summary in {report.summary_csv}", file=sys.stderr)
    return EXIT_NO_SOLUTION if report.failed else EXIT_OK
