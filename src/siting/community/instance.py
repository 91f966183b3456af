"""CommunityInstance: the arrays the community model reads, built from demand and site tables.

Geo work ends here. ``build_instance`` takes pandas/GeoPandas frames and the problem's column
mapping, checks every value (errors name the table, row and column), projects coordinates to
metres when needed and finds the (block, site) pairs within each service's outer tier with a
KD-tree (never a dense block × site array). Formulation, verifier and report read only arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..errors import DataError
from .spec import CommunityProblem

_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f", ""}


@dataclass(frozen=True, eq=False)
class ServicePairs:
    """Pairs (block i, site j, distance d) with d within the service's outer tier, j may host s."""

    i: np.ndarray
    j: np.ndarray
    d: np.ndarray


@dataclass(frozen=True, eq=False)
class CommunityInstance:
    """Blocks i = 0..n-1, sites j = 0..m-1, services s = 0..S-1 (order of ``problem.services``)."""

    demand_ids: np.ndarray
    demand_xy: np.ndarray               # (n, 2) metres
    district: np.ndarray                # (n,) int code into district_names
    district_names: np.ndarray          # (G,) str
    population: np.ndarray              # (n, S) w_is: the segment population of service s
    households: np.ndarray | None       # (n,)
    site_ids: np.ndarray
    site_xy: np.ndarray                 # (m, 2)
    site_district: np.ndarray           # (m,) int code
    area: np.ndarray                    # (m,) A_j free floor area
    cost: np.ndarray                    # (m,) f_j
    allowed: np.ndarray                 # (m, S) bool: may host new modules of s
    existing: np.ndarray                # (m, S) int e_js
    max_new: np.ndarray                 # (m, S) int M_js (0 where not allowed)
    forced: np.ndarray                  # (m,) bool
    forbidden: np.ndarray               # (m,) bool
    pairs: tuple[ServicePairs, ...]     # per service
    service_names: tuple[str, ...]
    segments: tuple[str, ...]           # per service
    site_names: np.ndarray | None = None
    site_kinds: np.ndarray | None = None
    crs: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def n_blocks(self) -> int:
        return int(self.demand_ids.shape[0])

    @property
    def n_sites(self) -> int:
        return int(self.site_ids.shape[0])

    @property
    def n_services(self) -> int:
        return len(self.service_names)

    @property
    def n_districts(self) -> int:
        return int(self.district_names.shape[0])

    @property
    def existing_site(self) -> np.ndarray:
        """Sites already open (some existing module): y_j = 1 and no f_j."""
        return self.existing.sum(axis=1) > 0

    @property
    def opening_cost(self) -> np.ndarray:
        """f_j counted in the budget: zero for existing sites."""
        return np.where(self.existing_site, 0.0, self.cost)


# ---------------------------------------------------------------------------------------------
# building from tables


