"""Bounded heuristics: verified solutions, valid bounds (checked against exact optima), honest
status; memory estimate refusal."""

from __future__ import annotations

import numpy as np
import pytest

import siting
from siting.errors import ResourceError
from siting.instance import Instance
from siting.options import SolveOptions
from siting.testing.city import generate_city, knn_instance, radius_instance
from siting.scale.memory import MilpSize, check_memory

from ..conftest import read_optima

FAST = SolveOptions(time_limit=4.0)


def _dense(inst: Instance) -> Instance:
    return Instance(cost=inst.dense_cost(), weight=inst.weight, demand_ids=inst.demand_ids,
                    site_ids=inst.site_ids, fixed_cost=inst.fixed_cost, name=inst.name)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pmedian_lagrangian_bound_and_solution_bracket_the_optimum(seed: int) -> None:
    city = generate_city(120, 60, seed=seed)
    full = _dense(knn_instance(city, 60))
    exact = siting.solve(full, "p-median", p=6, formulation="classic")
    assert exact.is_optimal
    # truncated candidate lists: the bound must still hold for the full problem
    for inst in (full, knn_instance(city, 25)):
        res = siting.solve(inst, "p-median", p=6, formulation="lagrangian",
                           options=SolveOptions(time_limit=1.5))
        assert res.verification is not None and res.verification.feasible
        assert res.objective == pytest.approx(res.verification.objective)
        assert res.bound <= exact.objective * (1 + 1e-9)
        assert res.objective >= exact.objective * (1 - 1e-9)
        if res.status.value == "optimal":
            assert res.objective == pytest.approx(exact.objective)
        else:
            assert res.status.value == "feasible" and res.gap > 0
        assert res.gap < 0.05


@pytest.mark.orlib
def test_pmedian_lagrangian_on_orlib(shared_instances) -> None:
    from siting.readers import load_instance

    folder = shared_instances / "orlib-pmed"
    opt = read_optima(folder)["pmed1"]
    inst = load_instance(folder / "pmed1.txt")
    res = siting.solve(inst, "p-median", p=inst.default_p, formulation="lagrangian",
                       options=FAST)
    assert res.verification is not None and res.verification.feasible
    assert res.bound <= opt + 1e-6 <= res.objective + 2e-6
    assert res.objective <= 1.01 * opt


@pytest.mark.parametrize("form", ["lagrangian", "heuristic"])
def test_mclp_bounded_heuristics_bracket_the_optimum(form: str) -> None:
    city = generate_city(800, 80, seed=4)
    inst = radius_instance(city, 700.0)
    prob = {"radius": 700.0, "budget": float(6 * city.site_cost.mean())}
    exact = siting.solve(inst, "mclp", formulation="reduced", **prob)
    assert exact.is_optimal
    res = siting.solve(inst, "mclp", formulation=form, options=FAST, **prob)
    assert res.verification is not None and res.verification.feasible
    assert res.objective <= exact.objective + 1e-6
    assert res.bound >= exact.objective - 1e-6
    assert res.status.value in ("optimal", "feasible")
    if res.status.value == "optimal":
        assert res.objective == pytest.approx(exact.objective)
    assert any("lagrangian" in m for m in res.messages)


def test_mclp_count_limit_with_required_sites() -> None:
    city = generate_city(500, 50, seed=5)
    inst = radius_instance(city, 600.0).with_flags(required=[3, 7], forbidden=[11])
    exact = siting.solve(inst, "mclp", radius=600.0, p=5, formulation="cover")
    res = siting.solve(inst, "mclp", radius=600.0, p=5, formulation="lagrangian", options=FAST)
    assert res.verification is not None and res.verification.feasible
    assert exact.objective - 1e-6 <= res.bound
    assert res.objective <= exact.objective + 1e-6
    assert {3, 7} <= set(res.open_sites) and 11 not in res.open_sites


def test_memory_estimate_refuses_with_advice(monkeypatch) -> None:
    with pytest.raises(ResourceError, match="cutoff|radius"):
        check_memory(MilpSize(10**6, 10**6, 10**9), "test model", available=8 * 2**30,
                     fraction=0.7)
    check_memory(MilpSize(100, 100, 1000), "small model", available=8 * 2**30, fraction=0.7)
    city = generate_city(300, 30, seed=1)
    inst = radius_instance(city, 800.0)
    monkeypatch.setenv("SITING_MEMORY_FRACTION", "1e-9")
    with pytest.raises(ResourceError, match="heuristic"):
        siting.solve(inst, "mclp", radius=800.0, p=3)
    # the bounded heuristic builds no MILP and still answers
    res = siting.solve(inst, "mclp", radius=800.0, p=3, formulation="heuristic", options=FAST)
    assert res.verification is not None and res.verification.feasible


def test_lscp_heuristic_brackets_the_optimum() -> None:
    city = generate_city(600, 60, seed=6)
    inst = radius_instance(city, 900.0)
    exact = siting.solve(inst, "lscp", radius=900.0, drop_unreachable=True, formulation="cover")
    res = siting.solve(inst, "lscp", radius=900.0, drop_unreachable=True,
                       formulation="heuristic", options=FAST)
    assert exact.is_optimal
    assert res.verification is not None and res.verification.feasible
    assert res.bound <= exact.objective + 1e-6 <= res.objective + 2e-6
    assert res.status.value == ("optimal" if res.objective == exact.objective else "feasible")


@pytest.mark.parametrize("form", ["lagrangian", "heuristic"])
def test_ufl_lagrangian_brackets_the_optimum(form: str) -> None:
    city = generate_city(80, 40, seed=7)
    inst = _dense(knn_instance(city, 40))
    inst = Instance(cost=inst.cost / 100.0, weight=np.ones(80), demand_ids=inst.demand_ids,
                    site_ids=inst.site_ids, fixed_cost=inst.fixed_cost * 10, name="ufl")
    exact = siting.solve(inst, "ufl")
    res = siting.solve(inst, "ufl", formulation=form, options=FAST)
    assert exact.is_optimal
    assert res.verification is not None and res.verification.feasible
    assert res.bound <= exact.objective * (1 + 1e-9)
    assert res.objective >= exact.objective * (1 - 1e-9)
    assert res.gap < 0.05


def test_pcenter_heuristic_bound_is_valid() -> None:
    city = generate_city(100, 30, seed=8)
    inst = _dense(knn_instance(city, 30))
    exact = siting.solve(inst, "p-center", p=4)
    res = siting.solve(inst, "p-center", p=4, formulation="heuristic", options=FAST)
    assert exact.is_optimal
    assert res.verification is not None and res.verification.feasible
    assert res.bound <= exact.objective + 1e-9 <= res.objective + 2e-9


def test_cli_memory_refusal_is_one_line_exit_2(tmp_path, monkeypatch, capsys) -> None:
    pytest.importorskip("geopandas")
    from siting.cli import main
    from siting.testing.city import scenario_toml, write_city_layers

    city = generate_city(200, 20, seed=2)
    demand, sites = write_city_layers(city, tmp_path)
    sc = tmp_path / "s.toml"
    sc.write_text(scenario_toml("s", demand, sites, {"kind": "mclp", "radius": 600.0, "p": 3}))
    monkeypatch.setenv("SITING_MEMORY_FRACTION", "1e-9")
    out = tmp_path / "out"
    assert main(["solve", str(sc), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "heuristic" in err and "GiB" in err
    assert not out.exists()
