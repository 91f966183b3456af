"""The harness runs a tiny grid end to end (one subprocess per run) and writes CSV + Markdown."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from benchmarks import harness
from benchmarks.suites import _selected, cap_cases
from benchmarks.worker import random_instance, round_costs


@pytest.mark.orlib
def test_tiny_grid_end_to_end(shared_instances, tmp_path):
    out = tmp_path / "grid"
    rc = harness.main(["--instances", str(shared_instances), "--suites", "pmed,random,sf",
                       "--select", "pmed1", "--sizes", "30", "--p", "3",
                       "--models", "p-median,p-center", "--formulations", "radius,benders,search",
                       "--time-limit", "30", "--out", str(out), "--no-plots"],
                      progress=lambda s: None)
    assert rc == 0
    with open(out.with_suffix(".csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    # pmed1, rand30, sf x (p-median: radius + benders; p-center: search; a formulation only
    # runs for the models it is registered for)
    assert len(rows) == 9
    assert {r["formulation"] for r in rows} == {"radius", "benders", "search"}
    for r in rows:
        assert r["status"] == "optimal", r
        assert r["verified"] == "True", r
        assert float(r["peak_mb"]) > 10
        assert float(r["total_s"]) <= float(r["wall_s"])
        if r["known_optimum"]:
            assert r["matches_optimum"] == "True", r
    known = {(r["instance"], r["model"]): float(r["objective"]) for r in rows}
    assert known[("pmed1", "p-median")] == 5819
    assert known[("pmed1", "p-center")] == 127
    by: dict = {}
    for r in rows:
        by.setdefault((r["instance"], r["model"]), []).append(float(r["objective"]))
    for vals in by.values():  # formulations agree
        assert max(vals) - min(vals) <= 1e-9 * max(vals)
    md = out.with_suffix(".md").read_text()
    # default backends: HiGHS, except that benders reports SCIP when its tree ran there
    assert {r["backend"] for r in rows if r["formulation"] == "radius"} == {"highs"}
    ran_on = [r["backend"] for r in rows if r["formulation"] == "benders"
              and r["instance"] == "pmed1"]
    assert ran_on[0] in ("highs", "scip")
    assert "| pmed | p-median | benders/default | 1/1 |" in md  # one route, as requested
    assert all(r["requested_backend"] == "default" for r in rows)


def test_killed_run_is_recorded(tmp_path):
    from benchmarks.suites import Case

    case = Case("random", "rand700", "p-median", {"kind": "random", "n": 700, "seed": 1},
                {"p": 7})
    rec = harness.run_case(case, "classic", "highs", time_limit=0.5, grace=0.5)
    assert rec["status"] in ("killed", "feasible", "no_solution", "optimal")
    if rec["status"] == "killed":
        assert "killed" in rec["error"]


def test_holdout_capacities_expand(tmp_path):
    # a capa-style file: every capacity is the word 'capacity'
    text = "2 3\ncapacity 10.\ncapacity 20.\n1 5 6\n2 7 8\n3 9 1\n"
    (tmp_path / "capa.txt").write_text(text)
    cases = cap_cases([tmp_path], ["cflp", "ufl"], None)
    names = sorted({(c.instance, c.model) for c in cases})
    assert ("capa-8000", "cflp") in names and ("capa-14000", "cflp") in names
    assert [c for c in cases if c.model == "ufl"] and len([c for c in cases if c.model == "cflp"]) == 4
    assert next(c for c in cases if c.instance == "capa-8000").known_optimum == 19240822.449


def test_select_ranges():
    assert _selected("pmed7", "pmed1-20")
    assert not _selected("pmed21", "pmed1-20")
    assert _selected("capa", "cap41-74,capa")


def test_rounding_collapses_levels():
    inst = random_instance(60, 0)
    r = round_costs(inst, 1.0)
    D, R = inst.dense_cost(), r.dense_cost()
    assert np.all(np.abs(D - R) <= 0.5 + 1e-9)
    assert np.unique(R).size < np.unique(D).size
    assert r.integral_costs


def test_siting_bench_runs_the_harness(tmp_path, capsys):
    """`siting bench` forwards every flag to the harness; solver-bound formulations run on
    their own backend inside a grid whose --backends says highs."""
    pytest.importorskip("pyscipopt")
    from siting.cli import main

    out = tmp_path / "bench"
    rc = main(["bench", "--suites", "random", "--sizes", "25", "--p", "3",
               "--models", "p-median", "--formulations", "benders,benders-scip",
               "--time-limit", "30", "--out", str(out), "--no-plots"])
    assert rc == 0
    with open(out.with_suffix(".csv"), newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["formulation"], r["backend"]) for r in rows} == {
        ("benders", "highs"), ("benders-scip", "scip")}
    assert all(r["status"] == "optimal" and r["verified"] == "True" for r in rows)
    assert len({float(r["objective"]) for r in rows}) == 1


def test_siting_bench_bad_flag_is_usage_error(capsys):
    from siting.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["bench", "--suites", "nope", "--out", "/nonexistent/x"])
    assert exc.value.code == 2
    assert "unknown suite 'nope'" in capsys.readouterr().err


def test_lookalikes_have_the_named_shapes(tmp_path):
    from benchmarks import lookalikes
    from benchmarks.suites import CAP_SETTINGS, cap_cases, pmed_cases
    from siting.errors import SpecError
    from siting.readers import load_instance

    assert lookalikes.main([str(tmp_path)]) == 0
    pm = load_instance(tmp_path / "pmedlike38.txt")
    assert (pm.n_demand, pm.default_p) == (900, 5)
    # one file per large set, capacities the word 'capacity' as in capa/b/c (Beasley 1988)
    with pytest.raises(SpecError, match="capacity"):
        load_instance(tmp_path / "capblike.txt")
    sets = {s: load_instance(tmp_path / f"{s}like.txt", capacity=5000) for s in ("capa", "capb", "capc")}
    for cap in sets.values():
        assert (cap.n_sites, cap.n_demand) == (100, 1000)
        assert set(cap.capacity) == {5000.0}
        assert 1 <= cap.demand.min() and cap.demand.max() <= 100
    # capb and capc hold different data (the real files do), not capa's at other capacities
    assert not np.array_equal(sets["capb"].fixed_cost, sets["capc"].fixed_cost)
    assert not np.array_equal(sets["capa"].demand, sets["capb"].demand)
    # the harness runs each at its set's four capacities, without (wrong) known optima
    cases = pmed_cases([tmp_path], ["p-median"], None) + cap_cases([tmp_path], ["cflp"], None)
    assert len(cases) == 20 + 12 and all(c.known_optimum is None for c in cases)
    names = {c.instance for c in cases}
    assert {f"capblike-{int(k)}" for k in CAP_SETTINGS["capb"]} <= names
    assert {f"capclike-{int(k)}" for k in CAP_SETTINGS["capc"]} <= names
    # numeric capacities: one data set per capacity, named by it
    assert lookalikes.main([str(tmp_path / "num"), "--capacities", "5000,5750"]) == 0
    num = load_instance(tmp_path / "num" / "caplike5750.txt")
    assert set(num.capacity) == {5750.0}
    assert np.array_equal(num.fixed_cost, sets["capa"].fixed_cost)


def test_tsplib_suite_knows_the_papers_cases_without_an_optima_file(tmp_path):
    """A folder holding only fl1400.tsp gets the paper's nine fl1400 cases with OPT/BKN and
    time (benchmarks/published); an open case (p=500) has no time, so no 2x target; a folder's
    own row wins over the published one but borrows the paper's time when it has none."""
    from benchmarks.suites import tsplib_cases

    (tmp_path / "fl1400.tsp").write_text("NAME : fl1400\nTYPE : TSP\nDIMENSION : 3\n"
                                         "EDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n"
                                         "1 0 0\n2 3 4\n3 6 8\nEOF\n")
    cases = {c.params["p"]: c for c in tsplib_cases([tmp_path], ["p-median"], None)}
    assert sorted(cases) == [5, 10, 20, 50, 100, 200, 300, 400, 500]
    assert (cases[200].known_optimum, cases[200].reference_s) == (8806.0, 26.9)
    assert (cases[500].known_optimum, cases[500].reference_s) == (3764.0, None)
    (tmp_path / "optima.csv").write_text("instance,objective,notes\nfl1400_p200,8800,mine\n")
    mine = {c.params["p"]: c for c in tsplib_cases([tmp_path], ["p-median"], None)}[200]
    assert (mine.known_optimum, mine.reference_s) == (8800.0, 26.9)