def build_instance(
    problem: CommunityProblem,
    demand: pd.DataFrame,
    sites: pd.DataFrame,
    *,
    distances: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    demand_label: str = "demand",
    sites_label: str = "sites",
) -> CommunityInstance:
    """Check the tables and turn them into a :class:`CommunityInstance`.

    ``distances`` optionally gives travel distances as (block row, site row, metres) arrays, e.g.
    from a walking network or an OD table; absent pairs are unreachable. Without it distances are
    Euclidean on projected coordinates.
    """
    cols = problem.columns
    if len(demand) == 0:
        raise DataError(f"{demand_label}: the table has no rows")
    if len(sites) == 0:
        raise DataError(f"{sites_label}: the table has no rows")
    demand = demand.reset_index(drop=True)
    sites = sites.reset_index(drop=True)
    crs, dxy, sxy = _coordinates(demand, sites, demand_label, sites_label)

    demand_ids = _ids(demand, cols.demand_id, demand_label)
    site_ids = _ids(sites, cols.site_id, sites_label)
    dist_raw = _text_column(demand, cols.district, demand_label)
    district_names, district = np.unique(dist_raw, return_inverse=True)

    S = len(problem.services)
    names = tuple(s.name for s in problem.services)
    population = np.zeros((len(demand), S))
    seg_cache: dict[str, np.ndarray] = {}
    for k, svc in enumerate(problem.services):
        col = problem.segment_column(svc.segment)
        if col not in seg_cache:
            seg_cache[col] = _number_column(demand, col, demand_label, what=f"segment {svc.segment!r}")
        population[:, k] = seg_cache[col]
    households = None
    if cols.households and cols.households in demand.columns:
        households = _number_column(demand, cols.households, demand_label)
    elif problem.rules.space_per_100_households > 0:
        raise DataError(f"{demand_label}: column {cols.households!r} (households) is missing; "
                        "it is needed by rules.space_per_100_households")

    area = _number_column(sites, cols.area, sites_label)
    cost = _number_column(sites, cols.cost, sites_label)
    forced = _flag_column(sites, cols.forced, sites_label)
    forbidden = _flag_column(sites, cols.forbidden, sites_label)
    allowed = _allowed(sites, cols.services, names, sites_label)
    existing = np.zeros((len(sites), S), dtype=np.int64)
    max_new = np.zeros((len(sites), S), dtype=np.int64)
    for k, svc in enumerate(problem.services):
        existing[:, k] = _int_column(sites, cols.existing_prefix + svc.name, sites_label, 0)
        max_new[:, k] = _int_column(sites, cols.max_prefix + svc.name, sites_label,
                                    svc.max_new_modules)
    max_new[~allowed] = 0
    max_new[forbidden] = 0
    clash = forced & forbidden
    if clash.any():
        r = int(np.flatnonzero(clash)[0])
        raise DataError(f"{_where(sites, sites_label, r)}, site {site_ids[r]}: both forced and forbidden")
    clash = forbidden & (existing.sum(axis=1) > 0)
    if clash.any():
        r = int(np.flatnonzero(clash)[0])
        raise DataError(f"{_where(sites, sites_label, r)}, site {site_ids[r]}: forbidden but it has "
                        "existing modules (an existing site is already open)")

    if cols.site_district and cols.site_district in sites.columns:
        sd_raw = _text_column(sites, cols.site_district, sites_label)
        lookup = {name: k for k, name in enumerate(district_names)}
        extra = sorted(set(sd_raw) - set(lookup))
        if extra:
            district_names = np.concatenate([district_names, np.array(extra, dtype=object)])
            lookup = {name: k for k, name in enumerate(district_names)}
        site_district = np.array([lookup[v] for v in sd_raw], dtype=np.int64)
    else:  # nearest block's district
        _, nearest = cKDTree(dxy).query(sxy)
        site_district = district[nearest]

    hosts = allowed | (existing > 0)
    pairs = _pairs(problem, dxy, sxy, hosts, distances, len(demand), len(sites))
    return CommunityInstance(
        demand_ids=demand_ids, demand_xy=dxy, district=district.astype(np.int64),
        district_names=np.asarray(district_names, dtype=object), population=population,
        households=households, site_ids=site_ids, site_xy=sxy,
        site_district=site_district.astype(np.int64), area=area, cost=cost, allowed=allowed,
        existing=existing, max_new=max_new, forced=forced, forbidden=forbidden, pairs=pairs,
        service_names=names, segments=tuple(s.segment for s in problem.services),
        site_names=_optional_text(sites, cols.name), site_kinds=_optional_text(sites, cols.kind),
        crs=crs,
    )


def _pairs(problem: CommunityProblem, dxy: np.ndarray, sxy: np.ndarray, hosts: np.ndarray,
           distances: tuple[np.ndarray, np.ndarray, np.ndarray] | None, n: int,
           m: int) -> tuple[ServicePairs, ...]:
    outer = max(s.outer_radius for s in problem.services)
    if problem.max_distance is not None:
        outer = min(outer, problem.max_distance)
    if distances is None:
        rec = cKDTree(dxy).sparse_distance_matrix(cKDTree(sxy), outer, output_type="ndarray")
        pi, pj, pd_ = rec["i"].astype(np.int64), rec["j"].astype(np.int64), rec["v"]
    else:
        pi, pj, pd_ = (np.asarray(a) for a in distances)
        pi, pj, pd_ = pi.astype(np.int64), pj.astype(np.int64), pd_.astype(float)
        if pi.size and (pi.min() < 0 or pi.max() >= n or pj.min() < 0 or pj.max() >= m):
            raise DataError("distances: a pair refers to a block or site that does not exist")
        if np.isnan(pd_).any() or (pd_ < 0).any():
            raise DataError("distances: NaN or negative distance")
    order = np.lexsort((pj, pi))
    pi, pj, pd_ = pi[order], pj[order], pd_[order]
    if pi.size > 1:
        dup = (np.diff(pi) == 0) & (np.diff(pj) == 0)
        if dup.any():
            pi, pj, pd_ = pi[np.r_[True, ~dup]], pj[np.r_[True, ~dup]], pd_[np.r_[True, ~dup]]
    out = []
    for k, svc in enumerate(problem.services):
        r = svc.outer_radius if problem.max_distance is None else min(svc.outer_radius,
                                                                       problem.max_distance)
        keep = (pd_ <= r) & hosts[pj, k]
        out.append(ServicePairs(pi[keep], pj[keep], pd_[keep]))
    return tuple(out)


