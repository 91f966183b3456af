"""What to solve: one validated, frozen spec per model (see ``models/`` for the math).

Specs are pydantic models so the same classes validate CLI flags, Python calls and scenario
files (unknown keys are errors; errors name the field).
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Spec(BaseModel):
    """Base of every problem spec (each kind's spec sets ``kind`` to its registered name)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str


_Spec = Spec


class PMedian(_Spec):
    """Minimise total weighted travel cost with exactly ``p`` open sites."""

    kind: Literal["p-median"] = "p-median"
    p: int = Field(ge=1)


class PCenter(_Spec):
    """Minimise the largest (optionally weight-multiplied) travel cost with ``p`` open sites."""

    kind: Literal["p-center"] = "p-center"
    p: int = Field(ge=1)
    weighted: bool = False


class LSCP(_Spec):
    """Cover every demand point within ``radius`` at minimum total site cost."""

    kind: Literal["lscp"] = "lscp"
    radius: float = Field(ge=0)
    drop_unreachable: bool = False


class MCLP(_Spec):
    """Maximise demand weight within ``radius`` using at most ``p`` sites and/or ``budget``."""

    kind: Literal["mclp"] = "mclp"
    radius: float = Field(ge=0)
    p: int | None = Field(default=None, ge=1)
    budget: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _limit_given(self) -> MCLP:
        if self.p is None and self.budget is None:
            raise ValueError("mclp needs p and/or budget (otherwise every site opens)")
        return self


class UFL(_Spec):
    """Uncapacitated facility location: fixed opening costs plus assignment costs."""

    kind: Literal["ufl"] = "ufl"


class CFLP(_Spec):
    """Capacitated facility location, multi-source unless ``single_source``."""

    kind: Literal["cflp"] = "cflp"
    single_source: bool = False


#: the classical kinds' specs (the scenario's union over every kind is built from siting.kinds)
class PDispersion(_Spec):
    """Maximise the smallest travel cost between two of the ``p`` open sites."""

    kind: Literal["p-dispersion"] = "p-dispersion"
    p: int = Field(ge=2)


Problem = Annotated[
    PMedian | PCenter | LSCP | MCLP | UFL | CFLP | PDispersion, Field(discriminator="kind")
]
