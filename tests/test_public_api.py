"""The public API is listed in __all__, sorted, and every name exists."""

import siting
import siting.testing


def test_all_is_complete_and_sorted():
    assert list(siting.__all__) == sorted(siting.__all__)
    for name in siting.__all__:
        assert hasattr(siting, name), name


def test_results_are_frozen():
    import dataclasses

    import pytest

    inst = siting.testing.random_instance(1)
    res = siting.solve(inst, "p-median", p=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.objective = 0  # type: ignore[misc]
