"""Read one point layer (GeoPackage, GeoJSON, Shapefile, GeoParquet or CSV) into a GeoDataFrame.

The result always holds one valid point per row (polygons are reduced to a representative
point, an interior point, with a warning that counts them; lines are an error naming the row),
a 0..n-1 index, and ``attrs["where"]`` telling how to name a row in messages (CSV: the file
line; GIS files: the feature number).

:func:`read_layer_with_source` also gives back the layer's own geometry (polygons as polygons)
in its own CRS, row for row: outputs hand the planner's features back as they came, while the
pipeline works on the points.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from .where import fail, row_name

LON_NAMES = ("lon", "long", "longitude", "lng", "x_lon")
LAT_NAMES = ("lat", "latitude", "y_lat")
X_NAMES = ("x", "easting", "xcoord", "x_coord", "coord_x", "point_x")
Y_NAMES = ("y", "northing", "ycoord", "y_coord", "coord_y", "point_y")

# geometry families: points and polygons may mix in one layer, lines are refused
_FAMILY = {"Point": "point", "MultiPoint": "point", "LineString": "line",
           "MultiLineString": "line", "LinearRing": "line", "Polygon": "polygon",
           "MultiPolygon": "polygon"}


@dataclass(frozen=True)
class LayerSpec:
    """Where a layer lives and how to find its coordinates (x/y only matter for CSV)."""

    path: Path
    layer: str | None = None
    x: str | None = None
    y: str | None = None
    crs: str | None = None
    role: str = "layer"
    #: CSV text encoding (None: UTF-8 with or without BOM, else detected, e.g. GBK/GB18030)
    encoding: str | None = None


def read_layer(spec: LayerSpec, notes: list[str]) -> Any:
    """Read ``spec`` into a point GeoDataFrame; problems raise one DataError naming file/row/column."""
    return read_layer_with_source(spec, notes)[0]


def read_layer_with_source(spec: LayerSpec, notes: list[str]) -> tuple[Any, Any]:
    """(points, source): :func:`read_layer`'s point GeoDataFrame and the layer's original
    geometry as a GeoSeries in the layer's CRS (row k of one is row k of the other)."""
    path = Path(spec.path)
    if not path.is_file():
        raise DataError(f"{path}: {spec.role} file not found")
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix.lower() == ".gz" else path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        gdf = _read_csv(path, spec)
        if spec.encoding is None and gdf.attrs.get("encoding"):
            notes.append(f"{path}: not UTF-8; read as {gdf.attrs['encoding']} (detected; set "
                         "encoding = ... on the layer to choose)")
    elif suffix in (".parquet", ".geoparquet"):
        gdf = _read_geoparquet(path)
    else:
        gdf = _read_gis(path, spec)
    gdf.attrs["source"] = str(path)
    if len(gdf) == 0:
        raise DataError(f"{path}: the {spec.role} layer is empty (no rows)")
    from .sanity import check_coordinates  # coordinates outside their CRS's range

    points = to_points(gdf, spec, notes)
    points = check_coordinates(points, *coordinate_columns_of(points, spec))
    return points, source_geometry(gdf)


def coordinate_columns_of(gdf: Any, spec: LayerSpec) -> tuple[str, str]:
    """The columns a layer's coordinates came from (for messages): CSV x/y columns, else the
    geometry column."""
    if spec.x and spec.y:
        return spec.x, spec.y
    source = str(gdf.attrs.get("source", ""))
    if source.lower().endswith((".csv", ".txt", ".tsv", ".csv.gz")):
        try:
            xcol, ycol, _ = _coordinate_columns(gdf, spec, source)  # type: ignore[arg-type]
            return xcol, ycol
        except Exception:  # noqa: BLE001 - naming the column is best effort
            pass
    name = gdf.geometry.name
    return name, name


def source_geometry(gdf: Any) -> Any:
    """The frame's own geometry (0..n-1 index, own CRS), kept for the outputs."""
    return gdf.geometry.reset_index(drop=True).copy()


