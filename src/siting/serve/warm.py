"""Warm re-solves in the worker: one :class:`siting.session.Session` per opened scenario.

The worker opens the scenario once (layers, travel pairs, instance: :func:`siting.pipeline.prepare`
exactly as ``siting solve`` reads them) and builds its model once. A page solve whose edits the
session can express — budget, lock, forbid, service weights, targets (overall, every community,
named communities), time limit — is answered by ``Session.resolve`` and written by the community
driver's own ``write`` (report, result.gpkg, CSVs). Anything else (cost or area edits, guide
rules, p / radius / objective, phased scenarios, the classical kinds, a plan ruled out before
solving) returns None here and the caller solves the written scenario with the full pipeline.

The warm answer is the cold answer: the edits are read back from the scenario file the server
wrote for this solve (the file export hands over), and the session's edited problem must equal
that file's problem, or the cold path runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..scenario import Scenario, load_scenario
from .engine import LAYER_KEYS, Edits, plan_dict, solve_plan

#: edits of the page the session answers (every other edit takes the full pipeline)
WARM_PROBLEM_KEYS = frozenset({"budget"})


@dataclass(eq=False)
class Warm:
    """One opened community scenario held in the worker: what ``prepare`` read, the session."""

    path: Path
    stamp: float
    prepared: Any
    session: Any


def open_warm(path: Path) -> Warm | None:
    """Read and build once; None when the scenario is not one the session answers."""
    from .. import pipeline
    from ..outputs.progress import Progress
    from ..session import Session

    scenario = load_scenario(path)
    if scenario.problem.kind != "community" or getattr(scenario.problem, "phases", None):
        return None
    prepared = pipeline.prepare(scenario, Progress())
    session = Session(prepared.instance, prepared.problem, backend=scenario.solver.backend,
                      options=scenario.solver.options(), scenario=scenario)
    return Warm(path.resolve(), path.stat().st_mtime, prepared, session)


class WarmCache:
    """The worker's sessions, one per scenario file (reopened when the file changes)."""

    def __init__(self) -> None:
        self._open: dict[Path, Warm | None] = {}
        #: why a scenario could not be opened warm (its solves take the full pipeline)
        self.failed: dict[Path, str] = {}

    def get(self, path: Path) -> Warm | None:
        key = path.resolve()
        if key in self._open:
            warm = self._open[key]
            if warm is None or warm.stamp == key.stat().st_mtime:
                return warm
            del self._open[key]  # the scenario file changed: read it again
        try:  # an interrupt here leaves nothing cached
            opened = open_warm(key)
        except Exception as exc:  # noqa: BLE001 - the cold path reads it again and says why
            self.failed[key] = f"{type(exc).__name__}: {exc}"
            opened = None
        self._open[key] = opened
        return opened


def solve_job(toml_path: Path, out_dir: Path, log_file: Path | None = None, *,
              warm: Warm | None = None, edits: Edits | None = None) -> dict[str, Any]:
    """One page solve in the worker: the warm session when it can express ``edits`` (plan
    ``"path": "warm"``), else :func:`siting.serve.engine.solve_plan` (``"cold"``)."""
    if warm is not None and edits is not None:
        job = load_scenario(toml_path)
        kw = what_if(warm, job, edits)
        outcome = solve_warm(warm, job, kw, out_dir, log_file) if kw is not None else None
        if outcome is not None:
            plan = plan_dict(outcome.summary, out_dir if out_dir.is_dir() else None)
            plan["path"] = "warm"
            return plan
    return solve_plan(toml_path, out_dir, log_file)


