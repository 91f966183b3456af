"""result.gpkg as the planner gave the data: input attributes and original geometry (polygons
stay polygons) in the input CRS, the run's columns beside them, and a ``run_info`` table.

The solve works on points in one working CRS; this module joins the answer back onto each
input layer row for row (:func:`planner_frame`). A result column whose name an input column
already uses (GeoPackage names compare case-insensitively) gets the suffix ``_result``,
unless it holds the same values as that input column (then only the input column is kept).
Columns holding no value at all (e.g. ``capacity`` in a run without capacities) are left out,
input columns included; their names are listed in ``run_info`` (``empty_columns_left_out``).
The working CRS and each layer's CRS are recorded in ``run_info`` and in every layer's
GeoPackage metadata.
"""

from __future__ import annotations

import warnings

from pathlib import Path
from typing import Any

import numpy as np

#: result columns renamed with this suffix when an input column has the same name
CLASH_SUFFIX = "_result"


def crs_text(crs: Any) -> str:
    """``EPSG:4326`` (or the CRS's WKT-free string), ``none`` without a CRS."""
    if crs is None:
        return "none"
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else str(crs.to_string())


def expand(table: Any, rows: np.ndarray | None, n: int) -> Any:
    """``table`` (one row per model row) placed on ``n`` layer rows: row k of ``table`` goes to
    layer row ``rows[k]``; layer rows the model left out get nulls (False for flags)."""
    import pandas as pd

    table = table.reset_index(drop=True)
    if rows is None:
        return table
    out = table.set_index(pd.Index(np.asarray(rows, dtype=np.int64))).reindex(range(n))
    for name in table.columns:
        if table[name].dtype == bool:
            out[name] = out[name].fillna(False).astype(bool)
    return out.reset_index(drop=True)


def planner_frame(points: Any, source: Any, result: Any, rows: np.ndarray | None = None,
                  *, drop_empty: bool = True) -> tuple[Any, list[str]]:
    """The input layer (``points``' attributes, ``source`` geometry in its own CRS; the working
    points when ``source`` is None) with ``result``'s columns appended.

    Returns (frame, names of all-null columns left out).
    """
    import geopandas as gpd

    attrs = points.drop(columns=points.geometry.name).reset_index(drop=True)
    table = attrs.join(result_columns(attrs, expand(result, rows, len(attrs))))
    geometry = source if source is not None and len(source) == len(table) else points.geometry
    frame = gpd.GeoDataFrame(table, geometry=np.asarray(geometry.to_numpy()), crs=geometry.crs)
    empty = ([str(c) for c in table.columns if frame[c].isna().all()]
             if drop_empty and len(table) else [])
    return (frame.drop(columns=empty) if empty else frame), empty


def result_columns(attrs: Any, extra: Any) -> Any:
    """``extra`` (the run's columns, on ``attrs``' rows) ready to sit beside ``attrs``: a
    column equal to the input column of that name is dropped, another clash is renamed."""
    lower = {str(c).lower(): c for c in attrs.columns}
    taken = set(lower) | {"geometry", "fid"}
    renames, same = {}, []
    for name in extra.columns:
        twin = lower.get(str(name).lower())
        if twin is not None and _same_text(attrs[twin], extra[name]):
            same.append(name)  # an input column already holds exactly this (ids, names)
            continue
        new = str(name)
        while new.lower() in taken:
            new += CLASH_SUFFIX
        taken.add(new.lower())
        renames[name] = new
    return extra.drop(columns=same).rename(columns=renames)


def _same_text(a: Any, b: Any) -> bool:
    return bool(len(a) == len(b) and (a.astype(str).to_numpy() == b.astype(str).to_numpy()).all())


def to_crs(gdf: Any, crs: Any) -> Any:
    """``gdf`` in ``crs`` (unchanged when either has no CRS)."""
    if crs is None or gdf.crs is None or gdf.crs == crs:
        return gdf
    return gdf.to_crs(crs)


def write_gpkg(path: Path, layers: dict[str, Any], info: dict[str, Any]) -> None:
    """Write the layers in order, then the ``run_info`` key/value table (all text)."""
    import pandas as pd
    import pyogrio

    from .write import reproducible_gpkg

    reproducible_gpkg()
    meta = {str(k): _text(v) for k, v in info.items()}
    with warnings.catch_warnings():
        # pyogrio warns once per layer when there is no CRS; the pipeline says it once
        warnings.filterwarnings("ignore", message="'crs' was not provided")
        for name, gdf in layers.items():
            layer_meta = {**meta, "layer_crs": crs_text(gdf.crs)}
            gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio",
                        layer_metadata=layer_meta)
    table = pd.DataFrame({"key": list(meta), "value": list(meta.values())})
    pyogrio.write_dataframe(table, path, layer="run_info", driver="GPKG")


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)
