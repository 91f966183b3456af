"""Backend fixtures: one parameter per registered backend, skipped when not installed."""

from __future__ import annotations

import pytest

from siting.backends import _REGISTRY, get_backend
from siting.backends.base import Backend


def backend_params() -> list[object]:
    return [pytest.param(name, id=name,
                         marks=pytest.mark.skipif(not cls.is_available(),
                                                  reason=cls.unavailable_reason()))
            for name, cls in _REGISTRY.items()]


@pytest.fixture(params=backend_params())
def backend(request: pytest.FixtureRequest) -> Backend:
    return get_backend(request.param)
