"""unreachable_demand reads a dense cost array in row blocks; it must name the same demand
points as the (i, j) pair lists of the sparse form, with forbidden sites and radii. sort_rows
must give the float sort's order whichever path it takes."""

from __future__ import annotations

import numpy as np
import pytest

from siting.formulations._common import sort_rows, unreachable_demand
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


@pytest.mark.parametrize("high", [50, 70_000])
def test_sort_rows_gives_the_float_sorts_order_and_values(high: int) -> None:
    # whole numbers below 2**16 take the 16-bit radix path, larger ones the float64 sort;
    # both must give the stable float order (ties by column) and the sorted values
    rng = np.random.default_rng(3)
    D = rng.integers(0, high, size=(40, 300)).astype(float)
    order, values = sort_rows(D, integral=True)
    want = np.argsort(D, axis=1, kind="stable")
    assert order.dtype == np.int32
    np.testing.assert_array_equal(order, want)
    np.testing.assert_array_equal(values, np.take_along_axis(D, want, axis=1))


def test_sort_rows_of_fractional_costs_are_not_truncated() -> None:
    D = np.array([[0.7, 0.2, 0.5], [2.5, 2.25, 2.0]])
    order, values = sort_rows(D, integral=False)
    np.testing.assert_array_equal(order, [[1, 2, 0], [2, 1, 0]])
    np.testing.assert_array_equal(values, [[0.2, 0.5, 0.7], [2.0, 2.25, 2.5]])
