"""The service catalogue: default services and guide rules, with their sources.

One file, shipped inside the package (``siting/community/service_catalogue.toml``) and read with
:mod:`importlib.resources`, so ``catalogue = "default"`` works after a plain install; models/
points to it. Copy it as the template of a catalogue of your own.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import SpecError

#: the default catalogue (package data; a real file in every install siting supports)
DEFAULT_CATALOGUE = Path(str(resources.files("siting.community").joinpath("service_catalogue.toml")))

# Sources shown in the report's compliance section when the catalogue gives none.
RULE_SOURCES: dict[str, str] = {
    "new_site_min_services": "导则(试行) 2024-01 (NDRC, MOHURD, MNR): a complex has >= 3 functions",
    "new_site_min_core": "导则(试行) 2024-01: >= 2 of elderly care, infant care, after-school, meals",
    "complex_min_area": "导则(试行) 2024-01: embedded-service complex >= 600 m² (>= 800 m² if feasible)",
    "space_per_100_households": "导则(试行) 2024-01: >= 30 m² community service space per 100 households",
    "targets": "scenario targets (e.g. TD/T 1062-2021 life-circle coverage goals)",
    "basic_walk_minutes": "MOFCOM et al. 2023-2025 three-year action plan: basic services "
                          "(shopping, catering, housekeeping, repair) within a 10-min walk",
    "quality_walk_minutes": "MOFCOM et al. 2023-2025 three-year action plan: quality services "
                            "(culture, leisure, health, fitness) within a 15-min walk",
    "walk_speed": "ASSUMPTION: 60 m/min (3.6 km/h, the r5r default walk_speed)",
}


def catalogue_path(name: str, base_dir: str | Path | None = None) -> Path:
    """Resolve ``"default"`` or a path (relative to ``base_dir``, else the working folder)."""
    if name == "default":
        return DEFAULT_CATALOGUE
    path = Path(name).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = Path(base_dir) / path
    return path


@lru_cache(maxsize=16)
def _load(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise SpecError(f"catalogue: file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"catalogue {path}: not valid TOML ({exc})") from None
    if not isinstance(data.get("service"), dict) or not data["service"]:
        raise SpecError(f"catalogue {path}: no [service.NAME] tables")
    return data


def load_catalogue(name: str = "default", base_dir: str | Path | None = None) -> dict[str, Any]:
    """The raw catalogue: ``{"service": {name: {...}}, "rules": {...}, "rule_sources": {...}}``."""
    return _load(str(catalogue_path(name, base_dir)))


def rule_sources(name: str | None = None, base_dir: str | Path | None = None) -> dict[str, str]:
    sources = dict(RULE_SOURCES)
    if name:
        sources.update(load_catalogue(name, base_dir).get("rule_sources", {}))
    return sources


#: what a service that is not in the catalogue must give itself
_NEW_SERVICE_FIELDS = ("segment", "module_area", "module_cost", "tiers")


def _did_you_mean(name: str, table: dict[str, Any]) -> str:
    import difflib

    norm = {n.lower().replace(" ", "_").replace("-", "_"): n for n in table}
    key = name.strip().lower().replace(" ", "_").replace("-", "_")
    hit = norm.get(key) or next(iter(difflib.get_close_matches(key, list(norm), n=1,
                                                               cutoff=0.6)), None)
    hit = norm.get(hit, hit) if hit else None
    return f" (did you mean {hit!r}?)" if hit and hit != name else ""


def expand_services(data: dict[str, Any], base_dir: str | Path | None = None) -> dict[str, Any]:
    """Turn catalogue names in a raw ``[problem]`` table into complete service tables.

    Entries of ``services`` are a name (taken from the catalogue) or a table with ``name`` and
    overrides (merged over the catalogue entry of that name, or complete on its own). With a
    catalogue and no ``services`` every catalogue service is used. The catalogue's ``[rules]``
    are defaults under the scenario's ``rules`` table.
    """
    name = data.get("catalogue")
    services = data.get("services")
    if name is None:
        if isinstance(services, (list, tuple)):
            for k, entry in enumerate(services):
                if isinstance(entry, str):
                    raise SpecError(f"services[{k}]: {entry!r} is a catalogue name but no "
                                    "catalogue is given (add catalogue = \"default\")")
        return data
    if not isinstance(name, str):
        raise SpecError("catalogue must be 'default' or a path")
    cat = load_catalogue(name, base_dir)
    table: dict[str, dict[str, Any]] = cat["service"]
    if services is None:
        services = list(table)
    if not isinstance(services, (list, tuple)):
        raise SpecError("services must be a list of names or tables")
    out: list[Any] = []
    for k, entry in enumerate(services):
        if isinstance(entry, str):
            if entry not in table:
                raise SpecError(f"services[{k}]: {entry!r} is not in the catalogue "
                                f"{name!r}{_did_you_mean(entry, table)} (known: "
                                f"{', '.join(table)})")
            out.append({"name": entry, **table[entry]})
        elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
            base = table.get(entry["name"], {})
            missing = [f for f in _NEW_SERVICE_FIELDS if f not in entry]
            if not base and missing:  # a typo, not a new service: say so, not "Field required"
                raise SpecError(f"services[{k}]: {entry['name']!r} is not in the catalogue "
                                f"{name!r}{_did_you_mean(entry['name'], table)}; a service of "
                                f"your own also needs {', '.join(missing)} (known: "
                                f"{', '.join(table)})")
            out.append({"name": entry["name"], **base, **entry})
        else:
            out.append(entry)  # let pydantic name the problem
    merged = dict(data)
    merged["services"] = out
    rules = cat.get("rules", {})
    if rules:
        user_rules = data.get("rules") or {}
        if isinstance(user_rules, dict):
            merged["rules"] = {**rules, **user_rules}
    return merged
