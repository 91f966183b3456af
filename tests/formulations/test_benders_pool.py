"""The cut pool of the p-median Benders route (formulations/benders.py): held cuts are found
again by row id (so a slack cut dropped from the master LP comes back when violated again),
the binding rows are read off a master answer, and the active-set LP phase still proves the
brute-force optimum on small seeded instances with many LP rounds."""

from __future__ import annotations

import numpy as np
import pytest

from siting import api
from siting.formulations import benders
from siting.problems import PMedian
from siting.testing import brute_force, random_instance


def _data(seed: int, p: int = 3):
    inst = random_instance(seed, n=25, m=10, fixed_costs=False)
    return inst, benders._Data(inst, PMedian(p=p))


def test_pool_reports_row_ids_of_fresh_and_held_cuts():
    _, data = _data(0)
    cuts = benders._Cuts()
    everyone = np.arange(data.n)
    lvl = data.sorted[:, 2]
    assert cuts.add(everyone, lvl, *data.cut_rows(everyone, lvl)) == data.n
    assert cuts.hit.tolist() == list(range(data.n))
    # offer clients 3 and 7 again at the same radius plus client 5 at a new one
    who = np.array([3, 5, 7])
    lv = np.array([lvl[3], data.sorted[5, 4], lvl[7]])
    assert cuts.add(who, lv, *data.cut_rows(who, lv)) == 1, "only the new radius is fresh"
    assert cuts.hit.tolist() == [3, data.n, 7], "held cuts keep their row ids"
    assert cuts.count == data.n + 1
    # the same cut twice in one call is kept once, both offers name its row
    who2 = np.array([9, 9])
    lv2 = np.array([data.sorted[9, 5]] * 2)
    assert cuts.add(who2, lv2, *data.cut_rows(who2, lv2)) == 1
    assert cuts.hit.tolist() == [data.n + 1, data.n + 1]


def test_binding_rows_of_a_master_point():
    _, data = _data(1)
    cuts = benders._Cuts()
    everyone = np.arange(data.n)
    y = np.zeros(data.ma)
    y[[0, 4, 8]] = 1.0
    lvl, th = data.separate(y)
    cuts.add(everyone, lvl, *data.cut_rows(everyone, lvl))  # exact at y: every row binds
    far = data.sorted[:, -1]
    cuts.add(everyone, far, *data.cut_rows(everyone, far))
    milp = benders._master_milp("t", data, cuts, np.zeros(data.ma), np.ones(data.ma), False, 1.0)
    x = np.zeros(milp.n_cols)
    x[milp.blocks["y"].start + np.arange(data.ma)] = y
    x[milp.blocks["theta"].start + np.arange(data.n)] = th
    bind = benders._binding(milp, x)
    assert bind.shape == (cuts.count,)
    assert bind[:data.n].all(), "the exact cuts of y bind at y"
    # a radius-max cut binds only where the client's own cut is that one
    exact_far = (lvl >= far - 1e-9)
    assert (bind[data.n:] == exact_far[:cuts.count - data.n]).all() or cuts.count == data.n


def _proven_against_brute_force(seed, monkeypatch):  # type: ignore[no-untyped-def]
    """Benders without the Lagrangian (the LP phase does the work) on a small random case:
    proven optimal, objective and bound equal to brute force; the result."""
    monkeypatch.setattr(benders.PMedianBenders, "lagrangian_iters", 0)
    inst = random_instance(100 + seed, n=40, m=15, fixed_costs=False)
    p = 2 + seed % 4
    res = api.solve(inst, "p-median", p=p, formulation="benders", backend="highs")
    expected, _ = brute_force(inst, PMedian(p=p))
    assert res.status.value == "optimal"
    assert res.objective == pytest.approx(expected, abs=1e-6), f"seed {seed}"
    assert res.bound == pytest.approx(expected, abs=1e-6)
    return res