def test_tsplib_suite_reads_optima_and_published_times(tmp_path):
    """Cases come from optima.csv rows <name>_p<p> with DM's time from the notes; the report
    compares against it and applies the 2x (10 s floor) target."""
    from benchmarks.report import reference_rows
    from benchmarks.suites import tsplib_cases

    (tmp_path / "tiny.tsp").write_text("NAME : tiny\nTYPE : TSP\nDIMENSION : 3\n"
                                       "EDGE_WEIGHT_TYPE : EUC_2D\nNODE_COORD_SECTION\n"
                                       "1 0 0\n2 3 4\n3 6 8\nEOF\n")
    (tmp_path / "optima.csv").write_text("instance,objective,notes\n"
                                         "tiny_p1,10,p=1; DM2023 total 2.5 s\n"
                                         "tiny_p2,5,no time\nother_p1,1,DM2023 total 1 s\n")
    cases = tsplib_cases([tmp_path], ["p-median", "cflp"], None)
    assert [(c.instance, c.params["p"], c.known_optimum, c.reference_s) for c in cases] == [
        ("tiny_p1", 1, 10.0, 2.5), ("tiny_p2", 2, 5.0, None)]
    assert cases[0].source["rounding"] == "floor" and cases[0].size == 9
    assert [c.params["p"] for c in tsplib_cases([tmp_path], ["p-median"], None, [2])] == [2]
    base = {"instance": "tiny_p1", "status": "optimal", "verified": True,
            "matches_optimum": True, "known_optimum": 10.0, "objective": 10.0}
    fast = reference_rows([{**base, "total_s": 9.0, "reference_s": 2.5}])[0]
    slow = reference_rows([{**base, "total_s": 11.0, "reference_s": 2.5}])[0]
    assert fast[-2] == "yes" and slow[-2] == "no"  # 10 s floor, then 2x
    assert reference_rows([{**base, "total_s": 1.0, "reference_s": None}]) == []
