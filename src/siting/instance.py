"""Instance: the arrays every model reads (demand points, candidate sites, travel costs).

Geo work ends before this point: readers and the geo layer produce an Instance, formulations
and the verifier only ever see these arrays. Travel costs are either a dense ``(n, m)`` array
(``inf`` = unreachable) or a :class:`SparseCosts` holding only reachable pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from .errors import DataError, SpecError


@dataclass(frozen=True, eq=False)
class SparseCosts:
    """Reachable (demand, site) pairs in CSR order by demand point; absent pairs are unreachable.

    Unlike scipy.sparse this never drops stored zeros (a site at a demand point costs 0).
    """

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    shape: tuple[int, int]

    @classmethod
    def from_pairs(cls, i: np.ndarray, j: np.ndarray, d: np.ndarray,
                   shape: tuple[int, int]) -> SparseCosts:
        i = np.asarray(i, dtype=np.int64)
        j = np.asarray(j, dtype=np.int64)
        d = np.asarray(d, dtype=float)
        order = np.lexsort((j, i))
        i, j, d = i[order], j[order], d[order]
        if i.size > 1:
            dup = (np.diff(i) == 0) & (np.diff(j) == 0)
            if dup.any():
                k = int(np.flatnonzero(dup)[0])
                raise DataError(f"travel costs list the pair (demand {i[k]}, site {j[k]}) twice")
        indptr = np.zeros(shape[0] + 1, dtype=np.int64)
        np.add.at(indptr, i + 1, 1)
        return cls(np.cumsum(indptr), j, d, shape)

    @property
    def nnz(self) -> int:
        return int(self.data.size)

    def rows(self) -> np.ndarray:
        return np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))

    def lookup(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Costs of the given (demand, site) pairs, ``inf`` where the pair is not stored."""
        m = self.shape[1]
        keys = self.rows() * m + self.indices  # sorted: CSR order by row, then site
        query = np.asarray(i, dtype=np.int64) * m + np.asarray(j, dtype=np.int64)
        out = np.full(query.shape, np.inf)
        if keys.size:
            pos = np.minimum(np.searchsorted(keys, query), keys.size - 1)
            hit = keys[pos] == query
            out[hit] = self.data[pos[hit]]
        return out

    def to_dense(self) -> np.ndarray:
        out = np.full(self.shape, np.inf)
        out[self.rows(), self.indices] = self.data
        return out


Costs = np.ndarray | SparseCosts


