"""CommunityInstance: the arrays the community model reads, built from demand and site tables.

Geo work ends here. ``build_instance`` takes pandas/GeoPandas frames, the problem's column
mapping and the travel costs from :mod:`siting.geo.costs` (the same costs a classical kind gets
on the same layers), checks every value through :mod:`siting.geo.columns` (errors name the
table, row and column) and keeps the pairs within each service's outer tier (sparse, never a
dense block × site array). Formulation, verifier and report read only arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, SitingError
from ..geo import columns as col
from ..geo.costs import TravelCosts, nearest
from ..geo.crs import WGS84, local_metric_crs
from ..geo.where import fail, row_name
from .spec import CommunityProblem


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
    costs: TravelCosts,
    demand_label: str = "demand",
    sites_label: str = "sites",
) -> CommunityInstance:
    """Check the tables and turn them into a :class:`CommunityInstance`.

    ``costs`` are the travel costs between the tables' rows, made by :mod:`siting.geo.costs`
    with the scenario's metric (``siting.pipeline.prepare(scenario)`` does this for a scenario;
    :func:`siting.geo.costs.planar` gives straight-line costs for plain tables). Pairs absent
    from ``costs`` are unreachable. Coordinates are kept (in metres) for maps only.
    """
    cols = problem.columns
    demand = _labelled(demand, demand_label)
    sites = _labelled(sites, sites_label)
    if len(demand) == 0:
        raise DataError(f"{demand_label}: the table has no rows")
    if len(sites) == 0:
        raise DataError(f"{sites_label}: the table has no rows")
    if costs.shape != (len(demand), len(sites)):
        raise DataError(f"travel costs are {costs.shape[0]} × {costs.shape[1]} but the tables "
                        f"have {len(demand)} blocks and {len(sites)} sites")
    crs, dxy, sxy = _coordinates(demand, sites, demand_label, sites_label)

    demand_ids = col.ids(demand, cols.demand_id)
    site_ids = col.ids(sites, cols.site_id)
    community_col = _community_column(demand, cols)
    dist_raw = col.text(demand, community_col)
    district_names, district = np.unique(dist_raw, return_inverse=True)
    _check_target_communities(problem, set(map(str, district_names)))
    _check_segment_columns(problem, demand)

    S = len(problem.services)
    names = tuple(s.name for s in problem.services)
    population = np.zeros((len(demand), S))
    seg_cache: dict[str, np.ndarray] = {}
    for k, svc in enumerate(problem.services):
        name = problem.segment_column(svc.segment)
        if name not in seg_cache:
            key = (f"problem.columns.segments.{svc.segment}" if svc.segment in
                   cols.segments else f"problem.columns.segments = {{ {svc.segment} = \"...\" }}")
            _need(demand, name, f"population of segment {svc.segment!r}, used by service "
                  f"{svc.name!r}", key)
            seg_cache[name] = col.numbers(demand, name, f"segment {svc.segment!r}")
        population[:, k] = seg_cache[name]
    households = None
    if cols.households and cols.households in demand.columns:
        households = col.numbers(demand, cols.households, "households")
    elif problem.rules.space_per_100_households > 0:
        raise DataError(f"{demand_label}: column {cols.households!r} (households) is missing; "
                        "it is needed by rules.space_per_100_households")

    _need(sites, cols.area, "free floor area, m²", "problem.columns.area")
    _need(sites, cols.cost, "opening / retrofit cost", "problem.columns.cost")
    area = col.numbers(sites, cols.area, "area")
    cost = col.numbers(sites, cols.cost, "cost")
    forced = _flags(sites, cols.forced)
    forbidden = _flags(sites, cols.forbidden)
    known = _known_service_names(problem)
    allowed = _allowed(sites, cols.services, names, known)
    _check_module_columns(sites, cols, names, known)
    existing = np.zeros((len(sites), S), dtype=np.int64)
    max_new = np.zeros((len(sites), S), dtype=np.int64)
    for k, svc in enumerate(problem.services):
        existing[:, k] = _counts(sites, cols.existing_prefix + svc.name, 0)
        max_new[:, k] = _counts(sites, cols.max_prefix + svc.name, svc.max_new_modules)
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

    site_col = _site_community_column(sites, cols)
    if site_col is not None:
        sd_raw = col.text(sites, site_col)
        lookup = {name: k for k, name in enumerate(district_names)}
        for r, v in enumerate(sd_raw):  # a site's community must be one the blocks name
            if v not in lookup:
                raise DataError(f"{_where(sites, sites_label, r, site_col)}: community {v!r} "
                                f"has no blocks in {demand.attrs.get('source', demand_label)}"
                                f"{suggest(v, lookup)}")
        site_district = np.array([lookup[v] for v in sd_raw], dtype=np.int64)
    else:  # nearest block's district
        site_district = district[nearest(sxy, dxy)]

    hosts = allowed | (existing > 0)
    pairs = _pairs(problem, hosts, costs)
    return CommunityInstance(
        demand_ids=demand_ids, demand_xy=dxy, district=district.astype(np.int64),
        district_names=np.asarray(district_names, dtype=object), population=population,
        households=households, site_ids=site_ids, site_xy=sxy,
        site_district=site_district.astype(np.int64), area=area, cost=cost, allowed=allowed,
        existing=existing, max_new=max_new, forced=forced, forbidden=forbidden, pairs=pairs,
        service_names=names, segments=tuple(s.segment for s in problem.services),
        site_names=_optional_text(sites, cols.name), site_kinds=_optional_text(sites, cols.kind),
        crs=crs, metadata={"distance": costs.info.get("metric"),
                           "community_column": community_col},  # the column actually read
    )


def cutoff(problem: CommunityProblem) -> float:
    """The largest travel cost any service credits: pairs beyond it are never needed."""
    outer = max(s.outer_radius for s in problem.services)
    return outer if problem.max_distance is None else min(outer, problem.max_distance)


def _labelled(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """Rows renumbered 0..n-1; messages name ``label`` when the table has no source."""
    attrs = dict(df.attrs)
    df = df.reset_index(drop=True)
    df.attrs.update(attrs)
    df.attrs.setdefault("source", label)
    return df


def _pairs(problem: CommunityProblem, hosts: np.ndarray,
           costs: TravelCosts) -> tuple[ServicePairs, ...]:
    pi, pj, pd_ = costs.pairs()
    pi, pj, pd_ = pi.astype(np.int64), pj.astype(np.int64), pd_.astype(float)
    if np.isnan(pd_).any() or (pd_ < 0).any():
        raise DataError("travel costs: NaN or negative cost")
    order = np.lexsort((pj, pi))
    pi, pj, pd_ = pi[order], pj[order], pd_[order]
    out = []
    for k, svc in enumerate(problem.services):
        r = svc.outer_radius if problem.max_distance is None else min(svc.outer_radius,
                                                                       problem.max_distance)
        keep = (pd_ <= r) & hosts[pj, k]
        out.append(ServicePairs(pi[keep], pj[keep], pd_[keep]))
    return tuple(out)


def _coordinates(demand: pd.DataFrame, sites: pd.DataFrame, dl: str,
                 sl: str) -> tuple[str | None, np.ndarray, np.ndarray]:
    """(x, y) in metres for both tables in one CRS (for maps; costs come from geo.costs)."""
    geo_d = "geometry" in demand.columns and hasattr(demand, "crs")
    geo_s = "geometry" in sites.columns and hasattr(sites, "crs")
    if not (geo_d and geo_s):
        dxy, d_ll = col.coordinates(demand)
        sxy, s_ll = col.coordinates(sites)
        if d_ll != s_ll:
            raise DataError(f"{dl} and {sl}: one table has x/y and the other lon/lat columns")
        if not d_ll:
            return None, dxy, sxy
        import geopandas as gpd

        demand = gpd.GeoDataFrame(demand, geometry=gpd.points_from_xy(dxy[:, 0], dxy[:, 1]),
                                  crs=WGS84)
        sites = gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(sxy[:, 0], sxy[:, 1]),
                                 crs=WGS84)
    d_crs, s_crs = demand.crs, sites.crs
    if (d_crs is None) != (s_crs is None):
        raise DataError(f"{dl} and {sl}: one layer has a CRS and the other has none")
    if d_crs is not None and d_crs.is_geographic:
        target = local_metric_crs(demand, sites)
        demand, sites = demand.to_crs(target), sites.to_crs(target)
    elif d_crs is not None and s_crs != d_crs:
        sites = sites.to_crs(d_crs)
    crs = None if demand.crs is None else demand.crs.to_string()
    return crs, _points(demand, dl), _points(sites, sl)


def _points(gdf: Any, label: str) -> np.ndarray:
    geom = gdf.geometry
    if geom.isna().any() or geom.is_empty.any():
        r = int(np.flatnonzero(geom.isna().to_numpy() | geom.is_empty.to_numpy())[0])
        raise DataError(f"{_where(gdf, label, r)}: empty geometry")
    if not (geom.geom_type == "Point").all():
        geom = geom.representative_point()
    xy = np.column_stack([geom.x.to_numpy(), geom.y.to_numpy()])
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        raise DataError(f"{_where(gdf, label, int(np.flatnonzero(bad)[0]), 'geometry')}: "
                        "not a finite number")
    return xy


def _where(df: pd.DataFrame, label: str, r: int, column: str | None = None) -> str:
    """'file: line 7, column 'area'' using the layer reader's row naming when present."""
    src = df.attrs.get("source", label)
    return f"{src}: {row_name(df, r)}" + (f", column {column!r}" if column else "")


