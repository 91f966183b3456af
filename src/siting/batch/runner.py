"""One batch run inside a worker: run the scenario into a private folder, then publish it with a
single atomic rename. A run is finished exactly when ``<out>/<name>/run.json`` exists.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import SitingError
from .manifest import RunSpec

#: run(scenario_path, out_dir, overrides) -> summary fields (status, objective, bound, gap, ...)
Runner = Callable[[Path, Path, dict[str, Any]], dict[str, Any]]

RECORD = "run.json"
TMP_PREFIX = ".tmp-"


def finished_record(out_root: Path, name: str) -> dict[str, Any] | None:
    """The record of a finished run, or None if it has not finished."""
    path = out_root / name / RECORD
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def execute(spec: RunSpec, out_root: str, runner: Runner) -> dict[str, Any]:
    """Run ``spec`` and publish its folder atomically; safe to call again after a crash.

    If another attempt already published the run, this attempt's output is discarded, so a
    run is never duplicated (exactly one folder, written once).
    """
    root = Path(out_root)
    done = finished_record(root, spec.name)
    if done is not None:
        return {**done, "skipped": True}
    tmp = root / f"{TMP_PREFIX}{spec.name}-{uuid.uuid4().hex[:12]}"
    tmp.mkdir(parents=True)
    t0 = time.perf_counter()
    base = {"name": spec.name, "scenario": str(spec.scenario), "overrides": spec.overrides,
            "host": socket.gethostname(), "pid": os.getpid()}
    try:
        fields = runner(spec.scenario, tmp, dict(spec.overrides))
    except SitingError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        return {**base, "status": "error", "message": _naming(spec, str(exc)),
                "seconds": round(time.perf_counter() - t0, 3)}
    except BaseException as exc:  # a bug in one run must not stop the batch; Ctrl-C must
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return {**base, "status": "error",
                "message": _naming(spec, f"{type(exc).__name__}: {exc}"),
                "traceback": traceback.format_exc(limit=5),
                "seconds": round(time.perf_counter() - t0, 3)}
    record = {**base, **fields, "seconds": round(time.perf_counter() - t0, 3),
              "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    (tmp / RECORD).write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    try:
        os.rename(tmp, root / spec.name)  # atomic publish; fails if another attempt won
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        won = finished_record(root, spec.name)
        if won is None:
            raise
        return {**won, "skipped": True}
    return record


def _naming(spec: RunSpec, message: str) -> str:
    """The message on one line, led by the scenario file unless it already names it."""
    text = " ".join(message.split())
    where = str(spec.scenario)
    return text if text.startswith(where) else f"{where}: {text}"


def pipeline_runner(scenario: Path, out_dir: Path, overrides: dict[str, Any]) -> dict[str, Any]:
    """The default runner: the scenario pipeline (``siting.pipeline``) with overrides applied."""
    import tomllib

    from ..scenario import validate_scenario
    from .manifest import apply_overrides

    try:
        data = tomllib.loads(Path(scenario).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SitingError(f"{scenario}: cannot read scenario: {exc}") from None
    sc = validate_scenario(apply_overrides(data, overrides), base_dir=Path(scenario).parent,
                           source=str(scenario))
    from .. import pipeline  # imported here: the batch layer must not need geo to import

    outcome = pipeline.run(sc, out_dir)
    return _fields(outcome.summary)


def summary_fields(result: Any) -> dict[str, Any]:
    """Status, objective, bound, gap and solve time from a :class:`siting.Result`."""
    return _fields(result.to_dict())


def _fields(d: dict[str, Any]) -> dict[str, Any]:
    timings = d.get("timings") or {}
    return {"status": d.get("status"), "objective": d.get("objective"),
            "bound": d.get("bound"), "gap": d.get("gap"),
            "solve_seconds": timings.get("total"), "open_sites": len(d.get("open_sites") or [])}
