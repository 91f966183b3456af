"""The LP-guided incumbent search of the p-median Benders route (formulations/benders.py):
exact values, exactly p sites, required sites kept, never worse, and the brute-force optimum
from a poor start on small seeded instances."""

from __future__ import annotations

import numpy as np
import pytest

from siting.formulations import benders
from siting.problems import PMedian
from siting.testing import brute_force, random_instance

SEEDS = range(6)


def _setup(seed: int, p: int, required: list[int] | None = None):
    inst = random_instance(seed, n=30, m=12, fixed_costs=False)
    if required:
        inst = inst.with_flags(required=required)
    pm = PMedian(p=p)
    data = benders._Data(inst, pm)
    req = inst.required[data.allowed]
    # a poor start: the p sites farthest from everyone (plus the required ones)
    start = np.zeros(data.ma)
    far = np.argsort(-(data.w @ data.Da), kind="stable")
    start[req] = 1.0
    start[[j for j in far if not req[j]][:p - int(req.sum())]] = 1.0
    # an LP-like point: fractional mass on every site, its reduced costs unknown
    last_lp = (0.0, np.full(data.ma, p / data.ma), None)
    return inst, pm, data, req, start, last_lp


@pytest.mark.parametrize("seed", SEEDS)
def test_search_reaches_the_optimum_from_a_poor_start(seed):
    p = 2 + seed % 3
    inst, pm, data, req, start, last_lp = _setup(seed, p)
    start_value = data.value(start)
    ub, best_y, rounds = benders._lp_search(data, last_lp, req, np.ones(data.ma), start_value,
                                            start, -np.inf, 1.0, 60, 60, None, seed)
    expected, _ = brute_force(inst, pm)
    assert rounds > 0
    assert int((best_y > 0.5).sum()) == p
    assert ub == pytest.approx(data.value(best_y), abs=1e-9), "reported value is not exact"
    assert ub <= start_value
    assert ub == pytest.approx(expected, abs=1e-6), f"seed {seed}: {ub} vs optimum {expected}"


@pytest.mark.parametrize("seed", SEEDS)
def test_search_keeps_required_sites_and_stops_when_proven(seed):
    inst, pm, data, req, start, last_lp = _setup(seed, 3, required=[1 + seed % 12])
    start_value = data.value(start)
    ub, best_y, _ = benders._lp_search(data, last_lp, req, np.ones(data.ma), start_value,
                                       start, -np.inf, 1.0, 60, 60, None, seed)
    assert best_y[req].min() > 0.5, "a required site was closed"
    assert int((best_y > 0.5).sum()) == 3
    assert ub == pytest.approx(data.value(best_y), abs=1e-9)
    # a bound equal to the incumbent: nothing is left to find, no round runs
    again = benders._lp_search(data, last_lp, req, np.ones(data.ma), ub, best_y, ub, 1.0,
                               60, 60, None, seed)
    assert again[2] == 0 and again[0] == ub


def test_search_is_reproducible():
    _, _, data, req, start, last_lp = _setup(3, 4)
    runs = [benders._lp_search(data, last_lp, req, np.ones(data.ma), data.value(start), start,
                               -np.inf, 1.0, 20, 20, None, 7) for _ in range(2)]
    assert runs[0][0] == runs[1][0] and np.array_equal(runs[0][1], runs[1][1])


def test_no_search_rounds_when_p_is_above_a_tenth_of_the_sites(monkeypatch):
    from siting import api

    # seed 4, 80 x 30, p=5: the LP phase leaves a gap, and without the rule 24 rounds run
    inst = random_instance(4, n=80, m=30, fixed_costs=False)
    expected = api.solve(inst, "p-median", p=5, formulation="classic", backend="highs")
    for share, searched in ((1.0, True), (benders.PMedianBenders.search_max_p_share, False)):
        monkeypatch.setattr(benders.PMedianBenders, "search_max_p_share", share)
        res = api.solve(inst, "p-median", p=5, formulation="benders", backend="highs")
        assert res.status.value == "optimal"
        assert res.objective == pytest.approx(expected.objective)
        notes = [m for m in res.messages if m.startswith("benders: LP-guided search")]
        assert notes, "no LP-guided search note"
        assert notes[0].endswith(" in 0 rounds") != searched, f"share {share}: {notes}"


