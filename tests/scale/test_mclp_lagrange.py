"""Cover-row Lagrangian of the MCLP: the smoothed descent returns a valid bound (never below
the exact optimum, equal to L(mu) re-evaluated at its multipliers) that improves on the
subgradient point it starts from, for a budget and for a site count."""

from __future__ import annotations

import numpy as np
import pytest

import siting
from siting.reduce import coverage_matrix
from siting.scale.mclp_lagrange import CoverData, lagrangian_bound, smoothed_bound
from siting.testing.city import generate_city, radius_instance


def _data(budget_sites: float | None, p: int | None) -> tuple[CoverData, float, float]:
    city = generate_city(800, 80, seed=4)
    inst = radius_instance(city, 800.0)
    C = coverage_matrix(inst, 800.0)
    m = C.shape[1]
    budget = None if budget_sites is None else float(np.round(budget_sites * city.site_cost.mean()))
    exact = siting.solve(inst, "mclp", formulation="reduced", radius=800.0, budget=budget, p=p)
    assert exact.is_optimal
    d = CoverData(C, city.population.astype(float), city.site_cost.astype(float), p, budget,
                  np.ones(m, bool), np.zeros(m, bool))
    return d, float(exact.objective), float(city.population.sum())


@pytest.mark.parametrize("budget_sites,p", [(6.0, None), (None, 5)])
def test_smoothed_bound_is_valid_and_improves_a_short_subgradient(
        budget_sites: float | None, p: int | None) -> None:
    d, opt, total = _data(budget_sites, p)
    sub = lagrangian_bound(d, opt, 10.0, max_iter=15, deflection=1.5)
    st = smoothed_bound(d, opt, 10.0, mu0=sub.mu)
    assert st.bound >= opt - 1e-6, "the smoothed dual went below the optimum: not a bound"
    assert st.bound < sub.bound - 1e-3 * (sub.bound - opt), "no progress from the start point"
    s = d.C.T @ st.mu
    assert np.allclose(s, st.s)
    # L(mu) at the returned multipliers, recomputed here: the sum of (w - mu) plus the inner
    # LP (fractional knapsack / top-p) over the site scores
    if p is None:
        order = np.argsort(-s / d.cost)
        cum = np.cumsum(d.cost[order])
        k = int(np.searchsorted(cum, d.budget, side="right"))
        inner = float(s[order[:k]].sum())
        if k < s.size:
            inner += float(s[order[k]] * (d.budget - (cum[k - 1] if k else 0.0)) / d.cost[order[k]])
    else:
        inner = float(np.sort(s)[::-1][:p].sum())
    assert st.bound == pytest.approx(float((d.w - st.mu).sum()) + inner, rel=1e-9)
    assert st.bound <= total + 1e-6


def test_smoothed_bound_stops_when_asked() -> None:
    d, opt, _ = _data(6.0, None)
    st = smoothed_bound(d, opt, 10.0, stop=lambda: True)
    assert st.seconds < 2.0 and st.bound >= opt - 1e-6
