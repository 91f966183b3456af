"""The seeded 5,934-point stand-in for rl5934 (benchmarks/tsplib_synth.py): pcb3038's points
first, then jittered copies; the same file for the same seed; readable as TSPLIB."""

from __future__ import annotations

import numpy as np

from benchmarks import tsplib_synth
from siting.readers.tsplib import read_tsplib


def test_the_stand_in_keeps_pcb3038_and_adds_seeded_jittered_copies(shared_instances, tmp_path):
    source = shared_instances / "tsplib-pmed" / "pcb3038.tsp"
    xy = tsplib_synth.points(source)
    base = np.asarray(read_tsplib(source).metadata["xy"], dtype=float)
    assert xy.shape == (5934, 2)
    assert np.array_equal(xy[:3038], base), "pcb3038's own points come first, unchanged"
    extra = xy[3038:]
    assert np.array_equal(extra, np.round(extra)), "integer coordinates"
    # each added point lies near some pcb3038 point (a jitter, not a uniform scatter)
    nearest = np.sqrt(((extra[:200, None, :] - base[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    assert np.median(nearest) < 3 * tsplib_synth.SIGMA
    assert np.array_equal(tsplib_synth.points(source), xy), "seeded"
    assert not np.array_equal(tsplib_synth.points(source, seed=1), xy)
    tsplib_synth.write(xy, tmp_path / "clu5934.tsp", "clu5934")
    inst = read_tsplib(tmp_path / "clu5934.tsp")
    assert inst.n_demand == 5934 and inst.name == "clu5934"
    assert np.array_equal(np.asarray(inst.metadata["xy"], dtype=float), xy)
