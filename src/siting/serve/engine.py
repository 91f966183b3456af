"""The workbench's one door to the solver: edits → scenario file → solve → plan dict.

Every solve the page asks for is first written out as a scenario TOML (plus a derived site table
when sites were edited) and then solved by :func:`siting.pipeline.run`, the code behind
``siting solve``. Export hands over those very files, so ``siting solve`` on an exported scenario
solves exactly what the page solved.

How edits become a scenario:

- budget, p, radius, objective ... → ``[problem]`` keys; service weights → the service entries;
  targets → ``[problem.targets.NAME]``; guide rules → ``[problem.rules]``; time limit →
  ``[solver] time_limit``. The result is validated by the scenario's own pydantic models.
- lock / forbid: classical kinds → ``sites.required_ids`` / ``sites.forbidden_ids``; the
  community model reads them from its site table, so they go into its ``forced`` / ``forbidden``
  columns of the derived site table.
- cost / area edits → the derived site table: a copy of the original with only those cells
  changed (CSV cells kept as text, GIS layers as a one-layer GeoPackage), written beside the TOML.

Warm re-solves (:mod:`.warm`, one ``siting.session.Session`` per opened scenario in the worker)
answer the edits a session can express; they still start from the written scenario file (read
back, so the warm answer is the file's answer) and end in the same plan dict.
"""

from __future__ import annotations

import copy
import math
import os
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..community.spec import CommunityProblem, Target
from ..errors import SitingError, SpecError
from ..scenario import Scenario, load_scenario, validate_scenario

#: longest solve the page may ask for (seconds); a scenario without a limit gets DEFAULT_TIME_LIMIT
MAX_TIME_LIMIT = 3600.0
DEFAULT_TIME_LIMIT = 300.0
#: problem keys the panel may set (the scenario model checks the values)
PROBLEM_KEYS = ("budget", "p", "radius", "objective", "max_distance")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
#: community problem keys naming a map layer as "path#layer" (relative to the scenario file)
LAYER_KEYS = ("streets", "communities")


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SiteEdit(_In):
    """New values for one site's cost or free floor area."""

    cost: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    area: float | None = Field(default=None, ge=0, allow_inf_nan=False)


class Edits(_In):
    """Everything the page can change about the opened scenario."""

    problem: dict[str, float | int | str | None] = Field(default_factory=dict)
    weights: dict[str, float] = Field(default_factory=dict)
    #: a service's target as in a scenario file (``overall``, ``community``/``district`` for
    #: every community, ``communities``/``districts`` per community); None drops it
    targets: dict[str, Target | None] = Field(default_factory=dict)
    rules: dict[str, float | int | None] = Field(default_factory=dict)
    lock: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()
    sites: dict[str, SiteEdit] = Field(default_factory=dict)
    time_limit: float | None = Field(default=None, gt=0, le=MAX_TIME_LIMIT)


def parse_edits(data: Any) -> Edits:
    """Validate the page's JSON; a SpecError names the field."""
    try:
        return Edits.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "edits"
        msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        raise SpecError(f"{loc}: {msg.removeprefix('Value error, ')}") from None


@dataclass(frozen=True, eq=False)
class SiteInfo:
    """The site table as the page shows it (row order of the layer)."""

    ids: np.ndarray
    x: np.ndarray
    y: np.ndarray
    cost: np.ndarray | None
    area: np.ndarray | None
    existing: np.ndarray
    required: np.ndarray
    forbidden: np.ndarray
    names: np.ndarray | None = None
    district: np.ndarray | None = None


