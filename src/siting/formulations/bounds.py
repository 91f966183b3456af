"""Valid bounds computed from the instance alone, for results a solver stopped early.

A time-limited or interrupted solve keeps its incumbent, but the solver's bound may be missing
(HiGHS stopped before the root LP: dual bound -inf) or useless (0 on a p-median whose sites
are its demand points). :func:`instance_bound` gives a bound that never needs a MILP:
closed-form relaxations per kind, plus a Lagrangian bound within a small time budget for
p-median and facility location. Each is a relaxation of the model, so it is valid whatever the
solver did; :func:`combine` keeps the stronger of the two.

- p-median: Lagrangian (assignment rows relaxed, scale/pmedian_lagrange), else the
  "second-nearest" bound: every point pays its second-smallest cost unless an open site is
  one of its nearest, and p sites save at most the p largest per-site savings.
- p-center: a point pays less than its second-smallest cost only if one of its nearest sites
  opens; p sites rescue at most the p largest such groups, so the k-th largest second cost
  (k = 1 + their size) is a lower bound, as is every point's smallest cost.
- lscp: required sites' cost plus a packing of points whose site sets are disjoint (each needs
  its own site: the cheapest in its set).
- mclp: coverable weight, the p largest site coverages and the fractional budget knapsack.
- ufl / cflp: the UFL Lagrangian (capacities relaxed), else sum of nearest costs plus the
  cheapest opening.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from ..instance import Instance
from ..problems import CFLP, LSCP, MCLP, UFL, PCenter, PDispersion, PMedian, Problem
from ..solution import Status, Termination, relative_gap

if TYPE_CHECKING:
    from .base import Context, Formulation, Outcome

#: seconds a Lagrangian bound may take after a stopped solve (never more than this share of
#: the time limit either: a 2 s limit must still end in about 2 s)
BOUND_SECONDS = 1.0
BOUND_SHARE = 0.1
#: below this budget only the closed-form bounds run (a Lagrangian needs a few iterations)
MIN_LAGRANGE_SECONDS = 0.05


def sense(problem: Problem) -> str:
    return "max" if isinstance(problem, (MCLP, PDispersion)) else "min"


def instance_bound(instance: Instance, problem: Problem, seconds: float = BOUND_SECONDS
                   ) -> float | None:
    """A valid bound on the optimum of ``problem`` (lower for min, upper for max), or None."""
    if isinstance(problem, PDispersion):
        return _pdispersion(instance, problem)
    i, j, d = instance.pairs()
    allowed = ~instance.forbidden  # type: ignore[operator]
    ok = allowed[j]
    i, j, d = i[ok], j[ok], d[ok]
    w = instance.weight
    if isinstance(problem, PMedian):
        return _pmedian(instance, problem, i, j, d, w, seconds)
    if isinstance(problem, PCenter):
        return _pcenter(instance, problem, i, j, d, w)
    if isinstance(problem, LSCP):
        return _lscp(instance, problem, i, j, d, seconds)
    if isinstance(problem, MCLP):
        return _mclp(instance, problem, i, j, d, w)
    if isinstance(problem, (UFL, CFLP)):
        return _ufl(instance, i, j, d, w, seconds)
    return None  # pragma: no cover - exhaustive over Problem


def _pdispersion(instance: Instance, problem: PDispersion) -> float | None:
    """Upper bound on the smallest distance among p open sites. The nearest of the p − 1 other
    open sites of a set holding site i is at most u_i, the distance from i to its
    (n − p + 1)-th nearest other allowed site (n allowed sites: at worst the others are the
    farthest ones), so the set's smallest distance is ≤ min over the set of u_i ≤ the p-th
    largest u_i."""
    p = problem.p
    allowed = np.flatnonzero(~instance.forbidden)
    if allowed.size < p or p < 2:
        return None
    D = instance.dense_cost()[np.ix_(allowed, allowed)].astype(float)
    np.fill_diagonal(D, np.inf)  # self last: the n − 1 others come first when sorted
    D = np.where(np.isfinite(D), D, np.inf)
    k = allowed.size - p  # 0-based position of the (n − p + 1)-th nearest other site
    u = np.partition(D, k, axis=1)[:, k]
    u = u[np.isfinite(u)]
    if u.size < p:
        return None
    return float(np.partition(u, u.size - p)[u.size - p])  # the p-th largest


def combine(problem: Problem, solver_bound: float | None, own: float | None) -> float | None:
    """The stronger of two valid bounds (None and non-finite values are ignored)."""
    vals = [b for b in (solver_bound, own) if b is not None and math.isfinite(b)]
    if not vals:
        return None
    return max(vals) if sense(problem) == "min" else min(vals)


def _nearest_two(n: int, i: np.ndarray, wd: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per point: smallest value, second-smallest distinct value (inf if none) of ``wd`` and
    whether each pair is one of its point's nearest."""
    d1 = np.full(n, np.inf)
    np.minimum.at(d1, i, wd)
    near = wd <= d1[i]
    d2 = np.full(n, np.inf)
    np.minimum.at(d2, i[~near], wd[~near])
    return d1, d2, near


