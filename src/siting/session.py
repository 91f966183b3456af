"""``siting.open_scenario``: a what-if session on a community scenario file.

    >>> import siting
    >>> s = siting.open_scenario("instances/demo_district/scenario.toml")
    >>> base = s.solve()
    >>> cheaper = s.resolve(budget=27e6)              # the budget row's bound
    >>> locked = s.resolve(lock=["S0042"])            # y_j bounds
    >>> s.resolve(weights={"childcare": 2.0}, targets={"meals": {"overall": 0.3}})

The scenario goes through the one pipeline (layers, checks, travel costs, the community
instance) exactly as ``siting solve`` reads it; :class:`~siting.community.session.Session`
then builds the model once and edits it per what-if.
"""

from __future__ import annotations

from pathlib import Path

from .community.session import Session
from .errors import SpecError
from .options import SolveOptions

__all__ = ["Session", "open_scenario"]


def open_scenario(path: str | Path, *, backend: str | None = None,
                  options: SolveOptions | None = None) -> Session:
    """Read a ``kind = "community"`` scenario, compute its pairs and build its model once."""
    from .outputs.progress import Progress
    from .pipeline import prepare
    from .scenario import load_scenario

    scenario = load_scenario(path)
    if scenario.problem.kind != "community":
        raise SpecError(f"{path}: sessions need problem kind 'community' "
                        f"(this scenario is {scenario.problem.kind!r})")
    prepared = prepare(scenario, Progress())
    return Session(prepared.instance, prepared.problem,  # type: ignore[arg-type]
                   backend=backend or scenario.solver.backend,
                   options=options or scenario.solver.options(), scenario=scenario)
