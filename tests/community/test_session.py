"""Sessions: every kind of what-if answered by editing the built model equals a cold solve of
the edited scenario (same status, same optimum, same cheapest tie), and bad edits are one-line
spec errors."""

from __future__ import annotations

import pytest

from siting.community.solve import solve
from siting.errors import SpecError
from siting.community.session import Session
from siting.solution import Status

from .helpers import build, problem

EDITS = [
    ("budget-down", {"budget": 40}),
    ("budget-up", {"budget": 95}),
    ("no-budget", {"budget": None}),
    ("lock", {"lock": ["s3"]}),
    ("forbid", {"forbid": ["s1"]}),
    ("lock-and-forbid", {"lock": ["s2"], "forbid": ["s3"]}),
    ("weight", {"weights": {"childcare": 0.5}}),
    ("weight-zero", {"weights": {"health": 0.0, "elderly": 2.5}}),
    ("target-new", {"targets": {"elderly": {"overall": 0.3}}}),
    ("target-district", {"targets": {"health": {"district": 0.2}}}),
    ("target-dropped", {"targets": {"childcare": None}}),
]


def _session(seed: int, objective: str = "coverage") -> Session:
    kw = {"budget": 70, "targets": {"childcare": {"overall": 0.1}}}
    if objective == "equity":
        kw = {"budget": 70}
    prob = problem(objective, **kw)
    return Session(build(seed, prob), prob)


def _same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert a.status is b.status
    if b.status is Status.OPTIMAL:
        assert a.objective == pytest.approx(b.objective, rel=1e-9, abs=1e-9)
        assert a.check.total_cost == pytest.approx(b.check.total_cost)
        assert a.tie_break == b.tie_break == "proven"
        assert a.check.feasible


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize(("name", "edit"), EDITS, ids=[e[0] for e in EDITS])
def test_what_if_equals_a_cold_solve(seed: int, name: str, edit: dict) -> None:
    s = _session(seed)
    s.solve()
    warm = s.resolve(**edit)
    inst, prob = s.edited(**edit)
    _same(warm, solve(inst, prob))


@pytest.mark.parametrize("objective", ["equity", "cost"])
def test_other_objectives_follow_the_edits(objective: str) -> None:
    prob = problem(objective, **({"budget": 70} if objective == "equity" else
                                 {"targets": {"elderly": {"overall": 0.4}}}))
    s = Session(build(3, prob), prob)
    s.solve()
    edit = {"budget": 50} if objective == "equity" else {
        "targets": {"elderly": {"overall": 0.6}}, "forbid": ["s2"]}
    warm = s.resolve(**edit)
    inst, p = s.edited(**edit)
    cold = solve(inst, p)
    assert warm.status is cold.status
    if cold.status is Status.OPTIMAL:
        assert warm.objective == pytest.approx(cold.objective, rel=1e-9, abs=1e-9)


def test_edits_do_not_accumulate() -> None:
    s = _session(1)
    base = s.solve()
    mid = s.resolve(budget=30, forbid=["s1"], weights={"elderly": 3.0})
    assert mid.objective != pytest.approx(base.objective)
    again = s.resolve()
    assert again.objective == pytest.approx(base.objective)
    assert again.check.total_cost == pytest.approx(base.check.total_cost)


def test_warm_start_is_taken_when_the_last_plan_still_fits() -> None:
    s = _session(2)
    base = s.solve()
    assert not s.warm
    assert s.resolve(weights={"elderly": 2.0}).status is Status.OPTIMAL and s.warm
    assert s.resolve(budget=95).status is Status.OPTIMAL and s.warm
    s.resolve(budget=base.check.total_cost - 1, repair=False)  # the last plan no longer fits
    assert not s.warm
    # repaired by closing sites (the default); the same answer as a cold solve
    s.result = base
    res = s.resolve(budget=base.check.total_cost * 0.8)
    assert not s.cached
    inst, prob = s.edited(budget=base.check.total_cost * 0.8)
    _same(res, solve(inst, prob))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_start_is_feasible_and_no_worse_than_a_fresh_greedy_plan(seed: int) -> None:
    from siting.community.formulation import greedy_start
    from siting.community.session import _order

    s = _session(seed)
    base = s.solve()
    for edit in ({"budget": base.check.total_cost * 0.6}, {"forbid": ["s1"]}, {"lock": ["s3"]},
                 {"budget": 95}):
        inst, prob = s.edited(**edit)
        model = s._model(s._what_if(edit.get("budget", "unset"), edit.get("lock", ()),
                                    edit.get("forbid", ()), None, None), inst, prob)
        x, _ = s._start(model, inst, prob, base.x, True, 2.0)
        fresh = greedy_start(model, inst, prob, None)
        if fresh is not None:
            assert x is not None and model.milp.max_violation(x) <= 1e-6, edit
            assert _order(model, prob, x) >= _order(model, prob, fresh), edit


