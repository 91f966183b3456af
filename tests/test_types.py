"""mypy over src/siting (config in pyproject.toml [tool.mypy]) reports no errors (#12)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_mypy_reports_no_errors_in_src_siting() -> None:
    exe = shutil.which("mypy")
    if exe is None:
        pytest.fail("mypy is missing: pip install -e '.[dev]'")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run([exe, "--no-incremental"], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=900)
    assert proc.returncode == 0, (
        f"mypy exited {proc.returncode}:\n{proc.stdout[-6000:]}{proc.stderr[-2000:]}")
    # and it checked the whole package (a config that lost its `files` checks nothing)
    checked = re.search(r"Success: no issues found in (\d+) source files", proc.stdout)
    modules = sum(1 for _ in (ROOT / "src" / "siting").rglob("*.py"))
    assert checked is not None and int(checked.group(1)) == modules, (
        f"mypy did not check the {modules} modules of src/siting:\n{proc.stdout[-3000:]}")
