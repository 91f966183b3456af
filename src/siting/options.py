"""Normalized solver options shared by every backend."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SolveOptions(BaseModel):
    """What every backend understands. Anything solver-specific goes in ``backend_options``.

    ``time_limit`` is wall-clock seconds for the whole solve (an algorithm that runs several
    MILPs shares it). ``warm_start`` lets formulations pass a heuristic incumbent as a MIP start.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_limit: float | None = Field(default=None, gt=0)
    rel_gap: float = Field(default=1e-6, ge=0)
    abs_gap: float | None = Field(default=None, ge=0)
    threads: int | None = Field(default=None, ge=1)
    #: stop after this many branch-and-bound nodes (1: the root only, with its cuts and
    #: heuristics); honoured by backends with ``supports_node_limit``, ignored by the others
    node_limit: int | None = Field(default=None, ge=1)
    seed: int = 0
    verbose: bool = False
    warm_start: bool = True
    backend_options: dict[str, Any] = Field(default_factory=dict)
