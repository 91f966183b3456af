"""Shared vectorized pieces: site variables, cardinality rows, level structure of distances."""

from __future__ import annotations

import numpy as np

from ..errors import InfeasibleSpecError, SpecError
from ..instance import COST_BLOCK_ROWS, Instance
from ..milp import Block, MilpBuilder


#: whole-number costs below this sort by a 16-bit key: numpy's stable sort is a radix sort
#: there (rl5934, 5,934 x 5,934: 0.5 s against 2.7 s for the float64 timsort), same order
_RADIX_KEY_LIMIT = 2**16


def sort_rows(D: np.ndarray, integral: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each row's stable ascending order (int32) and its sorted values (float64).

    ``integral``: every value is a whole number (e.g. :attr:`Instance.integral_costs`, with
    any stand-in for unreachable pairs whole too); then a small range sorts by 16-bit keys,
    which give the same order as the float values (ties keep their column order either way).
    """
    if integral and D.size and float(D.min()) >= 0 and float(D.max()) < _RADIX_KEY_LIMIT:
        keys = D.astype(np.uint16)
        order = np.argsort(keys, axis=1, kind="stable").astype(np.int32)
        values = np.take_along_axis(keys, order, axis=1).astype(np.float64)
        return order, values
    order = np.argsort(D, axis=1, kind="stable").astype(np.int32)  # half the memory
    return order, np.take_along_axis(D, order, axis=1)


def add_site_vars(b: MilpBuilder, instance: Instance, cost: float | np.ndarray = 0.0) -> Block:
    """Binary y_j: required sites fixed to 1, forbidden sites fixed to 0."""
    lower = instance.required.astype(float)  # type: ignore[union-attr]
    upper = (~instance.forbidden).astype(float)  # type: ignore[operator]
    return b.add_vars("y", instance.n_sites, lower=lower, upper=upper, integer=True, cost=cost,
                      index=(np.arange(instance.n_sites),))


def add_cardinality(b: MilpBuilder, y: Block, *, equal: int | None = None,
                    at_most: int | None = None, name: str = "cardinality") -> None:
    lo = float(equal) if equal is not None else -np.inf
    hi = float(equal if equal is not None else at_most)  # type: ignore[arg-type]
    b.add_rows(name, 1, np.zeros(y.size, np.int64), y.start + np.arange(y.size), 1.0,
               lower=lo, upper=hi)


def check_p(instance: Instance, p: int) -> None:
    """p must fit the allowed sites and cover the required ones."""
    allowed = int((~instance.forbidden).sum())  # type: ignore[operator]
    if p > instance.n_sites:
        raise SpecError(f"p = {p} is larger than the number of candidate sites ({instance.n_sites})")
    if p > allowed:
        raise InfeasibleSpecError(f"p = {p} but only {allowed} sites are not forbidden")
    req = int(instance.required.sum())  # type: ignore[union-attr]
    if req > p:
        raise InfeasibleSpecError(f"{req} sites are required (already open) but p = {p}")


def unreachable_demand(instance: Instance, max_cost: float | None = None) -> np.ndarray:
    """Indices of demand points with no allowed site within ``max_cost`` (or at all)."""
    if not instance.is_sparse:  # row blocks of the dense array: no (i, j) pair lists
        cost = instance.cost
        assert isinstance(cost, np.ndarray)
        allowed = ~instance.forbidden  # type: ignore[operator]
        reach = np.zeros(instance.n_demand, bool)
        step = COST_BLOCK_ROWS
        for lo in range(0, instance.n_demand, step):
            block = cost[lo:lo + step] if allowed.all() else cost[lo:lo + step][:, allowed]
            ok = np.isfinite(block)
            if max_cost is not None:
                ok &= block <= max_cost
            reach[lo:lo + step] = ok.any(axis=1)
        return np.flatnonzero(~reach)
    i, j, _ = instance.pairs(max_cost=max_cost)
    ok = ~instance.forbidden[j]  # type: ignore[index]
    reach = np.zeros(instance.n_demand, bool)
    reach[i[ok]] = True
    return np.flatnonzero(~reach)


def require_reachable(instance: Instance) -> None:
    """Every demand point must reach some allowed site (median/center/allocation models)."""
    lost = unreachable_demand(instance)
    if lost.size:
        raise InfeasibleSpecError(f"{lost.size} demand point(s) reach no allowed site: "
                                  f"{describe_ids(instance.demand_ids[lost])}")


def describe_ids(ids: np.ndarray, limit: int = 8) -> str:
    shown = ", ".join(str(x) for x in ids[:limit])
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return shown + more
