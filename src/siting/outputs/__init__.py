"""Run outputs: result.gpkg, summary.json, CSV tables, offline map.html and PNG figures.

Everything is written into a temporary folder next to the target and renamed into place at
the end (:func:`siting.outputs.write.atomic_dir`), so a failed run leaves no files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..result import Result
from .gpkg import write_gpkg
from .write import atomic_dir, json_text, stage_json, write_json

__all__ = ["atomic_dir", "json_text", "stage_json", "write_json", "write_outputs"]


def write_outputs(prepared: Any, result: Result, summary: dict[str, Any], out_dir: Path | None,
                  json_path: Path | None, what: Any) -> tuple[str, ...]:
    """Write the output folder and/or the JSON file; returns the names written."""
    from .tables import assign, demand_rows
    from .tables import frames as make_frames

    tmp_json = None
    written: list[str] = []
    try:
        if json_path is not None:  # staged first, renamed only once the folder is in place
            tmp_json = stage_json(Path(json_path), summary)
        if out_dir is not None:
            layers = prepared.layers
            rows = None if layers.demand is layers.sites else demand_rows(result, layers)
            frames = make_frames(result, assign(result), layers.demand, layers.sites, rows)
            geographic = bool(layers.crs is not None and layers.crs.is_geographic)
            with atomic_dir(Path(out_dir)) as tmp:
                written = _write_folder(tmp, frames, summary, layers.scenario.name, what,
                                        geographic, prepared.costs.info)
                if what.gpkg:
                    from .tables import gpkg_layers

                    gpkg, info = gpkg_layers(result, frames, layers, summary)
                    write_gpkg(tmp / "result.gpkg", gpkg, info)
                    written.insert(1, "result.gpkg")
        if tmp_json is not None:
            os.replace(tmp_json, json_path)  # type: ignore[arg-type]
            tmp_json = None
    finally:
        if tmp_json is not None:
            Path(tmp_json).unlink(missing_ok=True)
    return tuple(written)


def _write_folder(tmp: Path, frames: dict[str, Any], summary: dict[str, Any], title: str,
                  what: Any, geographic: bool, cost_info: dict[str, Any] | None = None,
                  ) -> list[str]:
    names = ["summary.json"]
    (tmp / "summary.json").write_text(json_text(summary), encoding="utf-8")
    if what.csv:
        for layer in ("sites", "demand", "assignments"):
            df = frames[layer]
            table = df.drop(columns=df.geometry.name)
            if len(table):  # no all-null columns (capacity, site_cost... when not given)
                table = table.loc[:, table.notna().any().to_numpy()]
            if layer != "assignments":
                table.insert(1, "x", df.geometry.x.to_numpy())
                table.insert(2, "y", df.geometry.y.to_numpy())
            table.to_csv(tmp / f"{layer}.csv", index=False)
            names.append(f"{layer}.csv")
    units = summary.get("distance", {}).get("units", "")
    if what.html:
        from .html import write_map

        info = cost_info or {}
        write_map(tmp / "map.html", frames, summary, title, geographic,
                  network=info.get("network_lines", ()), network_note=info.get("network_map"))
        names.append("map.html")
    if what.png:
        from .figures import write_figures

        names.extend(write_figures(tmp, frames, title, units, geographic))
    return names
