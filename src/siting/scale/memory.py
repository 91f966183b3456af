"""Estimate a MILP's memory before building it, and refuse clearly when it would not fit.

The byte model is deliberately coarse and conservative: our build holds the COO triplets and
the CSR matrix (~40 B per non-zero), HiGHS copies the matrix and its presolve keeps a reduced
copy plus LU factors (~110 B per non-zero measured order of magnitude), and every row/column
carries bounds, costs, basis and presolve bookkeeping (~300 B).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import ResourceError

BYTES_PER_NNZ = 150
BYTES_PER_ROW_OR_COL = 300
#: refuse above this share of the memory available now (override: SITING_MEMORY_FRACTION)
DEFAULT_FRACTION = 0.7


@dataclass(frozen=True)
class MilpSize:
    rows: int
    cols: int
    nnz: int

    @property
    def bytes(self) -> int:
        return estimate_bytes(self.rows, self.cols, self.nnz)


def estimate_bytes(rows: int, cols: int, nnz: int) -> int:
    """Bytes our build plus the solver need for a MILP of this size (order of magnitude)."""
    return int(BYTES_PER_NNZ * nnz + BYTES_PER_ROW_OR_COL * (rows + cols))


def available_memory() -> int:
    """Bytes of memory available to a new allocation right now."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:  # psutil is an optional extra; /proc-style fallback
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def memory_fraction() -> float:
    raw = os.environ.get("SITING_MEMORY_FRACTION")
    if raw is None:
        return DEFAULT_FRACTION
    try:
        value = float(raw)
    except ValueError:
        raise ResourceError(f"SITING_MEMORY_FRACTION={raw!r} is not a number") from None
    if not 0 < value:
        raise ResourceError(f"SITING_MEMORY_FRACTION={raw!r} must be positive")
    return value


def check_memory(size: MilpSize, what: str, advice: str = "",
                 available: int | None = None, fraction: float | None = None) -> None:
    """Raise :class:`ResourceError` when ``size`` needs more than the allowed share of memory."""
    avail = available_memory() if available is None else available
    frac = memory_fraction() if fraction is None else fraction
    need = size.bytes
    if need <= frac * avail:
        return
    hint = advice or ("lower the cutoff/radius, aggregate demand points, or use the "
                      "heuristic formulation (--formulation heuristic)")
    raise ResourceError(
        f"{what} would need about {need / 2**30:.1f} GiB ({size.rows:,} rows, {size.cols:,} "
        f"columns, {size.nnz:,} non-zeros) but only {frac:.0%} of the {avail / 2**30:.1f} GiB "
        f"available may be used; {hint}")
