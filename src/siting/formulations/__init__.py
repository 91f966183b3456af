"""Formulation registry: (problem kind, name) -> formulation class; the default is the kind's
(:mod:`siting.kinds`).

Defaults: p-median `benders` (the Elloumi radius model solved by Benders decomposition; the
compact `radius` model and `classic` remain selectable), p-center `search`, lscp/mclp `reduced`
(exact reductions, then the cover MILP), ufl `strong`, cflp `lagrangian` (Lagrangian bound, exact
site fixing, then the strong MILP over the sites left).
"""

from __future__ import annotations

from ..errors import SpecError
from .base import Context, Formulation, Outcome, SingleMilp
from .benders import PMedianBenders
from .benders_scip import PMedianBendersSCIP
from .covering import LSCPCover, LSCPReduced, MCLPCover, MCLPReduced
from .cflp_lagrangian import CFLPLagrangian
from .mclp_windows import MCLPWindows
from .facility import CFLPLinkCuts, CFLPStrong, CFLPWeak, FacilityLocation
from .heuristic import (
    LSCPHeuristic,
    MCLPHeuristic,
    MCLPLagrangian,
    PCenterHeuristic,
    PMedianHeuristic,
    PMedianLagrangian,
    UFLHeuristic,
    UFLLagrangian,
)
from .p_center import PCenterClassic, PCenterSearch
from .p_dispersion import PDispersionBigM, PDispersionSearch
from .p_median import PMedianClassic, PMedianRadius

FORMULATIONS: dict[str, dict[str, type[Formulation]]] = {}


def register(cls: type[Formulation]) -> type[Formulation]:
    FORMULATIONS.setdefault(cls.kind, {})
    if cls.name in FORMULATIONS[cls.kind] and FORMULATIONS[cls.kind][cls.name] is not cls:
        raise ValueError(f"formulation {cls.kind}/{cls.name} is already registered")
    FORMULATIONS[cls.kind][cls.name] = cls
    return cls


for _cls in (PMedianBenders, PMedianBendersSCIP, PMedianRadius, PMedianClassic, PCenterSearch, PCenterClassic, LSCPReduced, LSCPCover,
             MCLPReduced, MCLPCover,
             FacilityLocation, CFLPLagrangian, CFLPStrong, CFLPWeak, CFLPLinkCuts,
             PMedianLagrangian, PMedianHeuristic, MCLPLagrangian, MCLPHeuristic, MCLPWindows, LSCPHeuristic,
             UFLLagrangian, UFLHeuristic, PCenterHeuristic, PDispersionSearch, PDispersionBigM):
    register(_cls)


def get_formulation(kind: str, name: str | None = None) -> Formulation:
    table = FORMULATIONS.get(kind)
    if not table:
        raise SpecError(f"no formulation for problem {kind!r}")
    if name is None:  # the kind's registered default, else the first registered
        from .. import kinds

        name = kinds.get(kind).default_formulation
        if name not in table:
            return next(iter(table.values()))()
    if name not in table:
        raise SpecError(f"unknown formulation {name!r} for {kind}; choose from: "
                        + ", ".join(table))
    return table[name]()


__all__ = ["Context", "FORMULATIONS", "Formulation", "Outcome", "SingleMilp", "get_formulation",
           "register"]
