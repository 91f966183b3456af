"""The community kind's pipeline driver: layers + travel costs → community instance → staged
solve → verified outputs (registered in :mod:`siting.community.kind`).

:func:`siting.pipeline.run` reads and harmonizes the layers and measures travel costs with the
scenario's metric (euclidean, haversine, network or OD table) through :mod:`siting.geo.costs`,
cut off at the largest outer tier so the pairs are sparse from the start, then calls
:data:`DRIVER`. The streets layer drawn in the report is opened and checked in ``prepare``,
before anything is solved.

Outputs (written atomically into ``out_dir``): report.html (+ report.json), result.gpkg
(layers sites, blocks), summary.json, sites.csv, blocks.csv, coverage.csv, coverage_tiers.csv, compliance.csv and,
with capacitated services, allocations.csv.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SitingError, SpecError
from ..geo import columns as col
from ..geo.costs import CostRequest, TravelCosts
from ..outputs.progress import Progress
from ..outputs.write import json_text, stage_json
from ..protocol import Layers, Prepared, RunOutcome, Targets
from ..scenario import Scenario
from .diagnose import diagnose, joint_reasons, magnitude_warnings, viability_notes
from .instance import CommunityInstance, build_instance, cutoff
from .solve import CommunityResult, infeasible_result, solve
from .spec import CommunityProblem

OUTPUT_FILES = ("report.html", "report.json", "result.gpkg", "summary.json", "sites.csv",
                "blocks.csv", "coverage.csv", "coverage_tiers.csv", "compliance.csv",
                "allocations.csv")

Streets = list[tuple[tuple[float, float], ...]]


def problem_of(scenario: Any) -> CommunityProblem:
    """The scenario's community problem with the layers' id columns (if set) applied."""
    problem = scenario.problem
    if not isinstance(problem, CommunityProblem):
        raise SpecError("problem: kind must be 'community'")
    cols = problem.columns
    update: dict[str, Any] = {}
    if getattr(scenario.demand, "id", None):
        update["demand_id"] = scenario.demand.id
    if getattr(scenario.sites, "id", None):
        update["site_id"] = scenario.sites.id
    if update:
        problem = problem.model_copy(update={"columns": cols.model_copy(update=update)})
    return problem


@dataclass(frozen=True)
class Solved:
    """A community solve: the result (None when a rule already rules every plan out) and the
    reasons the plan is infeasible, if it is."""

    result: CommunityResult | None
    reasons: list[str]
    seconds: float
    #: a phased rollout (problem.phases): the siting.community.phases.PhasedResult; ``result``
    #: is then its last phase, which the report, tables and summary read
    phased: Any = None


class CommunityDriver:
    """prepare → solve → write for ``kind = "community"``."""

    def cost_request(self, scenario: Scenario, layers: Layers) -> CostRequest:
        problem = problem_of(scenario)
        return CostRequest(cutoff(problem), col.ids(layers.demand, problem.columns.demand_id),
                           col.ids(layers.sites, problem.columns.site_id))

    def prepare(self, scenario: Scenario, layers: Layers, costs: TravelCosts,
                request: CostRequest, progress: Progress) -> Prepared:
        problem = problem_of(scenario)
        inst = build_instance(problem, layers.demand, layers.sites, costs=costs,
                              demand_label=str(layers.demand.attrs.get("source", "demand")),
                              sites_label=str(layers.sites.attrs.get("source", "sites")))
        # every input is opened and checked before the first solve
        streets = read_streets(problem.streets, inst.crs)
        warnings = magnitude_warnings(inst, problem, costs.info.get("units"))
        for w in warnings:
            progress.warn(w)
        return Prepared(scenario, layers, costs, inst, problem, 0.0,
                        {"streets": streets, "warnings": warnings})

    def validate(self, prepared: Prepared, progress: Progress) -> dict[str, Any]:
        inst, problem = prepared.instance, prepared.problem
        if problem.phases:
            from .phases import diagnose_phases, phased_instance

            reasons = diagnose_phases(phased_instance(inst, problem, prepared.layers.demand))
        else:
            reasons = diagnose(inst, problem)
        return {"blocks": inst.n_blocks, "districts": inst.n_districts,
                "services": [s.name for s in problem.services],
                "pairs": {s.name: int(inst.pairs[k].i.size)
                          for k, s in enumerate(problem.services)},
                "infeasible_because": reasons,
                "warnings": list(prepared.extra.get("warnings", [])),
                "not_viable": viability_notes(inst, problem),
                "distance": prepared.costs.public_info()}

    def solve(self, prepared: Prepared, progress: Progress) -> Solved:
        t0 = time.perf_counter()
        inst, problem = prepared.instance, prepared.problem
        scenario = prepared.scenario
        if problem.phases:
            return self._solve_phased(prepared, progress, t0)
        reasons = diagnose(inst, problem)
        options = scenario.solver.options()
        backend = scenario.solver.backend
        result: CommunityResult | None = None
        if reasons:  # ruled out before solving: still a result (status, backend, reasons)
            result = infeasible_result(problem, _backend_name(scenario), reasons)
        else:
            with progress.step("solving community model"):
                result = solve(inst, problem, backend=backend, options=options)
            if (not result.has_solution and result.status.value == "infeasible"
                    and result.termination.value != "interrupted"):
                reasons = list(result.reasons) or diagnose(inst, problem) or _joint_reason(
                    inst, problem, backend, options)
        return Solved(result, reasons, prepared.read_seconds + time.perf_counter() - t0)

    def _solve_phased(self, prepared: Prepared, progress: Progress, t0: float) -> Solved:
        """problem.phases: one MILP over every phase (siting.community.phases)."""
        from .phases import diagnose_phases, phased_instance, solve_phased

        inst, problem, scenario = prepared.instance, prepared.problem, prepared.scenario
        pinst = phased_instance(inst, problem, prepared.layers.demand)
        reasons = diagnose_phases(pinst)
        phased = None
        if not reasons:
            with progress.step(f"solving community rollout over {pinst.n_phases} phases"):
                phased = solve_phased(inst, problem, demand=prepared.layers.demand,
                                      backend=scenario.solver.backend,
                                      options=scenario.solver.options())
            if not phased.has_solution and phased.status.value == "infeasible" and \
                    phased.termination.value != "interrupted":
                reasons = ["no rollout satisfies every phase's rules, targets and budget "
                           "together (no single phase rule explains it; relax a target or a "
                           "budget)"]
        return Solved(None, reasons, prepared.read_seconds + time.perf_counter() - t0, phased)

    def write(self, prepared: Prepared, solved: Solved, targets: Targets,
              progress: Progress) -> RunOutcome:
        inst, problem, scenario = prepared.instance, prepared.problem, prepared.scenario
        result, reasons = solved.result, solved.reasons
        meta = {"scenario": scenario.name, "description": scenario.description,
                "distance": prepared.costs.info.get("metric"), "crs": prepared.layers.crs_label,
                "input_crs": _input_crs(prepared.layers),
                "seconds": round(solved.seconds, 2), "backend": _backend_name(scenario)}
        phased = solved.phased
        if phased is not None:
            from .phases import final_result

            inst, final_problem, result = final_result(phased)
        summary = _summary(inst, problem, result, reasons, meta)
        if phased is not None and phased.has_solution:
            from .phases import phases_summary

            summary["phases"] = phases_summary(phased.pinst, phased.plans, phased.check)
            summary["objective_kind"] = f"{problem.objective} ({problem.phase_objective} over "\
                "phases)" if problem.objective == "coverage" else problem.objective
        # the README's contract: timings {read, build, solve, total}; keys set by --set
        timings = dict(summary.get("timings") or {})
        timings.update({"read": round(prepared.read_seconds, 3),
                        "total": round(solved.seconds, 3)})
        timings.setdefault("build", None)
        timings.setdefault("solve", None)
        summary["timings"] = timings
        summary["overrides"] = scenario.overrides
        summary["warnings"] = list(prepared.extra.get("warnings", []))
        files: tuple[str, ...] = ()
        tmp_json = stage_json(targets.json_path, summary) if targets.json_path else None
        try:
            if targets.out_dir is not None:
                with progress.step("writing outputs"):
                    files = write_outputs(Path(targets.out_dir), inst,
                                          problem if phased is None else final_problem, result,
                                          reasons, summary, meta,
                                          prepared.extra.get("streets", []),
                                          layers=prepared.layers, phased=phased,
                                          network=prepared.costs.info.get("network_lines", ()),
                                          network_note=prepared.costs.info.get("network_map"))
            if tmp_json is not None:
                os.replace(tmp_json, targets.json_path)  # type: ignore[arg-type]
                tmp_json = None
        finally:
            if tmp_json is not None:
                tmp_json.unlink(missing_ok=True)
        has = result is not None and result.has_solution
        text = summary_text(inst, problem, result, reasons)
        if phased is not None and phased.has_solution:
            from .phases import phases_text

            text += "\n" + phases_text(phased)
        return RunOutcome(summary, text, has, targets.out_dir, files, None,
                          {"community": result, "phases": phased})


DRIVER = CommunityDriver()


def _input_crs(layers: Layers) -> dict[str, str]:
    """Each layer's own CRS (result.gpkg's blocks and sites are written in it)."""
    from ..outputs.gpkg import crs_text

    return {role: crs_text(src.crs if src is not None else pts.crs)
            for role, src, pts in (("demand", layers.demand_source, layers.demand),
                                   ("sites", layers.sites_source, layers.sites))}


def _backend_name(scenario: Scenario) -> str:
    """The backend a run uses (named in the report even when nothing was solved)."""
    from ..backends import get_backend

    try:
        return get_backend(scenario.solver.backend).name
    except SitingError:
        return scenario.solver.backend or "highs"


def _joint_reason(inst: CommunityInstance, problem: CommunityProblem, backend: str | None,
                  options: Any) -> list[str]:
    """No single cause: name the targets that cannot be met, the keys that set them and the
    highest share reachable; or the cheapest plan meeting them against the budget."""
    return joint_reasons(inst, problem, solve=solve, backend=backend, options=options)


def _summary(inst: CommunityInstance, problem: CommunityProblem, result: CommunityResult | None,
             reasons: list[str], meta: dict[str, Any]) -> dict[str, Any]:
    from .tables import summary_dict

    if result is None:
        return {"status": "infeasible", "objective": None, "bound": None, "gap": None,
                "objective_kind": problem.objective, "open_sites": [],
                "backend": meta.get("backend"),
                "formulation": "community", "infeasible_because": reasons,
                "problem": problem.model_dump(mode="json"), **{"meta": meta}}
    out = summary_dict(inst, problem, result, {"meta": meta})
    if reasons:
        out["infeasible_because"] = reasons
    return out


def summary_text(inst: CommunityInstance, problem: CommunityProblem,
                 result: CommunityResult | None, reasons: list[str]) -> str:
    """The run summary printed by the CLI, in the current language (siting.i18n)."""
    from ..i18n import _, fmt_money, fmt_number, fmt_percent, pgettext

    lines = []
    objective = pgettext("objective", problem.objective)
    if result is None or not result.has_solution:
        status = "infeasible" if result is None else result.status.value
        stopped = "" if result is None else {
            "interrupted": "; " + _("interrupted"),
            "time_limit": "; " + _("time limit reached")}.get(result.termination.value, "")
        lines.append(_("community ({objective}): {status}").format(
            objective=objective, status=pgettext("status", status)) + stopped)
        lines += [f"  - {_(r)}" for r in reasons]
        return "\n".join(lines)
    c = result.check
    assert c is not None
    gap = "" if result.gap is None else _(", gap {gap}").format(gap=fmt_percent(result.gap, 4))
    stopped = {"interrupted": "; " + _("interrupted"),
               "time_limit": "; " + _("time limit reached")}.get(result.termination.value, "")
    lines.append(_("community ({objective}) on {blocks} blocks, {sites} sites: {status} "
                   "({backend}{gap}, tie-break {tie_break})").format(
        objective=objective, blocks=fmt_number(inst.n_blocks), sites=fmt_number(inst.n_sites),
        status=pgettext("status", result.status.value), backend=result.backend, gap=gap,
        tie_break=pgettext("tie_break", result.tie_break)) + stopped)
    lines.append("  " + _("objective {objective}, bound {bound}").format(
        objective=f"{result.objective:.10g}",
        bound=f"{result.bound if result.bound is not None else float('nan'):.10g}"))
    cost = fmt_money(c.total_cost)
    if problem.budget is not None:
        cost = _("{cost} of budget {budget}").format(cost=cost, budget=fmt_money(problem.budget))
    lines.append("  " + _("cost {cost}; sites used {used} ({new} new)").format(
        cost=cost, used=int(c.used.sum()), new=int((c.used & ~inst.existing_site).sum())))
    for s, svc in enumerate(problem.services):
        lines.append("  " + _("{service}: {segment}, credited {share} of {population}").format(
            service=pgettext("service", svc.name), segment=pgettext("segment", svc.segment),
            share=fmt_percent(c.share(s), 2), population=fmt_number(c.population[s])))
    lines += ["  " + _("note: {note}").format(note=_(n)) for n in result.notes]
    return "\n".join(lines)


def write_outputs(out_dir: Path, inst: CommunityInstance, problem: CommunityProblem,
                  result: CommunityResult | None, reasons: list[str], summary: dict[str, Any],
                  meta: dict[str, Any], streets: Streets | None = None, *,
                  layers: Layers | None = None, phased: Any = None, network: Any = (),
                  network_note: dict[str, Any] | None = None) -> tuple[str, ...]:
    """Write every output into a temporary folder, then rename it to ``out_dir``.

    ``network``: the walking network's lines (network metric) drawn on the report's map.

    With the run's ``layers``, result.gpkg gives the input layers back (attributes, original
    geometry, input CRS) with the plan's columns; without them, points in the working CRS.
    ``phased`` (a PhasedResult): the tables, report and GeoPackage show the last phase, the
    sites carry the phase they open in (``opened_phase``), and phases.csv plus per-phase
    sites_<phase>.csv / coverage_<phase>.csv are added."""
    from ..outputs.write import atomic_dir
    from .report import write_report
    from .tables import (allocations_table, blocks_table, compliance_table, coverage_table,
                         sites_table, tier_long_table)

    if streets is None:
        streets = read_streets(problem.streets, inst.crs)
    written: list[str] = []
    if result is not None and reasons:  # the report shows the reasons once, as reasons
        from dataclasses import replace

        result = replace(result, notes=tuple(n for n in result.notes if n not in reasons))
    views: list[Any] = []
    if phased is not None and phased.has_solution:  # the report's map of each phase
        from .phases import phase_views

        views = phase_views(phased)
    with atomic_dir(out_dir) as tmp:
        # report.html in the current language, and report.json to re-render it (siting report)
        written += write_report(tmp, inst, problem, result, diagnosis=reasons, streets=streets,
                                meta=meta, phases=summary.get("phases"), network=network,
                                network_note=network_note, phase_views=views)
        (tmp / "summary.json").write_text(json_text(summary), encoding="utf-8")
        written += ["summary.json"]
        if result is not None and result.check is not None and result.plan is not None:
            check, plan = result.check, result.plan
            sites = sites_table(inst, problem, check, plan.new_modules)
            if phased is not None and phased.has_solution:
                from .phases import opened_phase, write_phase_tables

                sites["opened_phase"] = opened_phase(phased)
                written += write_phase_tables(tmp, phased)
            blocks = blocks_table(inst, problem, check)
            sites.to_csv(tmp / "sites.csv", index=False)
            blocks.to_csv(tmp / "blocks.csv", index=False)
            coverage = coverage_table(inst, problem, check)
            coverage.to_csv(tmp / "coverage.csv", index=False)
            tier_long_table(inst, problem, check).to_csv(tmp / "coverage_tiers.csv", index=False)
            compliance_table(inst, problem, check, plan.new_modules).to_csv(
                tmp / "compliance.csv", index=False)
            written += ["sites.csv", "blocks.csv", "coverage.csv", "coverage_tiers.csv",
                        "compliance.csv"]
            alloc = allocations_table(inst, problem, plan)
            if alloc is not None:
                alloc.to_csv(tmp / "allocations.csv", index=False)
                written.append("allocations.csv")
            _gpkg(tmp / "result.gpkg", inst, sites, blocks, layers, meta)
            written.append("result.gpkg")
    return tuple(written)


def _gpkg(path: Path, inst: CommunityInstance, sites: Any, blocks: Any,
          layers: Layers | None = None, meta: dict[str, Any] | None = None) -> None:
    """Layers ``sites`` and ``blocks``: the input layers with the plan's columns (see
    :mod:`siting.outputs.gpkg`), and the ``run_info`` table."""
    import geopandas as gpd

    from ..outputs.gpkg import crs_text, planner_frame, write_gpkg

    if layers is None:  # tables only (Python API): points in the working CRS
        d_pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(inst.demand_xy[:, 0],
                                                             inst.demand_xy[:, 1]), crs=inst.crs)
        s_pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(inst.site_xy[:, 0],
                                                             inst.site_xy[:, 1]), crs=inst.crs)
        d_src = s_src = None
    else:
        d_pts, s_pts = layers.demand, layers.sites
        d_src, s_src = layers.demand_source, layers.sites_source
    out_sites, empty_s = planner_frame(s_pts, s_src, sites)
    out_blocks, empty_b = planner_frame(d_pts, d_src, blocks)
    meta = meta or {}
    info = {"scenario": meta.get("scenario", ""), "kind": "community",
            "working_crs": meta.get("crs", crs_text(None) if inst.crs is None else inst.crs),
            "sites_crs": crs_text(out_sites.crs), "blocks_crs": crs_text(out_blocks.crs),
            "empty_columns_left_out": [f"sites.{c}" for c in empty_s]
            + [f"blocks.{c}" for c in empty_b]}
    write_gpkg(path, {"sites": out_sites, "blocks": out_blocks}, info)


def read_streets(spec: str | None, crs: str | None) -> Streets:
    """Street lines for the map (already in the working CRS when the layers are projected)."""
    if not spec:
        return []
    import geopandas as gpd

    path, _, layer = spec.partition("#")
    if not Path(path).is_file():
        raise SpecError(f"problem.streets: file {path} does not exist")
    try:
        gdf = gpd.read_file(path, layer=layer or None, engine="pyogrio")
    except Exception as exc:  # pyogrio raises driver-specific types
        raise SpecError(f"problem.streets: cannot read {spec}: {str(exc).splitlines()[0]}") from None
    if crs is not None and gdf.crs is not None:
        gdf = gdf.to_crs(crs)
    lines: list[tuple[tuple[float, float], ...]] = []
    for geom in gdf.geometry:
        if geom is None or geom.is_empty:
            continue
        parts = getattr(geom, "geoms", [geom])
        for part in parts:
            if hasattr(part, "coords"):
                lines.append(tuple((float(x), float(y)) for x, y, *_ in part.coords))
    return lines
