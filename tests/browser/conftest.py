"""Real-browser fixtures: a small community district solved once per language, and a headless
Chromium driven by Playwright (the system's Chromium; nothing is downloaded)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from siting.cli import main
from siting.testing.district import LAYERS, small, write_folder
from tests.conftest import chromium_executable

SCENARIO = """
name = "small"
language = "{lang}"
""" + LAYERS + """[problem]
kind = "community"
objective = "coverage"
budget = 9_000_000
catalogue = "default"
streets = "d.gpkg#streets"
{communities}
services = ["elderly_care", {{ name = "childcare", weight = 3 }}, "after_school", "meals"]
[problem.targets.elderly_care]
overall = 0.3
[problem.rules]
space_per_100_households = 0
"""


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_browser() -> None:
    """Skip (fail under CI) when Playwright or Chromium is missing."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        if _ci():
            pytest.fail("playwright is missing under CI (pip install -e '.[dev]')")
        pytest.skip("playwright not installed")
    chromium_executable()


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if _ci():
            pytest.fail(f"{name} is missing under CI (.ci/run installs poppler-utils)")
        pytest.skip(f"{name} not installed (apt-get install poppler-utils)")
    return path


@pytest.fixture(scope="session")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_folder(tmp_path_factory.mktemp("district"),
                        small(5, width=2400, height=1800, n_blocks=220, n_sites=45, cols=3))


def solve_case(folder: Path, lang: str, *, layer: bool = True, name: str | None = None) -> Path:
    """Write a scenario in ``lang`` (community polygons from the layer or derived) and solve it."""
    tag = name or f"{lang}-{'layer' if layer else 'derived'}"
    scenario = folder / f"{tag}.toml"
    scenario.write_text(SCENARIO.format(
        lang=lang, communities='communities = "d.gpkg#communities"' if layer else ""),
        encoding="utf-8")
    out = folder / f"out-{tag}"
    rc = main(["solve", str(scenario), "--out", str(out), "--quiet"])
    assert rc == 0, f"solve of {scenario} failed with exit code {rc}"
    return out


@pytest.fixture(scope="session")
def run_zh(district: Path) -> Path:
    return solve_case(district, "zh")


@pytest.fixture(scope="session")
def run_en(district: Path) -> Path:
    return solve_case(district, "en", layer=False)


@pytest.fixture(scope="session")
def browser(request: pytest.FixtureRequest) -> Any:
    """The session's one Chromium (tests/conftest.py), once playwright is known to be here."""
    need_browser()
    return request.getfixturevalue("chromium")
