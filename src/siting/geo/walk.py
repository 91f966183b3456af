"""The walking profile: which OSM ways a pedestrian can use, and which a point may snap to.

pyrosm's ``network_type="walking"`` (like osmnx's ``walk``) drops every cycleway, even those
tagged ``foot=designated`` (the shared foot-and-cycle paths of Nordic cities), and keeps road
tunnels and underground corridors, to which points then snap. So PBF walking networks are read
with pyrosm's ``"all"`` ways and filtered here, by tags; rules in docs/inputs.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ..netspec import NOT_A_WAY, WalkProfile

#: values of ``foot`` that let a pedestrian use a way whatever its class or access tag
FOOT_OK = ("yes", "designated", "permissive", "destination", "official")
#: values of ``foot``/``access`` that close a way to pedestrians
FOOT_CLOSED = ("no", "private", "use_sidepath")
ACCESS_CLOSED = ("no", "private")
#: fast roads: walkable only with a sidewalk or explicit foot access
FAST_ROADS = ("motorway", "motorway_link", "trunk", "trunk_link")
#: ways built for walking: in a tunnel they stay walkable (pedestrian underpasses)
FOOT_WAYS = ("footway", "path", "pedestrian", "steps", "corridor", "elevator", "track",
             "living_street", "bridleway")
#: tags read off each way
TAG_KEYS = ("highway", "foot", "access", "tunnel", "sidewalk", "sidewalk:both", "sidewalk:left",
            "sidewalk:right", "service", "indoor", "segregated")


def walk_rules(tags: dict[str, np.ndarray], profile: WalkProfile) -> dict[str, Any]:
    """Per way: ``keep`` (walkable), ``snappable``, ``factor`` (length multiplier) and
    ``dropped`` (count per reason). ``tags`` maps each of :data:`TAG_KEYS` to an object array
    of lower-case strings (``""`` when absent)."""
    hw = tags["highway"]
    n = hw.size

    def has(key: str, values: tuple[str, ...]) -> np.ndarray:
        # a multi-value tag (``private;delivery``) matches when any value does
        col = tags[key]
        hit = np.isin(col, values)
        multi = np.flatnonzero(np.char.find(col.astype(str), ";") >= 0)
        for k in multi:
            hit[k] = any(part.strip() in values for part in col[k].split(";"))
        return hit

    foot_ok = has("foot", FOOT_OK)
    sidewalk = np.zeros(n, dtype=bool)
    for key in ("sidewalk", "sidewalk:both", "sidewalk:left", "sidewalk:right"):
        sidewalk |= has(key, ("yes", "both", "left", "right", "separate"))
    tunnel = (tags["tunnel"] != "") & ~np.isin(tags["tunnel"], ("no", "building_passage"))
    reasons = {
        "highway is not a usable way": has("highway", tuple(profile.exclude_highway)),
        "foot=no/private/use_sidepath": has("foot", FOOT_CLOSED),
        "access=no/private without foot access": has("access", ACCESS_CLOSED) & ~foot_ok,
        "service=private": has("service", ("private",)) & ~foot_ok,
        "motorway/trunk without sidewalk or foot access":
            np.isin(hw, FAST_ROADS) & ~foot_ok & ~sidewalk,
        "road tunnel without foot access":
            tunnel & ~np.isin(hw, FOOT_WAYS + ("cycleway",)) & ~foot_ok & ~sidewalk,
    }
    cycle = hw == "cycleway"
    if profile.cycleways == "excluded":
        reasons["cycleway (profile: excluded)"] = cycle
    elif profile.cycleways == "foot-tagged":
        reasons["cycleway without foot access"] = cycle & ~foot_ok & (tags["segregated"] == "")
    if not profile.steps:
        reasons["steps (profile: steps = false)"] = hw == "steps"
    keep = np.ones(n, dtype=bool)
    dropped: dict[str, int] = {}
    for why, hit in reasons.items():
        newly = hit & keep
        if newly.any():
            dropped[why] = int(newly.sum())
        keep &= ~hit
    underground = tunnel | np.isin(hw, ("corridor", "elevator")) | has("indoor", ("yes",))
    snappable = keep & (profile.snap_to_tunnels | ~underground)
    factor = np.where(hw == "steps", profile.steps_factor, 1.0)
    return {"keep": keep, "snappable": snappable, "factor": factor, "dropped": dropped,
            "not_snappable": int((keep & ~snappable).sum())}


def tag_arrays(frame: Any, keys: tuple[str, ...] = TAG_KEYS) -> dict[str, np.ndarray]:
    """Tag columns of a pyrosm/osmnx edge frame as lower-case string arrays ("" if absent).

    pyrosm puts tags without a column of their own in a JSON ``tags`` column; osmnx may store
    a list when a simplified edge merged ways (the first value is used).
    """
    import json

    import pandas as pd

    n = len(frame)
    extra: list[dict[str, Any]] | None = None
    out: dict[str, np.ndarray] = {}
    for key in keys:
        if key in frame.columns:
            col = frame[key]
        else:
            if extra is None:
                extra = [_json_tags(t, json) for t in frame["tags"]] if "tags" in frame.columns \
                    else [{}] * n
            col = pd.Series([t.get(key) for t in extra], index=frame.index, dtype=object)
        vals = col.astype(object).where(col.notna(), None).map(_first).to_numpy(dtype=object)
        text = np.array([("" if v is None else str(v).strip().lower()) for v in vals],
                        dtype=object)
        text[np.isin(text, ("nan", "none"))] = ""  # missing values some readers spell out
        out[key] = text
    return out


def _json_tags(t: Any, json: Any) -> dict[str, Any]:
    if isinstance(t, dict):
        return t
    if isinstance(t, str) and t:
        try:
            parsed = json.loads(t)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _first(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return v[0] if v else None
    if isinstance(v, float) and v != v:  # NaN
        return None
    if isinstance(v, str) and v.startswith("[") and v.endswith("]"):  # osmnx list in GraphML
        inner = v[1:-1].split(",")[0].strip().strip("'\"")
        return inner or None
    return v
