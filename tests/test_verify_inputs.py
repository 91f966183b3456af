"""`siting.verify` takes what a user has at hand: res.open_sites, a mask or a Decision (#14.13)."""

from __future__ import annotations

import numpy as np
import pytest

import siting
from siting.errors import SpecError
from siting.testing import random_instance


def test_verify_accepts_open_site_ids_mask_and_result() -> None:
    inst = random_instance(3, 12, 6)
    res = siting.solve(inst, "p-median", p=2)
    by_ids = siting.verify(inst, siting.PMedian(p=2), res.open_sites)
    assert by_ids.feasible and by_ids.matches(res.objective)
    mask = np.isin(np.asarray(inst.site_ids, dtype=str), [str(s) for s in res.open_sites])
    assert siting.verify(inst, siting.PMedian(p=2), mask).objective == by_ids.objective
    assert siting.verify(inst, siting.PMedian(p=2), res).objective == by_ids.objective
    with pytest.raises(SpecError, match="is not a site id of the instance"):
        siting.verify(inst, siting.PMedian(p=2), ["no-such-site"])