@dataclass(eq=False)
class Base:
    """The scenario the workbench opened: its file, raw TOML, validated model and site table."""

    path: Path
    raw: dict[str, Any]
    scenario: Scenario
    sites: SiteInfo
    demand_xy: np.ndarray
    demand_weight: np.ndarray
    demand_district: np.ndarray | None
    crs: str | None
    streets: list[list[list[float]]] = field(default_factory=list)  # map background lines
    network: list[list[list[float]]] = field(default_factory=list)  # walking network (metric)
    network_note: dict[str, Any] = field(default_factory=dict)      # edges drawn of how many

    @property
    def folder(self) -> Path:
        return self.path.resolve().parent

    @property
    def kind(self) -> str:
        return str(self.scenario.problem.kind)

    @property
    def community(self) -> bool:
        return self.kind == "community"

    def row(self) -> dict[str, int]:
        return {str(v): k for k, v in enumerate(self.sites.ids)}


def open_base(path: str | Path) -> Base:
    """Read the scenario and its layers once (the map and the site table come from here)."""
    path = Path(path)
    scenario = load_scenario(path)
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    prepared = _prepare(scenario)
    inst, layers = prepared.instance, prepared.layers
    # the walking network the distances were measured on (network metric), as the report
    # maps draw it (siting.geo.netcosts.map_lines: simplified, in the working CRS)
    network = [list(map(list, line)) for line in prepared.costs.info.get("network_lines", ())]
    note = dict(prepared.costs.info.get("network_map") or {})
    if scenario.problem.kind == "community":
        sites = SiteInfo(ids=inst.site_ids.astype(str), x=inst.site_xy[:, 0], y=inst.site_xy[:, 1],
                         cost=inst.cost, area=inst.area, existing=inst.existing_site,
                         required=inst.forced, forbidden=inst.forbidden,
                         names=inst.site_names,
                         district=inst.district_names[inst.site_district].astype(str))
        return Base(path, raw, scenario, sites, inst.demand_xy, inst.population.sum(axis=1),
                    inst.district_names[inst.district].astype(str), layers.crs_label,
                    _streets(community_problem(scenario).streets, layers.crs), network, note)
    sx, sy = layers.sites.geometry.x.to_numpy(), layers.sites.geometry.y.to_numpy()
    m = inst.n_sites
    sites = SiteInfo(ids=np.asarray(inst.site_ids).astype(str), x=sx, y=sy,
                     cost=inst.fixed_cost, area=None, existing=np.zeros(m, dtype=bool),
                     required=np.asarray(inst.required, dtype=bool),
                     forbidden=np.asarray(inst.forbidden, dtype=bool))
    dxy = np.column_stack([layers.demand.geometry.x.to_numpy(),
                           layers.demand.geometry.y.to_numpy()])
    return Base(path, raw, scenario, sites, dxy, np.asarray(inst.weight, dtype=float), None,
                layers.crs_label, [], network, note)


#: most street vertices sent to the page (more are simplified away)
MAX_STREET_POINTS = 50_000


def _streets(spec: str | None, crs: Any) -> list[list[list[float]]]:
    """The community report's street lines (``problem.streets``) in the working CRS."""
    if not spec:
        return []
    import geopandas as gpd

    path, _, layer = spec.partition("#")
    try:
        gdf = gpd.read_file(path, layer=layer or None, engine="pyogrio")
    except Exception as exc:  # noqa: BLE001 - pyogrio raises driver-specific types
        raise SpecError(f"problem.streets: cannot read {spec}: {str(exc).splitlines()[0]}") \
            from None
    if crs is not None and gdf.crs is not None:
        gdf = gdf.to_crs(crs)
    geoms = gdf.geometry[~(gdf.geometry.isna() | gdf.geometry.is_empty)]
    count = int(geoms.count_coordinates().sum())
    if count > MAX_STREET_POINTS:
        minx, miny, maxx, maxy = geoms.total_bounds
        geoms = geoms.simplify(max(maxx - minx, maxy - miny) / 2000)
    lines: list[list[list[float]]] = []
    for geom in geoms.explode(index_parts=False):
        if hasattr(geom, "coords"):
            lines.append([[round(float(x), 1), round(float(y), 1)] for x, y, *_ in geom.coords])
        elif hasattr(geom, "exterior"):
            lines.append([[round(float(x), 1), round(float(y), 1)]
                          for x, y, *_ in geom.exterior.coords])
    return lines


