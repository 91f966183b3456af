"""``--set KEY=VALUE``: override scenario keys from the command line.

``problem.budget=3e6`` sets ``[problem] budget``; values are read as TOML values (numbers,
booleans, quoted strings, arrays, inline tables) and anything that is not valid TOML is taken
as plain text, so ``--set solver.backend=cbc`` works unquoted. Overridden keys are validated by
the same pydantic models as the file, and recorded (``Scenario.overrides``) so the run log and
``summary.json`` say what was changed.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import SpecError

_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$")


def parse(items: Iterable[str]) -> dict[str, Any]:
    """``["problem.budget=3e6", ...]`` -> ``{"problem.budget": 3000000.0, ...}`` (later wins)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not _KEY.match(key):
            raise SpecError(f"--set {item}: expected KEY=VALUE with a dotted scenario key, "
                            "e.g. --set problem.budget=3e6")
        out[key] = value_of(text.strip())
    return out


def value_of(text: str) -> Any:
    """A TOML value, or the text itself when it is not one (``cbc``, ``EPSG:4326``)."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of the raw scenario ``data`` with each dotted key set."""
    out = copy.deepcopy(dict(data))
    for key, value in overrides.items():
        node = out
        parts = key.split(".")
        for k, part in enumerate(parts[:-1]):
            nxt = node.get(part)
            if nxt is None:
                nxt = node[part] = {}
            if not isinstance(nxt, dict):
                raise SpecError(f"--set {key}: {'.'.join(parts[:k + 1])} is not a table")
            node = nxt
        node[parts[-1]] = value
    return out
