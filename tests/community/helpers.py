"""Community test helpers: the oracle and tiny tables live in siting.testing.community; the
viability tests' problem, tables and their check against enumeration are here (shared by two
modules)."""

from __future__ import annotations

import pytest

from siting.community.spec import CommunityProblem
from siting.solution import Status
from siting.testing.community import (
    SERVICES,
    best_allocation,
    best_check,
    build,
    enumerate_checks,
    planar_instance,
    plans,
    problem,
    reference,
    tiny_tables,
)

#: every plan enumerated; capacitated allocations by an LP that also asks the viability
#: thresholds; the verifier judges each plan
viability_reference = best_check

__all__ = ["SERVICES", "assert_matches_enumeration", "best_allocation", "build", "enumerate_checks", "planar_instance", "plans",
           "problem", "reference", "tiny_tables", "viability_problem", "viability_reference",
           "viability_tables"]


def viability_problem(objective: str = "coverage", *, names=None, overrides=None,  # type: ignore[no-untyped-def]
                      **kw):
    chosen = []
    for s in SERVICES:
        if names is not None and s["name"] not in names:
            continue
        chosen.append({**s, **(overrides or {}).get(s["name"], {})})
    return CommunityProblem.model_validate({"kind": "community", "objective": objective,
                                            "services": chosen, **kw})


def viability_tables(seed: int, grid: bool = True):  # type: ignore[no-untyped-def]
    demand, sites = tiny_tables(seed, n=10, m=4)
    if grid:  # coarse coordinates: equal distances (ties) happen
        for df in (demand, sites):
            df["x"] = (df["x"] // 150) * 150
            df["y"] = (df["y"] // 150) * 150
    return demand, sites


def assert_matches_enumeration(inst, prob, res):  # type: ignore[no-untyped-def]
    """The solve's status, coverage and cost equal the enumeration's best plan."""
    ref = viability_reference(inst, prob)
    if ref is None:
        assert res.status is Status.INFEASIBLE and res.plan is None, res.status
        return
    assert res.status is Status.OPTIMAL, res.status
    assert res.check is not None and res.check.feasible, res.check.violations
    assert res.objective == pytest.approx(ref.coverage_objective, rel=1e-6, abs=1e-6)
    assert res.check.total_cost == pytest.approx(ref.total_cost, abs=1e-6)