def _prepare(scenario: Scenario) -> Any:
    """The kind's instance, layers and travel costs, read by the pipeline exactly as a solve
    reads them (a :class:`siting.protocol.Prepared`)."""
    from .. import pipeline
    from ..outputs.progress import Progress

    return pipeline.prepare(scenario, Progress())


def community_problem(scenario: Scenario) -> CommunityProblem:
    """The scenario's community spec (the caller has checked the kind)."""
    problem = scenario.problem
    assert isinstance(problem, CommunityProblem), problem.kind
    return problem


# ---------------------------------------------------------------------------------------------
# edits → scenario dict


def _check_sites(base: Base, edits: Edits) -> None:
    rows = base.row()
    for key, ids in (("lock", edits.lock), ("forbid", edits.forbid), ("sites", edits.sites)):
        for sid in ids:
            if sid not in rows:
                raise SpecError(f"{key}: unknown site id {sid!r}")
    both = sorted(set(edits.lock) & set(edits.forbid))
    if both:
        raise SpecError(f"site {both[0]!r} is both locked and forbidden")
    for sid in edits.lock:
        if base.sites.forbidden[rows[sid]]:
            raise SpecError(f"lock: site {sid!r} is forbidden by the scenario's data")
    for sid in edits.forbid:
        if base.sites.required[rows[sid]] or base.sites.existing[rows[sid]]:
            raise SpecError(f"forbid: site {sid!r} is required or already open in the "
                            "scenario's data")
    known = set() if base.demand_district is None else {str(d) for d in base.demand_district}
    for name, t in edits.targets.items():
        for key in (t.districts if t is not None else {}):
            if key not in known:
                raise SpecError(f"targets.{name}.communities.{key}: no community {key!r} in the "
                                "demand layer")
    for sid, e in edits.sites.items():
        if e.cost is not None and base.sites.cost is None:
            raise SpecError(f"sites.{sid}.cost: this scenario has no site cost column")
        if e.area is not None and base.sites.area is None:
            raise SpecError(f"sites.{sid}.area: only the community model has site areas")


def _derived_sites(base: Base, edits: Edits) -> bool:
    """Whether the edits need a derived site table."""
    if any(e.cost is not None or e.area is not None for e in edits.sites.values()):
        return True
    return base.community and bool(edits.lock or edits.forbid)


