"""Repeated solves of one community scenario: what-ifs edit the built model in place
(opened from a scenario file by :func:`siting.session.open_scenario`).

    >>> import siting
    >>> s = siting.open_scenario("instances/demo_district/scenario.toml")
    >>> base = s.solve()
    >>> cheaper = s.resolve(budget=27e6)              # the budget row's bound
    >>> locked = s.resolve(lock=["S0042"])            # y_j bounds
    >>> s.resolve(weights={"childcare": 2.0}, targets={"meals": {"overall": 0.3}})

The scenario is read, its travel pairs computed and the MILP built ONCE (with a budget row and a
target row per service and district, inactive at share 0: ``build_model(editable=True)``). A
what-if changes only bounds (budget, locked and forbidden sites, targets) or the coverage
objective and its lexicographic row (weights), and the solve starts from the last plan when that
plan is still feasible, topped up greedily (else from a greedy plan). Each ``resolve`` describes
one what-if relative to the scenario as opened (edits do not accumulate; ``resolve()`` with no
edits is the scenario itself), and its answer is the answer of a cold solve of the edited
scenario (``edited()`` returns that scenario as an instance and problem;
tests/community/test_session.py compares the two for every kind of edit).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import SpecError
from ..options import SolveOptions
from .formulation import CommunityModel, build_model, greedy_start, value
from .instance import CommunityInstance
from .solve import CommunityResult, greedy_seconds, solve
from .spec import CommunityProblem, Target


@dataclass(frozen=True)
class WhatIf:
    """One set of edits relative to the opened scenario (``UNSET`` budget: keep the scenario's)."""

    budget: float | None | str = "unset"
    lock: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()
    weights: tuple[tuple[str, float], ...] = ()
    targets: tuple[tuple[str, Target | None], ...] = ()


class Session:
    """One community scenario held in memory: instance, pairs, reductions and the built model."""

    def __init__(self, instance: CommunityInstance, problem: CommunityProblem, *,
                 backend: str | None = None, options: SolveOptions | None = None,
                 scenario: Any = None) -> None:
        t0 = time.perf_counter()
        self.instance = instance
        self.problem = problem
        self.backend = backend
        options = options or SolveOptions()
        #: one solver thread unless asked otherwise: on the shared 2-core machine HiGHS used
        #: 15-25 % less CPU on one thread for the demo's what-ifs, and no more wall time
        self.options = options if options.threads is not None else options.model_copy(
            update={"threads": 1})
        self.scenario = scenario
        self.model = build_model(instance, problem, editable=True)
        self.build_seconds = time.perf_counter() - t0
        self.result: CommunityResult | None = None
        #: whether the last solve started from the last plan (as it was, or repaired to fit)
        self.warm = False
        #: whether the last answer came from an earlier proof of the same what-if
        self.cached = False
        #: proven answers of this session, by what-if (``resolve``)
        self._proven: dict[str, tuple[Question, CommunityResult]] = {}
        self._site_index = {str(v): k for k, v in enumerate(instance.site_ids)}
        self._names = tuple(s.name for s in problem.services)

    # -- solving -------------------------------------------------------------------------------
    def solve(self, *, tie_break: bool = True) -> CommunityResult:
        """The scenario as opened (warm from the last plan if there is one)."""
        return self.resolve(tie_break=tie_break)

    def resolve(self, *, budget: float | None | str = "unset", lock: Iterable[str] = (),
                forbid: Iterable[str] = (), weights: Mapping[str, float] | None = None,
                targets: Mapping[str, Target | Mapping[str, Any] | None] | None = None,
                tie_break: bool = True, start: np.ndarray | None = None,
                repair: bool = True) -> CommunityResult:
        """Solve the opened scenario with these edits, warm-started from the last plan.

        ``budget``: a new budget (None: no budget); ``lock``/``forbid``: site ids forced open /
        closed on top of the scenario's; ``weights``: new β of the named services; ``targets``:
        the named services' targets replaced (a ``Target``, its dict form, or None to drop it).

        The start is the last plan (or ``start``) when it fits the edited model, topped up by
        :func:`~siting.community.formulation.greedy_start` with what the edit freed. When it no
        longer fits it is repaired to fit (``_repaired``: newly forbidden sites closed, a locked
        site opened, sites closed until the budget holds) and topped up, and a fresh greedy plan
        is built too; the better of the two (the model's own objective order) is the start.
        ``repair=False`` skips the repair (fresh greedy plan only). On the demo (HiGHS 1.16,
        one thread, CPU s) the repaired start took lock 4.2 → 2.5 and budget −17 % 2.9 → 1.9,
        the other what-ifs unchanged.

        A what-if this session has already answered with a proven optimum (same edits, same
        tie-break and gap options) is answered again from that proof without a solve: its plan
        is verified again and the result says so in its notes (``self.cached``). So is one that
        only narrows an earlier proven what-if (budget lowered or kept, more sites locked or
        forbidden, the rest the same) when that plan still fits: the optimum of a larger
        feasible set that lies in the smaller one is optimal there, in both orders.
        """
        what = self._what_if(budget, lock, forbid, weights, targets)
        inst, problem = self._edited(what)
        t0 = time.perf_counter()
        key = self._key(inst, problem, tie_break)
        model = self._model(what, inst, problem)
        hit, note = self._earlier(key, model, inst, problem)
        if hit is not None:
            self.cached, self.warm = True, False
            self.result = _again(hit, inst, problem, time.perf_counter() - t0, note)
            return self.result
        self.cached = False
        last = start if start is not None else (None if self.result is None else self.result.x)
        seconds = greedy_seconds(self.options)
        x0, self.warm = self._start(model, inst, problem, last, repair, seconds)
        res = solve(inst, problem, backend=self.backend, options=self.options, model=model,
                    start=x0, tie_break=tie_break)
        self.result = res
        if _proven(res, tie_break):
            self._proven[key.exact] = (key, res)
            while len(self._proven) > PROVEN_KEPT:
                self._proven.pop(next(iter(self._proven)))
        return res

    def _start(self, model: CommunityModel, inst: CommunityInstance, problem: CommunityProblem,
               last: np.ndarray | None, repair: bool,
               seconds: float) -> tuple[np.ndarray | None, bool]:
        """The MIP start and whether it comes from the last plan (see ``resolve``)."""
        x0 = None
        fits = False
        if last is not None:
            x0 = model.lift(last)
            fits = model.milp.max_violation(x0) <= 1e-6
            if not fits:
                x0 = _repaired(model, inst, problem, last) if repair else None
        if not self.options.warm_start:
            return x0, x0 is not None
        # the greedy spends what the edit freed (within the share of the time limit a cold
        # solve gives it): a better incumbent lets the solver fix more columns by reduced cost
        filled = greedy_start(model, inst, problem, x0, seconds=seconds) \
            if x0 is not None else None
        x0 = filled if filled is not None else x0
        if fits and x0 is not None:
            return x0, True
        fresh = greedy_start(model, inst, problem, None, seconds=seconds)
        if x0 is None or (fresh is not None and
                          _order(model, problem, fresh) > _order(model, problem, x0)):
            return fresh, False
        return x0, True

    def _key(self, inst: CommunityInstance, problem: CommunityProblem,
             tie_break: bool) -> Question:
        """What makes two solves the same question: the edited scenario's budget, site flags,
        weights and targets (all a what-if can change), the tie-break, the gaps asked for and
        the backend (time limit, threads and logs do not change a proven answer)."""
        o = self.options
        rest = repr(([s.weight for s in problem.services], sorted(
            (k, repr(v)) for k, v in problem.targets.items() if v != Target()),
            tie_break, o.rel_gap, o.abs_gap, self.backend))
        return Question(problem.budget, inst.forced.copy(), inst.forbidden.copy(), rest)

    def _earlier(self, key: Question, model: CommunityModel, inst: CommunityInstance,
                 problem: CommunityProblem) -> tuple[CommunityResult | None, str]:
        """An earlier proven answer that answers this what-if too, and how (see ``resolve``)."""
        same = self._proven.get(key.exact)
        if same is not None:
            return same[1], AGAIN
        for old, res in reversed(list(self._proven.values())):
            if old.relaxes(key) and res.x is not None and \
                    model.milp.max_violation(model.lift(res.x)) <= 1e-6:
                return res, STILL_OPTIMAL
        return None, ""

    def edited(self, **edits: Any) -> tuple[CommunityInstance, CommunityProblem]:
        """The edited scenario as a fresh instance and problem (for a cold solve or outputs)."""
        what = self._what_if(edits.get("budget", "unset"), edits.get("lock", ()),
                             edits.get("forbid", ()), edits.get("weights"), edits.get("targets"))
        return self._edited(what)

    # -- edits ---------------------------------------------------------------------------------
    def _what_if(self, budget: Any, lock: Iterable[str], forbid: Iterable[str],
                 weights: Mapping[str, float] | None,
                 targets: Mapping[str, Any] | None) -> WhatIf:
        if isinstance(budget, str) and budget != "unset":
            raise SpecError(f"budget: {budget!r} is not a number")
        if budget not in ("unset", None):
            budget = float(budget)  # type: ignore[arg-type]
            if not np.isfinite(budget) or budget < 0:
                raise SpecError(f"budget: {budget!r} must be finite and non-negative")
        w: list[tuple[str, float]] = []
        for name, value in (weights or {}).items():
            self._service(name, "weights")
            if not np.isfinite(float(value)) or float(value) < 0:
                raise SpecError(f"weights: {name} = {value!r} must be finite and non-negative")
            w.append((name, float(value)))
        t: list[tuple[str, Target | None]] = []
        for name, value in (targets or {}).items():
            self._service(name, "targets")
            if value is None or isinstance(value, Target):
                t.append((name, value))
            else:
                try:
                    t.append((name, Target.model_validate(dict(value))))
                except Exception as exc:  # pydantic's message, one line
                    raise SpecError(f"targets.{name}: {str(exc).splitlines()[-1].strip()}") \
                        from None
        return WhatIf(budget=budget, lock=tuple(map(str, lock)), forbid=tuple(map(str, forbid)),
                      weights=tuple(w), targets=tuple(t))

    def _service(self, name: str, key: str) -> None:
        if name not in self._names:
            raise SpecError(f"{key}: unknown service {name!r} (services: "
                            f"{', '.join(self._names)})")

    def _sites(self, ids: tuple[str, ...], key: str) -> np.ndarray:
        mask = np.zeros(self.instance.n_sites, dtype=bool)
        for sid in ids:
            if sid not in self._site_index:
                raise SpecError(f"{key}: unknown site id {sid!r}")
            mask[self._site_index[sid]] = True
        return mask

    def _edited(self, what: WhatIf) -> tuple[CommunityInstance, CommunityProblem]:
        inst, problem = self.instance, self.problem
        lock, forbid = self._sites(what.lock, "lock"), self._sites(what.forbid, "forbid")
        both = lock & forbid | lock & inst.forbidden | forbid & inst.forced
        if both.any():
            raise SpecError(f"site {inst.site_ids[np.flatnonzero(both)[0]]!r} would be both "
                            "locked open and forbidden")
        if (forbid & inst.existing_site).any():
            raise SpecError(f"forbid: site {inst.site_ids[np.flatnonzero(forbid & inst.existing_site)[0]]!r}"
                            " already operates (an existing site cannot be forbidden)")
        if lock.any() or forbid.any():
            inst = replace(inst, forced=inst.forced | lock, forbidden=inst.forbidden | forbid)
        update: dict[str, Any] = {}
        if what.budget != "unset":
            update["budget"] = what.budget
        if what.weights:
            new = dict(what.weights)
            update["services"] = tuple(s.model_copy(update={"weight": new[s.name]})
                                       if s.name in new else s for s in problem.services)
        if what.targets:
            targets = dict(problem.targets)
            for name, target in what.targets:
                if target is None:
                    targets.pop(name, None)
                else:
                    targets[name] = target
            update["targets"] = targets
        if update:
            problem = problem.model_copy(update=update)
        return inst, problem

    def _model(self, what: WhatIf, inst: CommunityInstance,
               problem: CommunityProblem) -> CommunityModel:
        model = self.model.with_budget(problem.budget)
        if what.lock or what.forbid:
            model = model.with_sites(inst.forced & ~self.instance.forced,
                                     inst.forbidden & ~self.instance.forbidden)
        if what.weights:
            model = model.with_weights(np.array([s.weight for s in problem.services]))
        if what.targets:
            model = model.with_targets(inst, problem.targets, self._names)
        return model


@dataclass(frozen=True, eq=False)
class Question:
    """A solve as the cache of proven answers sees it (``Session._key``)."""

    budget: float | None
    forced: np.ndarray
    forbidden: np.ndarray
    rest: str          # weights, targets, tie-break, gaps, backend

    @property
    def exact(self) -> str:
        return repr((self.budget, np.flatnonzero(self.forced).tolist(),
                     np.flatnonzero(self.forbidden).tolist(), self.rest))

    def relaxes(self, other: Question) -> bool:
        """Whether every plan feasible for ``other`` is feasible here (same objective)."""
        looser_budget = self.budget is None or (other.budget is not None
                                                and other.budget <= self.budget)
        return (self.rest == other.rest and looser_budget
                and not (self.forced & ~other.forced).any()
                and not (self.forbidden & ~other.forbidden).any())


AGAIN = ("the same what-if was solved and proven optimal earlier in this session: that plan is "
         "returned again (verified again; its solver stages are the earlier ones)")
STILL_OPTIMAL = ("an earlier what-if of this session with a larger feasible set (higher or equal "
                 "budget, fewer locked or forbidden sites) was proven optimal and its plan fits "
                 "this one, so it is optimal here too; returned without a solve (verified again; "
                 "its solver stages are the earlier ones)")

#: proven answers a session keeps (oldest dropped first)
PROVEN_KEPT = 32


def _proven(res: CommunityResult, tie_break: bool) -> bool:
    """Whether a result is a finished proof worth answering the same what-if with again."""
    from ..solution import Status, Termination

    return (res.status is Status.OPTIMAL and res.plan is not None and res.check is not None
            and res.termination is Termination.OPTIMAL
            and res.tie_break in (("proven", "n/a") if tie_break else ("skipped", "n/a")))


def _again(res: CommunityResult, inst: CommunityInstance, problem: CommunityProblem,
           seconds: float, note: str) -> CommunityResult:
    """An earlier proven answer of the same what-if, its plan verified again."""
    from ..errors import VerificationError
    from .verify import verify

    assert res.plan is not None and res.check is not None
    check = verify(inst, problem, res.plan)
    if check.violations or abs(check.objective(problem.objective)
                               - res.check.objective(problem.objective)) > 1e-9 * max(
            1.0, abs(res.check.objective(problem.objective))):
        raise VerificationError("an earlier proven plan of this what-if failed verification "
                                "again")
    return replace(res, problem=problem, check=check, build_seconds=0.0,
                   solve_seconds=seconds, notes=res.notes + (note,))


def _order(model: CommunityModel, problem: CommunityProblem, x: np.ndarray) -> tuple[float, ...]:
    """A start's rank in the model's own objective order (larger is better)."""
    if problem.objective == "cost":
        return (-value(model.cost, x),)
    if problem.objective == "equity" and model.t_col is not None:
        return (float(x[model.t_col]), value(model.coverage, x), -value(model.cost, x))
    return (value(model.coverage, x), -value(model.cost, x))


def _repaired(model: CommunityModel, inst: CommunityInstance, problem: CommunityProblem,
              x: np.ndarray) -> np.ndarray | None:
    """The last plan made to fit the edited model, or None: newly forbidden sites closed, a
    newly locked site opened with the largest module set the rules and its area allow (cheapest
    among those), then, while over budget, the unlocked new site whose closing loses the least
    coverage per yuan closed. Only a point the model accepts is returned (a start is a hint)."""
    x = model.lift(x)
    p = model.milp
    if p.max_violation(x) <= 1e-6:
        return x
    y = model.block("y").slice
    lo, hi = p.col_lower[y], p.col_upper[y]
    pairs_of = [np.flatnonzero(model.pair_j == j) for j in range(lo.size)]
    m_start, h_start = model.block("m").start, model.block("h").start

    def close(x: np.ndarray, j: int) -> np.ndarray:
        x = x.copy()
        x[y.start + j] = 0.0
        x[m_start + pairs_of[j]] = 0.0
        x[h_start + pairs_of[j]] = 0.0
        return model.lift(x)

    for j in np.flatnonzero((x[y] > 0.5) & (hi < 0.5)):
        x = close(x, int(j))
    for j in np.flatnonzero((x[y] < 0.5) & (lo > 0.5)):
        opened = _open_site(model, problem, x, int(j), pairs_of[int(j)], float(inst.area[j]))
        if opened is None:
            return None
        x = opened
    if model.budget_row is not None:
        budget = float(p.row_upper[model.budget_row])
        while value(model.cost, x) > budget + 1e-6:
            cand = np.flatnonzero((x[y] > 0.5) & (lo < 0.5))
            if cand.size == 0:
                return None
            now, spent = value(model.coverage, x), value(model.cost, x)
            closed = [close(x, int(j)) for j in cand]
            loss = [(now - value(model.coverage, c)) / max(spent - value(model.cost, c), 1e-9)
                    for c in closed]
            x = closed[int(np.argmin(loss))]
    return x if p.max_violation(x) <= 1e-6 else None


def _open_site(model: CommunityModel, problem: CommunityProblem, x: np.ndarray, j: int,
               pairs: np.ndarray, area: float) -> np.ndarray | None:
    """``x`` with site j open and one new module of each service of the best subset of its host
    pairs that meets the rules: most services, then cheapest."""
    from itertools import combinations

    services = problem.services
    rules = problem.rules
    core = set(problem.core_names)
    m_start, h_start = model.block("m").start, model.block("h").start
    up = model.milp.col_upper
    best: tuple[int, float, tuple[int, ...]] | None = None
    for k in range(pairs.size, 0, -1):
        for combo in combinations(pairs.tolist(), k):
            svc = [services[int(model.pair_s[q])] for q in combo]
            if any(up[m_start + q] < 1 for q in combo):
                continue
            if sum(s.module_area for s in svc) > area + 1e-9 or k < rules.new_site_min_services:
                continue
            if sum(s.name in core for s in svc) < rules.new_site_min_core:
                continue
            if rules.complex_min_area > 0 and area < rules.complex_min_area \
                    and k >= rules.complex_min_services:
                continue
            cost = sum(s.module_cost for s in svc)
            if best is None or cost < best[1]:
                best = (k, cost, combo)
        if best is not None:
            break
    if best is None and rules.new_site_min_services > 0:
        return None
    x = x.copy()
    x[model.block("y").start + j] = 1.0
    for q in best[2] if best is not None else ():
        x[m_start + q] = 1.0
        x[h_start + q] = 1.0
    return model.lift(x)
