"""City-scale support: memory estimates, Lagrangian bounds, sparse heuristics."""

from .memory import MilpSize, available_memory, check_memory, estimate_bytes

__all__ = ["MilpSize", "available_memory", "check_memory", "estimate_bytes"]