def _apply(base: Base, edits: Edits, sites_file: Path | None, time_cap: float) -> dict[str, Any]:
    """The raw scenario dict with the edits applied; every path absolute."""
    raw = _absolute_paths(copy.deepcopy(base.raw), base.folder)
    problem = raw.setdefault("problem", {})
    for key, value in edits.problem.items():
        if key not in PROBLEM_KEYS:
            raise SpecError(f"problem.{key}: not editable on the page")
        if value is None:
            problem.pop(key, None)
        else:
            problem[key] = value
    if edits.weights:
        if not base.community:
            raise SpecError("weights: only the community model has service weights")
        services = list(problem.get("services", []))
        names = [s if isinstance(s, str) else s.get("name") for s in services]
        for name, w in edits.weights.items():
            if name not in names:
                raise SpecError(f"weights.{name}: no service named {name!r}")
            k = names.index(name)
            entry = {"name": services[k]} if isinstance(services[k], str) else dict(services[k])
            entry["weight"] = w
            services[k] = entry
        problem["services"] = services
    if edits.targets:
        if not base.community:
            raise SpecError("targets: only the community model has coverage targets")
        targets = dict(problem.get("targets", {}))
        for name, t in edits.targets.items():
            values = {} if t is None else t.model_dump(exclude_none=True)
            if t is not None and "districts" not in t.model_fields_set:
                values.pop("districts", None)  # not sent: the scenario's named communities stay
            kept = {} if t is not None and "districts" in t.model_fields_set else {
                k: v for k, v in dict(targets.get(name, {})).items()
                if k in ("districts", "communities")}
            if not values.get("districts"):
                values.pop("districts", None)
            if values or kept:
                targets[name] = {**kept, **values}
            else:
                targets.pop(name, None)
        problem["targets"] = targets
    if edits.rules:
        if not base.community:
            raise SpecError("rules: only the community model has guide rules")
        rules = dict(problem.get("rules", {}))
        for key, value in edits.rules.items():
            if value is None:
                rules.pop(key, None)
            else:
                rules[key] = value
        problem["rules"] = rules
    sites = raw.setdefault("sites", {})
    if base.community:
        if edits.lock or edits.forbid:
            cols = dict(problem.get("columns", {}))
            given = community_problem(base.scenario).columns
            cols.setdefault("forced", given.forced or "forced")
            cols.setdefault("forbidden", given.forbidden or "forbidden")
            if cols["forced"] is None:
                cols["forced"] = "forced"
            if cols["forbidden"] is None:
                cols["forbidden"] = "forbidden"
            problem["columns"] = cols
    else:
        for key, ids in (("required_ids", edits.lock), ("forbidden_ids", edits.forbid)):
            if ids:
                have = list(sites.get(key, []))
                sites[key] = have + [s for s in ids if s not in have]
    if sites_file is not None:
        sites["path"] = str(sites_file)
        if sites_file.suffix.lower() == ".gpkg":
            sites["layer"] = "sites"
    solver = raw.setdefault("solver", {})
    limit = edits.time_limit if edits.time_limit is not None else solver.get("time_limit")
    solver["time_limit"] = float(min(limit if limit is not None else DEFAULT_TIME_LIMIT, time_cap))
    outputs = raw.get("outputs")
    if isinstance(outputs, dict):  # the page decides where outputs go
        outputs.pop("dir", None)
        outputs.pop("json_file", None)
    return raw


def check_edits(base: Base, edits: Edits, time_cap: float = MAX_TIME_LIMIT) -> Scenario:
    """Validate the edits against the base scenario exactly as a scenario file would be."""
    _check_sites(base, edits)
    raw = _apply(base, edits, None, time_cap)
    return validate_scenario(raw, base_dir=base.folder, source="edits", check_files=True)


def _absolute_paths(raw: dict[str, Any], folder: Path) -> dict[str, Any]:
    def fix(table: dict[str, Any] | None, key: str) -> None:
        if isinstance(table, dict) and isinstance(table.get(key), str):
            p = Path(table[key]).expanduser()
            table[key] = str(p if p.is_absolute() else (folder / p).resolve())

    fix(raw.get("demand"), "path")
    fix(raw.get("sites"), "path")
    dist = raw.get("distance")
    if isinstance(dist, dict):
        fix(dist.get("network"), "path")
        fix(dist.get("table"), "path")
    problem = raw.get("problem")
    if isinstance(problem, dict):
        if isinstance(problem.get("catalogue"), str) and problem["catalogue"] != "default":
            fix(problem, "catalogue")
        for key in LAYER_KEYS:  # "path#layer" map layers of the report
            if isinstance(problem.get(key), str):
                path, sep, layer = problem[key].partition("#")
                p = Path(path).expanduser()
                problem[key] = str(p if p.is_absolute() else (folder / p).resolve()) + sep + layer
    return raw


def _relative_paths(raw: dict[str, Any], dest: Path) -> dict[str, Any]:
    """Paths relative to the folder the TOML is written to (the files move with the folder)."""
    def rel(p: str) -> str:
        try:
            return Path(os.path.relpath(p, dest)).as_posix()
        except ValueError:  # another drive (Windows): keep it absolute
            return Path(p).as_posix()

    for table in (raw.get("demand"), raw.get("sites")):
        if isinstance(table, dict) and "path" in table:
            table["path"] = rel(table["path"])
    dist = raw.get("distance")
    if isinstance(dist, dict):
        for key in ("network", "table"):
            if isinstance(dist.get(key), dict) and "path" in dist[key]:
                dist[key]["path"] = rel(dist[key]["path"])
    problem = raw.get("problem", {})
    if isinstance(problem.get("catalogue"), str) and problem["catalogue"] != "default":
        problem["catalogue"] = rel(problem["catalogue"])
    for key in LAYER_KEYS:
        if isinstance(problem.get(key), str):
            path, sep, layer = problem[key].partition("#")
            problem[key] = rel(path) + sep + layer
    return raw


