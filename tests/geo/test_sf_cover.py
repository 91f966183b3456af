"""The San Francisco store-siting case through the flag interface with an OD table (--costs).

Every objective must reproduce ../shared/instances/sf-cover/optima.csv, and is re-counted here
from the raw OD table and the reported open stores (no solver, no siting code).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import read_optima

from .conftest import run_cli

CASES = [
    ("sf_lscp_S5000", ["--problem", "lscp", "--radius", "5000"]),
    ("sf_lscp_S8000", ["--problem", "lscp", "--radius", "8000"]),
    ("sf_lscp_S8000_fixed_Store_3_Store_7",
     ["--problem", "lscp", "--radius", "8000", "--required", "Store_3,Store_7"]),
    ("sf_mclp_S5000_p4", ["--problem", "mclp", "--radius", "5000", "--p", "4"]),
    ("sf_pmedian_p4", ["--problem", "p-median", "--p", "4"]),
    ("sf_pcenter_p4", ["--problem", "p-center", "--p", "4"]),
]


def _sf_args(sf: Path) -> list[object]:
    return ["solve", "--demand", sf / "SF_demand_205_centroid_uniform_weight.csv",
            "--sites", sf / "SF_store_site_16_longlat.csv", "--demand-id", "NAME",
            "--weight", "POP2000", "--site-id", "NAME",
            "--costs", sf / "SF_network_distance_candidateStore_16_censusTract_205_new.csv",
            "--cost-site", "name", "--cost-demand", "DestinationName",
            "--cost-value", "distance", "--quiet"]


def _recount(sf: Path, case: str, open_sites: list[str]) -> float:
    """The objective of ``open_sites`` straight from the CSV files."""
    with open(sf / "SF_demand_205_centroid_uniform_weight.csv", newline="") as fh:
        pop = {r["NAME"]: float(r["POP2000"]) for r in csv.DictReader(fh)}
    best = {k: np.inf for k in pop}
    with open(sf / "SF_network_distance_candidateStore_16_censusTract_205_new.csv",
              newline="") as fh:
        for r in csv.DictReader(fh):
            if r["name"] in open_sites:
                best[r["DestinationName"]] = min(best[r["DestinationName"]], float(r["distance"]))
    if case.startswith("sf_lscp"):
        radius = 5000 if "S5000" in case else 8000
        assert all(d <= radius for d in best.values()), "a tract is left uncovered"
        return float(len(open_sites))
    if case.startswith("sf_mclp"):
        return sum(pop[k] for k, d in best.items() if d <= 5000)
    if case.startswith("sf_pmedian"):
        return sum(pop[k] * d for k, d in best.items())
    return max(best.values())


@pytest.mark.parametrize("case,args", CASES, ids=[c for c, _ in CASES])
def test_sf_cover_reproduces_optima(shared_instances: Path, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str], case: str,
                                    args: list[str]) -> None:
    sf = shared_instances / "sf-cover"
    expected = read_optima(sf)[case]
    out = tmp_path / "result.json"
    rc, _, err = run_cli(capsys, *_sf_args(sf), *args, "--json", out)
    assert rc == 0, err
    assert err == ""  # --quiet
    data = json.loads(out.read_text())
    assert data["status"] == "optimal"
    assert data["objective"] == pytest.approx(expected, rel=1e-9)
    assert data["bound"] == pytest.approx(expected, rel=1e-6)
    assert data["verified"]["feasible"] is True
    assert data["distance"]["stored"] == "sparse"
    assert all(s.startswith("Store_") for s in data["open_sites"])
    if "fixed" in case:
        assert {"Store_3", "Store_7"} <= set(data["open_sites"])
    assert _recount(sf, case, data["open_sites"]) == pytest.approx(expected, rel=1e-9)
    if case == "sf_mclp_S5000_p4":
        assert data["metrics"]["covered_count"] == 184
        assert data["metrics"]["covered_count_pct"] == pytest.approx(89.756098, abs=1e-6)
    if case == "sf_pmedian_p4":
        assert data["metrics"]["weighted_mean_cost"] == pytest.approx(2982.1268579890657,
                                                                      rel=1e-9)
