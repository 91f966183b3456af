"""Objective granularity: whether a model's objective moves in whole units (then a gap below
one unit is a proof, and bounds may be rounded)."""

from __future__ import annotations

import numpy as np


def granularity(*arrays: np.ndarray) -> float:
    """1.0 when every array holds integers (objective steps by whole units), else 0."""
    for a in arrays:
        a = np.asarray(a, dtype=float)
        a = a[np.isfinite(a)]
        if not np.all(a == np.round(a)):
            return 0.0
    return 1.0
