"""mclp/windows: on small seeded cities its answer equals the monolithic MILP's optimum, with
one coverage component and with several, budget binding and loose, and with a site count."""

from __future__ import annotations

import numpy as np
import pytest

import siting
from siting.options import SolveOptions
from siting.reduce import coverage_matrix
from siting.scale.mclp_windows import site_components
from siting.testing.city import generate_city, radius_instance

OPTS = SolveOptions(time_limit=4.0)


def _components(inst: siting.Instance, radius: float) -> int:
    return site_components(coverage_matrix(inst, radius)).count


@pytest.mark.parametrize("radius,budget_sites,many", [
    (900.0, 6, False),    # one component, budget binds
    (900.0, 60, False),   # one component, budget loose (everything coverable is covered)
    (250.0, 8, True),     # many components, budget binds
    (250.0, 200, True),   # many components, budget loose
])
def test_windows_matches_the_exact_milp(radius: float, budget_sites: float, many: bool) -> None:
    city = generate_city(700, 70, seed=3)
    inst = radius_instance(city, radius)
    assert (_components(inst, radius) > 1) == many
    budget = float(np.round(budget_sites * city.site_cost.mean()))
    exact = siting.solve(inst, "mclp", formulation="reduced", radius=radius, budget=budget)
    assert exact.is_optimal
    res = siting.solve(inst, "mclp", formulation="windows", radius=radius, budget=budget,
                       options=OPTS)
    assert res.verification is not None and res.verification.feasible
    assert res.objective == pytest.approx(res.verification.objective)
    assert res.is_optimal, res.summary()
    assert res.objective == pytest.approx(exact.objective)
    assert float(city.site_cost[np.asarray(res.decision.open, dtype=bool)].sum()) <= budget + 1e-9
    assert any(m.startswith("coverage graph:") for m in res.messages)


def test_windows_with_a_site_count_and_flags() -> None:
    city = generate_city(600, 60, seed=8)
    inst = radius_instance(city, 700.0).with_flags(required=[2], forbidden=[5])
    kw = {"radius": 700.0, "p": 5}
    exact = siting.solve(inst, "mclp", formulation="reduced", **kw)
    res = siting.solve(inst, "mclp", formulation="windows", options=OPTS, **kw)
    assert exact.is_optimal and res.is_optimal, res.summary()
    assert res.objective == pytest.approx(exact.objective)
    mask = np.asarray(res.decision.open, dtype=bool)
    assert mask[2] and not mask[5] and int(mask.sum()) <= 5
