"""Every available backend reaches the same optimum; the catalogue and the spec validate."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from siting.backends import available_backends
from siting.community.catalogue import DEFAULT_CATALOGUE
from siting.community.solve import solve
from siting.community.spec import CommunityProblem
from siting.errors import SpecError
from siting.options import SolveOptions
from siting.solution import Status

from .helpers import build, problem, reference

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("backend", available_backends())
@pytest.mark.parametrize("objective,kw", [
    ("coverage", {"budget": 70, "rules": {"new_site_min_services": 2}}),
    ("cost", {"targets": {"elderly": {"overall": 0.3}}}),
    ("equity", {"budget": 60}),
])
def test_every_backend_gives_the_same_objective(backend: str, objective: str, kw: dict) -> None:
    prob = problem(objective, **kw)
    inst = build(21, prob)
    ref = reference(inst, prob)
    assert ref is not None
    res = solve(inst, prob, backend=backend, options=SolveOptions(time_limit=60))
    if res.status is Status.NO_SOLUTION and any("cannot solve this model" in n for n in res.notes):
        pytest.skip(f"{backend} declines models with continuous coverage columns: {res.notes[0]}")
    assert res.status is Status.OPTIMAL, (backend, res.stages)
    assert res.check is not None and res.check.feasible
    assert res.objective == pytest.approx(ref["primary"], rel=1e-6, abs=1e-6)


def test_the_one_catalogue_is_package_data_and_models_points_to_it() -> None:
    assert DEFAULT_CATALOGUE.is_file()
    assert not (ROOT / "models" / "service-catalogue.toml").exists()  # one file, not two
    assert "src/siting/community/service_catalogue.toml" in (ROOT / "models" / "README.md").read_text()
    data = tomllib.loads(DEFAULT_CATALOGUE.read_text())
    every = CommunityProblem.model_validate({"kind": "community", "catalogue": "default"})
    assert [s.name for s in every.services] == list(data["service"])
    assert every.rules.complex_min_area == 600 and every.rules.new_site_min_core == 2
    assert all(s.source for s in every.services)


def test_scenario_overrides_catalogue_numbers() -> None:
    p = CommunityProblem.model_validate({
        "kind": "community", "catalogue": "default",
        "services": ["meals", {"name": "childcare", "module_cost": 1.0,
                               "tiers": [{"radius": 250, "credit": 1.0}]}],
        "rules": {"new_site_min_services": 0}})
    assert p.service("childcare").module_cost == 1.0
    assert p.service("childcare").outer_radius == 250
    assert p.service("childcare").segment == "infant"        # from the catalogue
    assert p.rules.new_site_min_services == 0 and p.rules.complex_min_area == 600


@pytest.mark.parametrize("data,needle", [
    ({"services": ["meals"]}, "no catalogue"),
    ({"catalogue": "default", "services": ["karaoke"]}, "karaoke"),
    ({"catalogue": "/nonexistent.toml"}, "does not exist"),
])
def test_catalogue_errors(data: dict, needle: str) -> None:
    with pytest.raises(SpecError, match=needle):
        CommunityProblem.model_validate({"kind": "community", **data})


@pytest.mark.parametrize("update,needle", [
    ({"tiers": [{"radius": 500, "credit": 1.0}, {"radius": 300, "credit": 0.5}]}, "increase"),
    ({"tiers": [{"radius": 300, "credit": 0.5}, {"radius": 500, "credit": 0.5}]}, "decrease"),
    ({"tiers": [{"radius": 300, "credit": 1.5}]}, "less than or equal"),
    ({"module_area": 0}, "greater than 0"),
    ({"colour": "red"}, "Extra inputs"),
])
def test_service_validation(update: dict, needle: str) -> None:
    base = {"name": "x", "segment": "total", "module_area": 10, "module_cost": 1,
            "tiers": [{"radius": 300, "credit": 1.0}]}
    with pytest.raises(Exception, match=needle):
        CommunityProblem.model_validate({"kind": "community", "services": [{**base, **update}]})


def test_problem_level_validation() -> None:
    svc = {"name": "x", "segment": "total", "module_area": 10, "module_cost": 1,
           "tiers": [{"radius": 300, "credit": 1.0}]}
    with pytest.raises(Exception, match="needs targets"):
        CommunityProblem.model_validate({"kind": "community", "objective": "cost",
                                         "services": [svc]})
    with pytest.raises(Exception, match="no service named 'y'"):
        CommunityProblem.model_validate({"kind": "community", "services": [svc],
                                         "targets": {"y": {"overall": 0.5}}})
    with pytest.raises(Exception, match="listed twice"):
        CommunityProblem.model_validate({"kind": "community", "services": [svc, svc]})