def _read_csv(path: Path, spec: LayerSpec) -> Any:
    import geopandas as gpd
    import pandas as pd

    df = read_text_table(path, "\t" if path.suffix.lower() == ".tsv" else None,
                         encoding=spec.encoding)
    df.attrs["where"] = ("line", 2)
    df.attrs["source"] = str(path)
    if len(df) == 0:
        raise DataError(f"{path}: the {spec.role} layer is empty (no rows)")
    xcol, ycol, geographic = _coordinate_columns(df, spec, path)
    xy = np.empty((len(df), 2))
    for c, col in enumerate((xcol, ycol)):
        values = pd.to_numeric(df[col].str.strip(), errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise fail(df, k, col, f"coordinate {df[col].iloc[k]!r} is not a finite number")
        xy[:, c] = values
    crs = spec.crs or ("EPSG:4326" if geographic else None)
    if geographic and spec.crs is None:
        out_of_range = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
        if out_of_range.any():
            k = int(np.flatnonzero(out_of_range)[0])
            raise fail(df, k, xcol if abs(xy[k, 0]) > 180 else ycol,
                       "longitude/latitude out of range (give x/y columns and a crs for "
                       "projected coordinates)")
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=crs)
    gdf.attrs["where"] = ("line", 2)
    if df.attrs.get("encoding"):
        gdf.attrs["encoding"] = df.attrs["encoding"]
    return gdf


def text_encoding(path: Path, given: str | None = None) -> str:
    """The encoding to read a CSV with: ``given``, else UTF-8 (BOM or not), else detected.

    Chinese-locale Excel saves CSV as GBK; charset-normalizer tells it from UTF-8, and the GB
    family is read as GB18030 (a superset of GBK and GB2312).
    """
    import codecs

    if given:
        try:
            codecs.lookup(given)
        except LookupError:
            raise DataError(f"{path}: unknown encoding {given!r} (e.g. 'utf-8', 'gbk', "
                            "'gb18030')") from None
        return given
    raw = path.read_bytes()
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text" is UTF-16 with a BOM
        return "utf-16"
    if b"\x00" in raw[:65536]:  # UTF-16 or a binary file: not a CSV siting can read
        raise DataError(f"{path}: cannot read as CSV: binary data (not a text file; save it as "
                        "CSV UTF-8 or GBK)")
    try:
        raw.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:1_000_000]).best()
    if best is None:
        raise DataError(f"{path}: cannot read as CSV: not UTF-8 and the encoding could not be "
                        "detected; set encoding = \"gbk\" (or the file's encoding) on the layer")
    enc = best.encoding.lower().replace("-", "_")
    if enc in ("gbk", "gb2312", "gb18030", "hz", "cp936"):
        enc = "gb18030"
    try:
        raw.decode(enc)
    except (UnicodeDecodeError, LookupError):
        raise DataError(f"{path}: not UTF-8 (looks like {best.encoding}, but does not decode "
                        "as it); set encoding = \"...\" on the layer") from None
    return enc


def read_text_table(path: Path, sep: str | None = None, *, encoding: str | None = None) -> Any:
    """A CSV with every column as text (ids such as "060750479.01" survive unchanged).

    The encoding is ``encoding``, else UTF-8 with or without BOM, else detected (GBK...).

    The separator is ``,`` unless the header line has none and has ``;`` or a tab instead.

    Rows whose field count differs from the header are an error naming the line: pandas would
    otherwise shift columns silently (an extra field turns the first column into an index).
    """
    import csv

    import pandas as pd

    enc = text_encoding(path, encoding)
    try:
        with open(path, newline="", encoding=enc) as fh:
            if sep is None:
                first = fh.readline()
                sep = next((c for c in (",", ";", "\t") if c in first), ",")
                fh.seek(0)
            reader = csv.reader(fh, delimiter=sep)
            header = next(reader, None)
            if header is None:
                raise DataError(f"{path}: the file is empty (no header line)")
            for row in reader:
                if row and len(row) != len(header):
                    raise DataError(f"{path}: line {reader.line_num}: {len(row)} fields, the "
                                    f"header has {len(header)}")
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], sep=sep,
                         index_col=False, encoding=enc)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: cannot read as {enc} text at byte {exc.start}; set "
                        "encoding = \"...\" on the layer (e.g. \"gbk\")") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read as CSV: {_first_line(exc)}") from None
    if enc not in ("utf-8-sig", "utf-8"):
        df.attrs["encoding"] = enc
    return df


