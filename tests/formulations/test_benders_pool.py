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


@pytest.mark.parametrize("seed", range(5))
def test_many_lp_rounds_on_the_active_set_prove_the_optimum(seed, monkeypatch):
    # no seed cuts beyond the incumbent's and no Lagrangian: the LP phase does the work
    monkeypatch.setattr(benders.PMedianBenders, "lagrangian_iters", 0)
    inst = random_instance(100 + seed, n=40, m=15, fixed_costs=False)
    p = 2 + seed % 4
    res = api.solve(inst, "p-median", p=p, formulation="benders", backend="highs")
    expected, _ = brute_force(inst, PMedian(p=p))
    assert res.status.value == "optimal"
    assert res.objective == pytest.approx(expected, abs=1e-6), f"seed {seed}"
    assert res.bound == pytest.approx(expected, abs=1e-6)
    # the later master LPs held fewer rows than the pool: slack cuts were left out
    lp_rows = [int(m.split()[3]) for m in res.messages if m.startswith("benders: master LP ")]
    pool = next(int(m.split(", ")[1].split()[0]) for m in res.messages
                if m.startswith("benders: LP phase bound"))
    assert len(lp_rows) >= 2
    assert lp_rows[-1] < pool + 1, f"seed {seed}: last LP {lp_rows[-1]} rows, pool {pool}"
