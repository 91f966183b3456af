"""Travel costs for every kind: euclidean, haversine, road network or an OD table.

One entry point, :func:`travel_costs`, turns the scenario's ``[distance]`` section and two
point layers (already in the working CRS, see :func:`siting.geo.crs.harmonize`) into a
:class:`TravelCosts`: the (n_demand × n_sites) costs in layer row order, sparse whenever a
cutoff is given, plus a record of how they were made. The classical Instance and the community
instance both take their pairs from here, so a fix to travel costs is made once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..instance import Costs, SparseCosts

if TYPE_CHECKING:
    from ..scenario import Distance


class Reporter(Protocol):
    """What cost computation reports to (siting.outputs.progress.Progress fits)."""

    def step(self, label: str) -> AbstractContextManager[None]: ...

    def advance(self, done: int, total: int) -> None: ...

    def note(self, message: str) -> None: ...


class _Silent:
    @contextmanager
    def step(self, label: str) -> Iterator[None]:
        yield

    def advance(self, done: int, total: int) -> None:
        return None

    def note(self, message: str) -> None:
        return None


@dataclass(frozen=True)
class CostRequest:
    """What a kind asks for: pairs up to ``cutoff`` between these demand and site ids
    (the ids match an OD table's rows; they are in layer row order)."""

    cutoff: float | None
    demand_ids: np.ndarray
    site_ids: np.ndarray
    #: "demand" (demand × sites) or "sites" (sites × sites, e.g. p-dispersion)
    origins: str = "demand"


@dataclass(frozen=True, eq=False)
class TravelCosts:
    """Costs in layer row order and how they were made (``info``: metric, units, pairs...)."""

    costs: Costs
    cutoff: float | None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.costs.shape[0], self.costs.shape[1])

    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Reachable (demand row, site row, cost) triples within the cutoff, sorted by row."""
        if isinstance(self.costs, SparseCosts):
            return self.costs.rows(), self.costs.indices.copy(), self.costs.data.copy()
        c = self.costs
        ok = np.isfinite(c) if self.cutoff is None else np.isfinite(c) & (c <= self.cutoff)
        i, j = np.nonzero(ok)
        return i, j, c[i, j]

    def public_info(self) -> dict[str, Any]:
        """``info`` without the per-point arrays and the map's network lines (for summaries
        and ``siting validate``)."""
        return {k: v for k, v in self.info.items()
                if (not k.startswith("snap_") or k == "snap_m") and k != "network_lines"}


def xy(gdf: Any) -> np.ndarray:
    """(n, 2) point coordinates of a point layer."""
    return np.column_stack([gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()])


def travel_costs(distance: Distance, demand: Any, sites: Any, crs: Any, request: CostRequest,
                 progress: Reporter | None = None) -> TravelCosts:
    """The scenario's travel costs between two point layers in the working CRS ``crs``."""
    from . import distance as dist

    progress = progress or _Silent()
    metric = distance.metric
    cutoff = request.cutoff
    info: dict[str, Any] = {"metric": metric, "cutoff": cutoff}
    with progress.step(f"travel costs ({metric})"):
        if metric == "euclidean":
            costs = dist.euclidean(xy(demand), xy(sites), cutoff)
            info["units"] = units(crs)
        elif metric == "haversine":
            costs = dist.haversine(xy(demand), xy(sites), cutoff)
            info["units"] = "m"
        elif metric == "table":
            t = distance.table
            assert t is not None  # the scenario checks [distance.table] is given
            costs = dist.od_table(t.path, t.site, t.demand, t.cost, request.site_ids,
                                  request.demand_ids, cutoff)
            info.update(units="table units", table=str(t.path))
        else:
            costs, more = _network_costs(distance, demand, sites, crs, request, progress)
            info.update(more)
    info["stored"] = "sparse" if isinstance(costs, SparseCosts) else "dense"
    info["pairs"] = (costs.nnz if isinstance(costs, SparseCosts)
                     else int(np.isfinite(costs).sum()))
    return TravelCosts(costs, cutoff, info)


def planar(dxy: np.ndarray, sxy: np.ndarray, cutoff: float | None,
           units_label: str = "coordinate units") -> TravelCosts:
    """Straight-line costs between coordinate arrays already in one planar CRS (Python API
    on plain tables; scenarios go through :func:`travel_costs`)."""
    from . import distance as dist

    costs = dist.euclidean(np.asarray(dxy, float), np.asarray(sxy, float), cutoff)
    info: dict[str, Any] = {"metric": "euclidean", "cutoff": cutoff, "units": units_label,
                            "stored": "sparse" if isinstance(costs, SparseCosts) else "dense"}
    return TravelCosts(costs, cutoff, info)


def nearest(points: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Index of the nearest target for each point (straight line, KD-tree)."""
    from scipy.spatial import cKDTree

    _, index = cKDTree(np.asarray(targets, float)).query(np.asarray(points, float))
    return np.asarray(index, dtype=np.int64)


def _network_costs(distance: Distance, demand: Any, sites: Any, crs: Any,
                   request: CostRequest, progress: Reporter) -> tuple[Costs, dict[str, Any]]:
    from .crs import local_metric_crs
    from .netcosts import network_travel_costs

    spec = distance.network
    assert spec is not None  # the scenario checks [distance.network] is given
    # snapping needs metres: use the working CRS when projected, else the data's UTM zone
    metric_crs = crs if not crs.is_geographic else local_metric_crs(demand, sites)
    advance: Callable[[int, int], None] = progress.advance
    costs, info, lines = network_travel_costs(
        spec, xy(demand.to_crs(metric_crs)), xy(sites.to_crs(metric_crs)), metric_crs,
        request.cutoff, request.demand_ids, request.site_ids, advance, lines_crs=crs)
    for line in lines:
        progress.note(line)
    return costs, info


def units(crs: Any) -> str:
    """The unit of a CRS's first axis ("metre"), or a note for layers without a CRS."""
    if crs is None:
        return "coordinate units"
    try:
        return str(crs.axis_info[0].unit_name)
    except (IndexError, AttributeError):  # pragma: no cover - every projected CRS has axes
        return "CRS units"
