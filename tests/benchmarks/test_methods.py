"""Faster exact methods (Benders p-median, bracketed p-center search, weak CFLP) against brute
force and published optima; every answer is re-verified independently."""

from __future__ import annotations

import numpy as np
import pytest

import siting
from siting.options import SolveOptions
from siting.problems import CFLP, PCenter, PMedian
from siting.readers import load_instance
from siting.testing import assert_verified, brute_force, random_instance
from tests.conftest import read_optima

SEEDS = range(6)


def _exact(inst, problem, formulation, backend=None):
    expected, _ = brute_force(inst, problem)
    res = siting.solve(inst, problem, formulation=formulation, backend=backend)
    assert res.status is siting.Status.OPTIMAL, res.summary()
    assert_verified(res)
    assert res.objective == pytest.approx(expected, rel=1e-7, abs=1e-6)
    assert res.bound == pytest.approx(expected, rel=1e-6, abs=1e-6)
    return res


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("integer", [True, False])
def test_benders_equals_brute_force(seed, integer):
    inst = random_instance(seed, n=14, m=9, integer=integer)
    _exact(inst, PMedian(p=1 + seed % 4), "benders")


@pytest.mark.parametrize("seed", SEEDS)
def test_benders_weights_required_forbidden(seed):
    base = random_instance(seed, n=12, m=8)
    rng = np.random.default_rng(seed)
    from dataclasses import replace

    inst = replace(base, weight=rng.integers(1, 9, base.n_demand).astype(float))
    inst = inst.with_flags(required=[1 + seed % 8], forbidden=[1 + (seed + 3) % 8])
    res = _exact(inst, PMedian(p=3), "benders")
    radius = siting.solve(inst, PMedian(p=3), formulation="radius")
    assert res.objective == pytest.approx(radius.objective, rel=1e-9)


@pytest.mark.orlib
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_benders_pmed1_5(shared_instances, k):
    folder = shared_instances / "orlib-pmed"
    inst = load_instance(folder / f"pmed{k}.txt")
    res = siting.solve(inst, PMedian(p=inst.default_p), formulation="benders",
                       options=SolveOptions(time_limit=60))
    assert res.status is siting.Status.OPTIMAL, res.summary()
    assert_verified(res)
    assert res.objective == read_optima(folder)[f"pmed{k}"]
    assert res.bound == res.objective


def test_benders_time_limit_is_honest():
    inst = random_instance(3, n=60, m=60, integer=False)
    res = siting.solve(inst, PMedian(p=6), formulation="benders",
                       options=SolveOptions(time_limit=0.05))
    assert res.has_solution
    assert_verified(res)
    if res.status is not siting.Status.OPTIMAL:
        assert res.bound is None or res.bound <= res.objective + 1e-9


def _integer_phase_only(monkeypatch):
    """No Lagrangian and no LP cut loop: the integer phase must do (and prove) everything."""
    from siting.formulations.benders import PMedianBenders

    monkeypatch.setattr(PMedianBenders, "lagrangian_iters", 0)
    monkeypatch.setattr(PMedianBenders, "max_lp_rounds", 0)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("integer", [True, False])
def test_benders_iterated_masters_with_cutoff_row(monkeypatch, seed, integer):
    _integer_phase_only(monkeypatch)
    inst = random_instance(seed, n=14, m=9, integer=integer)
    res = _exact(inst, PMedian(p=2 + seed % 3), "benders", backend="highs")
    assert any("master MILP" in m for m in res.messages)
    assert res.backend == "highs"  # a named backend keeps every solve on it


def test_benders_default_backend_finishes_on_scip_tree(monkeypatch):
    """No backend named: the LP phase runs on HiGHS and, with a gap left and SCIP installed,
    the integer phase is one SCIP tree; the result says scip."""
    pytest.importorskip("pyscipopt")
    _integer_phase_only(monkeypatch)
    inst = random_instance(4, n=16, m=10)
    res = _exact(inst, PMedian(p=3), "benders")
    assert res.backend == "scip"
    assert any("one tree" in m for m in res.messages)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("integer", [True, False])
