"""A small real runner for batch tests: a seeded city, an exact MCLP solve, a result file.

It records attempt start/finish lines so tests can count how often each run really executed.
"""

from __future__ import annotations

import json
import os
import time
import tomllib
from pathlib import Path
from typing import Any

import siting
from siting.batch.runner import summary_fields
from siting.testing.city import generate_city, radius_instance


def city_runner(scenario: Path, out_dir: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    spec = {**tomllib.loads(Path(scenario).read_text()), **overrides}
    log = Path(spec["attempt_log"])
    name = Path(scenario).stem + "".join(f"-{k}={v}" for k, v in sorted(overrides.items())
                                         if k != "attempt_log")
    with open(log, "a") as fh:
        fh.write(f"start {name} {os.getpid()}\n")
    time.sleep(float(spec.get("sleep", 0.0)))
    city = generate_city(int(spec["blocks"]), int(spec["sites"]), seed=int(spec["seed"]))
    inst = radius_instance(city, float(spec["radius"]))
    res = siting.solve(inst, "mclp", radius=float(spec["radius"]), budget=float(spec["budget"]))
    (out_dir / "result.json").write_text(json.dumps(res.to_dict()))
    with open(log, "a") as fh:
        fh.write(f"finish {name} {os.getpid()}\n")
    return summary_fields(res)
