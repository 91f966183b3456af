"""An infeasible community run says so everywhere: exit 1, summary.json and the report page
show status "infeasible", the backend and the reasons once (#14.11, #14.13)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from siting.cli import main

from .conftest import scenario


def test_infeasible_run_outputs(district_dir: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    path = scenario(district_dir, "inf", space=300)
    out = tmp_path / "out"
    assert main(["solve", str(path), "--out", str(out)]) == 1
    text = capsys.readouterr().out
    assert "community (coverage): infeasible" in text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "infeasible" and summary["backend"] == "highs"
    assert summary["infeasible_because"]
    assert set(summary["timings"]) >= {"read", "build", "solve", "total"}
    page = (out / "report.html").read_text()
    assert "not solved" not in page
    assert re.search(r"<span>status</span><b>infeasible</b>", page)
    assert "Backend: highs" in re.sub(r"<[^>]+>", "", page)
    first = summary["infeasible_because"][0]
    assert page.count(re.sub(r"[<>&'\"]", "", first)[:60]) == 1  # shown once, not twice
