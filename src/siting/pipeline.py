"""The one pipeline behind both front doors: scenario → layers → CRS → travel costs → Instance
→ solve → outputs.

``siting solve SCENARIO.toml`` and ``siting solve --demand ... --sites ...`` both build a
:class:`~siting.scenario.Scenario` and call :func:`run`; ``siting validate`` calls
:func:`prepare` (everything but the solve). Problem kind ``community`` is handed to
``siting.community.pipeline.run`` with the layers already read and harmonized (see
:class:`Layers` and docs/inputs.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from .errors import SpecError
from .instance import Costs, Instance, SparseCosts
from .outputs.progress import Progress
from .result import Result
from .scenario import Scenario


@dataclass(frozen=True)
class Layers:
    """Demand and site points in one working CRS, with a way to get travel costs between them.

    ``costs(cutoff)`` returns the (n_demand × n_sites) costs in row order of ``demand`` and
    ``sites`` using the scenario's distance method (sparse whenever ``cutoff`` is given) and
    ``ids`` must be the text ids used to match an OD table.
    """

    scenario: Scenario
    demand: Any
    sites: Any
    crs: Any
    crs_label: str
    costs: Callable[[float | None, np.ndarray, np.ndarray], tuple[Costs, dict[str, Any]]]

    def pairs(self, cutoff: float | None, demand_ids: np.ndarray,
              site_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reachable (demand row, site row, cost) triples within ``cutoff``."""
        costs, _ = self.costs(cutoff, demand_ids, site_ids)
        if isinstance(costs, SparseCosts):
            return costs.rows(), costs.indices.copy(), costs.data.copy()
        ok = np.isfinite(costs) if cutoff is None else costs <= cutoff
        i, j = np.nonzero(ok)
        return i, j, costs[i, j]


@dataclass(frozen=True)
class Prepared:
    """Everything needed to solve: the layers, the Instance and how its costs were made."""

    layers: Layers
    instance: Instance
    distance: dict[str, Any]
    read_seconds: float


@dataclass(frozen=True)
class RunOutcome:
    """What a run produced: the summary (JSON contract + metrics), a terminal text and files."""

    summary: dict[str, Any]
    text: str
    has_solution: bool
    out_dir: Path | None = None
    files: tuple[str, ...] = ()
    result: Result | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def read_layers(scenario: Scenario, progress: Progress) -> Layers:
    """Read both layers, check them, and bring them to the working CRS for the metric."""
    from .geo.crs import crs_label, harmonize
    from .geo.layers import LayerSpec, read_layer

    notes: list[str] = []
    with progress.step("reading layers"):
        d, s = scenario.demand, scenario.sites
        demand = read_layer(LayerSpec(d.path, d.layer, d.x, d.y, d.crs, "demand"), notes)
        sites = read_layer(LayerSpec(s.path, s.layer, s.x, s.y, s.crs, "sites"), notes)
    for n in notes:
        progress.warn(n)
    notes = []
    demand, sites, crs = harmonize(demand, sites, scenario.distance.metric,
                                   scenario.distance.crs, notes)
    for n in notes:
        progress.note(n)
    label = crs_label(crs)
    progress.note(f"working CRS: {label}")
    if crs is None:
        progress.warn("the inputs declare no CRS: coordinates are used as given and "
                      "result.gpkg carries no projection (set crs = \"EPSG:...\" for each "
                      "layer to place them on a map)")

    def costs(cutoff: float | None, demand_ids: np.ndarray,
              site_ids: np.ndarray) -> tuple[Costs, dict[str, Any]]:
        return _travel_costs(scenario, demand, sites, crs, cutoff, demand_ids, site_ids, progress)

    return Layers(scenario, demand, sites, crs, label, costs)


def _xy(gdf: Any) -> np.ndarray:
    return np.column_stack([gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()])


def _travel_costs(scenario: Scenario, demand: Any, sites: Any, crs: Any, cutoff: float | None,
                  demand_ids: np.ndarray, site_ids: np.ndarray,
                  progress: Progress) -> tuple[Costs, dict[str, Any]]:
    from .geo import distance as dist

    metric = scenario.distance.metric
    info: dict[str, Any] = {"metric": metric, "cutoff": cutoff}
    with progress.step(f"travel costs ({metric})"):
        if metric == "euclidean":
            costs = dist.euclidean(_xy(demand), _xy(sites), cutoff)
            info["units"] = _units(crs)
        elif metric == "haversine":
            costs = dist.haversine(_xy(demand), _xy(sites), cutoff)
            info["units"] = "m"
        elif metric == "table":
            t = scenario.distance.table
            assert t is not None
            costs = dist.od_table(t.path, t.site, t.demand, t.cost, site_ids, demand_ids, cutoff)
            info.update(units="table units", table=str(t.path))
        else:
            costs, more = _network_costs(scenario, demand, sites, crs, cutoff, progress)
            info.update(more)
    info["stored"] = ("sparse" if isinstance(costs, SparseCosts) else "dense")
    info["pairs"] = (costs.nnz if isinstance(costs, SparseCosts)
                     else int(np.isfinite(costs).sum()))
    return costs, info


