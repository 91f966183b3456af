"""The engine adapter: edits → scenario file (+ derived site table) that `siting solve` reads."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import pytest

from siting.errors import SpecError
from siting.scenario import load_scenario
from siting.serve import engine
from siting.serve.worker import _LogTail

from .scenarios import community_folder, pmedian_folder


def _edits(**kw):
    return engine.parse_edits(kw)


def test_no_edits_write_the_same_scenario(tmp_path) -> None:
    base = engine.open_base(community_folder(tmp_path / "case"))
    out = engine.write_scenario(base, _edits(), tmp_path / "w")
    again = load_scenario(out)
    assert again.problem == base.scenario.problem
    assert again.sites.path.resolve() == base.scenario.sites.path.resolve()  # no copy
    assert not (tmp_path / "w" / "sites.csv").exists()
    assert tomllib.loads(out.read_text())["sites"]["path"] == "../case/sites.csv"


def test_panel_edits_land_in_the_problem_table(tmp_path) -> None:
    base = engine.open_base(community_folder(tmp_path / "case"))
    ed = _edits(problem={"budget": 55}, weights={"health": 2.5},
                targets={"elderly": {"overall": 0.3}, "childcare": {"district": 0.2}},
                rules={"new_site_min_services": 2}, time_limit=12)
    sc = load_scenario(engine.write_scenario(base, ed, tmp_path / "w"))
    p = sc.problem
    assert p.budget == 55 and p.service("health").weight == 2.5
    assert p.service("elderly").weight == 1.0
    assert p.targets["elderly"].overall == 0.3 and p.targets["childcare"].district == 0.2
    assert p.rules.new_site_min_services == 2 and sc.solver.time_limit == 12


def test_removing_a_target_and_the_budget(tmp_path) -> None:
    base = engine.open_base(community_folder(tmp_path / "case"))
    sc = load_scenario(engine.write_scenario(
        base, _edits(problem={"budget": None}, targets={"elderly": None}), tmp_path / "w"))
    assert sc.problem.budget is None and "elderly" not in sc.problem.targets


def test_site_edits_change_only_their_cells(tmp_path) -> None:
    toml = community_folder(tmp_path / "case")
    base = engine.open_base(toml)
    ed = _edits(sites={"s3": {"cost": 7.25}, "s5": {"area": 610}}, lock=["s7"], forbid=["s1"])
    out = engine.write_scenario(base, ed, tmp_path / "w")
    before = pd.read_csv(toml.parent / "sites.csv", dtype=str, keep_default_na=False)
    after = pd.read_csv(tmp_path / "w" / "sites.csv", dtype=str, keep_default_na=False)
    assert after.loc[3, "cost"] == "7.25" and after.loc[5, "area"] == "610"
    assert list(after["forced"]) == ["1" if k == 7 else "0" for k in range(12)]
    assert list(after["forbidden"]) == ["1" if k == 1 else "0" for k in range(12)]
    rest = after.drop(columns=["forced", "forbidden"])
    diff = (rest != before).to_numpy().nonzero()
    assert sorted(zip(*diff)) == [(3, list(before.columns).index("cost")),
                                  (5, list(before.columns).index("area"))]
    sc = load_scenario(out)
    assert sc.sites.path == (tmp_path / "w" / "sites.csv").resolve()


def test_geopackage_sites_are_copied_exactly(tmp_path) -> None:
    import geopandas as gpd

    base = engine.open_base(community_folder(tmp_path / "case", layers="gpkg"))
    engine.write_scenario(base, _edits(sites={"s2": {"cost": 3}}), tmp_path / "w")
    a = gpd.read_file(tmp_path / "case" / "tiny.gpkg", layer="sites")
    b = gpd.read_file(tmp_path / "w" / "sites.gpkg", layer="sites")
    assert b.loc[2, "cost"] == 3 and a.drop(columns="cost").equals(b.drop(columns="cost"))
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all()


def test_geopackage_flag_columns_keep_their_type(tmp_path) -> None:
    import geopandas as gpd

    toml = community_folder(tmp_path / "case", layers="gpkg")
    path = tmp_path / "case" / "tiny.gpkg"
    sites = gpd.read_file(path, layer="sites")
    sites["forced"] = False                     # a bool flag column, as in the demo district
    sites["forbidden"] = "no"                   # and a text one
    sites.to_file(path, layer="sites", driver="GPKG", engine="pyogrio")
    base = engine.open_base(toml)
    engine.write_scenario(base, _edits(lock=["s4"], forbid=["s6"], sites={"s5": {"cost": 2.5}}),
                          tmp_path / "w")
    out = gpd.read_file(tmp_path / "w" / "sites.gpkg", layer="sites")
    assert out["forced"].dtype == bool and list(out["forced"]) == [k == 4 for k in range(12)]
    assert list(out["forbidden"]) == ["1" if k == 6 else "no" for k in range(12)]
    assert out.loc[5, "cost"] == 2.5 and out["cost"].dtype.kind == "f"
    plan = engine.solve_plan(tmp_path / "w" / "scenario.toml", tmp_path / "w" / "out")
    assert "s4" in plan["open_sites"] and "s6" not in plan["open_sites"]


def test_classical_locks_use_the_id_lists(tmp_path) -> None:
    base = engine.open_base(pmedian_folder(tmp_path / "case"))
    out = engine.write_scenario(base, _edits(problem={"p": 4}, lock=["f2"], forbid=["f3"]),
                                tmp_path / "w")
    sc = load_scenario(out)
    assert sc.problem.p == 4
    assert sc.sites.required_ids == ("f2",) and sc.sites.forbidden_ids == ("f3",)
    assert not (tmp_path / "w" / "sites.csv").exists()  # no derived table needed


@pytest.mark.parametrize(("edits", "words"), [
    ({"lock": ["nope"]}, "unknown site id"),
    ({"problem": {"objective": "fastest"}}, "problem.objective"),
    ({"problem": {"services": "x"}}, "not editable"),
    ({"targets": {"ghost": {"overall": 0.2}}}, "ghost"),
    ({"targets": {"elderly": {"communities": {"nowhere": 0.2}}}}, "community 'nowhere'"),
    ({"targets": {"elderly": {"districts": {"D1": 1.5}}}}, "targets.elderly"),
    ({"targets": {"elderly": {"overall": 0.2, "typo": 1}}}, "targets.elderly.typo"),
])
def test_check_edits_names_the_field(tmp_path, edits, words) -> None:
    base = engine.open_base(community_folder(tmp_path / "case"))
    with pytest.raises(SpecError, match=words):
        engine.check_edits(base, _edits(**edits))


def test_time_limit_is_capped(tmp_path) -> None:
    base = engine.open_base(community_folder(tmp_path / "case"))
    sc = load_scenario(engine.write_scenario(base, _edits(time_limit=500), tmp_path / "w",
                                             time_cap=30))
    assert sc.solver.time_limit == 30


def test_solve_plan_reads_the_pipeline_outputs(tmp_path) -> None:
    base = engine.open_base(community_folder(tmp_path / "case"))
    out = engine.write_scenario(base, _edits(problem={"budget": 80}), tmp_path / "w")
    plan = engine.solve_plan(out, tmp_path / "w" / "out", tmp_path / "w" / "highs.log")
    assert plan["status"] == "optimal" and plan["cost"]["total"] <= 80
    assert "report.html" in plan["files"] and "result.gpkg" in plan["files"]
    cov = plan["coverage_table"]
    assert {"service", "district", "credited_share"} <= set(cov["columns"])
    assert (tmp_path / "w" / "highs.log").stat().st_size > 0


LOG = """\
        Nodes      |    B&B Tree     |            Objective Bounds              |  Dynamic Constraints |       Work
