"""`siting --help`, `siting <cmd> --help` and `import siting` import neither numpy nor scipy
(the CLI loads the library only when a command runs). Timings live in the report, not here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from siting.cli import COMMANDS

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = ("numpy", "scipy", "pandas", "geopandas", "highspy", "pyscipopt", "ortools", "pulp")


def _imported(*args: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


@pytest.mark.parametrize("argv", [["--help"]] + [[c, "--help"] for c in COMMANDS if c != "bench"],
                         ids=lambda a: " ".join(a))
def test_help_imports_no_numerics(argv: list[str]) -> None:
    names = _imported("-m", "siting", *argv)
    assert "siting.cli" in names  # the measurement saw the CLI load
    heavy = sorted(n for n in names if n.split(".")[0] in HEAVY)
    assert not heavy, f"siting {' '.join(argv)} imported {heavy[:5]}"


def test_import_siting_is_light_and_names_still_resolve() -> None:
    names = _imported("-c", "import siting; siting.__version__")
    assert not sorted(n for n in names if n.split(".")[0] in HEAVY)
    import siting

    assert siting.PMedian(p=2).p == 2 and callable(siting.solve)
