"""One row per case of Duran-Mateluna et al. (2023), from harness CSVs: where each stands.

    python -m benchmarks.tsplib_status benchmarks/results/tsplib-s7-*.csv [--files rl1304,...]

Later CSVs on the command line win over earlier ones for the same case. A case is "met" when
it is proven optimal, its objective equals the published one and its time (CPU seconds when the
row has them, else wall) is at most 2x the paper's with a 10 s floor (issue #17).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path
from typing import Any

from .suites import PUBLISHED_TSPLIB

_DM_TIME = re.compile(r"DM2023 total ([0-9.]+) s")


def published_cases(path: Path = PUBLISHED_TSPLIB) -> list[dict[str, Any]]:
    """The paper's cases in table order: instance, objective, DM seconds (None when unproven)."""
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    cases = []
    for row in rows:
        match = _DM_TIME.search(row["notes"])
        cases.append({"instance": row["instance"], "objective": float(row["objective"]),
                      "dm_s": float(match.group(1)) if match else None, "notes": row["notes"]})
    return cases


def latest_runs(paths: list[Path]) -> dict[str, tuple[dict[str, str], str]]:
    """Case -> (harness row, CSV name) of the last CSV that has it (p-median rows only)."""
    runs: dict[str, tuple[dict[str, str], str]] = {}
    for path in paths:
        with open(path, newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("model") == "p-median":
                    runs[row["instance"]] = (row, path.name)
    return runs


def status_rows(cases: list[dict[str, Any]],
                runs: dict[str, tuple[dict[str, str], str]]) -> list[list[str]]:
    rows = []
    for case in cases:
        dm = case["dm_s"]
        dm_cell = "open" if dm is None else f"{dm:g}"
        run = runs.get(case["instance"])
        if run is None:
            rows.append([case["instance"], f"{case['objective']:.0f}", dm_cell, "not run",
                         "", "", "", "", "", "", ""])
            continue
        row, source = run
        status = row.get("status", "")
        objective = _num(row.get("objective"))
        equal = objective is not None and abs(objective - case["objective"]) < 0.5
        cpu = _num(row.get("cpu_s"))
        wall = _num(row.get("wall_s")) or _num(row.get("total_s"))
        ours = cpu if cpu is not None else wall
        if dm is None:
            verdict = "proven (open in the paper)" if status == "optimal" else "open here too"
            ratio = ""
        else:
            ratio = "" if ours is None else f"{ours / dm:.1f}x"
            met = status == "optimal" and equal and ours is not None and ours <= max(2 * dm, 10.0)
            verdict = "yes" if met else "NO"
        gap = _num(row.get("gap"))
        rows.append([case["instance"], f"{case['objective']:.0f}", dm_cell, status,
                     "" if objective is None else f"{objective:.0f}",
                     "" if gap is None else f"{100 * gap:.3f} %",
                     "" if wall is None else f"{wall:.1f}", "" if cpu is None else f"{cpu:.1f}",
                     ratio, verdict, source])
    return rows


def markdown(rows: list[list[str]]) -> str:
    head = ["case", "published", "DM s", "status here", "objective", "gap", "wall s", "CPU s",
            "ours / DM", "target met", "CSV"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    met = sum(r[9] == "yes" for r in rows)
    proven_cases = sum(r[2] != "open" for r in rows)
    run = sum(r[3] != "not run" and r[2] != "open" for r in rows)
    lines.append("")
    lines.append(f"Target met on {met} of the {proven_cases} cases the paper proves "
                 f"({run} of them run here).")
    return "\n".join(lines)


def _num(value: str | None) -> float | None:
    try:
        return None if value in (None, "") else float(value)  # type: ignore[arg-type]
    except ValueError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tsplib_status",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("csvs", nargs="+", type=Path, help="harness CSVs; later ones win")
    parser.add_argument("--files", default="",
                        help="comma-separated TSPLIB names to keep (default: every file run)")
    args = parser.parse_args(argv)
    runs = latest_runs(args.csvs)
    names = {n for n in args.files.split(",") if n} or {k.rsplit("_p", 1)[0] for k in runs}
    cases = [c for c in published_cases() if c["instance"].rsplit("_p", 1)[0] in names]
    print(markdown(status_rows(cases, runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
