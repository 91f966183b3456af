"""The answer to one solve: status, objective, bound, decision, verification, timings."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .decision import Decision
from .errors import SitingError
from .instance import Instance
from .problems import Problem
from .solution import Status, Termination, relative_gap
from .verify import Verification


@dataclass(frozen=True)
class Timings:
    read: float = 0.0
    build: float = 0.0
    solve: float = 0.0
    total: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {k: round(v, 6) for k, v in self.__dict__.items()}


@dataclass(frozen=True, eq=False)
class Result:
    """Frozen result of :func:`siting.solve`. Non-optimal outcomes are values, not errors."""

    problem: Problem
    instance: Instance
    formulation: str
    backend: str
    backend_version: str
    status: Status
    termination: Termination
    objective: float | None
    bound: float | None
    decision: Decision | None
    verification: Verification | None
    timings: Timings
    nodes: int | None = None
    native_status: str = ""
    messages: tuple[str, ...] = ()
    model_size: dict[str, int] = field(default_factory=dict)

    @property
    def gap(self) -> float | None:
        return relative_gap(self.objective, self.bound)

    @property
    def is_optimal(self) -> bool:
        return self.status is Status.OPTIMAL

    @property
    def has_solution(self) -> bool:
        return self.decision is not None

    @property
    def open_sites(self) -> list[Any]:
        """Ids of the open sites, as given in the input."""
        if self.decision is None:
            return []
        return [_plain(v) for v in self.instance.site_ids[self.decision.open_indices]]

    def raise_for_status(self) -> Result:
        """Raise :class:`SitingError` unless a solution was found; return self otherwise."""
        if not self.has_solution:
            why = "; ".join(self.messages) or self.native_status
            raise SitingError(f"{self.problem.kind}: {self.status.value} ({why})")
        return self

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: status, objective, bound, gap, open_sites, backend, formulation, timings."""
        out: dict[str, Any] = {
            "status": self.status.value,
            "objective": _num(self.objective),
            "bound": _num(self.bound),
            "gap": _num(self.gap),
            "open_sites": self.open_sites,
            "backend": self.backend,
            "formulation": self.formulation,
            "timings": self.timings.as_dict(),
            "problem": self.problem.model_dump(),
            "instance": self.instance.name,
            "termination": self.termination.value,
            "backend_version": self.backend_version,
            "native_status": self.native_status,
            "nodes": self.nodes,
            "messages": list(self.messages),
            "model_size": dict(self.model_size),
        }
        if self.verification is not None:
            out["verified"] = {
                "feasible": self.verification.feasible,
                "objective": _num(self.verification.objective),
                "violations": list(self.verification.violations),
            }
        return out

    def summary(self) -> str:
        """A short human summary for the terminal, in the current language (siting.i18n)."""
        from .i18n import _, pgettext

        term = self.termination.value
        stopped = "" if term in ("optimal", "infeasible") else \
            _(", stopped: {reason}").format(reason=pgettext("status", term).replace("_", " "))
        lines = [_("{kind} on {name}: {status} ({backend}, {formulation}{stopped})").format(
            kind=pgettext("problem", self.problem.kind), name=self.instance.name,
            status=pgettext("status", self.status.value), backend=self.backend,
            formulation=self.formulation, stopped=stopped)]
        if self.objective is not None:
            gap = self.gap
            gap_s = "" if gap is None else _(", gap {gap}").format(gap=f"{gap:.4%}")
            bound = "" if self.bound is None else _(", bound {bound}").format(
                bound=f"{self.bound:.10g}")
            lines.append("  " + _("objective {objective}{bound}{gap}").format(
                objective=f"{self.objective:.10g}", bound=bound, gap=gap_s))
            sites = self.open_sites
            shown = ", ".join(map(str, sites[:20])) + (" ..." if len(sites) > 20 else "")
            lines.append("  " + _("{n} open sites: {sites}").format(n=len(sites), sites=shown))
        for msg in self.messages:
            lines.append("  " + _("note: {note}").format(note=_(msg)))
        t = self.timings
        lines.append("  " + _("time: read {read}s, build {build}s, solve {solve}s, total "
                              "{total}s").format(read=f"{t.read:.2f}", build=f"{t.build:.2f}",
                                                 solve=f"{t.solve:.2f}", total=f"{t.total:.2f}"))
        return "\n".join(lines)


def _num(x: float | None) -> float | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    if isinstance(x, float) and math.isinf(x):
        return None
    return float(x)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v