def test_a_what_if_proven_before_is_answered_from_that_proof() -> None:
    s = _session(1)
    base = s.solve()
    first = s.resolve(budget=40, forbid=["s1"])
    assert not s.cached
    s.resolve(lock=["s3"])
    again = s.resolve(forbid=["s1"], budget=40)     # the same what-if, asked again
    assert s.cached and again.check.feasible
    assert again.objective == first.objective
    assert again.check.total_cost == first.check.total_cost
    assert (again.plan.used == first.plan.used).all()
    assert any("earlier in this session" in n for n in again.notes)
    # the scenario's own budget is the scenario as opened
    assert s.resolve(budget=s.problem.budget).objective == base.objective and s.cached
    # another tie-break setting or another edit is another question
    s.resolve(budget=40, forbid=["s1"], tie_break=False)
    assert not s.cached
    s.resolve(budget=41, forbid=["s1"])
    assert not s.cached


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_narrower_what_if_whose_plan_still_fits_is_answered_without_a_solve(
        seed: int) -> None:
    s = _session(seed)
    base = s.solve()
    ids = [str(x) for x in s.instance.site_ids]
    used = base.check.used
    shut = [ids[j] for j in range(len(ids)) if not used[j] and not s.instance.existing_site[j]]
    opened = [ids[j] for j in range(len(ids)) if used[j] and not s.instance.existing_site[j]]
    narrower = [{"budget": base.check.total_cost}]
    narrower += [{"forbid": shut[:1]}] if shut else []
    narrower += [{"lock": opened[:1], "budget": base.check.total_cost}] if opened else []
    for edit in narrower:
        res = s.resolve(**edit)
        assert s.cached, edit
        assert any("earlier" in n for n in res.notes)
        if "forbid" in edit:     # not the same question: answered as a narrower one
            assert any("larger feasible set" in n for n in res.notes)
        inst, prob = s.edited(**edit)
        _same(res, solve(inst, prob))
        assert res.problem.budget == prob.budget
    # a budget below the plan's cost, or a lock of a site the plan does not use, is solved
    s.resolve(budget=base.check.total_cost - 1)
    assert not s.cached
    if shut:
        s.resolve(lock=shut[:1])
        assert not s.cached


def test_a_what_ifs_greedy_start_keeps_within_its_time_limit(  # type: ignore[no-untyped-def]
        monkeypatch) -> None:
    # a what-if's greedy start gets the share of the limit a cold solve gives it (5 % of a
    # 1 s limit), not its own 2 s on top of the limit
    import siting.community.session as session_module
    from siting.options import SolveOptions

    asked: list[float] = []
    real = session_module.greedy_start

    def spy(*args, seconds: float = 2.0, **kw):  # type: ignore[no-untyped-def]
        asked.append(seconds)
        return real(*args, seconds=seconds, **kw)

    monkeypatch.setattr(session_module, "greedy_start", spy)
    prob = problem("coverage", budget=70)
    s = Session(build(2, prob), prob, options=SolveOptions(time_limit=1.0))
    s.resolve(budget=60)
    assert asked and max(asked) <= 0.05 + 1e-12, f"greedy start given {asked} s of a 1 s limit"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_repaired_starts_fit_the_edited_model(seed: int) -> None:
    from siting.community.session import _repaired
    s = _session(seed)
    base = s.solve()
    repaired: list[dict] = []
    for edit in ({"budget": base.check.total_cost * 0.6}, {"forbid": ["s1"]}, {"lock": ["s3"]}):
        inst, prob = s.edited(**edit)
        model = s._model(s._what_if(edit.get("budget", "unset"), edit.get("lock", ()),
                                    edit.get("forbid", ()), None, None), inst, prob)
        x = _repaired(model, inst, prob, base.x)
        if x is not None:
            assert model.milp.max_violation(x) <= 1e-6
            repaired.append(edit)
    assert seed != 1 or len(repaired) == 2      # seed 1: the budget and forbid edits repair


@pytest.mark.parametrize(("edit", "message"), [
    ({"lock": ["nope"]}, "lock: unknown site id 'nope'"),
    ({"forbid": ["s0"]}, "already operates"),
    ({"lock": ["s2"], "forbid": ["s2"]}, "both locked open and forbidden"),
    ({"weights": {"dance": 1.0}}, "weights: unknown service 'dance'"),
    ({"weights": {"elderly": -1.0}}, "must be finite and non-negative"),
    ({"budget": -5}, "budget: -5.0 must be finite"),
    ({"targets": {"elderly": {"overall": 1.5}}}, "targets.elderly"),
    ({"targets": {"elderly": {"districts": {"D9": 0.5}}}}, "district 'D9'"),
])
def test_bad_edits_are_one_line_spec_errors(edit: dict, message: str) -> None:
    s = _session(1)
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        s.resolve(**edit)
    assert "\n" not in str(err.value)
