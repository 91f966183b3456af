"""unreachable_demand reads a dense cost array in row blocks; it must name the same demand
points as the (i, j) pair lists of the sparse form, with forbidden sites and radii."""

from __future__ import annotations

import numpy as np
import pytest

from siting.formulations._common import unreachable_demand
from siting.instance import Instance, SparseCosts


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("radius", [None, 30.0, np.inf])
def test_dense_blocks_agree_with_sparse_pairs(seed: int, radius: float | None) -> None:
    rng = np.random.default_rng(seed)
    n, m = 600, 7  # three row blocks
    cost = rng.uniform(0, 60, size=(n, m))
    cost[rng.random((n, m)) < 0.5] = np.inf
    forbidden = rng.random(m) < 0.3
    dense = Instance(cost=cost, weight=np.ones(n), demand_ids=np.arange(n),
                     site_ids=np.arange(m), forbidden=forbidden)
    i, j = np.nonzero(np.isfinite(cost))
    sparse = Instance(cost=SparseCosts.from_pairs(i, j, cost[i, j], (n, m)),
                      weight=np.ones(n), demand_ids=np.arange(n), site_ids=np.arange(m),
                      forbidden=forbidden)
    lost = unreachable_demand(dense, radius)
    assert lost.size > 0
    assert np.array_equal(lost, unreachable_demand(sparse, radius))