def what_if(warm: Warm, job: Scenario, edits: Edits) -> dict[str, Any] | None:
    """The ``Session.resolve`` keywords that give the job's scenario, or None (cold path)."""
    from ..community.pipeline import problem_of

    if edits.rules or set(edits.problem) - WARM_PROBLEM_KEYS:
        return None
    if any(e.cost is not None or e.area is not None for e in edits.sites.values()):
        return None
    base = warm.prepared.scenario
    if _resolved(job.demand) != _resolved(base.demand) or \
            _resolved(job.distance) != _resolved(base.distance):
        return None
    want, have = problem_of(job), warm.prepared.problem
    if [s.name for s in want.services] != [s.name for s in have.services]:
        return None
    if (edits.lock or edits.forbid) and (have.columns.forced is None
                                         or have.columns.forbidden is None):
        return None  # the cold path then reads flag columns the scenario had switched off
    kw: dict[str, Any] = {"lock": list(edits.lock), "forbid": list(edits.forbid)}
    if want.budget != have.budget:
        kw["budget"] = want.budget
    weights = {s.name: s.weight for s, b in zip(want.services, have.services)
               if s.weight != b.weight}
    if weights:
        kw["weights"] = weights
    names = sorted(set(want.targets) | set(have.targets))
    targets = {n: want.targets.get(n) for n in names if want.targets.get(n) != have.targets.get(n)}
    if targets:
        kw["targets"] = targets
    _, problem = warm.session.edited(**kw)
    # the safety net: the session's edited problem is the file's problem
    if _plain(problem) != _plain(want):
        return None
    return kw


def _plain(problem: Any) -> dict[str, Any]:
    """A community problem as data without its site-flag column names (lock/forbid move into
    a derived site table on the cold path), its "path#layer" map layers resolved (the written
    file reaches the same file by a relative path)."""
    data = problem.model_dump()
    for flag in ("forced", "forbidden"):
        data["columns"].pop(flag, None)
    for key in LAYER_KEYS:
        if isinstance(data.get(key), str):
            path, sep, layer = data[key].partition("#")
            data[key] = str(Path(path).resolve()) + sep + layer
    return data


def _resolved(model: Any) -> Any:
    """A spec as plain data with every path resolved (the written file's paths are relative)."""
    def fix(v: Any) -> Any:
        if isinstance(v, Path):
            return v.resolve()
        if isinstance(v, dict):
            return {k: fix(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [fix(x) for x in v]
        return v

    return fix(model.model_dump())


def solve_warm(warm: Warm, job: Scenario, kw: dict[str, Any], out_dir: Path,
               log_file: Path | None) -> Any:
    """The what-if by ``Session.resolve``, written like ``siting solve``; a RunOutcome, or None
    when a rule rules the plan out before solving (the cold path explains it)."""
    from ..community.diagnose import diagnose, joint_reasons, magnitude_warnings
    from ..community.pipeline import DRIVER, Solved
    from ..community.solve import solve
    from ..i18n import use_language
    from ..outputs.progress import Progress
    from ..outputs.write import check_targets
    from ..protocol import Targets

    session = warm.session
    inst, problem = session.edited(**kw)
    if diagnose(inst, problem):
        return None
    solver = job.solver
    if log_file is not None and solver.backend in (None, "highs"):
        opts = dict(solver.backend_options)
        opts.update(log_file=str(log_file), log_to_console=False)
        solver = solver.model_copy(update={"verbose": True, "backend_options": opts})
    options = solver.options()  # this solve's time limit (and HiGHS log)
    if options.threads is None:  # the session's own default (one solver thread, session.py)
        options = options.model_copy(update={"threads": session.options.threads})
    session.options = options
    with use_language(getattr(job, "language", None)):
        check_targets(out_dir, None)
        t0 = time.perf_counter()
        result = session.resolve(**kw)
        reasons: list[str] = []
        if (not result.has_solution and result.status.value == "infeasible"
                and result.termination.value != "interrupted"):
            reasons = list(result.reasons) or diagnose(inst, problem) or joint_reasons(
                inst, problem, solve=solve, backend=session.backend, options=session.options)
        prepared = warm.prepared
        units = prepared.costs.info.get("units")
        extra = {**prepared.extra, "warnings": magnitude_warnings(inst, problem, units)}
        prepared = replace(prepared, scenario=job, instance=inst, problem=problem, extra=extra)
        solved = Solved(result, reasons, time.perf_counter() - t0)
        return DRIVER.write(prepared, solved, Targets(out_dir, None), Progress())
