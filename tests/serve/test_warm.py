"""Warm re-solves (one session per opened scenario) answer exactly what `siting solve` answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from siting.serve import engine
from siting.serve.warm import WarmCache, open_warm, solve_job, what_if
from siting.scenario import load_scenario

from .conftest import ROOT, cli_solve
from .scenarios import community_folder, pmedian_folder


def _set_solve(toml, tmp, *sets: str) -> dict:
    """`siting solve TOML --set KEY=VALUE ...` in a fresh process; the summary dict."""
    out = tmp / f"set-{len(list(tmp.iterdir()))}.json"
    args = [a for s in sets for a in ("--set", s)]
    r = subprocess.run([sys.executable, "-m", "siting", "solve", str(toml), *args, "--json",
                        str(out), "--quiet"], env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("warm")
    toml = community_folder(folder / "case")
    warm = open_warm(toml)
    assert warm is not None
    return toml, engine.open_base(toml), warm


def _warm_plan(tiny, tmp_path, name: str, **edits: object) -> tuple[dict, object]:
    toml, base, warm = tiny
    ed = engine.parse_edits(edits)
    written = engine.write_scenario(base, ed, tmp_path / name)
    plan = solve_job(written, tmp_path / name / "out", tmp_path / name / "highs.log",
                             warm=warm, edits=ed)
    return plan, written


def _same(plan: dict, ref: dict) -> None:
    assert plan["path"] == "warm", "the session did not answer this edit"
    assert plan["status"] == ref["status"] == "optimal"
    assert plan["objective"] == ref["objective"], "warm objective differs from siting solve"
    assert plan["cost"]["total"] == ref["cost"]["total"], "warm plan cost differs (tie-break)"
    assert sorted(plan["open_sites"]) == sorted(ref["open_sites"])


def test_budget_resolve_equals_siting_solve_with_set(tiny, tmp_path) -> None:
    plan, _ = _warm_plan(tiny, tmp_path, "b", problem={"budget": 70})
    _same(plan, _set_solve(tiny[0], tmp_path, "problem.budget=70"))
    assert plan["cost"]["total"] <= 70
    for f in ("report.html", "result.gpkg", "sites.csv", "coverage.csv", "compliance.csv"):
        assert f in plan["files"], f"warm path did not write {f}"
    assert (tmp_path / "b" / "highs.log").stat().st_size > 0  # progress is read from here


def test_lock_and_forbid_resolve_equal_the_written_scenario(tiny, tmp_path) -> None:
    _, base, _ = tiny
    first, _ = _warm_plan(tiny, tmp_path, "base")
    free = [str(s) for s, e, r in zip(base.sites.ids, base.sites.existing, base.sites.required)
            if not e and not r]
    closed = next(s for s in free if s not in first["open_sites"])
    opened = next(s for s in free if s in first["open_sites"])
    locked, toml_l = _warm_plan(tiny, tmp_path, "lock", lock=[closed])
    assert closed in locked["open_sites"]
    _same(locked, cli_solve(toml_l, tmp_path))
    shut, toml_f = _warm_plan(tiny, tmp_path, "forbid", forbid=[opened])
    assert opened not in shut["open_sites"] and shut["objective"] <= first["objective"]
    _same(shut, cli_solve(toml_f, tmp_path))


def test_weights_and_per_community_targets_are_warm(tiny, tmp_path) -> None:
    _, base, _ = tiny
    community = str(base.demand_district[0])
    plan, toml = _warm_plan(tiny, tmp_path, "t", weights={"health": 2.0},
                            targets={"childcare": {"districts": {community: 0.3}}})
    _same(plan, cli_solve(toml, tmp_path))
    share = {(r[0], str(r[2])): r for r in plan["coverage_table"]["rows"]}
    cols = plan["coverage_table"]["columns"]
    row = next(r for r in plan["coverage_table"]["rows"]
               if r[cols.index("service")] == "childcare"
               and str(r[cols.index("district")]) == community)
    assert row[cols.index("credited_share")] >= 0.3 - 1e-9
    assert share  # the table came through


@pytest.mark.parametrize(("edits", "why"), [
    ({"sites": {"s3": {"cost": 5}}}, "cost edit"),
    ({"rules": {"new_site_min_services": 2}}, "guide rule"),
    ({"problem": {"objective": "cost"}, "targets": {"elderly": {"overall": 0.2}}}, "objective"),
])
def test_edits_a_session_cannot_express_take_the_pipeline(tiny, tmp_path, edits, why) -> None:
    _, base, warm = tiny
    ed = engine.parse_edits(edits)
    written = engine.write_scenario(base, ed, tmp_path / "w")
    assert what_if(warm, load_scenario(written), ed) is None, why
    plan = solve_job(written, tmp_path / "w" / "out", warm=warm, edits=ed)
    assert plan["path"] == "cold"


def test_classical_kinds_are_not_opened_warm(tmp_path) -> None:
    assert open_warm(pmedian_folder(tmp_path / "p")) is None
    cache = WarmCache()
    assert cache.get(pmedian_folder(tmp_path / "q")) is None


def test_the_demo_budget_edit_is_answered_warm(tmp_path) -> None:
    # the demo names map layers as "file#layer": the written file reaches them by another path
    demo = ROOT / "instances" / "demo_district" / "scenario.toml"
    if not demo.is_file():
        pytest.skip("demo district missing")
    warm, base = open_warm(demo), engine.open_base(demo)
    ed = engine.parse_edits({"problem": {"budget": 27e6}, "forbid": [], "lock": []})
    job = load_scenario(engine.write_scenario(base, ed, tmp_path / "w"))
    assert what_if(warm, job, ed) == {"budget": 27e6, "lock": [], "forbid": []}


def test_network_scenario_resolves_warm_and_keeps_the_network_on_the_report(tmp_path) -> None:
    toml = community_folder(tmp_path / "net", network=True)
    warm, base = open_warm(toml), engine.open_base(toml)
    assert base.network, "the workbench did not read the walking network lines"
    ed = engine.parse_edits({"problem": {"budget": 80}})
    written = engine.write_scenario(base, ed, tmp_path / "w")
    plan = solve_job(written, tmp_path / "w" / "out", warm=warm, edits=ed)
    _same(plan, cli_solve(written, tmp_path))
    html = (tmp_path / "w" / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="layer-network"' in html


@pytest.mark.slow
def test_the_time_limit_stops_a_warm_solve(tmp_path) -> None:
    # every catalogue service with viability: not proven in minutes, so the limit is what stops it
    demo = ROOT / "instances" / "demo_district" / "scenario_viability_full.toml"
    if not demo.is_file():
        pytest.skip("demo viability data missing")
    import time

    warm, base = open_warm(demo), engine.open_base(demo)
    ed = engine.parse_edits({"problem": {"budget": 5e6}, "time_limit": 8})
    written = engine.write_scenario(base, ed, tmp_path / "w")
    t0 = time.perf_counter()
    plan = solve_job(written, tmp_path / "w" / "out", warm=warm, edits=ed)
    assert plan["path"] == "warm" and plan["termination"] == "time_limit"
    assert plan["status"] in ("feasible", "no_solution") and plan["status"] != "optimal"
    assert time.perf_counter() - t0 < 8 + 60, "the warm solve ran far past its time limit"
