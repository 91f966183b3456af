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

import numpy as np


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
