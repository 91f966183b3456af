"""mypy over src/siting (config in pyproject.toml [tool.mypy]).

Errors are allowed only in the files listed below, which other branches of this wave own and
fix (the lead empties the list as they merge); an error anywhere else fails."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PENDING = {
    "src/siting/community/solve.py",        # speed: the tie-break stage (tie_break bool/str)
    "src/siting/community/formulation.py",  # speed
    "src/siting/community/report.py",       # report
    "src/siting/backends/highs.py",         # faults
    "src/siting/backends/ortools_mb.py",    # faults
    "src/siting/formulations/p_center.py",  # faults
    "src/siting/formulations/cflp_lagrangian.py",  # tsplib
}


def test_mypy_finds_errors_only_in_pending_files() -> None:
    exe = shutil.which("mypy")
    if exe is None:
        pytest.fail("mypy is missing: pip install -e '.[dev]'")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([exe, "--no-incremental"], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=900)
    assert "error: " in proc.stdout or proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
    files = set(re.findall(r"^(\S+?\.py):\d+: error:", proc.stdout, flags=re.MULTILINE))
    unexpected = sorted(files - PENDING)
    assert not unexpected, "mypy errors in " + ", ".join(unexpected) + "\n" + proc.stdout[-3000:]
