"""One number token of a text instance file, checked: a bad token is a one-line DataError that
names the file, the line and what the number was meant to be."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import DataError
from ..limits import first_too_large, too_large


def parse_number(tok: str, path: Path, line: int, what: str) -> float:
    """``float(tok)``, refusing text, non-finite values and magnitudes solvers cannot use."""
    try:
        v = float(tok)
    except ValueError:
        raise DataError(f"{path}: line {line}: {what} {tok!r} is not a number") from None
    if not np.isfinite(v):
        raise DataError(f"{path}: line {line}: {what} {tok!r} is not finite")
    if first_too_large(np.array([v])) is not None:
        raise DataError(f"{path}: line {line}: {what} {too_large(v)}")
    return v
