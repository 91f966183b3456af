"""Atomic output folders: build everything in a temporary sibling folder, then rename it.

A run that fails part-way leaves nothing behind; a rerun replaces a previous run's folder
only when that folder holds nothing but files a run writes.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import SpecError

# everything a run may write into its folder; other files there stop a rerun from replacing it
OUTPUT_NAMES = frozenset({
    "result.gpkg", "summary.json", "sites.csv", "demand.csv", "assignments.csv", "map.html",
    "map.png", "travel_cost.png", "community",
    # siting.community.pipeline / frontier outputs
    "report.html", "blocks.csv", "coverage.csv", "coverage_tiers.csv", "compliance.csv",
    "frontier.csv", "frontier.png", "allocations.csv",
    # siting report (re-rendering and PDF) and the frontier page
    "report.json", "report.pdf", "frontier.html",
    # a phased rollout (siting.community.phases.write_phase_tables)
    "phases.csv",
})
# per-phase tables of a phased rollout: sites_<phase>.csv, coverage_<phase>.csv
OUTPUT_PATTERNS = ("sites_*.csv", "coverage_*.csv")


def is_output_name(name: str) -> bool:
    """A file name a run may have written into its folder."""
    from fnmatch import fnmatchcase

    return name in OUTPUT_NAMES or any(fnmatchcase(name, p) for p in OUTPUT_PATTERNS)


def check_targets(out_dir: Path | None, json_path: Path | None) -> None:
    """Fail before any work if an output location is unusable."""
    if out_dir is not None:
        out_dir = Path(out_dir)
        # missing parent folders are created at the end (and only if the run succeeds)
        existing = out_dir.resolve().parent
        while not existing.exists():
            existing = existing.parent
        if not existing.is_dir():
            raise SpecError(f"{out_dir}: {existing} is a file, not a folder")
        if out_dir.exists() and not out_dir.is_dir():
            raise SpecError(f"{out_dir}: exists and is not a folder")
        if out_dir.is_dir():
            foreign = sorted(p.name for p in out_dir.iterdir() if not is_output_name(p.name))
            if foreign:
                raise SpecError(f"{out_dir}: folder holds files a run did not write "
                                f"({', '.join(foreign[:3])}); choose an empty or new folder")
    if json_path is not None:
        parent = Path(json_path).resolve().parent
        if not parent.is_dir():
            raise SpecError(f"{json_path}: folder {parent} does not exist")


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder next to ``target``; on success it becomes ``target``."""
    target = Path(target)
    parent = target.resolve().parent
    created = [p for p in (parent, *parent.parents) if not p.exists()]
    parent.mkdir(parents=True, exist_ok=True)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=parent))
    except BaseException:
        _remove_empty(created)
        raise
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=parent))
            os.replace(target, old / "x")  # move the previous run aside, then swap in
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old / "x", target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_empty(created)  # leave no trace of a failed run, not even new folders
        raise


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first
        try:
            folder.rmdir()
        except OSError:
            pass


def json_text(data: Any) -> str:
    """The one JSON form of every summary/result file: indented, no NaN, numpy values as
    plain numbers, a final newline."""
    return json.dumps(data, indent=2, allow_nan=False, default=_json_default) + "\n"


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def stage_json(path: Path, data: Any) -> Path:
    """Write ``data`` to a temporary file beside ``path`` (mode 0644 under umask 022);
    :func:`os.replace` it onto ``path`` to publish it. Nothing is left if writing fails."""
    return stage_text(path, json_text(data))  # serialised first: a bad value writes nothing


def stage_text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Like :func:`stage_json` for any text (e.g. an exported MPS model)."""
    path = Path(path)
    parent = path.resolve().parent
    if not parent.is_dir():
        raise SpecError(f"{path}: folder {parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding) as fh:
            fh.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a JSON file is like any output
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def write_json(path: str | Path, data: Any) -> None:
    """Write one JSON file atomically (temporary name, then rename)."""
    _publish(stage_json(Path(path), data), Path(path))


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Write one text file atomically, with the mode of every other output."""
    _publish(stage_text(Path(path), text, encoding), Path(path))


def _publish(tmp: Path, path: Path) -> None:
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def reproducible_gpkg() -> None:
    """Pin GeoPackage timestamps so the same run writes a byte-identical result.gpkg.

    GDAL stamps ``gpkg_contents.last_change`` with the current time unless OGR_CURRENT_DATE
    is set; a fixed date keeps outputs comparable across runs (only timings differ).
    """
    from pyogrio import set_gdal_config_options

    set_gdal_config_options({"OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"})