@dataclass(frozen=True, eq=False)
class Instance:
    """Demand points i = 0..n-1 and candidate sites j = 0..m-1, with their data.

    ``weight`` multiplies travel cost in median-type objectives and counts in coverage;
    ``demand`` is the quantity that uses site capacity (defaults to ``weight``).
    """

    cost: Costs
    weight: np.ndarray
    demand_ids: np.ndarray
    site_ids: np.ndarray
    demand: np.ndarray | None = None
    fixed_cost: np.ndarray | None = None
    capacity: np.ndarray | None = None
    #: site flags (bool, one per site); left out (or empty) = no site required / forbidden
    required: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    forbidden: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    name: str = "instance"
    default_p: int | None = None
    source: str = ""
    integral_costs: bool = field(default=False)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n, m = self.n_demand, self.n_sites
        if self.cost.shape != (n, m):
            raise DataError(f"{self._where()}travel costs have shape {self.cost.shape}, "
                            f"expected ({n} demand points, {m} sites)")
        if n == 0:
            raise DataError(f"{self._where()}there are no demand points")
        if m == 0:
            raise DataError(f"{self._where()}there are no candidate sites")
        object.__setattr__(self, "weight", _vector(self.weight, n, "weight", self._where()))
        if self.demand is None:
            object.__setattr__(self, "demand", self.weight)
        else:
            object.__setattr__(self, "demand", _vector(self.demand, n, "demand", self._where()))
        for name in ("fixed_cost", "capacity"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _vector(value, m, name, self._where()))
        for name in ("required", "forbidden"):
            value = getattr(self, name)
            empty = value is None or np.size(value) == 0
            mask = np.zeros(m, dtype=bool) if empty else np.asarray(value, dtype=bool)
            if mask.shape != (m,):
                raise DataError(f"{self._where()}{name} mask has shape {mask.shape}, expected ({m},)")
            object.__setattr__(self, name, mask)
        both = self.required & self.forbidden
        if both.any():
            raise SpecError(f"site {self.site_ids[np.flatnonzero(both)[0]]} is both required "
                            "and forbidden; drop one of the two flags")
        values = self.cost.data if isinstance(self.cost, SparseCosts) else self.cost
        scan = _scan_costs(values)
        if scan.nan:
            raise DataError(f"{self._where()}travel costs contain NaN")
        if scan.negative:
            raise DataError(f"{self._where()}travel costs contain negative values")
        if isinstance(self.cost, SparseCosts) and scan.infinite:
            raise DataError(f"{self._where()}sparse travel costs contain infinite values")
        _unique(self.demand_ids, "demand", self._where())
        _unique(self.site_ids, "site", self._where())
        object.__setattr__(self, "integral_costs", scan.integral)
        check_magnitudes(self, None if scan.row_max is None or self.is_sparse
                         else scan.row_max)  # magnitudes solvers cannot use (siting/limits.py)

    def _where(self) -> str:
        return f"{self.source}: " if self.source else ""

    @property
    def n_demand(self) -> int:
        return len(self.demand_ids)

    @property
    def n_sites(self) -> int:
        return len(self.site_ids)

    @property
    def is_sparse(self) -> bool:
        return isinstance(self.cost, SparseCosts)

    def dense_cost(self) -> np.ndarray:
        """The full (n, m) travel-cost array with ``inf`` where unreachable."""
        if isinstance(self.cost, SparseCosts):
            return self.cost.to_dense()
        return self.cost

    def pairs(self, max_cost: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reachable (i, j, cost) triples, optionally only those with cost <= max_cost."""
        if isinstance(self.cost, SparseCosts):
            i, j, d = self.cost.rows(), self.cost.indices, self.cost.data
            if max_cost is not None:
                keep = d <= max_cost
                i, j, d = i[keep], j[keep], d[keep]
            return i, j, d
        mask = np.isfinite(self.cost)
        if max_cost is not None:
            mask &= self.cost <= max_cost
        i, j = np.nonzero(mask)
        return i, j, self.cost[i, j]

    def site_costs(self) -> np.ndarray:
        """Opening cost per site; unit costs when the instance has none (count of sites)."""
        return self.fixed_cost if self.fixed_cost is not None else np.ones(self.n_sites)

    def pair_costs(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Travel costs of the given (demand, site) pairs, ``inf`` where unreachable."""
        if isinstance(self.cost, SparseCosts):
            return self.cost.lookup(i, j)
        return self.cost[i, j]

    def site_index(self, ids: list[Any] | tuple[Any, ...]) -> np.ndarray:
        """Positions of the given site ids (compared as text), or a SpecError naming the unknown."""
        return site_positions(self.site_ids, ids)

    def with_flags(self, required: list[Any] | None = None,
                   forbidden: list[Any] | None = None) -> Instance:
        """A copy with extra sites marked required (already open) and/or forbidden."""
        req = self.required.copy()  # type: ignore[union-attr]
        forb = self.forbidden.copy()  # type: ignore[union-attr]
        if required:
            req[self.site_index(required)] = True
        if forbidden:
            forb[self.site_index(forbidden)] = True
        return replace(self, required=req, forbidden=forb)

    def with_capacity(self, capacity: np.ndarray | float) -> Instance:
        cap = np.broadcast_to(np.asarray(capacity, dtype=float), (self.n_sites,)).copy()
        return replace(self, capacity=cap)


def site_positions(site_ids: np.ndarray, ids: list[Any] | tuple[Any, ...],
                   key: str | None = None) -> np.ndarray:
    """Positions of ``ids`` among ``site_ids`` (compared as text); an unknown id is a SpecError
    that names it, after ``key:`` (the scenario key it came from) when given."""
    lookup = {str(s): k for k, s in enumerate(site_ids)}
    out = []
    for sid in ids:
        if str(sid) not in lookup:
            raise SpecError(f"{key + ': ' if key else ''}unknown site id {sid!r}")
        out.append(lookup[str(sid)])
    return np.asarray(out, dtype=np.int64)


def _vector(value: Any, size: int, name: str, where: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.shape != (size,):
        raise DataError(f"{where}{name} has {arr.size} values, expected {size}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise DataError(f"{where}{name} value #{int(np.flatnonzero(bad)[0]) + 1} is not a finite number")
    if (arr < 0).any():
        raise DataError(f"{where}{name} value #{int(np.flatnonzero(arr < 0)[0]) + 1} is negative "
                        f"({arr[arr < 0][0]:g})")
    return arr


def _unique(ids: np.ndarray, what: str, where: str) -> None:
    """Ids compare as text; name the first repeated one and both of its entries (1-based)."""
    text = np.asarray([str(v) for v in ids])
    _, first, counts = np.unique(text, return_index=True, return_counts=True)
    if np.all(counts == 1):
        return
    dup_first = np.sort(first[counts > 1])
    v = str(text[dup_first[0]])
    later = np.flatnonzero(text == v)
    raise DataError(f"{where}duplicate {what} id {v!r} (entries {later[0] + 1} and {later[1] + 1})")


@dataclass(frozen=True)
class _CostScan:
    nan: bool
    negative: bool
    infinite: bool
    integral: bool  # every finite value is a whole number
    row_max: np.ndarray | None  # a 2-D array's largest finite value per row (0 if none)


#: rows per block of the cost scan: small enough to stay in cache (rl5934's 35M costs:
#: 0.04 s per check in blocks against 0.7 s for whole-array temporaries)
COST_BLOCK_ROWS = 256


def _scan_costs(values: np.ndarray) -> _CostScan:
    """One pass over the travel costs, in row blocks, for everything the checks ask."""
    blocks = [values] if values.ndim < 2 else \
        [values[lo:lo + COST_BLOCK_ROWS] for lo in range(0, values.shape[0], COST_BLOCK_ROWS)]
    nan = negative = infinite = False
    integral = True
    row_max = np.zeros(values.shape[0]) if values.ndim == 2 else None
    for k, block in enumerate(blocks):
        finite = np.isfinite(block)
        every = bool(finite.all())
        nan = nan or bool(np.isnan(block).any())
        infinite = infinite or (not every and bool(np.isinf(block).any()))
        negative = negative or bool((block < 0).any())
        vals = block if every else np.where(finite, block, 0.0)
        integral = integral and bool(np.array_equal(vals, np.round(vals)))
        if row_max is not None and block.shape[1]:
            row_max[k * COST_BLOCK_ROWS:k * COST_BLOCK_ROWS + block.shape[0]] = vals.max(axis=1)
    return _CostScan(nan, negative, infinite, integral, row_max)


def check_magnitudes(inst: Instance, row_max: np.ndarray | None = None) -> None:
    """Refuse an :class:`~siting.instance.Instance` holding values solvers cannot use, naming
    the field and the 1-based index (travel costs: the demand and site ids). ``row_max``: a
    dense cost array's largest finite value per row when already known."""
    from .errors import DataError
    from .limits import MAX_PRODUCT, first_too_large, too_large

    where = f"{inst.source}: " if inst.source else ""
    for name in ("weight", "demand", "fixed_cost", "capacity"):
        values = getattr(inst, name)
        if values is None:
            continue
        k = first_too_large(values)
        if k is not None:
            raise DataError(f"{where}{name} value #{k + 1}: {too_large(float(values[k]))}")
    cost = inst.cost
    worst = np.zeros(inst.n_demand)
    if isinstance(cost, SparseCosts):
        rows, cols, vals = cost.rows(), cost.indices, cost.data
        np.maximum.at(worst, rows, vals)
    elif row_max is not None:
        worst = row_max
    elif cost.size:
        worst = _scan_costs(cost).row_max  # type: ignore[assignment]
    k = first_too_large(worst)
    if k is not None:
        if isinstance(cost, SparseCosts):
            mine = rows == k
            j = int(cols[mine][np.argmax(vals[mine])])
        else:
            j = int(np.argmax(np.where(np.isfinite(cost[k]), cost[k], 0.0)))
        raise DataError(f"{where}travel cost from demand {inst.demand_ids[k]} to site "
                        f"{inst.site_ids[j]}: {too_large(float(worst[k]))}")
    product = np.abs(inst.weight) * worst
    k = first_too_large(product, MAX_PRODUCT)
    if k is not None:
        raise DataError(f"{where}weight value #{k + 1} ({inst.weight[k]:g}) times its travel "
                        f"cost {worst[k]:g} is {product[k]:.3g}, above {MAX_PRODUCT:g} (an "
                        "objective coefficient solvers cannot use); check the units")
