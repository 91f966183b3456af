"""What to solve for embedded community services: validated, frozen specs (see models/community.md).

``CommunityProblem`` is the ``kind = "community"`` member of the scenario's problem union. Its
``services`` may name entries of a service catalogue (``catalogue = "default"`` or a TOML path);
the before-validator expands names and merges per-service overrides, so after validation every
:class:`Service` is complete and no later step needs the catalogue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

Objective = Literal["coverage", "cost", "equity"]
#: MOFCOM 便民生活圈 classes: basic (基本保障类, ≤ 10 min walk) and quality (品质提升类, ≤ 15 min)
Category = Literal["basic", "quality"]


#: how messages name a population segment
SEGMENT_WORDS = {"elderly": "aged 60+", "infant": "aged 0–3", "school": "aged 6–12",
                 "total": "total", "households": "households"}


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Tier(_Spec):
    """Walking tier k of a service: blocks within ``radius`` of a hosting site earn ``credit``."""

    radius: float = Field(gt=0, description="walking distance (same unit as the distances, m)")
    credit: float = Field(gt=0, le=1, description="share of the segment's population credited")


class Service(_Spec):
    """Service s: the segment it serves, its module size and cost, tiers and weight."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_\-]+$")
    label: str = ""
    segment: str = Field(min_length=1, description="demand segment (population column key)")
    module_area: float = Field(gt=0, description="a_s, floor area of one module (m²)")
    module_cost: float = Field(ge=0, description="g_s, cost of one new module")
    capacity: float | None = Field(default=None, gt=0,
                                   description="q_s, persons one module serves (None = uncapacitated)")
    weight: float = Field(default=1.0, ge=0, description="β_s in the coverage objective")
    tiers: tuple[Tier, ...] = Field(min_length=1)
    max_new_modules: int = Field(default=1, ge=0,
                                 description="default M_js when the site table has no column")
    core: bool = Field(default=False, description="counts towards the 2024 guide's core list")
    source: str = ""
    #: where each number comes from: field name -> source line ("ASSUMPTION: reason" if none)
    sources: dict[str, str] = Field(default_factory=dict)
    category: Category | None = Field(
        default=None, description="MOFCOM life-circle class: basic (≤ 10 min) or quality (≤ 15 min)")
    # --- operator viability and the annual operating view (community/viability.py) ---------
    min_users: float | None = Field(
        default=None, ge=0, description="users a new module must serve to be opened")
    users: Literal["segment", "households"] = Field(
        default="segment", description="unit of users: persons of the segment, or households")
    share: Literal["nearest", "allocation"] | None = Field(
        default=None, description="how demand is shared among hosting sites: each block wholly "
        "to its nearest one within reach (default), or the capacitated allocation")
    operating_cost: float | None = Field(
        default=None, ge=0, description="annual operating cost of one module (yuan/year)")
    revenue_per_user: float | None = Field(
        default=None, ge=0, description="annual revenue per user (yuan/year)")

    @model_validator(mode="after")
    def _tiers_ordered(self) -> Service:
        radii = [t.radius for t in self.tiers]
        credits = [t.credit for t in self.tiers]
        if any(b <= a for a, b in zip(radii, radii[1:])):
            raise ValueError(f"service {self.name}: tier radii must increase strictly")
        if any(b >= a for a, b in zip(credits, credits[1:])):
            raise ValueError(f"service {self.name}: tier credits must decrease strictly")
        if self.share == "allocation" and self.capacity is None:
            raise ValueError(f"service {self.name}: share = 'allocation' needs a capacity")
        if self.share == "nearest" and self.capacity is not None:
            raise ValueError(f"service {self.name}: a capacitated service shares its demand by "
                             "allocation (share = 'allocation'); nearest shares are for "
                             "uncapacitated services")
        return self

    @property
    def share_rule(self) -> str:
        """'allocation' for capacitated services, else 'nearest'."""
        return self.share or ("allocation" if self.capacity is not None else "nearest")

    @property
    def outer_radius(self) -> float:
        return self.tiers[-1].radius


