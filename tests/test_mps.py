"""MPS/LP writers: round trip through HiGHS's own readers gives the same optimum."""

from __future__ import annotations

import json
from pathlib import Path

import highspy
import numpy as np
import pytest

from siting.backends import get_backend
from siting.cli import main
from siting.formulations import get_formulation
from siting.milp import MilpBuilder, MilpProblem
from siting.mps import lp_text, mps_text, write_model
from siting.options import SolveOptions
from siting.readers import load_instance

from tests.conftest import read_optima
from tests.backends.helpers import random_instance


def _read_back(path: Path, problem: MilpProblem) -> float:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-9)
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    lp = h.getLp()
    assert lp.num_col_ == problem.n_cols
    return float(h.getInfo().objective_function_value)


def _mixed_model() -> MilpProblem:
    """Every row and bound kind: ranged, equality, >=, <=, free/negative/fixed columns, max."""
    b = MilpBuilder("max", name="mixed model")
    b.add_vars("a", 2, lower=np.array([-3.0, 0.0]), upper=np.array([4.0, 2.0]), integer=True,
               cost=np.array([2.0, 1.5]))
    b.add_vars("f", 1, lower=-np.inf, upper=np.inf, cost=-0.5)  # free continuous
    b.add_vars("m", 1, lower=-np.inf, upper=2.5, cost=1.0)
    b.add_vars("fix", 1, lower=1.0, upper=1.0, cost=3.0)
    b.add_vars("big", 1, lower=2.0, upper=np.inf, integer=True, cost=-1.0)
    b.add_vars("empty", 1, lower=0.0, upper=1.0)  # in no row, zero cost: must still be declared
    b.add_rows("range", 1, np.zeros(3, np.int64), np.array([0, 1, 2]),
               np.array([1.0, 1.0, 1.0]), lower=-1.0, upper=3.25)
    b.add_rows("eq", 1, np.zeros(2, np.int64), np.array([2, 3]), np.array([1.0, -1.0]),
               lower=0.5, upper=0.5)
    b.add_rows("ge", 1, np.zeros(2, np.int64), np.array([3, 5]), np.array([1.0, 1.0]),
               lower=-7.0)
    b.add_rows("le", 1, np.zeros(2, np.int64), np.array([0, 5]), np.array([0.5, 1.0]),
               upper=6.0)
    b.add_rows("void", 1, np.zeros(0, np.int64), np.zeros(0, np.int64), 1.0, lower=-1.0,
               upper=2.0)  # a row with no entries must still be written and read
    b.offset = 4.25
    return b.build()


@pytest.mark.parametrize("fmt", ["mps", "lp"])
def test_round_trip_mixed(tmp_path: Path, fmt: str) -> None:
    problem = _mixed_model()
    direct = get_backend("highs").solve(problem, SolveOptions(rel_gap=0.0))
    path = tmp_path / f"m.{fmt}"
    write_model(problem, path, fmt)
    assert _read_back(path, problem) == pytest.approx(direct.objective, abs=1e-7)


@pytest.mark.parametrize("fmt", ["mps", "lp"])
@pytest.mark.parametrize("kind,form,params", [("p-median", "radius", {"p": 3}),
                                              ("p-median", "classic", {"p": 2}),
                                              ("ufl", None, {}),
                                              ("mclp", "cover", {"p": 2, "radius": 6.0})])
def test_round_trip_formulations(tmp_path: Path, fmt: str, kind: str, form: str | None,
                                 params: dict[str, float]) -> None:
    from siting import api

    inst = random_instance(7, n=12, m=11, fixed=True)  # rows longer than one LP line
    spec = api.make_problem(kind, **params)
    problem = get_formulation(kind, form).build(inst, spec)
    direct = get_backend("highs").solve(problem, SolveOptions(rel_gap=0.0))
    path = tmp_path / f"m.{fmt}"
    write_model(problem, path, fmt)
    assert _read_back(path, problem) == pytest.approx(direct.objective, abs=1e-6)


def test_names_and_markers() -> None:
    text = mps_text(_mixed_model())
    assert "OBJSENSE" in text and "MAX" in text
    assert " a_0 OBJ 2" in text and "empty_0 OBJ 0" in text
    assert text.count("'INTORG'") == 2 and text.count("'INTEND'") == 2  # blocks a and big
    assert "RANGES" in text and " PL BND big_0" in text and " FR BND f_0" in text
    generic = mps_text(_mixed_model(), generic_names=True, force_min=True, include_offset=False)
    assert "OBJSENSE" not in generic and " C0 OBJ -2" in generic and "RHS OBJ" not in generic
    lp = lp_text(_mixed_model())
    assert lp.startswith("\\ mixed model\nMaximize") and "General" in lp and "f_0 free" in lp


@pytest.mark.orlib
def test_export_cli_round_trip(tmp_path: Path, shared_instances: Path) -> None:
    src = shared_instances / "orlib-cap" / "cap41.txt"
    out = tmp_path / "cap41.mps"
    assert main(["export", str(src), str(out)]) == 0
    inst = load_instance(src)
    from siting import api

    problem = get_formulation("cflp", "strong").build(inst, api.make_problem("cflp"))  # what export writes
    optimum = read_optima(shared_instances / "orlib-cap")["cap41"]
    assert _read_back(out, problem) == pytest.approx(optimum, abs=1e-3)
    lp = tmp_path / "pm.lp"
    pmed = shared_instances / "orlib-pmed" / "pmed1.txt"
    assert main(["export", str(pmed), "--problem", "p-median", "--formulation", "classic",
                 "--format", "lp", str(lp)]) == 0
    assert lp.read_text().startswith("\\ pmed1-pmedian-classic\nMinimize")


def test_export_cli_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "tiny.txt"
    src.write_text("3 3 1\n1 2 5\n2 3 4\n1 3 2\n")  # OR-Library p-median format
    assert main(["export", str(src), str(tmp_path / "nope" / "x.mps")]) == 2
    assert main(["export", str(src), "--problem", "p-center", "--formulation", "search",
                 str(tmp_path / "x.mps")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "sequence of MILPs" in err
    assert not (tmp_path / "x.mps").exists()  # no partial output


def test_backends_cli(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backends", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["backends"]
    names = [r["backend"] for r in rows]
    assert names[0] == "highs" and rows[0]["available"] and rows[0]["default"]
    for r in rows:
        assert r["install"].startswith("pip install 'siting[")
        assert (r["version"] is not None) == r["available"]
    assert main(["backends"]) == 0
    assert "ortools-highs" in capsys.readouterr().out
