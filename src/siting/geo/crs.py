"""Settle demand and site layers on one CRS suited to the distance method."""

from __future__ import annotations

from typing import Any

from ..errors import DataError

WGS84 = "EPSG:4326"


def crs_label(crs: Any) -> str:
    """``EPSG:32610 (WGS 84 / UTM zone 10N)``, or a note for layers without a CRS."""
    if crs is None:
        return "none (coordinates used as given, planar)"
    epsg = crs.to_epsg()
    code = f"EPSG:{epsg}" if epsg else crs.to_string()
    return f"{code} ({crs.name})"


def local_metric_crs(*layers: Any) -> Any:
    """The UTM zone of the layers' combined extent (pyproj's database, no network)."""
    import geopandas as gpd
    import pandas as pd

    pts = pd.concat([g.geometry.to_crs(WGS84) for g in layers], ignore_index=True)
    crs = gpd.GeoSeries(pts, crs=WGS84).estimate_utm_crs()
    if crs is None:  # pragma: no cover - estimate_utm_crs finds a zone for any valid lon/lat
        raise DataError("cannot find a UTM zone for the data's extent")
    return crs


def harmonize(demand: Any, sites: Any, metric: str, override: str | None,
              notes: list[str]) -> tuple[Any, Any, Any]:
    """Both layers in the working CRS for ``metric``; returns (demand, sites, crs).

    euclidean/network: ``override``, else a projected input CRS, else the data's UTM zone;
    haversine: WGS 84; table: ``override`` or the demand layer's CRS (costs come from the table).
    """
    from pyproj import CRS

    dcrs, scrs = demand.crs, sites.crs
    if (dcrs is None) != (scrs is None):
        which = "demand" if dcrs is None else "sites"
        raise DataError(f"{demand.attrs['source'] if dcrs is None else sites.attrs['source']}: "
                        f"the {which} layer has no CRS but the other layer does; give its crs")
    if dcrs is None:
        if metric in ("haversine", "network"):
            raise DataError(f"{demand.attrs['source']}: {metric} distances need layers with a "
                            "CRS (or lon/lat columns); give crs=")
        if override is not None:
            raise DataError("distance.crs given but the layers have no CRS to reproject from")
        return demand, sites, None
    if metric == "haversine":
        target = CRS.from_user_input(WGS84)
    elif override is not None:
        target = _parse(override)
    elif metric == "table" or not dcrs.is_geographic:
        target = dcrs
    elif not scrs.is_geographic:
        target = scrs
    else:
        target = local_metric_crs(demand, sites)
        notes.append(f"geographic inputs projected to {crs_label(target)}, chosen from the data")
    if dcrs != scrs and metric != "haversine":
        notes.append(f"layers in different CRSs ({crs_label(dcrs)}, {crs_label(scrs)}) "
                     f"reprojected to {crs_label(target)}")
    out = []
    for g in (demand, sites):
        attrs = dict(g.attrs)
        g2 = g if g.crs == target else g.to_crs(target)
        g2.attrs.update(attrs)
        out.append(g2)
    return out[0], out[1], target


def _parse(text: str) -> Any:
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_user_input(text)
    except CRSError:
        raise DataError(f"distance.crs: unknown CRS {text!r}") from None
    if crs.is_geographic:
        raise DataError(f"distance.crs: {text} is geographic; Euclidean distances need a "
                        "projected CRS (metres)")
    return crs