def _coordinates(demand: pd.DataFrame, sites: pd.DataFrame, dl: str,
                 sl: str) -> tuple[str | None, np.ndarray, np.ndarray]:
    """Projected (x, y) in metres for both tables, in one CRS."""
    geo_d = "geometry" in demand.columns and hasattr(demand, "crs")
    geo_s = "geometry" in sites.columns and hasattr(sites, "crs")
    if geo_d and geo_s:
        d_crs, s_crs = demand.crs, sites.crs
        if (d_crs is None) != (s_crs is None):
            raise DataError(f"{dl} and {sl}: one layer has a CRS and the other has none")
        if d_crs is not None and d_crs.is_geographic:
            target = demand.estimate_utm_crs()
            demand, sites = demand.to_crs(target), sites.to_crs(target)
        elif d_crs is not None and s_crs != d_crs:
            sites = sites.to_crs(d_crs)
        crs = None if demand.crs is None else demand.crs.to_string()
        return crs, _points(demand, dl), _points(sites, sl)
    dxy, d_ll = _xy_columns(demand, dl)
    sxy, s_ll = _xy_columns(sites, sl)
    if d_ll != s_ll:
        raise DataError(f"{dl} and {sl}: one table has x/y and the other lon/lat columns")
    if d_ll:
        from pyproj import CRS, Transformer
        lon0 = float(np.mean(dxy[:, 0]))
        zone = int((lon0 + 180) // 6) + 1
        south = float(np.mean(dxy[:, 1])) < 0
        utm = CRS.from_dict({"proj": "utm", "zone": zone, "south": south})
        tr = Transformer.from_crs("EPSG:4326", utm, always_xy=True)
        dxy = np.column_stack(tr.transform(dxy[:, 0], dxy[:, 1]))
        sxy = np.column_stack(tr.transform(sxy[:, 0], sxy[:, 1]))
        return utm.to_string(), dxy, sxy
    return None, dxy, sxy


def _points(gdf: Any, label: str) -> np.ndarray:
    geom = gdf.geometry
    if geom.isna().any() or geom.is_empty.any():
        r = int(np.flatnonzero(geom.isna().to_numpy() | geom.is_empty.to_numpy())[0])
        raise DataError(f"{_where(gdf, label, r)}: empty geometry")
    if not (geom.geom_type == "Point").all():
        geom = geom.representative_point()
    xy = np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])
    _finite(xy, gdf, label, "geometry")
    return xy


def _xy_columns(df: pd.DataFrame, label: str) -> tuple[np.ndarray, bool]:
    lower = {c.lower(): c for c in df.columns if isinstance(c, str)}
    for xs, ys, ll in (("x", "y", False), ("lon", "lat", True), ("longitude", "latitude", True),
                       ("lng", "lat", True)):
        if xs in lower and ys in lower:
            x = _number_column(df, lower[xs], label, allow_negative=True)
            y = _number_column(df, lower[ys], label, allow_negative=True)
            return np.column_stack([x, y]), ll
    raise DataError(f"{label}: no coordinates (give a geometry, x/y or lon/lat columns)")


def _where(df: pd.DataFrame, label: str, r: int, col: str | None = None) -> str:
    """'file: line 7, column 'area'' using the layer reader's row naming when present."""
    kind, offset = df.attrs.get("where", ("row", 1))
    src = df.attrs.get("source", label)
    return f"{src}: {kind} {r + offset}" + (f", column {col!r}" if col else "")


