"""How large an input number may be before it is an error rather than data.

Solvers take every objective coefficient and bound as a double and treat magnitudes from
``1e20`` on as infinite (HiGHS ``infinite_cost`` / ``infinite_bound``; CBC and SCIP alike), and
a double holds whole numbers exactly only up to 2**53 ≈ 9.0e15. A population, demand, capacity,
site cost or travel cost above :data:`MAX_VALUE` therefore cannot be solved honestly (1e300
ended in "HiGHS rejected the model"), and neither can a weight × travel cost product above
:data:`MAX_PRODUCT` (the p-median / facility objective coefficient). Such values are refused
when read, with the file, row and column (or the field and index from Python).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .instance import Instance

#: largest accepted magnitude of one input value (populations, costs, capacities, distances)
MAX_VALUE = 1e15
#: largest accepted weight x travel cost (an objective coefficient the solver will see)
MAX_PRODUCT = 1e18


def first_too_large(values: np.ndarray, limit: float = MAX_VALUE) -> int | None:
    """Index of the first finite value whose magnitude exceeds ``limit``, or None."""
    arr = np.asarray(values, dtype=float)
    big = np.isfinite(arr) & (np.abs(arr) > limit)
    return int(np.flatnonzero(big)[0]) if big.any() else None


def too_large(value: float, limit: float = MAX_VALUE) -> str:
    """The message tail for a value above ``limit``."""
    return (f"{value:g} is too large (above {limit:g}: solvers cannot use it; check the "
            "units or a misplaced column)")


def check_instance(inst: Instance) -> None:
    """Refuse an :class:`~siting.instance.Instance` holding values solvers cannot use, naming
    the field and the 1-based index (travel costs: the demand and site ids)."""
    from .errors import DataError
    from .instance import SparseCosts

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
    else:
        dense = np.where(np.isfinite(cost), cost, 0.0)
        if dense.size:
            worst = dense.max(axis=1)
    k = first_too_large(worst)
    if k is not None:
        if isinstance(cost, SparseCosts):
            mine = rows == k
            j = int(cols[mine][np.argmax(vals[mine])])
        else:
            j = int(np.argmax(dense[k]))
        raise DataError(f"{where}travel cost from demand {inst.demand_ids[k]} to site "
                        f"{inst.site_ids[j]}: {too_large(float(worst[k]))}")
    product = np.abs(inst.weight) * worst
    k = first_too_large(product, MAX_PRODUCT)
    if k is not None:
        raise DataError(f"{where}weight value #{k + 1} ({inst.weight[k]:g}) times its travel "
                        f"cost {worst[k]:g} is {product[k]:.3g}, above {MAX_PRODUCT:g} (an "
                        "objective coefficient solvers cannot use); check the units")
