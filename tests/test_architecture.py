"""The import-layer contract (docs/architecture.md), checked with import-linter, plus no
`from x import _private` across modules (an ast scan). Function-level imports count."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "siting"



def _lint(contract: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("lint-imports")
    if exe is None:
        pytest.fail("lint-imports is missing: pip install -e '.[dev]' (import-linter)")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([exe, "--contract", contract, "--no-cache"], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.parametrize("contract", ["layers", "acyclic", "solvers-in-backends"])
def test_import_contract(contract: str) -> None:
    proc = _lint(contract)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def _private_imports() -> set[tuple[str, str]]:
    found = set()
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith(
                    "siting")):
                for alias in node.names:
                    # ``_`` is gettext's translation function by convention, not a private name
                    if (alias.name.startswith("_") and not alias.name.startswith("__")
                            and alias.name != "_"):
                        found.add((path.relative_to(SRC).as_posix(), alias.name))
    return found


def test_no_private_names_imported_across_modules() -> None:
    found = sorted(_private_imports())
    assert not found, f"private names imported across modules (make them public): {found}"
