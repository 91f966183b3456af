"""Shared fixtures: the benchmark folder (skip cleanly when absent, fail under CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def instances_dir() -> Path | None:
    env = os.environ.get("SITING_INSTANCES")
    path = Path(env) if env else ROOT.parent / "shared" / "instances"
    return path if path.is_dir() else None


@pytest.fixture(scope="session")
def shared_instances() -> Path:
    path = instances_dir()
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("the shared benchmark instances are missing under CI "
                        "(expected ../shared/instances or $SITING_INSTANCES)")
        pytest.skip("shared benchmark instances not found (set SITING_INSTANCES)")
    return path


def chromium_executable() -> str:
    """The Chromium every browser test drives (``siting.outputs.pdf.chromium_path``, as the PDF
    does); skip when there is none, fail under CI."""
    from siting.outputs.pdf import BrowserMissing, chromium_path

    try:
        return chromium_path()
    except BrowserMissing as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{exc} (.ci/run installs chromium with apt)")
        pytest.skip(str(exc))


def cjk_font_family() -> str:
    """The CJK font the Chinese figures use; skip when there is none, fail under CI (.ci/run
    installs fonts-noto-cjk)."""
    from siting.outputs.figures import cjk_font

    family = cjk_font()
    if family is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("no CJK font found by matplotlib under CI (.ci/run installs fonts-noto-cjk)")
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk)")
    return family


def read_optima(folder: Path) -> dict[str, float]:
    import csv

    with open(folder / "optima.csv", newline="") as fh:
        return {row["instance"]: float(row["objective"]) for row in csv.DictReader(fh)}


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium (a Playwright ``Browser``) for every browser test of the session:
    Playwright's sync API runs one driver per process, so tests/browser and tests/serve share
    it instead of each opening their own."""
    from siting.outputs.pdf import browser as open_browser

    with open_browser() as b:
        yield b