def _network_costs(scenario: Scenario, demand: Any, sites: Any, crs: Any,
                   cutoff: float | None, progress: Progress) -> tuple[Costs, dict[str, Any]]:
    from .geo.crs import local_metric_crs
    from .geo.network import load_network, network_costs

    spec = scenario.distance.network
    assert spec is not None
    net = load_network(spec.path, spec.type, spec.crs)
    # snapping needs metres: use the working CRS when projected, else the data's UTM zone
    metric_crs = crs if not crs.is_geographic else local_metric_crs(demand, sites)
    dxy = _xy(demand.to_crs(metric_crs))
    sxy = _xy(sites.to_crs(metric_crs))
    nc = network_costs(net, dxy, sxy, metric_crs, cutoff, spec.speed_kmh, progress.advance)
    progress.note(f"network {spec.path.name}: {nc.n_nodes} nodes, {nc.n_edges} directed edges; "
                  f"snapping distance demand max {nc.demand_snap.max():.1f} m, "
                  f"sites max {nc.site_snap.max():.1f} m (added to every path)")
    info = {"units": "min" if spec.speed_kmh else "m", "network": str(spec.path),
            "network_nodes": nc.n_nodes, "network_edges": nc.n_edges,
            "snap_m": {"demand_mean": float(nc.demand_snap.mean()),
                       "demand_max": float(nc.demand_snap.max()),
                       "sites_mean": float(nc.site_snap.mean()),
                       "sites_max": float(nc.site_snap.max())},
            "snap_demand": nc.demand_snap, "snap_sites": nc.site_snap}
    return nc.costs, info


def _units(crs: Any) -> str:
    if crs is None:
        return "coordinate units"
    try:
        return str(crs.axis_info[0].unit_name)
    except (IndexError, AttributeError):  # pragma: no cover - every projected CRS has axes
        return "CRS units"


def build_instance(layers: Layers, progress: Progress) -> tuple[Instance, dict[str, Any]]:
    """Map columns to arrays, compute travel costs and assemble the :class:`Instance`."""
    from .geo import columns as col

    sc = layers.scenario
    d, s = sc.demand, sc.sites
    demand_ids = col.ids(layers.demand, d.id)
    site_ids = col.ids(layers.sites, s.id)
    n, m = len(demand_ids), len(site_ids)
    weight = col.numbers(layers.demand, d.weight, "weight") if d.weight else np.ones(n)
    quantity = col.numbers(layers.demand, d.demand, "demand") if d.demand else None
    fixed = col.numbers(layers.sites, s.cost, "site cost") if s.cost else None
    if s.capacity:
        capacity = col.numbers(layers.sites, s.capacity, "capacity")
    elif s.uniform_capacity is not None:
        capacity = np.full(m, s.uniform_capacity)
    else:
        capacity = None
    required = col.flags(layers.sites, s.required) if s.required else np.zeros(m, dtype=bool)
    forbidden = col.flags(layers.sites, s.forbidden) if s.forbidden else np.zeros(m, dtype=bool)
    required[_site_positions(site_ids, s.required_ids, "sites.required_ids")] = True
    forbidden[_site_positions(site_ids, s.forbidden_ids, "sites.forbidden_ids")] = True
    both = np.flatnonzero(required & forbidden)
    if both.size:
        raise SpecError(f"site {site_ids[both[0]]!r} is both required and forbidden")
    if sc.problem.kind == "cflp" and capacity is None:
        raise SpecError("problem cflp needs site capacities: give sites.capacity "
                        "(--capacity-col) or sites.uniform_capacity (--capacity)")
    costs, info = layers.costs(sc.cutoff, demand_ids, site_ids)
    inst = Instance(cost=costs, weight=weight, demand_ids=demand_ids, site_ids=site_ids,
                    demand=quantity, fixed_cost=fixed, capacity=capacity, required=required,
                    forbidden=forbidden, name=sc.name, source="",
                    metadata={"crs": layers.crs_label})
    return inst, info


def _site_positions(site_ids: np.ndarray, wanted: tuple[str, ...], key: str) -> np.ndarray:
    lookup = {v: k for k, v in enumerate(site_ids)}
    out = []
    for sid in wanted:
        if str(sid) not in lookup:
            raise SpecError(f"{key}: unknown site id {sid!r}")
        out.append(lookup[str(sid)])
    return np.asarray(out, dtype=np.int64)


def prepare(scenario: Scenario, progress: Progress | None = None) -> Prepared:
    """Read, check and measure everything the scenario names, without solving."""
    if scenario.problem.kind == "community":
        raise SpecError("problem kind 'community' is prepared by siting.community.pipeline")
    progress = progress or Progress()
    t0 = time.perf_counter()
    layers = read_layers(scenario, progress)
    instance, info = build_instance(layers, progress)
    return Prepared(layers, instance, info, time.perf_counter() - t0)