def _need(df: pd.DataFrame, name: str, what: str, key: str | None = None) -> None:
    """A missing column: name it, the columns there are (with a close match) and the key."""
    if name in df.columns:
        return
    geom = getattr(df, "_geometry_column_name", None)
    found = [str(c) for c in df.columns if c != geom]
    hint = f"; set {key} to the right column" if key else ""
    raise DataError(f"{df.attrs.get('source', 'table')}: column {name!r} ({what}) is missing"
                    f"{suggest(name, found)} (columns: {', '.join(found)}){hint}")


def suggest(value: str, choices: Any) -> str:
    """' (did you mean 'x'?)' for a close match among ``choices``, else ''."""
    import difflib

    pool = [str(c) for c in choices]
    norm = {c.lower().replace(" ", "_").replace("-", "_"): c for c in pool}
    key = str(value).strip().lower().replace(" ", "_").replace("-", "_")
    if key in norm and norm[key] != value:
        return f" (did you mean {norm[key]!r}?)"
    close = difflib.get_close_matches(key, list(norm), n=1, cutoff=0.6)
    return f" (did you mean {norm[close[0]]!r}?)" if close else ""


_COMMUNITY_NAMES = ("community", "district", "社区")


def _community_column(demand: pd.DataFrame, cols: Any) -> str:
    """The blocks' community column: the key if set, else community / district / 社区."""
    if "community" in cols.model_fields_set:
        _need(demand, cols.community, "community (社区) of each block",
              "problem.columns.community")
        return str(cols.community)
    for name in _COMMUNITY_NAMES:
        if name in demand.columns:
            return name
    _need(demand, cols.community, "community (社区) of each block",
          "problem.columns.community")
    return str(cols.community)