Src  Proc. InQueue |  Leaves   Expl. | BestBound       BestSol              Gap |   Cuts   InLp Confl. | LpIters     Time

 J       0       0         0   0.00%   inf             113863.25          Large        0      0      0         0     0.4s
         0       0         0   0.00%   124101.455693   113863.25          8.99%        0      0      3      7529     1.6s
"""


def test_log_tail_reads_incumbent_bound_gap(tmp_path) -> None:
    log = tmp_path / "h.log"
    tail = _LogTail(log)
    assert tail.read() == {}
    log.write_text("".join(LOG.splitlines(True)[:4]))
    first = tail.read()
    assert first == {"stage": 1, "bound": None, "incumbent": 113863.25, "gap": None}
    log.write_text(LOG)
    got = tail.read()
    assert got["bound"] == 124101.455693 and got["incumbent"] == 113863.25
    assert got["gap"] == pytest.approx(0.0899)
    log.write_text("Solving MIP model with:\n")  # the next stage rewrote the file
    assert tail.read()["stage"] == 2
    # a next MILP whose log outgrew the last one between two reads: its clock restarts
    tail.read()
    log.write_text("".join(LOG.splitlines(True)[:5]))
    assert tail.read()["stage"] == 2
    log.write_text(LOG + "         0       0         0   0.00%   124000   113900   8.1%"
                   "        0      0      3      7529     0.2s\n" * 3)
    assert tail.read()["stage"] == 3


def test_radius_kind_edits_and_solves(tmp_path) -> None:
    from siting.serve.view import base_view

    toml = pmedian_folder(tmp_path / "case", problem={"kind": "mclp", "radius": 800.0, "p": 2})
    base = engine.open_base(toml)
    view = base_view(base)
    assert view["problem"] == {"budget": None, "p": 2, "radius": 800.0}
    assert view["objective_sense"] == "max" and "services" not in view
    small = engine.solve_plan(engine.write_scenario(base, _edits(), tmp_path / "a"),
                              tmp_path / "a" / "out")
    def run(name: str, **kw: object) -> dict:
        return engine.solve_plan(engine.write_scenario(base, _edits(**kw), tmp_path / name),
                                 tmp_path / name / "out")

    wide = run("b", problem={"radius": 1600.0})
    shut = run("c", problem={"radius": 1600.0}, forbid=[wide["open_sites"][0]])
    assert small["status"] == wide["status"] == shut["status"] == "optimal"
    assert wide["objective"] >= small["objective"]   # a wider radius covers at least as much
    assert wide["open_sites"][0] not in shut["open_sites"] and len(shut["open_sites"]) == 2
    assert shut["objective"] <= wide["objective"]    # forbidding a chosen site cannot help
    assert "metrics" in wide and "coverage_table" not in wide


def test_map_layers_keep_pointing_at_the_scenario_folder(tmp_path) -> None:
    # the demo names its streets and community boundaries as "file#layer" beside the TOML
    from .conftest import ROOT

    demo = ROOT / "instances" / "demo_district" / "scenario.toml"
    if not demo.is_file():
        pytest.skip("demo district missing")
    base = engine.open_base(demo)
    sc = load_scenario(engine.write_scenario(base, _edits(), tmp_path / "w"))
    for key in ("streets", "communities"):
        path, _, layer = getattr(sc.problem, key).partition("#")
        assert Path(path).resolve() == (demo.parent / "demo_district.gpkg").resolve(), key
        assert layer


def test_named_community_targets_are_kept_or_replaced(tmp_path) -> None:
    base = engine.open_base(community_folder(tmp_path / "case"))
    named = load_scenario(engine.write_scenario(
        base, _edits(targets={"elderly": {"overall": 0.1, "communities": {"D2": 0.4}}}),
        tmp_path / "a")).problem.targets["elderly"]
    assert named.districts == {"D2": 0.4} and named.overall == 0.1
    # an edit that names no communities keeps the file's; one that does replaces them
    base2 = engine.open_base(engine.write_scenario(
        base, _edits(targets={"elderly": {"overall": 0.1, "communities": {"D2": 0.4}}}),
        tmp_path / "b"))
    kept = load_scenario(engine.write_scenario(
        base2, _edits(targets={"elderly": {"overall": 0.2}}), tmp_path / "c")).problem
    assert kept.targets["elderly"].districts == {"D2": 0.4}
    assert kept.targets["elderly"].overall == 0.2
    replaced = load_scenario(engine.write_scenario(
        base2, _edits(targets={"elderly": {"overall": 0.2, "districts": {"D1": 0.3}}}),
        tmp_path / "d")).problem
    assert replaced.targets["elderly"].districts == {"D1": 0.3}