def _finite(arr: np.ndarray, gdf: Any, label: str, col: str) -> None:
    bad = ~np.isfinite(arr)
    if bad.any():
        r = int(np.flatnonzero(bad.reshape(len(arr), -1).any(axis=1))[0])
        raise DataError(f"{_where(gdf, label, r, col)}: not a finite number")


def _require(df: pd.DataFrame, col: str, label: str, what: str = "") -> pd.Series:
    if col not in df.columns:
        extra = f" ({what})" if what else ""
        raise DataError(f"{df.attrs.get('source', label)}: column {col!r}{extra} is missing")
    return df[col]


def _ids(df: pd.DataFrame, col: str, label: str) -> np.ndarray:
    values = _require(df, col, label)
    if values.isna().any():
        r = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise DataError(f"{_where(df, label, r, col)}: missing id")
    ids = np.array([_id_text(v) for v in values], dtype=object)
    dup = pd.Series(ids).duplicated().to_numpy()
    if dup.any():
        r = int(np.flatnonzero(dup)[0])
        raise DataError(f"{_where(df, label, r, col)}: duplicate id {ids[r]!r}")
    return ids


def _id_text(v: Any) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v).strip()


def _text_column(df: pd.DataFrame, col: str, label: str) -> np.ndarray:
    values = _require(df, col, label)
    if values.isna().any():
        r = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise DataError(f"{_where(df, label, r, col)}: missing value")
    return values.astype(str).to_numpy(dtype=object)


def _optional_text(df: pd.DataFrame, col: str | None) -> np.ndarray | None:
    if not col or col not in df.columns:
        return None
    return df[col].fillna("").astype(str).to_numpy(dtype=object)


def _number_column(df: pd.DataFrame, col: str, label: str, *, what: str = "",
                   allow_negative: bool = False) -> np.ndarray:
    raw = _require(df, col, label, what)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        r = int(np.flatnonzero(bad)[0])
        raise DataError(f"{_where(df, label, r, col)}: {raw.iloc[r]!r} is not a finite "
                        "number")
    if not allow_negative and (values < 0).any():
        r = int(np.flatnonzero(values < 0)[0])
        raise DataError(f"{_where(df, label, r, col)}: negative value {values[r]:g}")
    return values


def _int_column(df: pd.DataFrame, col: str, label: str, default: int) -> np.ndarray:
    if col not in df.columns:
        return np.full(len(df), default, dtype=np.int64)
    values = _number_column(df, col, label)
    if not np.all(values == np.round(values)):
        r = int(np.flatnonzero(values != np.round(values))[0])
        raise DataError(f"{_where(df, label, r, col)}: {values[r]:g} is not a whole number")
    return values.astype(np.int64)


def _flag_column(df: pd.DataFrame, col: str | None, label: str) -> np.ndarray:
    if not col or col not in df.columns:
        return np.zeros(len(df), dtype=bool)
    out = np.zeros(len(df), dtype=bool)
    for r, v in enumerate(df[col].tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        text = str(v).strip().lower()
        if isinstance(v, (bool, np.bool_)):
            out[r] = bool(v)
        elif text in _TRUE or text in ("1.0",):
            out[r] = True
        elif text in _FALSE or text in ("0.0",):
            out[r] = False
        else:
            raise DataError(f"{_where(df, label, r, col)}: {v!r} is not true/false")
    return out


def _allowed(df: pd.DataFrame, col: str, names: tuple[str, ...], label: str) -> np.ndarray:
    """Parse 'a;b;c' (also ',' or '|'; '*' or 'all' = every service) into an (m, S) mask."""
    m, S = len(df), len(names)
    if col not in df.columns:
        return np.ones((m, S), dtype=bool)
    index = {n: k for k, n in enumerate(names)}
    out = np.zeros((m, S), dtype=bool)
    for r, v in enumerate(df[col].tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        text = str(v).replace(",", ";").replace("|", ";")
        for tok in (t.strip() for t in text.split(";")):
            if not tok:
                continue
            if tok in ("*", "all"):
                out[r] = True
            elif tok in index:
                out[r, index[tok]] = True
            # names of services not in this scenario are allowed and ignored
    return out