def write_scenario(base: Base, edits: Edits, dest: Path,
                   time_cap: float = MAX_TIME_LIMIT) -> Path:
    """Write ``scenario.toml`` (and ``sites.csv``/``sites.gpkg`` when needed) into ``dest``."""
    import tomli_w

    check_edits(base, edits, time_cap)
    dest.mkdir(parents=True, exist_ok=True)
    sites_file = _write_sites(base, edits, dest) if _derived_sites(base, edits) else None
    raw = _relative_paths(_apply(base, edits, sites_file, time_cap), dest.resolve())
    raw["description"] = (str(raw.get("description", "")) +
                          " [what-if written by siting serve]").strip()
    out = dest / "scenario.toml"
    out.write_text(f"# What-if of {base.path.name}, written by `siting serve`.\n"
                   f"# Reproduce: siting solve {out.name}\n" + tomli_w.dumps(raw),
                   encoding="utf-8")
    load_scenario(out)  # the file must read back (fails loudly here, never for the user)
    return out


def _write_sites(base: Base, edits: Edits, dest: Path) -> Path:
    """A copy of the site table with only the edited cells changed."""
    spec = base.scenario.sites
    src = Path(spec.path)
    suffix = src.suffix.lower()
    rows = base.row()
    cost_col, area_col, forced_col, forbidden_col = _site_columns(base)
    if suffix in CSV_SUFFIXES:
        from ..geo.layers import read_text_table

        table = read_text_table(src, "\t" if suffix == ".tsv" else None)
        text = True
    else:
        import geopandas as gpd

        if suffix in (".parquet", ".geoparquet"):
            table = gpd.read_parquet(src)
        else:
            table = gpd.read_file(src, layer=spec.layer, engine="pyogrio")
        text = False
    if len(table) != base.sites.ids.size:
        raise SitingError(f"{src}: the site table changed on disk since the workbench opened it")

    def put(col: str, k: int, value: Any) -> None:
        """Set one cell, keeping the column's type (a flag stays bool, text stays text)."""
        import pandas as pd

        if col not in table.columns:
            table[col] = "0" if text else 0
        kind = table[col].dtype.kind
        if text or not (pd.api.types.is_numeric_dtype(table[col]) or kind == "b"):
            table[col] = table[col].astype(object)
            table.loc[k, col] = _num_text(value)
        elif kind == "b":
            table.loc[k, col] = bool(value)
        elif kind in "iu" and not float(value).is_integer():
            table[col] = table[col].astype(float)
            table.loc[k, col] = float(value)
        else:
            table.loc[k, col] = table[col].dtype.type(value)

    for sid, e in edits.sites.items():
        if e.cost is not None:
            put(cost_col, rows[sid], e.cost)
        if e.area is not None:
            put(area_col, rows[sid], e.area)
    if base.community:
        for sid in edits.lock:
            put(forced_col, rows[sid], 1)
        for sid in edits.forbid:
            put(forbidden_col, rows[sid], 1)
    if text:
        out = dest / ("sites.tsv" if suffix == ".tsv" else "sites.csv")
        table.to_csv(out, index=False, sep="\t" if suffix == ".tsv" else ",")
    else:
        out = dest / "sites.gpkg"
        if out.exists():
            out.unlink()
        table.to_file(out, layer="sites", driver="GPKG", engine="pyogrio")
    return out


