"""CP-SAT's translation: implied-integral detection and stated objective scaling."""

from __future__ import annotations

import numpy as np
import pytest

from siting import api
from siting.backends.cpsat import implied_integral_reason
from siting.formulations import get_formulation
from siting.milp import MilpBuilder
from siting.options import SolveOptions
from siting.solution import Status

from .helpers import random_instance


@pytest.mark.parametrize("kind,form,params,ok", [
    ("p-median", "radius", {"p": 2}, True),    # z chain rows: +1/-1 pairs, TU
    ("p-median", "classic", {"p": 2}, True),   # x in one assignment row + bound-like links
    ("ufl", "strong", {}, True),
    ("mclp", "cover", {"p": 2, "radius": 6.0}, True),
    ("cflp", "strong", {}, True),              # q_ij = d_i x_ij: quantities shipped
    ("p-center", "classic", {"p": 2}, False),  # minimax rows carry distances
])
def test_implied_integral_on_formulations(kind: str, form: str, params: dict[str, float],
                                          ok: bool) -> None:
    inst = random_instance(1, fixed=True, capacitated=True)
    milp = get_formulation(kind, form).build(inst, api.make_problem(kind, **params))
    assert (implied_integral_reason(milp) is None) is ok


def test_odd_cycle_is_not_totally_unimodular() -> None:
    """Three continuous columns pairwise sharing rows with equal signs: an odd cycle."""
    b = MilpBuilder("max")
    b.add_vars("x", 3, upper=1.0, cost=1.0)
    rows, cols = np.array([0, 0, 1, 1, 2, 2]), np.array([0, 1, 1, 2, 2, 0])
    b.add_rows("pair", 3, rows, cols, 1.0, upper=1.0)
    assert "totally unimodular" in str(implied_integral_reason(b.build()))


def test_fractional_objective_is_scaled_and_said() -> None:
    pytest.importorskip("ortools")
    from siting.backends import get_backend

    b = MilpBuilder("min")
    b.add_vars("y", 3, upper=1.0, integer=True, cost=np.array([1.25, 2.5, 0.75]))
    b.add_rows("two", 1, np.zeros(3, np.int64), np.arange(3), 1.0, lower=2.0)
    sol = get_backend("cpsat").solve(b.build(), SolveOptions(time_limit=10))
    assert sol.status is Status.OPTIMAL and sol.objective == pytest.approx(2.0)
    assert any("multiplied by 100" in n for n in sol.notes)


def test_unsupported_model_is_reported_not_guessed() -> None:
    """An odd cycle: the LP optimum (1.5, all halves) is not reachable by scaled integers."""
    pytest.importorskip("ortools")
    from siting.backends import get_backend

    b = MilpBuilder("max")
    b.add_vars("x", 3, upper=1.0, cost=1.0)
    b.add_rows("pair", 3, np.array([0, 0, 1, 1, 2, 2]), np.array([0, 1, 1, 2, 2, 0]), 1.0,
               upper=1.0)
    sol = get_backend("cpsat").solve(b.build(), SolveOptions())
    assert sol.status is Status.NO_SOLUTION and sol.x is None
    assert "cpsat cannot solve this model exactly" in sol.notes[0]


def test_continuous_columns_rescaled_to_quantities() -> None:
    """max x1 + x2, 2 x1 + 2 x2 <= 1: q = 2x is integral at an optimum; the answer is 1/2."""
    pytest.importorskip("ortools")
    from siting.backends import get_backend

    b = MilpBuilder("max")
    b.add_vars("x", 2, upper=1.0, cost=1.0)
    b.add_rows("r", 1, np.zeros(2, np.int64), np.arange(2), np.array([2.0, 2.0]), upper=1.0)
    sol = get_backend("cpsat").solve(b.build(), SolveOptions())
    assert sol.status is Status.OPTIMAL and sol.objective == pytest.approx(0.5)
    assert any("rescaled to integer quantities" in n for n in sol.notes)
