"""The one pipeline behind both front doors, for every kind:
scenario → layers → CRS → travel costs → the kind's instance → solve → outputs.

``siting solve SCENARIO.toml`` and ``siting solve --demand ... --sites ...`` both build a
:class:`~siting.scenario.Scenario` and call :func:`run`; ``siting validate`` calls
:func:`validate`. The kind's :class:`~siting.protocol.Driver` (from :mod:`siting.kinds`) does
the kind-specific parts; layers and travel costs are read here, once, the same way for all.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import kinds
from .outputs.progress import Progress
from .protocol import Driver, Layers, Prepared, RunOutcome, Targets
from .scenario import Scenario

__all__ = ["Layers", "Prepared", "RunOutcome", "Targets", "prepare", "prepare_layers",
           "read_layers", "run", "validate"]


def read_layers(scenario: Scenario, progress: Progress) -> Layers:
    """Read both layers, check them, and bring them to the working CRS for the metric."""
    from .geo.crs import crs_label, harmonize
    from .geo.layers import LayerSpec, read_layer_with_source

    notes: list[str] = []
    with progress.step("reading layers"):
        d, s = scenario.demand, scenario.sites
        demand, d_source = read_layer_with_source(
            LayerSpec(d.path, d.layer, d.x, d.y, d.crs, "demand", d.encoding), notes)
        sites, s_source = read_layer_with_source(
            LayerSpec(s.path, s.layer, s.x, s.y, s.crs, "sites", s.encoding), notes)
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
    return Layers(scenario, demand, sites, crs, label, d_source, s_source)


def driver_of(scenario: Scenario) -> Driver:
    driver: Driver = kinds.get(scenario.problem.kind).load_driver()
    return driver


def prepare(scenario: Scenario, progress: Progress | None = None) -> Prepared:
    """Read, check and measure every input the scenario names, without solving."""
    progress = progress or Progress()
    t0 = time.perf_counter()
    layers = read_layers(scenario, progress)
    prepared = prepare_layers(scenario, layers, progress)
    return replace(prepared, read_seconds=time.perf_counter() - t0)


def prepare_layers(scenario: Scenario, layers: Layers, progress: Progress) -> Prepared:
    """:func:`prepare` on layers already read (``siting.frames`` passes GeoDataFrames here):
    the driver's cost request, travel costs from :mod:`siting.geo.costs`, the driver's prepare."""
    from .geo.costs import travel_costs

    driver = driver_of(scenario)
    t0 = time.perf_counter()
    request = driver.cost_request(scenario, layers)
    origins = layers.sites if request.origins == "sites" else layers.demand
    costs = travel_costs(scenario.distance, origins, layers.sites, layers.crs, request, progress)
    prepared = driver.prepare(scenario, layers, costs, request, progress)
    return replace(prepared, read_seconds=time.perf_counter() - t0)


def run(scenario: Scenario, out_dir: Path | None = None, *, json_path: Path | None = None,
        progress: Progress | None = None) -> RunOutcome:
    """Solve the scenario and write its outputs atomically (nothing is left if anything fails)."""
    from .i18n import use_language

    with use_language(getattr(scenario, "language", None)):  # reports, maps, summary text
        return _run(scenario, out_dir, json_path=json_path, progress=progress)


def _run(scenario: Scenario, out_dir: Path | None = None, *, json_path: Path | None = None,
         progress: Progress | None = None) -> RunOutcome:
    from .outputs.write import check_targets

    progress = progress or Progress()
    targets = Targets(out_dir if out_dir is not None else scenario.outputs.dir,
                      json_path if json_path is not None else scenario.outputs.json_file)
    check_targets(targets.out_dir, targets.json_path)
    driver = driver_of(scenario)
    prepared = prepare(scenario, progress)
    solved = driver.solve(prepared, progress)
    return driver.write(prepared, solved, targets, progress)


def validate(scenario: Scenario, progress: Progress | None = None) -> dict[str, Any]:
    """Check a scenario and all its data without solving; returns what was found."""
    progress = progress or Progress()
    prepared = prepare(scenario, progress)
    found = {"problem": scenario.problem.kind, "demand_points": len(prepared.layers.demand),
             "sites": len(prepared.layers.sites), "crs": prepared.layers.crs_label}
    found.update(driver_of(scenario).validate(prepared, progress))
    return found
