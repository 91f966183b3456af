"""Embedded community service facilities: multi-service sites, segments, walking tiers (models/community.md)."""

from .spec import Columns, CommunityProblem, Rules, Service, Target, Tier

__all__ = ["Columns", "CommunityProblem", "Rules", "Service", "Target", "Tier"]
