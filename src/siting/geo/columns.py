"""Pull ids, numbers and flags out of a layer's columns, naming file/row/column on bad values."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import DataError
from .where import fail, row_name
from .sanity import check_numbers

_TRUE = {"1", "true", "t", "yes", "y"}
_FALSE = {"0", "false", "f", "no", "n", ""}


def column(gdf: Any, name: str) -> Any:
    """The named column, or a DataError listing the columns there are."""
    if name not in gdf.columns:
        try:
            geom = gdf.geometry.name
        except AttributeError:  # a plain table
            geom = None
        cols = ", ".join(str(c) for c in gdf.columns if c != geom)
        raise DataError(f"{gdf.attrs.get('source', 'layer')}: no column {name!r} (columns: {cols})")
    return gdf[name]


def ids(gdf: Any, name: str | None) -> np.ndarray:
    """Ids as text. Without a column name: a column called ``id`` if any, else row numbers 1..n."""
    if name is None:
        name = next((c for c in gdf.columns if str(c).lower() == "id"), None)
        if name is None:
            return np.array([str(k + 1) for k in range(len(gdf))], dtype=object)
    values = column(gdf, name)
    out = np.array([id_text(v) for v in values], dtype=object)
    missing = np.flatnonzero(out == "")
    if missing.size:
        raise fail(gdf, int(missing[0]), name, "id is missing")
    seen: dict[str, int] = {}
    for k, v in enumerate(out):
        if v in seen:
            raise fail(gdf, k, name, f"duplicate id {v!r} (first in {row_name(gdf, seen[v])})")
        seen[v] = k
    return out


def numbers(gdf: Any, name: str, what: str, *, positive: bool = False) -> np.ndarray:
    """A finite, non-negative numeric column."""
    import pandas as pd

    raw = column(gdf, name)
    text = raw if pd.api.types.is_numeric_dtype(raw) else raw.astype(str).str.strip()
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise fail(gdf, k, name, f"{what} {raw.iloc[k]!r} is not a finite number")
    neg = values <= 0 if positive else values < 0
    if neg.any():
        k = int(np.flatnonzero(neg)[0])
        sign = "positive" if positive else "non-negative"
        raise fail(gdf, k, name, f"{what} {values[k]:g} must be {sign}")
    return check_numbers(gdf, name, what, values)  # magnitudes solvers cannot use


def whole_numbers(gdf: Any, name: str, what: str) -> np.ndarray:
    """A finite, non-negative column of whole numbers (as int64)."""
    values = numbers(gdf, name, what)
    frac = np.flatnonzero(values != np.round(values))
    if frac.size:
        k = int(frac[0])
        raise fail(gdf, k, name, f"{what} {values[k]:g} is not a whole number")
    return values.astype(np.int64)


def text(gdf: Any, name: str) -> np.ndarray:
    """A text column with no missing values."""
    raw = column(gdf, name)
    missing = np.flatnonzero(raw.isna().to_numpy())
    if missing.size:
        raise fail(gdf, int(missing[0]), name, "missing value")
    return raw.astype(str).to_numpy(dtype=object)


def coordinates(df: Any) -> tuple[np.ndarray, bool]:
    """(n, 2) coordinates from x/y or lon/lat columns of a plain table; True when lon/lat."""
    import pandas as pd

    lower = {str(c).lower(): c for c in df.columns if isinstance(c, str)}
    for xs, ys, lonlat in (("x", "y", False), ("lon", "lat", True),
                           ("longitude", "latitude", True), ("lng", "lat", True)):
        if xs in lower and ys in lower:
            out = []
            for c in (lower[xs], lower[ys]):
                values = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float)
                bad = np.flatnonzero(~np.isfinite(values))
                if bad.size:
                    raise fail(df, int(bad[0]), c, f"{df[c].iloc[bad[0]]!r} is not a finite number")
                out.append(values)
            return np.column_stack(out), lonlat
    raise DataError(f"{df.attrs.get('source', 'layer')}: no coordinates (give a geometry, "
                    "x/y or lon/lat columns)")


def flags(gdf: Any, name: str) -> np.ndarray:
    """A yes/no column: true/false, 1/0, yes/no (empty = no)."""
    raw = column(gdf, name)
    out = np.zeros(len(raw), dtype=bool)
    for k, v in enumerate(raw):
        if isinstance(v, (bool, np.bool_)):
            out[k] = bool(v)
            continue
        text = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip().lower()
        if text in ("1.0",):
            text = "1"
        elif text in ("0.0",):
            text = "0"
        if text in _TRUE:
            out[k] = True
        elif text not in _FALSE:
            raise fail(gdf, k, name, f"flag {v!r} is not one of true/false, yes/no, 1/0")
    return out


def id_text(v: Any) -> str:
    """An id as text: whole floats without '.0', numpy integers as ints, stripped strings."""
    if v is None:
        return ""
    if isinstance(v, (float, np.floating)):
        if np.isnan(v):
            return ""
        if float(v).is_integer():
            return str(int(v))
    if isinstance(v, (np.integer,)):
        return str(int(v))
    return str(v).strip()