def _pmedian(instance: Instance, problem: PMedian, i: np.ndarray, j: np.ndarray,
             d: np.ndarray, w: np.ndarray, seconds: float) -> float | None:
    n, m = instance.n_demand, instance.n_sites
    counts = np.bincount(i, minlength=n)
    if np.any((counts == 0) & (w > 0)):
        return None  # a point reaches no site: infeasible, no finite bound to give
    wd = w[i] * d
    d1, d2, near = _nearest_two(n, i, wd)
    # a point with a single reachable cost pays it (d2 = d1)
    d2 = np.where(np.isfinite(d2), d2, d1)
    saving = np.bincount(j[near], weights=(d2 - d1)[i[near]], minlength=m)
    top = np.sort(saving)[::-1][: problem.p]
    best = float(math.fsum(d2) - math.fsum(top))
    best = max(best, float(math.fsum(d1)))
    if seconds >= MIN_LAGRANGE_SECONDS:
        from ..scale.pmedian_lagrange import Pairs, kth_smallest, solve_lagrangian

        t0 = time.perf_counter()
        P = Pairs.from_instance(instance)
        req = instance.required.copy()  # type: ignore[union-attr]
        allowed = ~instance.forbidden  # type: ignore[operator]
        if int(req.sum()) <= problem.p and int(allowed.sum()) >= problem.p:
            lag = solve_lagrangian(P, problem.p, req, allowed,
                                   time_limit=seconds - (time.perf_counter() - t0),
                                   incumbent=None, polish=False, heuristic_every=10**9,
                                   lam0=kth_smallest(P, 2) * P.w)
            if math.isfinite(lag.bound):
                best = max(best, lag.bound)
    return best


def _pcenter(instance: Instance, problem: PCenter, i: np.ndarray, j: np.ndarray,
             d: np.ndarray, w: np.ndarray) -> float | None:
    n, m = instance.n_demand, instance.n_sites
    if np.any(np.bincount(i, minlength=n) == 0):
        return None
    cost = w[i] * d if problem.weighted else d
    d1, d2, near = _nearest_two(n, i, cost)
    lb = float(d1.max())
    group = np.bincount(j[near], minlength=m)
    rescued = int(np.sort(group)[::-1][: problem.p].sum())
    d2 = np.where(np.isfinite(d2), d2, d1)
    k = rescued + 1
    if k <= n:
        lb = max(lb, float(np.partition(d2, n - k)[n - k]))
    return lb


def _lscp(instance: Instance, problem: LSCP, i: np.ndarray, j: np.ndarray, d: np.ndarray,
          seconds: float) -> float | None:
    n, m = instance.n_demand, instance.n_sites
    f = instance.site_costs()
    req = instance.required  # type: ignore[assignment]
    keep = d <= problem.radius
    i, j = i[keep], j[keep]
    covered = np.zeros(n, dtype=bool)
    covered[i[req[j]]] = True  # type: ignore[index]
    reach = np.bincount(i, minlength=n) > 0
    if not problem.drop_unreachable and not reach.all():
        return None  # infeasible: some point has no site within the radius
    total = float(math.fsum(f[req]))  # type: ignore[index]
    # packing: points needing disjoint site sets each need a different (cheapest) site
    pick = ~req[j] & ~covered[i]  # type: ignore[index]
    i, j = i[pick], j[pick]
    order = np.lexsort((j, i))
    i, j = i[order], j[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, i + 1, 1)
    indptr = np.cumsum(indptr)
    size = np.diff(indptr)
    used = np.zeros(m, dtype=bool)
    t0 = time.perf_counter()
    for k, p in enumerate(np.argsort(size, kind="stable")):
        if size[p] == 0:
            continue
        if k % 1024 == 0 and time.perf_counter() - t0 > max(seconds, 0.05):
            break  # a partial packing is still a valid bound
        js = j[indptr[p]:indptr[p + 1]]
        if used[js].any():
            continue
        used[js] = True
        total += float(f[js].min())
    return total


def _mclp(instance: Instance, problem: MCLP, i: np.ndarray, j: np.ndarray, d: np.ndarray,
          w: np.ndarray) -> float | None:
    n, m = instance.n_demand, instance.n_sites
    keep = d <= problem.radius
    i, j = i[keep], j[keep]
    reach = np.zeros(n, dtype=bool)
    reach[i] = True
    ub = float(math.fsum(w[reach]))
    gain = np.bincount(j, weights=w[i], minlength=m)
    gain[instance.forbidden] = 0.0  # type: ignore[index]
    if problem.p is not None:
        ub = min(ub, float(math.fsum(np.sort(gain)[::-1][: problem.p])))
    if problem.budget is not None:
        f = instance.site_costs()
        free = f <= 0
        value = float(math.fsum(gain[free]))
        paid = np.flatnonzero(~free & (gain > 0))
        order = paid[np.argsort(-gain[paid] / f[paid], kind="stable")]
        spent = np.cumsum(f[order])
        whole = spent <= problem.budget
        value += float(math.fsum(gain[order[whole]]))
        rest = order[~whole]
        if rest.size:
            left = problem.budget - (float(spent[whole][-1]) if whole.any() else 0.0)
            value += gain[rest[0]] * max(left, 0.0) / f[rest[0]]
        ub = min(ub, value)
    return ub


