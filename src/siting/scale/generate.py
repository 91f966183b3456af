"""Moved to :mod:`siting.testing.city` (generators live with the test helpers); this name stays
until benchmarks/scale imports the new one."""

from ..testing.city import (
    City,
    generate_city,
    knn_instance,
    radius_instance,
    scenario_toml,
    write_city,
    write_city_layers,
)

__all__ = ["City", "generate_city", "knn_instance", "radius_instance", "scenario_toml",
           "write_city", "write_city_layers"]
