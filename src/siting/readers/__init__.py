"""Readers for benchmark text formats, one module per format family, format sniffed from content.

A reader module registers each format it reads with one line::

    register(Reader("tsplib", sniff=is_tsplib_file, read=read_tsplib, options=("rounding",)))

``sniff(path) -> bool`` says whether the file is in this format (it may raise a DataError for a
file no reader can take: missing, empty, not text); ``read(path, **options) -> Instance`` reads
it, taking only the keyword ``options`` the reader declares. ``capacity`` is handled here for
readers that do not declare it (every site gets that capacity). Readers are tried in
registration order: register specific formats before lenient ones. The modules are imported at
the bottom of this file (one line per module).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataError, SpecError
from ..instance import Instance


@dataclass(frozen=True)
class Reader:
    """One file format: its name, how to recognise it and how to read it."""

    name: str
    sniff: Callable[[Path], bool]
    read: Callable[..., Instance]
    #: keyword options ``read`` accepts (e.g. "capacity", "rounding")
    options: tuple[str, ...] = ()
    #: what the format looks like, for the "unrecognised format" message
    expects: str = ""


READERS: list[Reader] = []


def register(reader: Reader) -> Reader:
    if any(r.name == reader.name for r in READERS):
        raise ValueError(f"a reader for format {reader.name!r} is already registered")
    READERS.append(reader)
    return reader


def reader_for(path: str | Path) -> Reader:
    """The first registered reader that recognises the file."""
    path = Path(path)
    for reader in READERS:
        if reader.sniff(path):
            return reader
    expected = "; ".join(r.expects for r in READERS if r.expects)
    raise DataError(f"{path}: line 1: unrecognised format (expected {expected})")


def sniff_format(path: str | Path) -> str:
    """The format name of a benchmark file ('pmed', 'cap', 'sjc', 'swain', ...)."""
    return reader_for(path).name


def load_instance(path: str | Path, capacity: float | None = None, **options: Any) -> Instance:
    """Read any supported file, detecting the format from its content."""
    reader = reader_for(path)
    given = {k: v for k, v in options.items() if v is not None}
    unknown = sorted(set(given) - set(reader.options))
    if unknown:
        raise SpecError(f"{path}: option {unknown[0]!r} does not apply to {reader.name} files")
    if "capacity" in reader.options:
        return reader.read(Path(path), capacity=capacity, **given)
    inst = reader.read(Path(path), **given)
    return inst.with_capacity(capacity) if capacity is not None else inst


# the reader modules (each registers its formats when imported; specific before lenient)
from . import tsplib  # noqa: E402
from . import orlib  # noqa: E402
from .orlib import read_cap, read_pmed, read_sjc, read_swain  # noqa: E402
from .tsplib import read_tsplib  # noqa: E402

__all__ = ["READERS", "Reader", "load_instance", "read_cap", "read_pmed", "read_sjc",
           "read_swain", "read_tsplib", "reader_for", "register", "sniff_format"]