def test_the_tree_adds_general_cuts_then_strong_branching_as_p_grows():
    form = benders.PMedianBenders()
    cuts, strong = form.general_cuts_p_share, form.reliable_branching_p_share
    assert cuts < strong
    low = form._tree_settings(int(cuts * 1000), 1000)
    mid = form._tree_settings(int(cuts * 1000) + 1, 1000)
    high = form._tree_settings(int(strong * 1000) + 1, 1000)
    assert low == form.tree_settings and not low.general_cuts and not low.strong_branching
    assert mid.general_cuts and not mid.strong_branching
    assert high.general_cuts and high.strong_branching and high.reliability == 1.0
    # everything else stays as the tree's measured settings
    assert {(s.primal_heuristics, s.probing, s.fractional_every) for s in (low, mid, high)} \
        == {(low.primal_heuristics, low.probing, low.fractional_every)}


@pytest.mark.parametrize("share", ["general_cuts_p_share", "reliable_branching_p_share"])
def test_a_tree_with_general_cuts_or_strong_branching_proves_the_exact_optimum(
        monkeypatch, share):
    pytest.importorskip("pyscipopt")
    from siting import api

    # seed 11, 80 x 40, p=10: without the LP-guided search the LP phase leaves the tree a gap
    inst = random_instance(11, n=80, m=40, fixed_costs=False)
    expected = api.solve(inst, "p-median", p=10, formulation="classic", backend="highs")
    settings = []
    orig = benders.PMedianBenders._tree_settings

    def spy(self, p, ma):  # type: ignore[no-untyped-def]
        settings.append(orig(self, p, ma))
        return settings[-1]

    monkeypatch.setattr(benders.PMedianBenders, "_tree_settings", spy)
    monkeypatch.setattr(benders.PMedianBenders, share, 0.0)
    if share == "general_cuts_p_share":  # p = 10 of 40 is above the strong-branching share
        monkeypatch.setattr(benders.PMedianBenders, "reliable_branching_p_share", 1.0)
    monkeypatch.setattr(benders.PMedianBenders, "search_rounds", 0)
    res = api.solve(inst, "p-median", p=10, formulation="benders")
    assert res.status.value == "optimal"
    assert res.objective == pytest.approx(expected.objective)
    assert res.bound == pytest.approx(expected.objective)
    assert settings, "the tree did not run"
    if share == "general_cuts_p_share":
        assert all(s.general_cuts and not s.strong_branching for s in settings)
    else:
        assert all(s.reliability == 1.0 for s in settings)




@pytest.mark.parametrize("priced", [True, False])
def test_a_tree_started_from_the_priced_rows_only_proves_the_exact_optimum(monkeypatch, priced):
    """Dropping the binding rows with a zero dual keeps the LP optimum; the separator puts
    back any row a node needs, so the tree's answer and bound stay exact."""
    pytest.importorskip("pyscipopt")
    from siting import api

    inst = random_instance(11, n=80, m=40, fixed_costs=False)
    expected = api.solve(inst, "p-median", p=10, formulation="classic", backend="highs")
    masters = []
    orig = benders._master_milp

    def spy(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        masters.append((name, orig(name, *args, **kwargs)))
        return masters[-1][1]

    monkeypatch.setattr(benders, "_master_milp", spy)
    monkeypatch.setattr(benders.PMedianBenders, "tree_priced_rows", priced)
    monkeypatch.setattr(benders.PMedianBenders, "search_rounds", 0)
    res = api.solve(inst, "p-median", p=10, formulation="benders")
    assert res.status.value == "optimal"
    assert res.objective == pytest.approx(expected.objective)
    assert res.bound == pytest.approx(expected.objective)
    assert any(name == "tree" for name, _ in masters), "the tree did not run"