def run(scenario: Scenario, out_dir: Path | None = None, *, json_path: Path | None = None,
        progress: Progress | None = None) -> RunOutcome:
    """Solve the scenario and write its outputs atomically (nothing is left if anything fails)."""
    from . import api
    from .outputs import write_outputs
    from .outputs.summary import build_summary, summary_text

    progress = progress or Progress()
    out_dir = out_dir if out_dir is not None else scenario.outputs.dir
    json_path = json_path if json_path is not None else scenario.outputs.json_file
    from .outputs.write import check_targets

    check_targets(out_dir, json_path)
    if scenario.problem.kind == "community":
        return _run_community(scenario, out_dir, json_path, progress)
    t0 = time.perf_counter()
    prepared = prepare(scenario, progress)
    with progress.step(f"solving {scenario.problem.kind}"):
        result = api.solve(prepared.instance, scenario.problem,  # type: ignore[arg-type]
                           formulation=scenario.solver.formulation,
                           backend=scenario.solver.backend, options=scenario.solver.options())
    result = replace(result, timings=replace(result.timings, read=prepared.read_seconds,
                                             total=time.perf_counter() - t0))
    summary = build_summary(prepared, result, progress.notes)
    files: tuple[str, ...] = ()
    if out_dir is not None or json_path is not None:
        with progress.step("writing outputs"):
            files = write_outputs(prepared, result, summary, out_dir, json_path,
                                  scenario.outputs)
    return RunOutcome(summary, summary_text(prepared, result, summary), result.has_solution,
                      out_dir, files, result)


def _run_community(scenario: Scenario, out_dir: Path | None, json_path: Path | None,
                   progress: Progress) -> RunOutcome:
    """Hand a community scenario to ``siting.community.pipeline.run``.

    Called as ``run(scenario, demand_gdf, sites_gdf, out_dir, **kw)`` where ``kw`` holds those of
    ``layers`` (:class:`Layers`, with travel costs), ``json_path`` and ``progress`` that ``run``
    accepts. It may return a :class:`RunOutcome`, a summary dict, or a result object with
    ``to_dict()`` (and optionally ``summary()``/``has_solution``).
    """
    community = _community_pipeline()
    layers = read_layers(scenario, progress)
    ret = community.run(scenario, layers.demand, layers.sites, out_dir,
                        **_accepted(community.run, layers=layers, json_path=json_path,
                                    progress=progress))
    return _as_outcome(ret, out_dir)


def _accepted(fn: Callable[..., Any], **offered: Any) -> dict[str, Any]:
    """The keyword arguments ``fn`` accepts, out of those offered."""
    import inspect

    params = inspect.signature(fn).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return {k: v for k, v in offered.items() if takes_any or k in params}


def _as_outcome(ret: Any, out_dir: Path | None) -> RunOutcome:
    if isinstance(ret, RunOutcome):
        return ret
    summary = ret if isinstance(ret, dict) else ret.to_dict()
    text = ret.summary() if hasattr(ret, "summary") and callable(ret.summary) else (
        f"community: {summary.get('status')} objective {summary.get('objective')}")
    has = getattr(ret, "has_solution", summary.get("status") in ("optimal", "feasible"))
    files = tuple(sorted(p.name for p in out_dir.iterdir())) if out_dir and out_dir.is_dir() else ()
    return RunOutcome(summary, text, bool(has), out_dir, files)


def _community_pipeline() -> Any:
    """``siting.community.pipeline``: run(scenario, layers, out_dir, *, json_path, progress)."""
    from importlib import import_module

    try:
        return import_module("siting.community.pipeline")
    except ModuleNotFoundError as exc:
        if exc.name not in ("siting.community", "siting.community.pipeline"):
            raise
        raise SpecError("problem kind 'community' needs siting.community.pipeline") from None


def validate(scenario: Scenario, progress: Progress | None = None) -> dict[str, Any]:
    """Check a scenario and its data without solving; returns what was found."""
    progress = progress or Progress()
    if scenario.problem.kind == "community":
        community = _community_pipeline()
        layers = read_layers(scenario, progress)
        check = getattr(community, "validate", None)
        extra = (check(scenario, layers.demand, layers.sites,
                       **_accepted(check, layers=layers, progress=progress))
                 if check is not None else {})
        return {"problem": "community", "demand_points": len(layers.demand),
                "sites": len(layers.sites), "crs": layers.crs_label, **(extra or {})}
    prepared = prepare(scenario, progress)
    inst = prepared.instance
    dist = {k: v for k, v in prepared.distance.items() if not k.startswith("snap_") or k == "snap_m"}
    return {"problem": scenario.problem.kind, "demand_points": inst.n_demand,
            "sites": inst.n_sites, "crs": prepared.layers.crs_label, "distance": dist,
            "notes": list(progress.notes)}