def _site_columns(base: Base) -> tuple[str, str, str, str]:
    if base.community:
        cols = community_problem(base.scenario).columns
        return cols.cost, cols.area, cols.forced or "forced", cols.forbidden or "forbidden"
    s = base.scenario.sites
    return s.cost or "cost", "area", s.required or "required", s.forbidden or "forbidden"


def _num_text(value: Any) -> str:
    """A number as CSV text that reads back to the same float (integers without '.0')."""
    v = float(value)
    return str(int(v)) if v.is_integer() and abs(v) < 2**53 else repr(v)


# ---------------------------------------------------------------------------------------------
# solving (runs in the worker process)


def solve_plan(toml_path: Path, out_dir: Path, log_file: Path | None = None) -> dict[str, Any]:
    """Solve a written scenario exactly as ``siting solve`` does; outputs go to ``out_dir``.

    ``log_file`` receives the HiGHS log (the server reads incumbent, bound and gap from it);
    it changes no solver setting that affects the answer. (The worker first offers the job to
    its warm session, :func:`siting.serve.warm.solve_job`; this is the cold path.)
    """
    from .. import pipeline

    scenario = load_scenario(toml_path)
    if log_file is not None and (scenario.solver.backend in (None, "highs")):
        opts = dict(scenario.solver.backend_options)
        opts.update(log_file=str(log_file), log_to_console=False)
        solver = scenario.solver.model_copy(update={"verbose": True, "backend_options": opts})
        scenario = scenario.model_copy(update={"solver": solver})
    outcome = pipeline.run(scenario, out_dir)
    plan = plan_dict(outcome.summary, out_dir if out_dir.is_dir() else None)
    plan["path"] = "cold"
    return plan


def plan_dict(summary: dict[str, Any], out_dir: Path | None) -> dict[str, Any]:
    """What the page shows of one solve: the summary's figures plus the output tables."""
    keep = ("status", "objective", "bound", "gap", "objective_kind", "tie_break", "open_sites",
            "backend", "cost", "coverage", "coverage_objective", "equity", "new_modules",
            "verified", "notes", "infeasible_because", "metrics", "stages", "termination")
    plan = {k: _clean(summary[k]) for k in keep if k in summary}
    plan["open_sites"] = [str(s) for s in plan.get("open_sites") or []]
    plan["files"] = sorted(p.name for p in out_dir.iterdir()) if out_dir is not None else []
    blocks = out_dir / "blocks.csv" if out_dir is not None else None
    if blocks is not None and blocks.is_file():  # the map colours blocks by credited share
        import pandas as pd

        share = pd.read_csv(blocks, usecols=lambda c: c == "credited_share")
        if "credited_share" in share:
            plan["block_share"] = [_clean(round(float(v), 4)) for v in share["credited_share"]]
    for name in ("coverage", "compliance", "sites"):
        csv = out_dir / f"{name}.csv" if out_dir is not None else None
        if csv is not None and csv.is_file():
            import pandas as pd

            df = pd.read_csv(csv, keep_default_na=False, na_values=[""],
                             dtype={"id": str, "district": str, "site": str})
            plan[f"{name}_table"] = {"columns": [str(c) for c in df.columns],
                                     "rows": [[_clean(v) for v in r]
                                              for r in df.itertuples(index=False)]}
    return plan


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, (np.bool_,)):
        return bool(value)
    return value


def export(base: Base, edits: Edits, plan_dir: Path, dest: Path,
           time_cap: float = MAX_TIME_LIMIT) -> list[str]:
    """Write the what-if into ``dest`` (a new folder): scenario TOML (+ derived sites) and the
    plan's outputs."""
    if dest.exists():
        raise SitingError(f"{dest} exists already; exports never overwrite")
    try:
        write_scenario(base, edits, dest, time_cap)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)  # no partial export
        raise
    out = plan_dir / "out"
    if out.is_dir():
        shutil.copytree(out, dest / "outputs")
    return sorted(str(p.relative_to(dest).as_posix()) for p in dest.rglob("*") if p.is_file())
