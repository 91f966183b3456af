"""Community test helpers: the oracle and tiny tables live in siting.testing.community."""

from siting.testing.community import (
    SERVICES,
    best_allocation,
    build,
    enumerate_checks,
    planar_instance,
    plans,
    problem,
    reference,
    tiny_tables,
)

__all__ = ["SERVICES", "best_allocation", "build", "enumerate_checks", "planar_instance", "plans",
           "problem", "reference", "tiny_tables"]
