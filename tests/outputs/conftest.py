"""The geo tests' layer fixtures (outputs are written from real layers)."""

from tests.geo.conftest import town

__all__ = ["town"]
