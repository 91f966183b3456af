"""Registers problem kind ``community`` (strings only: importing this loads nothing heavy)."""

from __future__ import annotations

from ..kinds import Kind, register

register(Kind(
    "community", "siting.community.spec:CommunityProblem", "siting.community.pipeline:DRIVER",
    "siting.community.verify:verify", "community", flags=None, doc="models/community.md",
    summary="embedded community service facilities (multi-service sites, walking tiers)"))
