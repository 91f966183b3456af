"""The service catalogue: every number carries its source (or a reasoned ASSUMPTION), the seed's
full service list is present, and each service validates."""

from __future__ import annotations

import re
import tomllib

import pytest

from siting.community.catalogue import DEFAULT_CATALOGUE, rule_sources
from siting.community.spec import CommunityProblem

DATA = tomllib.loads(DEFAULT_CATALOGUE.read_text(encoding="utf-8"))
SEED = ["nursing_station", "housekeeping", "convenience_store", "fresh_food", "breakfast",
        "express", "repair", "culture", "leisure_social", "rehab_care", "health", "fitness"]


def _sourced(text: str | None) -> bool:
    """A source line, or 'ASSUMPTION: <reason>' with a real reason."""
    if not text or not text.strip():
        return False
    if text.startswith("ASSUMPTION"):
        return bool(re.match(r"ASSUMPTION: .{15,}", text))
    return len(text) >= 15


@pytest.mark.parametrize("name", list(DATA["service"]))
def test_every_number_of_a_service_has_a_source(name: str) -> None:
    table = DATA["service"][name]
    sources = table.get("sources", {})
    numbers = [k for k, v in table.items()
               if k == "tiers" or (isinstance(v, (int, float)) and not isinstance(v, bool))]
    missing = [k for k in numbers if not _sourced(sources.get(k))]
    assert not missing, f"service {name}: no source (or ASSUMPTION with a reason) for {missing}"
    if "category" in table:
        assert _sourced(sources.get("category")), f"service {name}: category has no source"


def test_every_rule_has_a_source() -> None:
    sources = rule_sources("default")
    missing = [k for k in DATA["rules"] if not _sourced(sources.get(k))]
    assert not missing, f"[rules] without a source: {missing}"


def test_the_seed_list_is_complete_and_valid() -> None:
    for name in SEED:
        assert name in DATA["service"], f"catalogue lacks {name}"
    every = CommunityProblem.model_validate({"kind": "community", "catalogue": "default"})
    cats = {s.name: s.category for s in every.services}
    assert {cats[n] for n in ("housekeeping", "convenience_store", "fresh_food", "breakfast",
                              "express", "repair")} == {"basic"}
    assert {cats[n] for n in ("culture", "leisure_social", "rehab_care", "health",
                              "fitness")} == {"quality"}
    # the original six keep no viability figures: existing scenarios keep their answers
    for name in ("elderly_care", "childcare", "after_school", "meals", "health", "fitness"):
        svc = every.service(name)
        assert svc.min_users is None and svc.operating_cost is None


def test_the_walking_standard_is_stated() -> None:
    every = CommunityProblem.model_validate({"kind": "community", "catalogue": "default"})
    r = every.rules
    assert (r.walk_speed, r.basic_walk_minutes, r.quality_walk_minutes) == (60.0, 10.0, 15.0)
