"""`siting frontier --budgets`: negative or non-finite budgets are refused (issue #21 item 8)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from siting.community.frontier import parse_budgets
from siting.errors import SpecError


@pytest.mark.parametrize("text", ["-1e7:1e7:3", "-5:0:2", "-1:-1:1", "1e6,-2e6", "inf:inf:1"])
def test_negative_or_infinite_budget_is_refused(text):
    with pytest.raises(SpecError, match="budget"):
        parse_budgets(text)


def test_ranges_and_lists_still_parse():
    assert parse_budgets("0:1e7:3") == [0.0, 5e6, 1e7]
    assert parse_budgets("2e6") == [2e6]


def test_cli_refuses_negative_budget_before_solving(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "siting", "frontier",
                           "instances/demo_district/scenario.toml", "--budgets=-1e7:1e7:3",
                           "--out", str(tmp_path / "fr")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "budget -1e+07 is not allowed" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "fr").exists()
