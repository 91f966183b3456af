"""Travel costs between demand points and sites: Euclidean, great-circle and user OD tables.

With a cutoff the result is always :class:`SparseCosts` built from KD-tree radius queries (no
dense n×m array is formed); without one, Euclidean/haversine give the dense matrix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from ..instance import Costs, SparseCosts

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius


def euclidean(dxy: np.ndarray, sxy: np.ndarray, cutoff: float | None) -> Costs:
    """Straight-line distance in the (projected) units of the coordinates."""
    from scipy.spatial import cKDTree
    from scipy.spatial.distance import cdist

    n, m = len(dxy), len(sxy)
    if cutoff is None:
        return cdist(dxy, sxy)
    pairs = cKDTree(dxy).sparse_distance_matrix(cKDTree(sxy), cutoff, output_type="ndarray")
    return SparseCosts.from_pairs(pairs["i"], pairs["j"], pairs["v"], (n, m))


def _unit_vectors(lonlat: np.ndarray) -> np.ndarray:
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def haversine_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle metres between matching rows of two lon/lat arrays."""
    lon1, lat1 = np.radians(a[:, 0]), np.radians(a[:, 1])
    lon2, lat2 = np.radians(b[:, 0]), np.radians(b[:, 1])
    h = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def haversine(dlonlat: np.ndarray, slonlat: np.ndarray, cutoff: float | None) -> Costs:
    """Great-circle metres; with a cutoff, a KD-tree on unit vectors finds the candidate pairs."""
    from scipy.spatial import cKDTree

    n, m = len(dlonlat), len(slonlat)
    if cutoff is None:
        i, j = np.divmod(np.arange(n * m), m)
        return haversine_pairs(dlonlat[i], slonlat[j]).reshape(n, m)
    # chord length for the cutoff arc, padded so rounding never loses a pair at the edge
    angle = min(cutoff / EARTH_RADIUS_M, np.pi)
    chord = 2 * np.sin(angle / 2) * (1 + 1e-9) + 1e-12
    pairs = cKDTree(_unit_vectors(dlonlat)).sparse_distance_matrix(
        cKDTree(_unit_vectors(slonlat)), chord, output_type="ndarray")
    i, j = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
    d = haversine_pairs(dlonlat[i], slonlat[j])
    keep = d <= cutoff
    return SparseCosts.from_pairs(i[keep], j[keep], d[keep], (n, m))


def od_table(path: Path, site_col: str, demand_col: str, cost_col: str,
             site_ids: np.ndarray, demand_ids: np.ndarray, cutoff: float | None) -> SparseCosts:
    """A long-format OD table (CSV or Parquet). Missing pairs are unreachable.

    Ids are compared as text; an id matching no site/demand point, a repeated pair, or a
    cost that is not a finite non-negative number is an error naming the row.
    """
    import pandas as pd

    from ..errors import first_line
    from .layers import read_text_table

    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: travel-cost table not found")
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            df = pd.read_parquet(path)
            where, offset = "row", 1
        else:
            df = read_text_table(path)
            where, offset = "line", 2
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - pandas/arrow raise many parser types
        raise DataError(f"{path}: cannot read travel-cost table: {first_line(exc)}") from None
    for col in (site_col, demand_col, cost_col):
        if col not in df.columns:
            raise DataError(f"{path}: no column {col!r} (columns: {', '.join(map(str, df.columns))})")
    if len(df) == 0:
        raise DataError(f"{path}: the travel-cost table is empty")

    def bad(k: int, col: str, msg: str) -> DataError:
        return DataError(f"{path}: {where} {k + offset}, column {col!r}: {msg}")

    from .columns import id_text

    j = _lookup(np.array([id_text(v) for v in df[site_col]], dtype=object), site_ids,
                lambda k, v: bad(k, site_col, f"site id {v!r} matches no candidate site"))
    i = _lookup(np.array([id_text(v) for v in df[demand_col]], dtype=object), demand_ids,
                lambda k, v: bad(k, demand_col, f"demand id {v!r} matches no demand point"))
    raw = df[cost_col]
    text = raw if pd.api.types.is_numeric_dtype(raw) else raw.astype(str).str.strip()
    d = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    nonfinite = ~np.isfinite(d)
    if nonfinite.any():
        k = int(np.flatnonzero(nonfinite)[0])
        raise bad(k, cost_col, f"cost {raw.iloc[k]!r} is not a finite number "
                  "(leave unreachable pairs out of the table)")
    if (d < 0).any():
        k = int(np.flatnonzero(d < 0)[0])
        raise bad(k, cost_col, f"cost {d[k]:g} is negative")
    key = i * len(site_ids) + j
    order = np.argsort(key, kind="stable")
    dup = np.flatnonzero(np.diff(key[order]) == 0)
    if dup.size:
        k1, k2 = sorted((int(order[dup[0]]), int(order[dup[0] + 1])))
        raise bad(k2, f"{site_col}/{demand_col}", f"pair (site {site_ids[j[k2]]!r}, demand "
                  f"{demand_ids[i[k2]]!r}) repeats {where} {k1 + offset}")
    if cutoff is not None:
        keep = d <= cutoff
        i, j, d = i[keep], j[keep], d[keep]
    return SparseCosts.from_pairs(i, j, d, (len(demand_ids), len(site_ids)))


def _lookup(values: np.ndarray, ids: np.ndarray, err: Any) -> np.ndarray:
    index = {v: k for k, v in enumerate(ids)}
    out = np.empty(len(values), dtype=np.int64)
    for k, v in enumerate(values):
        pos = index.get(v)
        if pos is None:
            raise err(k, v)
        out[k] = pos
    return out
