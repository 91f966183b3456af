"""Moved to :mod:`siting.testing.district` (generators live with the test helpers); this name
stays until benchmarks/scale imports the new one."""

from ..testing.district import DemoDistrict, generate, write

__all__ = ["DemoDistrict", "generate", "write"]
