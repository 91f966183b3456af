"""Benchmark suites: which instance files, which models, which known optima.

A *case* is one (instance, model, parameters) question; the harness crosses it with
formulations and backends. Suites read the shared folder layout (``orlib-pmed``, ``orlib-cap``,
``sf-cover``) or any folder in the same format (a holdout): instance files plus an optional
``optima.csv`` with ``instance,objective`` rows.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: capa/capb/capc capacity settings (Beasley 1988, Table 1)
CAP_SETTINGS = {"capa": (8000, 10000, 12000, 14000), "capb": (5000, 6000, 7000, 8000),
                "capc": (5000, 5750, 6500, 7250)}
#: published capopt values for the large sets that formulations.md quotes (fallback only)
CAP_FALLBACK = {("capa", 8000): 19240822.449, ("capa", 10000): 18438046.543,
                ("capa", 12000): 17765201.949, ("capa", 14000): 17160439.012,
                ("capb", 5000): 13656379.578, ("capb", 6000): 13361927.449,
                ("capb", 7000): 13198556.434, ("capb", 8000): 13082516.496,
                ("capc", 5000): 11646596.974, ("capc", 5750): 11570340.289,
                ("capc", 6500): 11518743.744, ("capc", 7250): 11505767.394}


@dataclass(frozen=True)
class Case:
    """One question to answer: solve ``model`` with ``params`` on the instance ``source``."""

    suite: str
    instance: str  # display name, e.g. pmed7 or capa-8000
    model: str
    source: dict[str, Any]  # how the worker loads it: {"kind": "file"|"random"|"sf", ...}
    params: dict[str, Any] = field(default_factory=dict)
    known_optimum: float | None = None
    size: int = 0  # n * m, for time-vs-size plots
    reference_s: float | None = None  # a published time for the same case (tsplib: DM 2023)


def default_instances() -> Path:
    env = os.environ.get("SITING_INSTANCES")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "instances"


def read_optima(folder: Path) -> dict[str, float]:
    path = folder / "optima.csv"
    if not path.is_file():
        return {}
    with open(path, newline="") as fh:
        out = {}
        for row in csv.DictReader(fh):
            try:
                out[row["instance"].strip()] = float(row["objective"])
            except (KeyError, ValueError):
                continue
        return out


def _natural(path: Path) -> tuple[str, int]:
    m = re.match(r"([a-z]+)(\d*)", path.stem)
    return (m.group(1), int(m.group(2) or 0)) if m else (path.stem, 0)


def _header_ints(path: Path, k: int) -> list[int]:
    with open(path) as fh:
        return [int(float(t)) for t in fh.readline().split()[:k]]


def pmed_cases(folders: list[Path], models: list[str], select: str | None) -> list[Case]:
    cases = []
    for folder in folders:
        optima = read_optima(folder)
        for path in sorted(folder.glob("pmed*.txt"), key=_natural):
            if not re.fullmatch(r"pmed(like)?\d+", path.stem) or not _selected(path.stem, select):
                continue
            n, _, p = _header_ints(path, 3)
            for model in models:
                if model not in ("p-median", "p-center"):
                    continue
                key = path.stem if model == "p-median" else f"{path.stem}_pcenter"
                cases.append(Case("pmed", path.stem, model, {"kind": "file", "path": str(path)},
                                  {"p": p}, optima.get(key), n * n))
    return cases


def cap_cases(folders: list[Path], models: list[str], select: str | None) -> list[Case]:
    cases = []
    for folder in folders:
        optima = read_optima(folder)
        for path in sorted(folder.glob("cap*.txt"), key=_natural):
            stem = path.stem
            if not re.fullmatch(r"cap(\d+|[abc]|like\d+|[abc]like)", stem) or \
                    not _selected(stem, select):
                continue
            m, n = _header_ints(path, 2)
            # capblike (benchmarks.lookalikes) runs at capb's capacities; no optimum is claimed
            caps: tuple[float | None, ...] = CAP_SETTINGS.get(stem.removesuffix("like"), (None,))
            for cap in caps:
                name = stem if cap is None else f"{stem}-{int(cap)}"
                for model in models:
                    if model not in ("cflp", "ufl"):
                        continue
                    if model == "ufl" and cap is not None and cap != caps[0]:
                        continue  # UFL ignores capacities: one run per file
                    uname = stem if (model == "ufl" and cap is not None) else name
                    known = _cap_optimum(optima, stem, cap, model)
                    source = {"kind": "file", "path": str(path)}
                    if cap is not None:
                        source["capacity"] = cap
                    cases.append(Case("cap", uname, model, source, {}, known, n * m))
    return cases


def _cap_optimum(optima: dict[str, float], stem: str, cap: float | None,
                 model: str) -> float | None:
    suffix = "_ufl" if model == "ufl" else ""
    if cap is None:
        return optima.get(stem + suffix)
    if model == "ufl":
        return optima.get(stem + "_ufl")
    c = int(cap)
    for key in (f"{stem}_{c}", f"{stem}-{c}", f"{stem}{c}", f"{stem}_cap{c}", f"{stem}_{c}_cflp"):
        if key in optima:
            return optima[key]
    return CAP_FALLBACK.get((stem, c))


#: Duran-Mateluna, Alès & Elloumi (EJOR 2023) Tables 2-3: every case's OPT/BKN and total time
#: (benchmarks/published/README.md); a folder's own optima.csv row takes precedence
PUBLISHED_TSPLIB = Path(__file__).resolve().parent / "published" / "dm2023_tsplib.csv"
_DM_NOTE = re.compile(r"DM2023 total ([0-9.]+) s")


def tsplib_cases(folders: list[Path], models: list[str], select: str | None,
                 ps: list[int] | None = None) -> list[Case]:
    """TSPLIB p-median cases (N = M = all nodes, unit weights, floor distances): one per
    ``<name>_p<p>`` row of a folder's optima.csv (with the paper's time from its notes), per
    published row (PUBLISHED_TSPLIB) whose file is present, and per ``ps`` value when given."""
    cases = []
    published = _optima_rows(PUBLISHED_TSPLIB)
    for folder in folders:
        rows = _optima_rows(folder)
        for path in sorted(folder.glob("*.tsp"), key=lambda f: (_tsp_dimension(f), f.stem)):
            if not _selected(path.stem, select):
                continue
            n = _tsp_dimension(path)
            wanted: dict[int, tuple[float | None, float | None]] = {}
            for key, (obj, ref) in rows.items():
                m = re.fullmatch(rf"{re.escape(path.stem)}_p(\d+)", key)
                if m:  # the paper's time when the folder's row does not give one
                    wanted[int(m.group(1))] = (obj, published.get(key, (None, ref))[1]
                                               if ref is None else ref)
            for key, (obj, ref) in published.items():
                m = re.fullmatch(rf"{re.escape(path.stem)}_p(\d+)", key)
                if m and int(m.group(1)) not in wanted:
                    wanted[int(m.group(1))] = (obj, ref)
            for p in ps or []:
                wanted.setdefault(p, (None, None))
            for p in sorted(wanted):
                if ps and p not in ps:
                    continue
                obj, ref = wanted[p]
                for model in models:
                    if model != "p-median":
                        continue
                    cases.append(Case("tsplib", f"{path.stem}_p{p}", model,
                                      {"kind": "file", "path": str(path), "rounding": "floor"},
                                      {"p": p}, obj, n * n, ref))
    return cases


def _optima_rows(where: Path) -> dict[str, tuple[float | None, float | None]]:
    """A folder's optima.csv (or the CSV file ``where``) as key -> (objective, paper's time
    from the notes)."""
    path = where if where.suffix == ".csv" else where / "optima.csv"
    if not path.is_file():
        return {}
    out: dict[str, tuple[float | None, float | None]] = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            key = (row.get("instance") or "").strip()
            try:
                obj: float | None = float(row.get("objective") or "")
            except ValueError:
                obj = None
            m = _DM_NOTE.search(row.get("notes") or "")
            out[key] = (obj, float(m.group(1)) if m else None)
    return out


def _tsp_dimension(path: Path) -> int:
    with open(path) as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key.strip().upper() == "DIMENSION":
                return int(value)
            if key.strip().upper().endswith("_SECTION"):
                break
    return 0


def random_cases(sizes: list[int], models: list[str], p: int, seed: int) -> list[Case]:
    cases = []
    for n in sizes:
        for model in models:
            if model not in ("p-median", "p-center"):
                continue
            cases.append(Case("random", f"rand{n}-s{seed}", model,
                              {"kind": "random", "n": n, "seed": seed}, {"p": p}, None, n * n))
    return cases


def sf_cases(folder: Path, models: list[str]) -> list[Case]:
    optima = read_optima(folder)
    cases = []
    if not folder.is_dir():
        return cases
    for model in models:
        if model == "p-median":
            cases.append(Case("sf", "sf", model, {"kind": "sf", "path": str(folder)}, {"p": 4},
                              optima.get("sf_pmedian_p4"), 205 * 16))
        elif model == "p-center":
            cases.append(Case("sf", "sf", model, {"kind": "sf", "path": str(folder)}, {"p": 4},
                              optima.get("sf_pcenter_p4"), 205 * 16))
    return cases


def _selected(stem: str, select: str | None) -> bool:
    """``select`` is a comma list of names or ranges like ``pmed1-20`` / ``cap41-74``."""
    if not select:
        return True
    base, num = _natural(Path(stem))
    for part in select.split(","):
        part = part.strip()
        m = re.fullmatch(r"([a-z]+)(\d+)-(\d+)", part)
        if m and m.group(1) == base and int(m.group(2)) <= num <= int(m.group(3)):
            return True
        if part == stem:
            return True
    return False