def _site_community_column(sites: pd.DataFrame, cols: Any) -> str | None:
    if "site_community" in cols.model_fields_set:
        if cols.site_community is not None:
            _need(sites, cols.site_community, "community of each site",
                  "problem.columns.site_community")
        return cols.site_community
    return next((n for n in _COMMUNITY_NAMES if n in sites.columns), None)


def _check_target_communities(problem: CommunityProblem, names: set[str]) -> None:
    """A per-community target naming no community of the blocks is a typo, not a no-op."""
    for sname, target in problem.targets.items():
        for key in target.districts:
            if key not in names:
                raise DataError(f"problem.targets.{sname}.communities: {key!r} is not a "
                                f"community of the blocks{suggest(key, names)} (communities: "
                                f"{', '.join(sorted(names)[:20])})")


def _check_segment_columns(problem: CommunityProblem, demand: pd.DataFrame) -> None:
    """Every column the segments mapping names must exist, used by a service or not."""
    for seg, name in problem.columns.segments.items():
        _need(demand, name, f"population of segment {seg!r}",
              f"problem.columns.segments.{seg}")


def _known_service_names(problem: CommunityProblem) -> set[str]:
    """Names a site may list: the scenario's services and every catalogue service."""
    from .catalogue import load_catalogue

    known = {s.name for s in problem.services}
    for name in dict.fromkeys(["default", problem.catalogue or "default"]):
        try:
            known.update(load_catalogue(name)["service"])
        except SitingError:  # a relative catalogue path: the scenario's services suffice
            pass
    return known


def _check_module_columns(sites: pd.DataFrame, cols: Any, names: tuple[str, ...],
                          known: set[str]) -> None:
    """existing_<service> / max_<service> columns must name a service (typos are errors)."""
    for c in map(str, sites.columns):
        for prefix in (cols.existing_prefix, cols.max_prefix):
            if prefix and c.startswith(prefix) and c[len(prefix):] not in known:
                raise DataError(f"{sites.attrs.get('source', 'sites')}: column {c!r}: "
                                f"{c[len(prefix):]!r} is not a service{suggest(c[len(prefix):], names)}"
                                f" (services: {', '.join(names)})")


def _optional_text(df: pd.DataFrame, name: str | None) -> np.ndarray | None:
    if not name or name not in df.columns:
        return None
    return df[name].fillna("").astype(str).to_numpy(dtype=object)


def _counts(df: pd.DataFrame, name: str, default: int) -> np.ndarray:
    """Module counts: a whole-number column, or ``default`` when the table has none."""
    if name not in df.columns:
        return np.full(len(df), default, dtype=np.int64)
    return col.whole_numbers(df, name, name)


def _flags(df: pd.DataFrame, name: str | None) -> np.ndarray:
    if not name or name not in df.columns:
        return np.zeros(len(df), dtype=bool)
    return col.flags(df, name)


def _allowed(df: pd.DataFrame, column: str, names: tuple[str, ...],
             known: set[str]) -> np.ndarray:
    """Parse 'a;b;c' (also ',' or '|'; '*' or 'all' = every service) into an (m, S) mask.

    Catalogue services the scenario does not use are accepted and ignored; any other name is
    a typo and an error naming the file, row, column and value.
    """
    m, S = len(df), len(names)
    if column not in df.columns:
        return np.ones((m, S), dtype=bool)
    index = {n: k for k, n in enumerate(names)}
    out = np.zeros((m, S), dtype=bool)
    for r, v in enumerate(df[column].tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        text = str(v).replace(",", ";").replace("|", ";").replace("；", ";").replace("，", ";")
        for tok in (t.strip() for t in text.split(";")):
            if not tok:
                continue
            if tok in ("*", "all"):
                out[r] = True
            elif tok in index:
                out[r, index[tok]] = True
            elif tok not in known:
                raise fail(df, r, column, f"unknown service {tok!r}"
                           f"{suggest(tok, sorted(known))} (services of this scenario: "
                           f"{', '.join(names)}; separate names with ';')")
    return out
