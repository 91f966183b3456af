"""Run outputs: result.gpkg, summary.json, CSV tables, offline map.html and PNG figures.

Everything is written into a temporary folder next to the target and renamed into place at
the end (:func:`siting.outputs.write.atomic_dir`), so a failed run leaves no files.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from ..result import Result
from .write import atomic_dir, reproducible_gpkg


def write_outputs(prepared: Any, result: Result, summary: dict[str, Any], out_dir: Path | None,
                  json_path: Path | None, what: Any) -> tuple[str, ...]:
    """Write the output folder and/or the JSON file; returns the names written."""
    from .tables import assign
    from .tables import frames as make_frames

    tmp_json = None
    written: list[str] = []
    try:
        if json_path is not None:  # staged first, renamed only once the folder is in place
            tmp_json = _stage_json(Path(json_path), summary)
        if out_dir is not None:
            layers = prepared.layers
            frames = make_frames(result, assign(result), layers.demand, layers.sites)
            geographic = bool(layers.crs is not None and layers.crs.is_geographic)
            with atomic_dir(Path(out_dir)) as tmp:
                written = _write_folder(tmp, frames, summary, layers.scenario.name, what,
                                        geographic)
        if tmp_json is not None:
            os.replace(tmp_json, json_path)  # type: ignore[arg-type]
            tmp_json = None
    finally:
        if tmp_json is not None:
            Path(tmp_json).unlink(missing_ok=True)
    return tuple(written)


def _stage_json(path: Path, data: dict[str, Any]) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.resolve().parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, allow_nan=False)
        fh.write("\n")
    return tmp


def _write_folder(tmp: Path, frames: dict[str, Any], summary: dict[str, Any], title: str,
                  what: Any, geographic: bool) -> list[str]:
    names = ["summary.json"]
    with open(tmp / "summary.json", "w", encoding="utf-8") as fh:
        json.dump(summary, fh, indent=2, allow_nan=False)
        fh.write("\n")
    if what.gpkg:
        gpkg = tmp / "result.gpkg"
        reproducible_gpkg()
        with warnings.catch_warnings():
            # pyogrio warns once per layer when there is no CRS; the pipeline says it once
            warnings.filterwarnings("ignore", message="'crs' was not provided")
            for layer in ("sites", "demand", "assignments"):
                frames[layer].to_file(gpkg, layer=layer, driver="GPKG", engine="pyogrio")
        names.append("result.gpkg")
    if what.csv:
        for layer in ("sites", "demand", "assignments"):
            df = frames[layer]
            table = df.drop(columns=df.geometry.name)
            if layer != "assignments":
                table.insert(1, "x", df.geometry.x.to_numpy())
                table.insert(2, "y", df.geometry.y.to_numpy())
            table.to_csv(tmp / f"{layer}.csv", index=False)
            names.append(f"{layer}.csv")
    units = summary.get("distance", {}).get("units", "")
    if what.html:
        from .html import write_map

        write_map(tmp / "map.html", frames, summary, title, geographic)
        names.append("map.html")
    if what.png:
        from .figures import write_figures

        names.extend(write_figures(tmp, frames, title, units, geographic))
    return names
