"""How error messages name a place in a layer: the file, the row (or feature) and the column."""

from __future__ import annotations

from typing import Any

from ..errors import DataError


def row_name(gdf: Any, k: int) -> str:
    """How messages name row ``k`` (0-based) of a layer read by :func:`siting.geo.layers.read_layer`."""
    kind, offset = gdf.attrs.get("where", ("row", 1))
    return f"{kind} {k + offset}"


def fail(gdf: Any, k: int, column: str | None, message: str) -> DataError:
    """A DataError naming the layer's file, the row and the column."""
    col = f", column {column!r}" if column else ""
    return DataError(f"{gdf.attrs.get('source', 'layer')}: {row_name(gdf, k)}{col}: {message}")