def _coordinate_columns(df: Any, spec: LayerSpec, path: Path) -> tuple[str, str, bool]:
    lower = {c.strip().lower(): c for c in df.columns}
    for given in (spec.x, spec.y):
        if given is not None and given not in df.columns:
            raise DataError(f"{path}: no column {given!r} (columns: {', '.join(df.columns)})")
    if spec.x and spec.y:
        geographic = spec.x.lower() in LON_NAMES and spec.y.lower() in LAT_NAMES
        return spec.x, spec.y, geographic
    for xs, ys, geographic in ((LON_NAMES, LAT_NAMES, True), (X_NAMES, Y_NAMES, False)):
        xcol = spec.x or next((lower[n] for n in xs if n in lower), None)
        ycol = spec.y or next((lower[n] for n in ys if n in lower), None)
        if xcol and ycol:
            return xcol, ycol, geographic
    raise DataError(f"{path}: cannot find coordinate columns (looked for lon/lat or x/y; "
                    f"columns: {', '.join(df.columns)}); name them with x= and y=")


def _read_gis(path: Path, spec: LayerSpec) -> Any:
    import geopandas as gpd
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # noqa: BLE001 - pyogrio raises driver-specific types
        raise DataError(f"{path}: cannot read as a GIS layer: {_first_line(exc)}") from None
    names = [str(row[0]) for row in layers]
    if spec.layer is not None and spec.layer not in names:
        raise DataError(f"{path}: no layer {spec.layer!r} (layers: {', '.join(names)})")
    if spec.layer is None and len(names) > 1:
        raise DataError(f"{path}: holds several layers ({', '.join(names)}); choose one with layer=")
    try:
        gdf = gpd.read_file(path, layer=spec.layer, engine="pyogrio")
    except Exception as exc:  # noqa: BLE001 - GDAL drivers raise many types
        raise DataError(f"{path}: cannot read as a GIS layer: {_first_line(exc)}") from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise DataError(f"{path}: the {spec.role} layer has no geometry")
    if spec.crs is not None:
        if gdf.crs is not None:
            gdf = gdf.to_crs(spec.crs)
        else:
            gdf = gdf.set_crs(spec.crs)
    gdf.attrs["where"] = ("feature", 1)
    return gdf


def _read_geoparquet(path: Path) -> Any:
    import geopandas as gpd

    try:
        gdf = gpd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - arrow raises many types
        raise DataError(f"{path}: cannot read as GeoParquet: {_first_line(exc)}") from None
    gdf.attrs["where"] = ("row", 1)
    return gdf


def to_points(gdf: Any, spec: LayerSpec, notes: list[str]) -> Any:
    gdf = gdf.reset_index(drop=True)
    geom = gdf.geometry
    missing = (geom.isna() | geom.is_empty).to_numpy()
    if missing.any():
        raise fail(gdf, int(np.flatnonzero(missing)[0]), geom.name, "geometry is missing or empty")
    types = geom.geom_type.to_numpy()
    family = np.array([_FAMILY.get(t, "other") for t in types])
    other = np.flatnonzero(family == "other")
    if other.size:
        raise fail(gdf, int(other[0]), geom.name, f"unsupported geometry type {types[other[0]]}")
    lines = np.flatnonzero(family == "line")
    if lines.size:
        k = int(lines[0])
        layer = f"{spec.role} layer" + (f" {spec.layer!r}" if spec.layer else "")
        raise fail(gdf, k, geom.name, f"{types[k]} in the {layer} ({lines.size} line "
                   "feature(s)): demand and sites must be points or polygons")
    polygons = family == "polygon"
    multi = (types == "MultiPoint") & (geom.apply(lambda g: len(g.geoms)).to_numpy() > 1
                                       if (types == "MultiPoint").any() else False)
    if polygons.any() or np.any(multi):
        what = (f"{int(polygons.sum())} polygon(s)" if polygons.any() else "") + \
            (" and " if polygons.any() and np.any(multi) else "") + \
            (f"{int(np.sum(multi))} multi-point(s)" if np.any(multi) else "")
        kept = int((family == "point").sum() - np.sum(multi))
        notes.append(f"{gdf.attrs['source']}: {spec.role} layer: {what} reduced to a "
                     f"representative point (an interior point) each"
                     + (f"; {kept} point(s) kept as they are" if kept else ""))
    reduce = polygons | (types == "MultiPoint")
    if reduce.any():
        new = geom.copy()
        new[reduce] = geom[reduce].representative_point()
        gdf = gdf.set_geometry(new)
    xy = np.column_stack([gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()])
    bad = ~np.isfinite(xy).all(axis=1)
    if bad.any():
        raise fail(gdf, int(np.flatnonzero(bad)[0]), gdf.geometry.name,
                   "coordinates are not finite numbers")
    return gdf


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
