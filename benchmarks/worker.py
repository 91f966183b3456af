"""One benchmark run in its own process: load, (round), solve, re-verify, write one JSON record.

Usage (by the harness): ``python -m benchmarks.worker TASK.json OUT.json``.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np


def random_instance(n: int, seed: int):  # type: ignore[no-untyped-def]
    """Seeded uniform points in a 10 km square; every point is demand and candidate (metres)."""
    from siting.instance import Instance

    rng = np.random.default_rng(seed)
    xy = rng.random((n, 2)) * 10_000.0
    D = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    ids = np.arange(1, n + 1)
    return Instance(cost=D, weight=np.ones(n), demand_ids=ids, site_ids=ids.copy(),
                    name=f"rand{n}-s{seed}", metadata={"xy": xy})


def sf_instance(folder: Path):  # type: ignore[no-untyped-def]
    """The SF 205 tracts x 16 stores network-distance matrix, weights POP2000 (spopt's order)."""
    from siting.errors import DataError
    from siting.instance import Instance

    dist = folder / "SF_network_distance_candidateStore_16_censusTract_205_new.csv"
    try:
        with open(dist, newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise DataError(f"{dist}: cannot read ({exc})") from None
    tracts = sorted({r["DestinationName"] for r in rows})
    stores = sorted({r["name"] for r in rows})
    ti = {t: k for k, t in enumerate(tracts)}
    si = {s: k for k, s in enumerate(stores)}
    D = np.full((len(tracts), len(stores)), np.inf)
    w = np.zeros(len(tracts))
    for k, r in enumerate(rows):
        try:
            D[ti[r["DestinationName"]], si[r["name"]]] = float(r["distance"])
            w[ti[r["DestinationName"]]] = float(r["demand"])
        except ValueError:
            raise DataError(f"{dist}: row {k + 2}: distance/demand is not a number") from None
    return Instance(cost=D, weight=w, demand_ids=np.array(tracts, dtype=object),
                    site_ids=np.array(stores, dtype=object), name="sf", source=str(dist))


def round_costs(instance, resolution: float):  # type: ignore[no-untyped-def]
    """Travel costs rounded to multiples of ``resolution`` (e.g. 1 m): fewer distance levels.

    Stated and reported by the harness: the answer is exact for the rounded instance and is
    re-costed on the original one.
    """
    D = instance.dense_cost()
    R = np.where(np.isfinite(D), np.round(D / resolution) * resolution, np.inf)
    return replace(instance, cost=R, name=instance.name)


def load(source: dict[str, Any]):  # type: ignore[no-untyped-def]
    from siting.readers import load_instance

    kind = source["kind"]
    if kind == "file":
        return load_instance(source["path"], capacity=source.get("capacity"),
                             rounding=source.get("rounding"))
    if kind == "random":
        return random_instance(int(source["n"]), int(source["seed"]))
    if kind == "sf":
        return sf_instance(Path(source["path"]))
    raise ValueError(f"unknown source kind {kind!r}")


def run(task: dict[str, Any]) -> dict[str, Any]:
    from siting.verify import verify

    t0 = time.perf_counter()
    inst = load(task["source"])
    resolution = task.get("resolution")
    solve_inst = round_costs(inst, float(resolution)) if resolution else inst
    read_s = time.perf_counter() - t0
    rec: dict[str, Any] = {"n": inst.n_demand, "m": inst.n_sites, "resolution": resolution or ""}
    if task["formulation"].startswith("spopt"):
        from .peers import solve_spopt

        out = solve_spopt(solve_inst, task["model"], task["params"], task["backend"],
                          task["time_limit"])
    else:
        out = _solve_siting(solve_inst, task)
    rec.update(out)
    rec["read_s"] = read_s
    rec["total_s"] = time.perf_counter() - t0
    # independent re-verification on the ORIGINAL (unrounded) instance
    from siting.api import make_problem

    spec = make_problem(task["model"], **task["params"])
    decision = out.pop("_decision", None)
    rec.pop("_decision", None)
    if decision is not None:
        ver = verify(inst, spec, decision)
        rec["verified"] = bool(ver.feasible)
        rec["verified_objective"] = ver.objective
        if not ver.feasible:
            rec["error"] = "; ".join(ver.violations)
        if resolution:
            rec["objective"] = ver.objective  # report the true cost; bound is for the rounded
        elif rec.get("objective") is not None and not ver.matches(rec["objective"]):
            if rec.get("status") == "optimal":
                rec["error"] = (f"reported objective {rec['objective']!r} re-costs to "
                                f"{ver.objective!r}")
            else:  # a time-limited model value may be loose (e.g. a minimax W): use the true one
                rec["notes"] = (f"reported {rec['objective']!r}, re-costed {ver.objective!r}; "
                                + str(rec.get("notes") or ""))
                rec["objective"] = ver.objective
    else:
        rec["verified"] = False
    known = task.get("known_optimum")
    rec["known_optimum"] = known
    obj = rec.get("verified_objective") if decision is not None else None
    if known is not None and obj is not None:
        tol = max(1e-3, 1e-6 * abs(known))
        rec["matches_optimum"] = abs(obj - known) <= tol
    else:
        rec["matches_optimum"] = None
    return rec


def _solve_siting(inst, task: dict[str, Any]) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from siting import api
    from siting.options import SolveOptions

    opts = SolveOptions(time_limit=task["time_limit"], threads=task.get("threads"))
    backend = None if task["backend"] == "default" else task["backend"]
    res = api.solve(inst, task["model"], formulation=task["formulation"] or None,
                    backend=backend, options=opts, verify=False, **task["params"])
    return {
        "backend": res.backend,  # the one that ran ("default" lets the formulation choose)
        "status": res.status.value, "objective": res.objective, "bound": res.bound,
        "gap": res.gap, "build_s": res.timings.build, "solve_s": res.timings.solve,
        "formulation": res.formulation, "notes": " | ".join(res.messages[-3:]),
        "native_status": res.native_status, "_decision": res.decision,
    }


def main(argv: list[str]) -> int:
    task = json.loads(Path(argv[0]).read_text())
    # import the modelling stack before the clock starts: both sides pay it once per process
    import siting.api  # noqa: F401
    if str(task.get("formulation", "")).startswith("spopt"):
        try:
            import spopt.locate  # noqa: F401
        except ImportError:
            pass
    try:
        rec = run(task)
    except Exception as exc:  # noqa: BLE001 - the harness records failures as rows
        rec = {"status": "error", "error": f"{type(exc).__name__}: {' '.join(str(exc).split())}"}
    for k, v in list(rec.items()):
        if isinstance(v, float) and not math.isfinite(v):
            rec[k] = None
        elif isinstance(v, np.generic):
            rec[k] = v.item()
    Path(argv[1]).write_text(json.dumps(rec, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
