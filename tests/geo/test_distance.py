"""Euclidean, haversine and OD-table travel costs: values, sparsity and cutoffs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siting.errors import DataError
from siting.geo import distance as dist
from siting.instance import SparseCosts


def _brute(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))


def test_euclidean_cutoff_is_sparse_and_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    d, s = rng.uniform(0, 1000, (300, 2)), rng.uniform(0, 1000, (40, 2))
    full = _brute(d, s)
    import scipy.spatial.distance as ssd

    # with a cutoff no dense n×m matrix may be formed
    monkeypatch.setattr(ssd, "cdist", lambda *a, **k: pytest.fail("dense matrix built"))
    costs = dist.euclidean(d, s, 150.0)
    assert isinstance(costs, SparseCosts)
    assert costs.nnz == int((full <= 150.0).sum()) < full.size / 5
    dense = costs.to_dense()
    within = full <= 150.0
    np.testing.assert_allclose(dense[within], full[within], rtol=1e-12)
    assert np.isinf(dense[~within]).all()


def test_euclidean_keeps_zero_distance_pairs() -> None:
    pts = np.array([[0.0, 0.0], [5.0, 5.0]])
    costs = dist.euclidean(pts, pts, 1.0)
    assert isinstance(costs, SparseCosts)
    assert costs.nnz == 2 and costs.data.tolist() == [0.0, 0.0]


def test_euclidean_without_cutoff_is_dense() -> None:
    rng = np.random.default_rng(2)
    d, s = rng.uniform(0, 10, (6, 2)), rng.uniform(0, 10, (4, 2))
    full = dist.euclidean(d, s, None)
    assert isinstance(full, np.ndarray)
    np.testing.assert_allclose(full, _brute(d, s))


def test_haversine_known_values() -> None:
    a = np.array([[0.0, 0.0], [-122.4194, 37.7749]])
    b = np.array([[0.0, 1.0], [-118.2437, 34.0522]])  # 1° of latitude; San Francisco–Los Angeles
    d = dist.haversine_pairs(a, b)
    assert d[0] == pytest.approx(111_195.08, abs=0.5)
    assert d[1] == pytest.approx(559_120, rel=2e-3)


def test_haversine_cutoff_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    d = rng.uniform([26.9, 60.5], [27.0, 60.56], (200, 2))
    s = rng.uniform([26.9, 60.5], [27.0, 60.56], (30, 2))
    full = dist.haversine(d, s, None)
    assert isinstance(full, np.ndarray) and full.shape == (200, 30)
    costs = dist.haversine(d, s, 900.0)
    assert isinstance(costs, SparseCosts)
    assert costs.nnz == int((full <= 900.0).sum())
    dense = costs.to_dense()
    np.testing.assert_allclose(dense[full <= 900.0], full[full <= 900.0])


def _od(tmp: Path, rows: str) -> Path:
    p = tmp / "od.csv"
    p.write_text("site_id,demand_id,cost\n" + rows)
    return p


def test_od_table_missing_pairs_are_unreachable(tmp_path: Path) -> None:
    ids_d, ids_s = np.array(["a", "b", "c"], dtype=object), np.array(["S1", "S2"], dtype=object)
    costs = dist.od_table(_od(tmp_path, "S1,a,3\nS2,a,7\nS2,c,1.5\n"), "site_id", "demand_id",
                          "cost", ids_s, ids_d, None)
    dense = costs.to_dense()
    assert dense.tolist() == [[3.0, 7.0], [np.inf, np.inf], [np.inf, 1.5]]
    cut = dist.od_table(_od(tmp_path, "S1,a,3\nS2,a,7\nS2,c,1.5\n"), "site_id", "demand_id",
                        "cost", ids_s, ids_d, 5.0)
    assert cut.nnz == 2


def test_od_table_parquet_equals_csv(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    ids_d, ids_s = np.array(["1", "2"], dtype=object), np.array(["10", "20"], dtype=object)
    pq = tmp_path / "od.parquet"
    # integer ids in Parquet still match text ids
    pd.DataFrame({"site_id": [10, 20, 20], "demand_id": [1, 1, 2],
                  "cost": [1.0, 2.0, 3.0]}).to_parquet(pq)
    a = dist.od_table(pq, "site_id", "demand_id", "cost", ids_s, ids_d, None).to_dense()
    b = dist.od_table(_od(tmp_path, "10,1,1\n20,1,2\n20,2,3\n"), "site_id", "demand_id",
                      "cost", ids_s, ids_d, None).to_dense()
    np.testing.assert_array_equal(a, b)


def test_od_table_errors_name_the_row(tmp_path: Path) -> None:
    ids = np.array(["a"], dtype=object)
    with pytest.raises(DataError, match=r"od.csv: line 3, column 'site_id': site id 'S9'"):
        dist.od_table(_od(tmp_path, "S1,a,1\nS9,a,2\n"), "site_id", "demand_id", "cost",
                      np.array(["S1"], dtype=object), ids, None)