class Target(_Spec):
    """Minimum credited coverage share of one service: overall, every district, or named ones."""

    overall: float | None = Field(default=None, ge=0, le=1)
    district: float | None = Field(default=None, ge=0, le=1,
                                   validation_alias=AliasChoices("community", "district"),
                                   description="applies to every community (社区) with "
                                   "population (key `community`, alias `district`)")
    districts: dict[str, float] = Field(default_factory=dict,
                                        validation_alias=AliasChoices("communities", "districts"),
                                        description="per-community shares (key `communities`, "
                                        "alias `districts`; override `community`)")

    @model_validator(mode="after")
    def _shares(self) -> Target:
        for key, share in self.districts.items():
            if not 0 <= share <= 1:
                raise ValueError(f"target share for district {key!r} must lie in [0, 1]")
        return self


class Rules(_Spec):
    """Optional rules from the 2024 implementation guide (0 / empty switches a rule off)."""

    new_site_min_services: int = Field(default=0, ge=0,
                                       description="K: each newly opened site hosts ≥ K services")
    new_site_min_core: int = Field(default=0, ge=0,
                                   description="C: of which ≥ C from the core list")
    core_services: tuple[str, ...] | None = Field(
        default=None, description="core list (default: services flagged core = true)")
    complex_min_services: int = Field(default=3, ge=1,
                                      description="a site hosting ≥ this many services is a complex")
    complex_min_area: float = Field(default=0.0, ge=0,
                                    description="a complex needs total floor area ≥ this (m²)")
    space_per_100_households: float = Field(
        default=0.0, ge=0, description="service floor area (m²) per 100 households per district")
    # MOFCOM walking standards, reported per class in the compliance table (not enforced)
    walk_speed: float = Field(default=60.0, gt=0, description="walking speed (m/min)")
    basic_walk_minutes: float = Field(default=10.0, gt=0)
    quality_walk_minutes: float = Field(default=15.0, gt=0)


class Viability(_Spec):
    """Operator viability and the annual operating budget (models/community.md, Viability)."""

    existing: bool = Field(default=False, description="existing modules must be viable too "
                           "(and their deficits count towards the subsidy budget)")
    subsidy_budget: float | None = Field(
        default=None, ge=0, description="annual subsidy for operating deficits (yuan/year)")


class Columns(_Spec):
    """Where the community model finds its data in the demand and site tables.

    ``community`` (社区) was called ``district``; both keys are accepted. Left at its default,
    the blocks' community column is ``community``, else ``district``, else ``社区``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    demand_id: str = "id"
    community: str = Field(default="community",
                           validation_alias=AliasChoices("community", "district"),
                           description="community (社区) of each block (alias: district)")
    segments: dict[str, str] = Field(default_factory=dict,
                                     description="segment -> demand column (default: same name)")
    households: str | None = Field(default="households",
                                   description="households column (for the m²/100 households rule)")
    site_id: str = "id"
    site_community: str | None = Field(
        default="community", validation_alias=AliasChoices("site_community", "site_district"),
        description="site community (missing: nearest block's; alias: site_district)")
    area: str = "area"
    cost: str = "cost"
    services: str = "services"
    existing_prefix: str = "existing_"
    max_prefix: str = "max_"
    forced: str | None = "forced"
    forbidden: str | None = "forbidden"
    name: str | None = "name"
    kind: str | None = "kind"

    @property
    def district(self) -> str:
        """The old name of :attr:`community` (code written before the rename keeps working)."""
        return self.community

    @property
    def site_district(self) -> str | None:
        """The old name of :attr:`site_community`."""
        return self.site_community


class Phase(_Spec):
    """One stage of a phased rollout (models/community.md#phased-rollout)."""

    name: str = Field(min_length=1)
    year: int | None = None
    budget: float | None = Field(default=None, ge=0,
                                 description="spending allowed in this phase (None = no limit)")
    weight: float = Field(default=1.0, ge=0,
                          description="weight of this phase's coverage (e.g. discounting)")
    segments: dict[str, str] = Field(
        default_factory=dict, description="segment -> demand column of this phase's population")
    growth: dict[str, float] = Field(
        default_factory=dict, description="segment -> factor on the base population")
    district_growth: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="segment -> {district: factor} (overrides growth)")
    targets: dict[str, Target] | None = Field(
        default=None, description="this phase's targets (None = the problem's targets)")
    sites_available: tuple[str, ...] = Field(
        default=(), description="site ids that may be used from this phase on (not before)")
    closing: tuple[str, ...] = Field(
        default=(), description="existing sites whose modules close at this phase")

    @model_validator(mode="after")
    def _factors(self) -> Phase:
        for seg, f in self.growth.items():
            if f < 0:
                raise ValueError(f"phase {self.name}: growth.{seg} must be >= 0")
        for seg, per in self.district_growth.items():
            for d, f in per.items():
                if f < 0:
                    raise ValueError(f"phase {self.name}: district_growth.{seg}.{d} must be >= 0")
        return self


