"""Batch manifests: which scenario files to run, each with optional overrides.

TOML::

    [defaults]                 # optional, applied to every run (dotted scenario keys)
    "solver.time_limit" = 60

    [[run]]
    scenario = "cities/a.toml" # relative to the manifest's folder
    name = "a-b5000"           # optional; default: scenario stem + override values
    [run.set]
    "problem.budget" = 5000

CSV: a ``scenario`` column, an optional ``name`` column; every other column is a dotted
override key (``problem.budget``), empty cells mean "no override".
"""

from __future__ import annotations

import csv
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import SpecError

_NAME_OK = re.compile(r"[^A-Za-z0-9._=+-]+")


@dataclass(frozen=True)
class RunSpec:
    """One run: a scenario file, overrides (dotted key -> value) and a unique folder name."""

    name: str
    scenario: Path
    overrides: dict[str, Any] = field(default_factory=dict)


def read_manifest(path: str | Path) -> list[RunSpec]:
    """Parse a TOML or CSV manifest; errors name the file, row and field."""
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: manifest not found")
    if path.suffix.lower() == ".csv":
        runs = _read_csv(path)
    elif path.suffix.lower() == ".toml":
        runs = _read_toml(path)
    else:
        raise SpecError(f"{path}: manifest must be .toml or .csv")
    if not runs:
        raise SpecError(f"{path}: manifest lists no runs")
    seen: dict[str, int] = {}
    for k, run in enumerate(runs, start=1):
        if run.name in seen:
            raise SpecError(f"{path}: run {k}: name {run.name!r} is used by run {seen[run.name]} "
                            "too; give each run a unique name")
        seen[run.name] = k
        if not run.scenario.is_file():
            raise SpecError(f"{path}: run {k}: scenario file not found: {run.scenario}")
    return runs


def _default_name(scenario: Path, overrides: dict[str, Any]) -> str:
    parts = [scenario.stem] + [f"{k.split('.')[-1]}={v}" for k, v in overrides.items()]
    return _NAME_OK.sub("_", "-".join(parts))


def _check_name(name: Any, where: str) -> str:
    if not isinstance(name, str) or not name or name.startswith(".") or "/" in name \
            or "\\" in name or name in ("summary.csv", "summary.md", "_errors"):
        raise SpecError(f"{where}: name must be a plain folder name, got {name!r}")
    return name


def _read_toml(path: Path) -> list[RunSpec]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: invalid TOML: {exc}") from None
    unknown = set(data) - {"defaults", "run"}
    if unknown:
        raise SpecError(f"{path}: unknown key {min(unknown)!r} (use [defaults] and [[run]])")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise SpecError(f"{path}: defaults must be a table")
    rows = data.get("run", [])
    if not isinstance(rows, list):
        raise SpecError(f"{path}: run must be an array of tables ([[run]])")
    out = []
    for k, row in enumerate(rows, start=1):
        where = f"{path}: run {k}"
        extra = set(row) - {"scenario", "name", "set"}
        if extra:
            raise SpecError(f"{where}: unknown key {min(extra)!r}")
        if "scenario" not in row or not isinstance(row["scenario"], str):
            raise SpecError(f"{where}: scenario: missing (path to a scenario TOML)")
        sets = row.get("set", {})
        if not isinstance(sets, dict):
            raise SpecError(f"{where}: set must be a table of dotted keys")
        scenario = (path.parent / row["scenario"]).resolve()
        overrides = {**_flatten(defaults), **_flatten(sets)}
        name = row.get("name") or _default_name(scenario, _flatten(sets))
        out.append(RunSpec(_check_name(name, where), scenario, overrides))
    return out


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _read_csv(path: Path) -> list[RunSpec]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or "scenario" not in reader.fieldnames:
            raise SpecError(f"{path}: missing column 'scenario'")
        out = []
        for k, row in enumerate(reader, start=2):
            where = f"{path}: row {k}"
            if not (row.get("scenario") or "").strip():
                raise SpecError(f"{where}: scenario: empty")
            scenario = (path.parent / row["scenario"].strip()).resolve()
            overrides = {key: _parse_cell(val) for key, val in row.items()
                         if key not in ("scenario", "name") and key and val not in (None, "")}
            name = (row.get("name") or "").strip() or _default_name(scenario, overrides)
            out.append(RunSpec(_check_name(name, where), scenario, overrides))
    return out


def _parse_cell(text: str) -> Any:
    s = text.strip()
    if s.lower() in ("true", "false"):
        return s.lower() == "true"
    for cast in (int, float):
        try:
            return cast(s)
        except ValueError:
            pass
    return s


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A copy of the scenario dict with dotted-key overrides set (tables created as needed)."""
    import copy

    out = copy.deepcopy(data)
    for key, value in overrides.items():
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise SpecError(f"override {key!r}: {part!r} is not a table in the scenario")
            node = child
        node[parts[-1]] = value
    return out
