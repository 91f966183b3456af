"""Readers for benchmark file formats (format detected from content)."""

from pathlib import Path

from ..errors import SpecError
from ..instance import Instance
from . import orlib
from .orlib import read_cap, read_pmed, read_sjc, read_swain
from .tsplib import is_tsplib, read_tsplib


def sniff_format(path: str | Path) -> str:
    """'tsplib', or one of the OR-Library family (see :func:`orlib.sniff_format`)."""
    return "tsplib" if is_tsplib(path) else orlib.sniff_format(path)


def load_instance(path: str | Path, capacity: float | None = None,
                  rounding: str | None = None) -> Instance:
    """Read any supported file; ``rounding`` (floor | nint | none) applies to TSPLIB only."""
    if is_tsplib(path):
        inst = read_tsplib(path, rounding or "floor")  # type: ignore[arg-type]
        return inst.with_capacity(capacity) if capacity is not None else inst
    if rounding is not None:
        raise SpecError(f"{path}: rounding applies to TSPLIB files only")
    return orlib.load_instance(path, capacity)


__all__ = ["load_instance", "read_cap", "read_pmed", "read_sjc", "read_swain", "read_tsplib",
           "sniff_format"]