def test_benders_scip_one_tree_equals_brute_force(monkeypatch, seed, integer):
    pytest.importorskip("pyscipopt")
    _integer_phase_only(monkeypatch)
    inst = random_instance(seed, n=14, m=9, integer=integer)
    if seed % 2:
        from dataclasses import replace

        rng = np.random.default_rng(seed)
        inst = replace(inst, weight=rng.integers(1, 9, inst.n_demand).astype(float))
        inst = inst.with_flags(required=[1 + seed % 9], forbidden=[1 + (seed + 4) % 9])
    res = _exact(inst, PMedian(p=2 + seed % 3), "benders-scip")
    assert any("one tree" in m for m in res.messages)
    # the tree alone proved it (no fallback to iterated masters)
    assert not any("master MILP" in m for m in res.messages)


def test_benders_on_scip_backend_uses_one_tree(monkeypatch):
    pytest.importorskip("pyscipopt")
    _integer_phase_only(monkeypatch)
    inst = random_instance(7, n=20, m=12)
    expected, _ = brute_force(inst, PMedian(p=3))
    res = siting.solve(inst, PMedian(p=3), formulation="benders", backend="scip")
    assert res.status is siting.Status.OPTIMAL
    assert_verified(res)
    assert res.objective == pytest.approx(expected)
    assert any("one tree" in m for m in res.messages)


@pytest.mark.orlib
@pytest.mark.parametrize("k", [6, 16])
def test_benders_scip_pmed(shared_instances, k):
    pytest.importorskip("pyscipopt")
    folder = shared_instances / "orlib-pmed"
    inst = load_instance(folder / f"pmed{k}.txt")
    res = siting.solve(inst, PMedian(p=inst.default_p), formulation="benders-scip",
                       options=SolveOptions(time_limit=60))
    assert res.status is siting.Status.OPTIMAL, res.summary()
    assert_verified(res)
    assert res.objective == read_optima(folder)[f"pmed{k}"]
    assert res.bound == res.objective


def test_benders_scip_time_limit_is_honest():
    pytest.importorskip("pyscipopt")
    inst = random_instance(3, n=60, m=60, integer=False)
    res = siting.solve(inst, PMedian(p=6), formulation="benders-scip",
                       options=SolveOptions(time_limit=0.05))
    assert res.has_solution
    assert_verified(res)
    if res.status is not siting.Status.OPTIMAL:
        assert res.bound is None or res.bound <= res.objective + 1e-9


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("weighted", [False, True])
def test_pcenter_bracketing_equals_brute_force(seed, weighted):
    inst = random_instance(seed, n=14, m=9, integer=seed % 2 == 0)
    if seed % 3 == 0:
        inst = inst.with_flags(required=[2], forbidden=[5])
    _exact(inst, PCenter(p=2 + seed % 2, weighted=weighted), "search")


@pytest.mark.orlib
def test_weak_cflp_equals_strong_on_cap41(shared_instances):
    folder = shared_instances / "orlib-cap"
    inst = load_instance(folder / "cap41.txt")
    weak = siting.solve(inst, CFLP(), formulation="weak")
    strong = siting.solve(inst, CFLP(), formulation="strong")
    for res in (weak, strong):
        assert res.status is siting.Status.OPTIMAL, res.summary()
        assert_verified(res)
        assert res.objective == pytest.approx(read_optima(folder)["cap41"], abs=1e-3)
    assert weak.objective == pytest.approx(strong.objective, abs=1e-6)
    assert weak.model_size["rows"] < strong.model_size["rows"]  # no x_ij <= y_j rows


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("formulation", ["weak", "link-cuts"])
def test_cflp_variants_equal_brute_force(seed, formulation):
    inst = random_instance(seed, n=8, m=5, capacities=True)
    _exact(inst, CFLP(), formulation)


@pytest.mark.orlib
@pytest.mark.parametrize("name", ["cap41", "cap81", "cap131"])
def test_link_cuts_cflp_matches_capopt(shared_instances, name):
    folder = shared_instances / "orlib-cap"
    if not (folder / f"{name}.txt").is_file():
        pytest.skip(f"{name} not in this instance folder")
    inst = load_instance(folder / f"{name}.txt")
    res = siting.solve(inst, CFLP(), formulation="link-cuts")
    assert res.status is siting.Status.OPTIMAL, res.summary()
    assert_verified(res)
    assert res.objective == pytest.approx(read_optima(folder)[name], abs=1e-3)
    # the lazily linked model keeps only part of the n*m link rows
    assert res.model_size["rows"] < inst.n_demand * inst.n_sites
