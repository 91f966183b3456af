"""Published optima of the OR-Library instances in ../shared/instances (skipped when absent)."""

from __future__ import annotations

import pytest

import siting
from siting.testing import assert_verified
from tests.conftest import read_optima

# quick ones in the default run; the full sets are exercised by the benchmark harness
PMED_MEDIAN = [1, 2, 3, 4, 5, 7, 8, 9, 10]
PMED_CENTER = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
CAP = ["cap41", "cap42", "cap43", "cap44", "cap51", "cap61", "cap62", "cap63", "cap64", "cap71",
       "cap72", "cap73", "cap74", "cap81", "cap82", "cap83", "cap84", "cap91", "cap92", "cap93",
       "cap94", "cap101", "cap102", "cap103", "cap104"]


@pytest.mark.parametrize("k", PMED_MEDIAN)
def test_pmed_p_median(shared_instances, k):
    inst = siting.load_instance(shared_instances / "orlib-pmed" / f"pmed{k}.txt")
    opt = read_optima(shared_instances / "orlib-pmed")[f"pmed{k}"]
    res = siting.solve(inst, "p-median", p=inst.default_p)
    assert res.status is siting.Status.OPTIMAL
    assert_verified(res)
    assert res.objective == opt
    assert res.bound == opt and res.gap == 0.0


@pytest.mark.parametrize("k", PMED_CENTER)
def test_pmed_p_center(shared_instances, k):
    inst = siting.load_instance(shared_instances / "orlib-pmed" / f"pmed{k}.txt")
    opt = read_optima(shared_instances / "orlib-pmed")[f"pmed{k}_pcenter"]
    res = siting.solve(inst, "p-center", p=inst.default_p)
    assert res.status is siting.Status.OPTIMAL
    assert_verified(res)
    assert res.objective == opt


@pytest.mark.parametrize("name", CAP)
@pytest.mark.parametrize("kind", ["cflp", "ufl"])
def test_cap(shared_instances, name, kind):
    inst = siting.load_instance(shared_instances / "orlib-cap" / f"{name}.txt")
    key = name if kind == "cflp" else f"{name}_ufl"
    opt = read_optima(shared_instances / "orlib-cap")[key]
    res = siting.solve(inst, kind)
    assert res.status is siting.Status.OPTIMAL
    assert_verified(res)
    assert res.objective == pytest.approx(opt, abs=1e-2)


def test_duplicate_edge_rule_last_occurrence_wins(shared_instances):
    # MANIFEST: pmed1 under the min-cost rule gives 5718, under last-occurrence 5819
    inst = siting.load_instance(shared_instances / "orlib-pmed" / "pmed1.txt")
    res = siting.solve(inst, "p-median", p=5, formulation="classic")
    assert res.objective == 5819


@pytest.mark.parametrize("key,radius,p", [("swain_lscp_S20", 20, None), ("swain_lscp_S15", 15, None),
                                          ("swain_mclp_S10_p5", 10, 5), ("swain_mclp_S15_p3", 15, 3)])
def test_swain(shared_instances, key, radius, p):
    inst = siting.load_instance(shared_instances / "swain55" / "swain.txt")
    opt = read_optima(shared_instances / "swain55")[key]
    if p is None:
        res = siting.solve(inst, "lscp", radius=radius)
    else:
        res = siting.solve(inst, "mclp", radius=radius, p=p)
    assert res.status is siting.Status.OPTIMAL
    assert_verified(res)
    assert res.objective == opt
