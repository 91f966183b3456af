"""THE list of problem kinds: spec, pipeline driver, verifier, default formulation, CLI flags.

Every place that needs "which kinds are there" derives it from here: the scenario's
``[problem]`` union (:mod:`siting.scenario`), ``siting solve --problem`` choices and flags
(:mod:`siting.cli.solve`), the verifier dispatch (:func:`siting.verify.verify`), the default
formulation (:func:`siting.formulations.get_formulation`) and the pipeline
(:func:`siting.pipeline.run`).

A kind registers itself from its own package with one :func:`register` call in a light module
(strings only, no numpy/pydantic), listed once in :data:`PROVIDERS`. Everything a
:class:`Kind` names is a ``"module:attribute"`` reference loaded on first use, so listing the
kinds (``siting --help``) imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

#: modules that register kinds when imported (the classical kinds are registered below)
PROVIDERS: tuple[str, ...] = ("siting.community.kind",)


@dataclass(frozen=True)
class Kind:
    """One problem kind and where its parts live (``"module:attribute"`` references)."""

    name: str
    #: the pydantic spec class; it is the kind's member of the scenario's [problem] union
    spec: str
    #: the pipeline driver object (:class:`siting.protocol.Driver`: prepare → solve → write)
    driver: str
    #: the independent verifier (recomputes feasibility and objective; shares no model code)
    verifier: str
    #: formulation used when none is named (None: the formulation registry's first)
    default_formulation: str | None = None
    #: spec fields ``siting solve --problem NAME`` sets from flags (``--p``, ``--radius``...);
    #: None: the kind is solved from scenario files only
    flags: tuple[str, ...] | None = ()
    #: scenario table holding the spec
    section: str = "problem"
    #: the models/ page with the math
    doc: str = ""
    summary: str = ""

    def spec_class(self) -> Any:
        return load(self.spec)

    def load_driver(self) -> Any:
        return load(self.driver)

    def load_verifier(self) -> Any:
        return load(self.verifier)


_KINDS: dict[str, Kind] = {}
_loaded = False


def register(kind: Kind) -> Kind:
    """Add a kind (idempotent for the same entry; a different entry under a taken name fails)."""
    old = _KINDS.get(kind.name)
    if old is not None and old != kind:
        raise ValueError(f"problem kind {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


def _load_providers() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in PROVIDERS:
        try:
            import_module(module)
        except ModuleNotFoundError as exc:  # an optional kind package left out of the install
            if exc.name is None or not module.startswith(exc.name):
                raise


def all_kinds() -> tuple[Kind, ...]:
    """Every registered kind, in registration order."""
    _load_providers()
    return tuple(_KINDS.values())


def names() -> tuple[str, ...]:
    return tuple(k.name for k in all_kinds())


def flag_kinds() -> tuple[str, ...]:
    """Kinds ``siting solve --problem`` accepts (the others need a scenario file)."""
    return tuple(k.name for k in all_kinds() if k.flags is not None)


def get(name: str) -> Kind:
    _load_providers()
    try:
        return _KINDS[name]
    except KeyError:
        from .errors import SpecError

        raise SpecError(f"unknown problem kind {name!r}; use one of {', '.join(names())}") from None


def load(ref: str) -> Any:
    """``"package.module:attr"`` → the attribute (imported on first use)."""
    module, _, attr = ref.partition(":")
    return getattr(import_module(module), attr)


# the classical kinds: one Instance (demand × sites costs), solved by siting.api.solve
_CLASSICAL = "siting.classical:DRIVER"
for _k in (
    Kind("p-median", "siting.problems:PMedian", _CLASSICAL, "siting.verify:verify_median",
         "benders", ("p",), doc="models/p-median.md",
         summary="minimise total weighted travel cost with p open sites"),
    Kind("p-center", "siting.problems:PCenter", _CLASSICAL, "siting.verify:verify_median",
         "search", ("p", "weighted"), doc="models/p-center.md",
         summary="minimise the largest travel cost with p open sites"),
    Kind("lscp", "siting.problems:LSCP", _CLASSICAL, "siting.verify:verify_covering",
         "reduced", ("radius", "drop_unreachable"), doc="models/covering.md",
         summary="cover every demand point within a radius at least site cost"),
    Kind("mclp", "siting.problems:MCLP", _CLASSICAL, "siting.verify:verify_covering",
         "reduced", ("radius", "p", "budget"), doc="models/covering.md",
         summary="maximise covered demand with at most p sites and/or a budget"),
    Kind("ufl", "siting.problems:UFL", _CLASSICAL, "siting.verify:verify_facility",
         "strong", (), doc="models/facility-location.md",
         summary="uncapacitated facility location"),
    Kind("cflp", "siting.problems:CFLP", _CLASSICAL, "siting.verify:verify_facility",
         "lagrangian", ("single_source",), doc="models/facility-location.md",
         summary="capacitated facility location"),
    Kind("p-dispersion", "siting.problems:PDispersion", "siting.classical:SITES_ONLY",
         "siting.verify:verify_dispersion", "search", ("p",), doc="models/p-dispersion.md",
         summary="maximise the smallest distance between p open sites"),
):
    register(_k)
