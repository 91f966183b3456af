"""The pipeline driver of the classical kinds (one :class:`~siting.instance.Instance`).

Columns → arrays (:mod:`siting.geo.columns`), travel costs from :mod:`siting.geo.costs`,
solved by :func:`siting.api.solve`, written by :func:`siting.outputs.write_outputs`.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import numpy as np

from .errors import SpecError
from .geo.costs import CostRequest, TravelCosts
from .instance import Instance, site_positions
from .outputs.progress import Progress
from .protocol import Layers, Prepared, RunOutcome, Targets
from .result import Result
from .scenario import Scenario


def build_instance(layers: Layers, costs: TravelCosts, request: CostRequest) -> Instance:
    """Map the layers' columns to arrays and assemble the :class:`Instance`."""
    from .geo import columns as col

    sc = layers.scenario
    d, s = sc.demand, sc.sites
    site_ids = request.site_ids
    n, m = len(request.demand_ids), len(site_ids)
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
    required[site_positions(site_ids, s.required_ids, "sites.required_ids")] = True
    forbidden[site_positions(site_ids, s.forbidden_ids, "sites.forbidden_ids")] = True
    both = np.flatnonzero(required & forbidden)
    if both.size:
        raise SpecError(f"site {site_ids[both[0]]!r} is both required and forbidden")
    if sc.problem.kind == "cflp" and capacity is None:
        raise SpecError("problem cflp needs site capacities: give sites.capacity "
                        "(--capacity-col) or sites.uniform_capacity (--capacity)")
    return Instance(cost=costs.costs, weight=weight, demand_ids=request.demand_ids,
                    site_ids=site_ids, demand=quantity, fixed_cost=fixed, capacity=capacity,
                    required=required, forbidden=forbidden, name=sc.name, source="",
                    metadata={"crs": layers.crs_label})


def unreachable_policy(inst: Instance, sc: Scenario,
                       progress: Progress) -> tuple[Instance, dict[str, Any]]:
    """Apply ``distance.unreachable`` to demand that reaches no allowed site."""
    from .formulations._common import describe_ids
    from .reachability import drop_demand, unreachable_rows

    policy, kind = sc.distance.unreachable, sc.problem.kind
    lost = unreachable_rows(inst)
    info: dict[str, Any] = {"policy": policy, "count": int(lost.size),
                            "weight": float(np.asarray(inst.weight)[lost].sum()),
                            "ids": [str(x) for x in inst.demand_ids[lost[:20]]]}
    if lost.size == 0 or policy == "error":
        return inst, info  # the formulations list unreachable ids where that is an error
    if policy == "uncovered":
        if kind not in ("lscp", "mclp"):
            raise SpecError(f"distance.unreachable = 'uncovered' is for coverage models "
                            f"(lscp, mclp), not {kind}: use 'drop' or 'error'")
        progress.warn(f"{lost.size} demand point(s) reach no site and stay uncovered "
                      f"(weight {info['weight']:g}): {describe_ids(inst.demand_ids[lost])}")
        return inst, info
    if lost.size == inst.n_demand:
        raise SpecError("distance.unreachable = 'drop' would drop every demand point: no "
                        "demand point reaches any site")
    progress.warn(f"dropped {lost.size} demand point(s) that reach no site (weight "
                  f"{info['weight']:g}): {describe_ids(inst.demand_ids[lost])}")
    return drop_demand(inst, lost), info


class ClassicalDriver:
    """prepare → solve → write for the kinds :func:`siting.api.solve` knows."""

    def cost_request(self, scenario: Scenario, layers: Layers) -> CostRequest:
        from .geo import columns as col

        return CostRequest(scenario.cutoff, col.ids(layers.demand, scenario.demand.id),
                           col.ids(layers.sites, scenario.sites.id))

    def prepare(self, scenario: Scenario, layers: Layers, costs: TravelCosts,
                request: CostRequest, progress: Progress) -> Prepared:
        instance = build_instance(layers, costs, request)
        instance, lost = unreachable_policy(instance, scenario, progress)
        costs.info["unreachable"] = lost
        problem = scenario.problem
        if scenario.distance.unreachable == "uncovered" and hasattr(problem, "drop_unreachable"):
            problem = problem.model_copy(update={"drop_unreachable": True})
        return Prepared(scenario, layers, costs, instance, problem, 0.0)

    def validate(self, prepared: Prepared, progress: Progress) -> dict[str, Any]:
        from .reachability import component_infeasibility

        why = component_infeasibility(prepared.instance, prepared.problem)
        return {"distance": prepared.costs.public_info(), "infeasible": why,
                "infeasible_because": [why] if why else [], "notes": list(progress.notes)}

    def solve(self, prepared: Prepared, progress: Progress) -> Result:
        from . import api

        sc = prepared.scenario
        t0 = time.perf_counter()
        with progress.step(f"solving {sc.problem.kind}"):
            result = api.solve(prepared.instance, prepared.problem,
                               formulation=sc.solver.formulation, backend=sc.solver.backend,
                               options=sc.solver.options())
        total = prepared.read_seconds + time.perf_counter() - t0
        return replace(result, timings=replace(result.timings, read=prepared.read_seconds,
                                               total=total))

    def write(self, prepared: Prepared, solved: Result, targets: Targets,
              progress: Progress) -> RunOutcome:
        from .outputs import write_outputs
        from .outputs.summary import build_summary, summary_text

        summary = build_summary(prepared, solved, progress.notes)
        files: tuple[str, ...] = ()
        if targets.any:
            with progress.step("writing outputs"):
                files = write_outputs(prepared, solved, summary, targets.out_dir,
                                      targets.json_path, prepared.scenario.outputs)
        return RunOutcome(summary, summary_text(prepared, solved, summary), solved.has_solution,
                          targets.out_dir, files, solved)


class SitesOnlyDriver(ClassicalDriver):
    """Kinds measured between the sites themselves (p-dispersion): the Instance's rows are the
    sites, with unit weights; the demand layer is read but not used."""

    def cost_request(self, scenario: Scenario, layers: Layers) -> CostRequest:
        from .geo import columns as col

        ids = col.ids(layers.sites, scenario.sites.id)
        return CostRequest(scenario.distance.cutoff, ids, ids, origins="sites")

    def prepare(self, scenario: Scenario, layers: Layers, costs: TravelCosts,
                request: CostRequest, progress: Progress) -> Prepared:
        sites_as_demand = replace(layers, demand=layers.sites)
        sc = scenario.model_copy(update={"demand": scenario.demand.model_copy(
            update={"weight": None, "demand": None})})
        instance = build_instance(replace(sites_as_demand, scenario=sc), costs, request)
        return Prepared(scenario, sites_as_demand, costs, instance, scenario.problem, 0.0)


DRIVER = ClassicalDriver()
SITES_ONLY = SitesOnlyDriver()
