"""Embedded community service facilities: multi-service sites, segments, walking tiers (models/community.md).

The kind registers itself in :mod:`siting.community.kind`; the spec classes load on first use so
that listing kinds stays light.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Columns", "CommunityProblem", "Rules", "Service", "Target", "Tier"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import spec

        return getattr(spec, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
