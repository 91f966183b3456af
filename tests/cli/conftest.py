"""A small community district on disk (GeoPackage + scenario) for the command-line tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting.testing.district import LAYERS, write_folder

SCENARIO = """
name = "tiny"
""" + LAYERS + """[problem]
kind = "community"
objective = "coverage"
budget = 6_000_000
catalogue = "default"
services = ["elderly_care", {{ name = "childcare", weight = 3 }}, "meals"]
{extra}
[problem.rules]
space_per_100_households = {space}
new_site_min_services = 2
new_site_min_core = 2
[solver]
time_limit = 20
"""


@pytest.fixture(scope="session")
def district_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_folder(tmp_path_factory.mktemp("district"))


def scenario(folder: Path, name: str = "s", *, space: float = 0, extra: str = "") -> Path:
    path = folder / f"{name}.toml"
    path.write_text(SCENARIO.format(space=space, extra=extra), encoding="utf-8")
    return path
