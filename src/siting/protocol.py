"""The pipeline protocol every problem kind implements: prepare → solve → write.

:func:`siting.pipeline.run` reads the layers and measures travel costs once for every kind
(:mod:`siting.geo.costs`), then hands them to the kind's :class:`Driver` (registered in
:mod:`siting.kinds`). Data walks one way: a driver never calls back into the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .geo.costs import CostRequest, TravelCosts
    from .outputs.progress import Progress
    from .scenario import Scenario


@dataclass(frozen=True)
class Layers:
    """Demand and site points in one working CRS (rows in file order), and beside them each
    layer's original geometry in its input CRS (GeoSeries, row for row; None when unknown)
    that the outputs give back (polygons stay polygons)."""

    scenario: Scenario
    demand: Any
    sites: Any
    crs: Any
    crs_label: str
    demand_source: Any = None
    sites_source: Any = None


@dataclass(frozen=True)
class Targets:
    """Where a run writes: an output folder and/or one JSON file (either may be None)."""

    out_dir: Path | None = None
    json_path: Path | None = None

    @property
    def any(self) -> bool:
        return self.out_dir is not None or self.json_path is not None


@dataclass(frozen=True)
class Prepared:
    """Everything needed to solve: layers, travel costs, the kind's instance and spec."""

    scenario: Scenario
    layers: Layers
    costs: TravelCosts
    instance: Any
    problem: Any
    read_seconds: float
    #: kind-specific inputs opened before the solve (e.g. the community report's streets)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def distance(self) -> dict[str, Any]:
        """How the travel costs were made (metric, units, cutoff, pairs...), without the
        per-point arrays and the map's network lines (:meth:`TravelCosts.public_info`)."""
        return self.costs.public_info()


@dataclass(frozen=True)
class RunOutcome:
    """What a run produced: the summary (JSON contract + metrics), a terminal text and files."""

    summary: dict[str, Any]
    text: str
    has_solution: bool
    out_dir: Path | None = None
    files: tuple[str, ...] = ()
    result: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class Driver(Protocol):
    """One kind's part of the pipeline. ``solved`` is whatever :meth:`solve` returns."""

    def cost_request(self, scenario: Scenario, layers: Layers) -> CostRequest:
        """The cutoff and the demand/site ids travel costs are wanted for."""

    def prepare(self, scenario: Scenario, layers: Layers, costs: TravelCosts,
                request: CostRequest, progress: Progress) -> Prepared:
        """Build the kind's instance; open and check every other input (nothing is solved)."""

    def validate(self, prepared: Prepared, progress: Progress) -> dict[str, Any]:
        """What ``siting validate`` reports beyond the layer counts."""

    def solve(self, prepared: Prepared, progress: Progress) -> Any:
        """Solve and verify (interrupts and time limits end every stage)."""

    def write(self, prepared: Prepared, solved: Any, targets: Targets,
              progress: Progress) -> RunOutcome:
        """Summarise and write the outputs atomically (complete or not at all)."""
