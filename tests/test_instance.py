"""Instance checks on dense costs run in row blocks (siting.instance._scan_costs): a fault in
any block, first or last, is found, and the integrality flag and the magnitude check see every
row."""

from __future__ import annotations

import numpy as np
import pytest

from siting.errors import DataError
from siting.instance import COST_BLOCK_ROWS, Instance

N = 2 * COST_BLOCK_ROWS + 7  # three blocks, the last one short


def _instance(cost: np.ndarray) -> Instance:
    n, m = cost.shape
    return Instance(cost=cost, weight=np.ones(n), demand_ids=np.arange(n),
                    site_ids=np.arange(m), source="costs.csv")


def _costs() -> np.ndarray:
    return np.random.default_rng(3).integers(0, 50, size=(N, 5)).astype(float)


@pytest.mark.parametrize("row", [0, COST_BLOCK_ROWS, N - 1])
@pytest.mark.parametrize("value, message", [(np.nan, "contain NaN"),
                                            (-1.0, "contain negative values")])
def test_a_bad_cost_in_any_block_is_refused(row: int, value: float, message: str) -> None:
    cost = _costs()
    cost[row, 2] = value
    with pytest.raises(DataError, match=f"costs.csv: travel costs {message}"):
        _instance(cost)


@pytest.mark.parametrize("row", [0, COST_BLOCK_ROWS + 3, N - 1])
def test_integral_flag_sees_every_block_and_ignores_unreachable_pairs(row: int) -> None:
    cost = _costs()
    cost[5, 1] = np.inf
    assert _instance(cost).integral_costs
    cost[row, 4] = 2.5
    assert not _instance(cost).integral_costs


def test_a_too_large_cost_in_the_last_block_names_its_pair() -> None:
    cost = _costs()
    cost[3, 0] = np.inf  # an unreachable pair is not a magnitude
    cost[N - 2, 3] = 1e20
    with pytest.raises(DataError, match=f"from demand {N - 2} to site 3"):
        _instance(cost)