class CommunityProblem(_Spec):
    """The embedded community service facilities model (models/community.md)."""

    kind: Literal["community"] = "community"
    objective: Objective = "coverage"
    budget: float | None = Field(default=None, ge=0, description="B (None = no budget row)")
    catalogue: str | None = Field(default=None,
                                  description="'default' or a TOML path; used to expand names")
    services: tuple[Service, ...] = Field(min_length=1)
    targets: dict[str, Target] = Field(default_factory=dict)
    rules: Rules = Field(default_factory=Rules)
    viability: Viability = Field(default_factory=Viability)
    equity_services: tuple[str, ...] | None = Field(
        default=None, description="services whose district shares the equity objective lifts")
    columns: Columns = Field(default_factory=Columns)
    max_distance: float | None = Field(
        default=None, gt=0, description="ignore pairs beyond this (default: each outer tier)")
    streets: str | None = Field(
        default=None, description="line layer drawn under the report map: 'file.gpkg' or "
        "'file.gpkg#layer' (relative to the scenario file)")
    communities: str | None = Field(
        default=None, description="community polygon layer drawn as boundaries on the report "
        "map (name in the district column): 'file.gpkg#layer'; default: derived from the blocks")

    phases: tuple[Phase, ...] = Field(
        default=(), description="phased rollout: stages in order (empty = one plan)")
    phase_objective: Literal["total", "final"] = Field(
        default="total", description="total: Σ phase weight × coverage; final: last phase only")
    carry_over: bool = Field(
        default=False, description="unspent phase budget is carried over to later phases")

    @field_validator("streets", "communities")
    @classmethod
    def _resolve_streets(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        path, _, layer = value.partition("#")
        base = (info.context or {}).get("base_dir") if info.context else None
        p = Path(path).expanduser()
        if not p.is_absolute() and base is not None:
            p = Path(base) / p
        return str(p) + (f"#{layer}" if layer else "")

    @model_validator(mode="before")
    @classmethod
    def _expand_catalogue(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        from .catalogue import expand_services  # local: catalogue imports this module

        base_dir = (info.context or {}).get("base_dir") if info.context else None
        return expand_services(data, base_dir)

    @model_validator(mode="after")
    def _names_known(self) -> CommunityProblem:
        names = [s.name for s in self.services]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"service {sorted(dup)[0]!r} is listed twice")
        known = set(names)
        for key in self.targets:
            if key not in known:
                raise ValueError(f"targets.{key}: no service named {key!r}")
        for key in self.equity_services or ():
            if key not in known:
                raise ValueError(f"equity_services: no service named {key!r}")
        for key in self.rules.core_services or ():
            if key not in known:
                raise ValueError(f"rules.core_services: no service named {key!r}")
        if self.rules.new_site_min_core > self.rules.new_site_min_services > 0:
            raise ValueError("rules.new_site_min_core exceeds rules.new_site_min_services")
        pnames = [p.name for p in self.phases]
        if len(set(pnames)) < len(pnames):
            raise ValueError("phases: phase names must be unique")
        if self.phases and self.objective == "equity":
            raise ValueError("phases: objective 'equity' is not supported with phases "
                             "(use coverage or cost)")
        for ph in self.phases:
            for key in ph.targets or {}:
                if key not in known:
                    raise ValueError(f"phases.{ph.name}.targets.{key}: no service named {key!r}")
        has_targets = bool(self.targets) or any(ph.targets for ph in self.phases)
        if self.objective == "cost" and self.budget is None and not has_targets:
            raise ValueError("objective 'cost' needs targets (otherwise opening nothing is optimal)")
        return self

    def service(self, name: str) -> Service:
        for s in self.services:
            if s.name == name:
                return s
        raise KeyError(name)

    @property
    def core_names(self) -> tuple[str, ...]:
        if self.rules.core_services is not None:
            return self.rules.core_services
        return tuple(s.name for s in self.services if s.core)

    def segment_column(self, segment: str) -> str:
        return self.columns.segments.get(segment, segment)

    def with_budget(self, budget: float | None) -> CommunityProblem:
        return self.model_copy(update={"budget": budget})
