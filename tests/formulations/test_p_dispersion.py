"""p-dispersion against enumeration of every set of p sites (siting.testing.brute_force)."""

from __future__ import annotations

import numpy as np
import pytest

import siting
from siting.errors import InfeasibleSpecError, SpecError
from siting.problems import PDispersion
from siting.testing import assert_verified, brute_force, random_instance, random_sites


@pytest.mark.parametrize("formulation", ["search", "big-m"])
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("integer", [True, False])
def test_matches_enumeration(seed: int, formulation: str, integer: bool) -> None:
    inst = random_sites(seed, m=9, integer=integer)
    p = 2 + seed % 3
    best, _ = brute_force(inst, PDispersion(p=p))
    res = siting.solve(inst, PDispersion(p=p), formulation=formulation)
    assert res.status is siting.Status.OPTIMAL
    assert_verified(res)
    assert best is not None and res.objective == pytest.approx(best, rel=1e-9)
    assert res.bound == pytest.approx(best, rel=1e-6)  # a MILP bound carries tolerances


@pytest.mark.parametrize("formulation", ["search", "big-m"])
@pytest.mark.parametrize("seed", range(4))
def test_required_and_forbidden_sites(seed: int, formulation: str) -> None:
    inst = random_sites(seed + 10, m=8).with_flags([2], [5, 7])
    best, dec = brute_force(inst, PDispersion(p=3))
    res = siting.solve(inst, PDispersion(p=3), formulation=formulation)
    assert_verified(res)
    assert res.objective == pytest.approx(best)
    assert res.decision is not None and res.decision.open[1] and not res.decision.open[[4, 6]].any()


def test_default_is_the_search_and_asymmetric_costs_use_the_nearer_direction() -> None:
    inst = random_sites(3, m=7)
    D = inst.dense_cost().copy()
    D[0, 1] += 50.0  # one direction longer: the pair's distance is the shorter one
    inst = siting.Instance(cost=D, weight=np.ones(7), demand_ids=inst.demand_ids,
                           site_ids=inst.site_ids)
    best, _ = brute_force(inst, PDispersion(p=3))
    res = siting.solve(inst, "p-dispersion", p=3)
    assert res.formulation == "search" and res.objective == pytest.approx(best)


def test_needs_sites_by_sites_costs_and_every_pair_reachable() -> None:
    with pytest.raises(SpecError, match="sites × sites"):
        siting.solve(random_instance(1, n=6, m=4), "p-dispersion", p=2)
    inst = random_sites(2, m=5)
    D = inst.dense_cost().copy()
    D[1, 3] = D[3, 1] = np.inf
    inst = siting.Instance(cost=D, weight=np.ones(5), demand_ids=inst.demand_ids,
                           site_ids=inst.site_ids)
    with pytest.raises(InfeasibleSpecError, match="2, 4 have none"):
        siting.solve(inst, "p-dispersion", p=2)


def test_scenario_and_flags_measure_the_sites_against_themselves(tmp_path) -> None:  # type: ignore[no-untyped-def]
    gpd = pytest.importorskip("geopandas")
    from siting import pipeline
    from siting.cli import main
    from siting.outputs.progress import Progress
    from siting.scenario import validate_scenario

    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 2000, size=(9, 2)) + [500_000, 4_000_000]
    sites = gpd.GeoDataFrame({"id": [f"S{k}" for k in range(9)]},
                             geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs="EPSG:32650")
    path = tmp_path / "sites.gpkg"
    sites.to_file(path, driver="GPKG")
    sc = validate_scenario({"demand": {"path": str(path)}, "sites": {"path": str(path)},
                            "problem": {"kind": "p-dispersion", "p": 3}})
    prepared = pipeline.prepare(sc, Progress())
    inst = prepared.instance
    assert inst.n_demand == inst.n_sites == 9 and list(inst.site_ids) == list(sites["id"])
    D = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(axis=2))
    np.testing.assert_allclose(inst.dense_cost(), D, atol=1e-6)
    best, _ = brute_force(inst, PDispersion(p=3))
    outcome = pipeline.run(sc)
    assert outcome.summary["status"] == "optimal"
    assert outcome.summary["objective"] == pytest.approx(best)
    out = tmp_path / "o.json"
    rc = main(["solve", "--demand", str(path), "--sites", str(path), "--problem",
               "p-dispersion", "--p", "3", "--json", str(out), "--quiet"])
    assert rc == 0 and out.is_file()


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("density", [0.05, 0.4, 0.9])
@pytest.mark.parametrize("deadline", [None, 0.0], ids=["cliques", "past-deadline"])
def test_conflict_cliques_cover_every_pair_and_only_conflicts(seed: int, density: float,
                                                              deadline: float | None) -> None:
    # the search's step rows: each a clique of the conflict graph, every conflict in one of
    # them (then the clique rows admit exactly the plans the pair rows admit); past the
    # deadline the rest are pairs, still an exact cover
    from siting.formulations.p_dispersion import conflict_cliques

    rng = np.random.default_rng(seed)
    n = 40
    upper = np.triu(rng.random((n, n)) < density, k=1)
    conflict = upper | upper.T  # not geometric: any graph
    row, site = conflict_cliques(conflict, deadline)
    if deadline is not None:
        assert np.all(np.bincount(row) == 2), "past the deadline every row is a pair"
    covered = np.zeros_like(conflict)
    for c in np.unique(row):
        members = site[row == c]
        assert members.size == np.unique(members).size
        inner = conflict[np.ix_(members, members)] | np.eye(members.size, dtype=bool)
        assert inner.all(), f"clique {c} holds a pair that does not conflict"
        covered[np.ix_(members, members)] = True
    np.fill_diagonal(covered, False)
    assert np.array_equal(covered, conflict), "a conflicting pair is in no clique"


def test_conflict_cliques_ignore_a_true_diagonal() -> None:
    # D < r with d_ii = 0 marks every site as conflicting with itself: the cover must be the
    # same as without the diagonal (it looped forever, growing cliques with repeated members)
    from siting.formulations.p_dispersion import conflict_cliques

    rng = np.random.default_rng(3)
    upper = np.triu(rng.random((12, 12)) < 0.5, k=1)
    conflict = upper | upper.T
    with_diagonal = conflict | np.eye(12, dtype=bool)
    for a, b in zip(conflict_cliques(conflict), conflict_cliques(with_diagonal)):
        assert np.array_equal(a, b), "a True diagonal changed the clique cover"


def test_conflict_cliques_of_a_graph_without_conflicts_is_empty() -> None:
    from siting.formulations.p_dispersion import conflict_cliques

    row, site = conflict_cliques(np.zeros((5, 5), dtype=bool))
    assert row.size == 0 and site.size == 0