def _ufl(instance: Instance, i: np.ndarray, j: np.ndarray, d: np.ndarray, w: np.ndarray,
         seconds: float) -> float | None:
    n = instance.n_demand
    if np.any((np.bincount(i, minlength=n) == 0) & (w > 0)):
        return None
    f = instance.fixed_cost if instance.fixed_cost is not None else np.zeros(instance.n_sites)
    req = instance.required
    allowed = ~instance.forbidden  # type: ignore[operator]
    d1 = np.full(n, np.inf)
    np.minimum.at(d1, i, w[i] * d)
    assert req is not None
    opening = float(math.fsum(f[req])) if req.any() else float(f[allowed].min())
    best = float(math.fsum(d1)) + max(opening, 0.0)
    if seconds >= MIN_LAGRANGE_SECONDS:
        from ..scale.pmedian_lagrange import Pairs
        from ..scale.ufl_lagrange import solve_ufl

        lag = solve_ufl(Pairs.from_instance(instance), f, req.copy(), allowed,
                        time_limit=seconds)
        if math.isfinite(lag.bound):
            best = max(best, lag.bound)
    return best


def _integral(instance: Instance, problem: Problem) -> bool:
    """Whether every feasible objective value is a whole number (bounds may then be rounded)."""
    from .grain import granularity

    whole = instance.integral_costs
    w = instance.weight
    if isinstance(problem, PMedian):
        return whole and granularity(w) > 0
    if isinstance(problem, PCenter):
        return whole and (not problem.weighted or granularity(w) > 0)
    if isinstance(problem, LSCP):
        return granularity(instance.site_costs()) > 0
    if isinstance(problem, MCLP):
        return granularity(w) > 0
    if isinstance(problem, UFL):
        f = instance.fixed_cost if instance.fixed_cost is not None else np.zeros(1)
        return whole and granularity(w, f) > 0
    return False  # cflp splits demand: fractional assignment costs


def bound_reserve(time_limit: float) -> float:
    """Seconds kept back from the solver at the end of a time limit for the bound."""
    return min(BOUND_SECONDS, BOUND_SHARE * time_limit)


def bound_seconds(ctx: Context) -> float:
    """The time a Lagrangian bound may take after a stopped solve: what is left of the time
    limit (the reserve), at most :data:`BOUND_SECONDS`; none after Ctrl-C."""
    if ctx.interrupted:
        return 0.0
    end = ctx.limit_end
    if end is None:
        return BOUND_SECONDS
    return min(BOUND_SECONDS, max(end - time.perf_counter(), 0.0))


def rounded(instance: Instance, problem: Problem, bound: float | None) -> float | None:
    """``bound`` tightened to the next whole number when objectives are whole numbers."""
    if bound is None or not math.isfinite(bound) or not _integral(instance, problem):
        return bound
    if sense(problem) == "min":
        return float(math.ceil(bound - 1e-6 * max(1.0, abs(bound))))
    return float(math.floor(bound + 1e-6 * max(1.0, abs(bound))))


def complete(form: Formulation, ctx: Context, outcome: Outcome) -> Outcome:
    """``outcome`` with the stronger of its bound and the formulation's :meth:`stopped_bound`,
    when the run stopped early (time limit, Ctrl-C) or reported no bound."""
    stopped = outcome.termination in (Termination.TIME_LIMIT, Termination.INTERRUPTED,
                                      Termination.ITERATION_LIMIT) or ctx.interrupted
    if outcome.status not in (Status.FEASIBLE, Status.NO_SOLUTION):
        return outcome
    if not stopped and (outcome.bound is not None or outcome.status is Status.NO_SOLUTION):
        return outcome
    t0 = time.perf_counter()
    own = rounded(ctx.instance, ctx.problem, form.stopped_bound(ctx))
    bound = combine(ctx.problem, outcome.bound, own)
    if outcome.objective is not None and bound is not None:
        # a relaxation cannot pass a feasible point; anything beyond it is round-off
        bound = (min(bound, outcome.objective) if sense(ctx.problem) == "min"
                 else max(bound, outcome.objective))
    if bound == outcome.bound:
        return outcome
    messages = outcome.messages
    if own is not None and own == bound:
        messages = (*messages, f"bound {bound:.10g} from the instance (the solver stopped "
                               f"with {_show(outcome.bound)}; {time.perf_counter() - t0:.2f}s)")
    status: Status = outcome.status
    if status is Status.FEASIBLE and relative_gap(outcome.objective, bound) == 0.0:
        status = Status.OPTIMAL
    return replace(outcome, bound=bound, status=status, messages=messages)


def _show(bound: float | None) -> str:
    return "no bound" if bound is None or not math.isfinite(bound) else f"bound {bound:.10g}"
