"""A decision: which sites open and how demand is allocated. Produced by decoders and heuristics,
checked by :mod:`siting.verify`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Decision:
    """``open`` is a bool mask over sites; allocations are (demand, site, fraction) triples.

    Median- and coverage-type decisions may leave allocations out: the verifier assigns each
    demand point to its cheapest open site, which is what those models mean.
    """

    open: np.ndarray
    alloc_i: np.ndarray | None = None
    alloc_j: np.ndarray | None = None
    alloc_frac: np.ndarray | None = None

    @property
    def open_indices(self) -> np.ndarray:
        return np.flatnonzero(self.open)

    @property
    def has_allocation(self) -> bool:
        return self.alloc_i is not None

    @classmethod
    def from_open(cls, open_mask: np.ndarray) -> Decision:
        return cls(np.asarray(open_mask, dtype=bool))
