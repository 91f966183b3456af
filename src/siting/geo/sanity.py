"""Input sanity checks on layers as read: coordinates that cannot be in their declared CRS,
numbers too large for any solver. Each failure is one DataError naming file, row and column.

A layer labelled EPSG:4326 that holds projected metres (a common export mistake) used to end in
"ValueError: data must be finite" from the KD-tree after projection; a population of 1e300 in
"HiGHS rejected the model". Both are caught here, before any travel cost or solve.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..limits import first_too_large, too_large
from .where import fail

#: longitude / latitude ranges of a geographic CRS (a little slack for rounding at the edges)
LON_MAX = 180.0 + 1e-9
LAT_MAX = 90.0 + 1e-9


def check_coordinates(gdf: Any, xcol: str, ycol: str) -> Any:
    """Refuse coordinates outside the range their CRS allows; returns ``gdf`` unchanged.

    Geographic CRS: longitude within ±180, latitude within ±90. Projected or unknown CRS:
    magnitudes above :data:`siting.limits.MAX_VALUE` (no map unit reaches that far). ``xcol``
    and ``ycol`` name the columns the coordinates came from, for the message.
    """
    if len(gdf) == 0:
        return gdf
    x = gdf.geometry.x.to_numpy()
    y = gdf.geometry.y.to_numpy()
    crs = gdf.crs
    if crs is not None and crs.is_geographic:
        label = _crs_name(crs)
        for values, col, limit, what in ((x, xcol, LON_MAX, "longitude"),
                                         (y, ycol, LAT_MAX, "latitude")):
            out = np.flatnonzero(np.abs(values) > limit)
            if out.size:
                k = int(out[0])
                raise fail(gdf, k, col, f"{what} {values[k]:.10g} is out of range for the "
                           f"declared CRS {label} (|{what}| ≤ {limit:.0f}; {out.size} rows "
                           "out of range): the coordinates look projected, so declare their "
                           "real CRS")
        return gdf
    for values, col in ((x, xcol), (y, ycol)):
        big = first_too_large(values)
        if big is not None:
            raise fail(gdf, big, col, f"coordinate {too_large(float(values[big]))}")
    return gdf


def check_numbers(gdf: Any, column: str, what: str, values: np.ndarray) -> np.ndarray:
    """Refuse values solvers cannot use (see siting/limits.py); returns ``values``."""
    k = first_too_large(values)
    if k is not None:
        raise fail(gdf, k, column, f"{what} {too_large(float(values[k]))}")
    return values


def _crs_name(crs: Any) -> str:
    try:
        epsg = crs.to_epsg()
    except Exception:  # noqa: BLE001 - pyproj raises CRSError on odd definitions
        epsg = None
    return f"EPSG:{epsg}" if epsg else str(crs.name)