@pytest.mark.parametrize("seed", range(5))
def test_many_lp_rounds_on_the_active_set_prove_the_optimum(seed, monkeypatch):
    # no seed cuts beyond the incumbent's and no Lagrangian: the LP phase does the work, on
    # fresh master LPs (the active-set path every LP backend without a live LP takes)
    monkeypatch.setattr(benders.PMedianBenders, "live_lp", False)
    res = _proven_against_brute_force(seed, monkeypatch)
    # the later master LPs held fewer rows than the pool: slack cuts were left out
    lp_rows = [int(m.split()[3]) for m in res.messages if m.startswith("benders: master LP ")]
    pool = next(int(m.split(", ")[1].split()[0]) for m in res.messages
                if m.startswith("benders: LP phase bound"))
    assert len(lp_rows) >= 2
    assert lp_rows[-1] < pool + 1, f"seed {seed}: last LP {lp_rows[-1]} rows, pool {pool}"


@pytest.mark.parametrize("seed", [15, 34])
def test_a_flat_lp_round_ends_the_dropping_of_slack_cuts(seed, monkeypatch):
    # the cycling guard of the active-set LP phase: once a master LP's value does not rise,
    # every later master LP holds the whole pool (with the slack rows dropped, a degenerate
    # master moved between optimal faces for 58 flat rounds on pcb3038 p=400). Seeds 15 and
    # 34 have a flat round followed by more rounds (with the swapped greedy start, which
    # p = m/5 would otherwise skip).
    monkeypatch.setattr(benders.PMedianBenders, "lagrangian_iters", 0)
    monkeypatch.setattr(benders.PMedianBenders, "live_lp", False)
    monkeypatch.setattr(benders.PMedianBenders, "search_max_p_share", 1.0)
    pools: list[benders._Cuts] = []
    built: list[tuple[bool, bool]] = []  # per master: (integer, built from the whole pool)
    init, master_milp = benders._Cuts.__init__, benders._master_milp

    def record_init(self):
        init(self)
        pools.append(self)

    def record_master(name, data, cuts, y_lo, y_hi, integer, *rest, **kw):
        built.append((integer, cuts is pools[0]))
        return master_milp(name, data, cuts, y_lo, y_hi, integer, *rest, **kw)

    monkeypatch.setattr(benders._Cuts, "__init__", record_init)
    monkeypatch.setattr(benders, "_master_milp", record_master)
    inst = random_instance(seed, n=50, m=50, fixed_costs=False)
    res = api.solve(inst, "p-median", p=10, formulation="benders", backend="highs")
    values = [float(m.split("obj ")[1].split(",")[0]) for m in res.messages
              if m.startswith("benders: master LP ")]
    from_pool = [whole for integer, whole in built if not integer]
    assert len(from_pool) == len(values)
    flat = next(k for k in range(1, len(values))
                if values[k] <= values[k - 1] + 1e-9 * max(1.0, abs(values[k])))
    assert flat < len(values) - 1, f"seed {seed}: no round after the flat one to check"
    assert not all(from_pool[:flat + 1]), f"seed {seed}: no slack cut was ever dropped"
    assert all(from_pool[flat + 1:]), \
        f"seed {seed}: a master LP after the flat round {flat} dropped cuts: {from_pool}"
    reference = api.solve(inst, "p-median", p=10, formulation="classic", backend="highs")
    assert res.status.value == "optimal"
    assert res.objective == pytest.approx(reference.objective, abs=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_the_live_lp_adds_rounds_to_one_model_and_proves_the_optimum(seed, monkeypatch):
    res = _proven_against_brute_force(seed, monkeypatch)
    rows = [int(m.split()[4]) for m in res.messages if m.startswith("benders: master LP (live)")]
    assert rows, f"seed {seed}: the LP phase did not run on a live LP"
    assert rows == sorted(rows), f"seed {seed}: rows left the live LP: {rows}"


def test_live_and_fresh_lp_phases_reach_the_same_bound(monkeypatch):
    inst = random_instance(7, n=60, m=30, fixed_costs=False)
    bounds = []
    for live in (True, False):
        monkeypatch.setattr(benders.PMedianBenders, "live_lp", live)
        res = api.solve(inst, "p-median", p=4, formulation="benders", backend="highs")
        bounds.append(next(float(m.split()[4]) for m in res.messages
                           if m.startswith("benders: LP phase bound")))
        assert res.status.value == "optimal"
    # both loops end at the LP optimum of the full Benders master (to the loop's tolerance)
    assert bounds[0] == pytest.approx(bounds[1], rel=1e-6)
