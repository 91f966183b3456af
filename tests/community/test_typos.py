"""Data typos are errors, never silence (#14.2, 6, 7, 12): one line naming the file, row,
column and value, with a close match when there is one."""

from __future__ import annotations

import pandas as pd
import pytest

from siting.community.spec import CommunityProblem
from siting.errors import DataError, SpecError
from siting.scenario import validate_scenario

from .helpers import planar_instance

SERVICES = [
    {"name": "elderly_care", "segment": "elderly", "module_area": 200, "module_cost": 30,
     "tiers": [{"radius": 300, "credit": 1.0}]},
    {"name": "after_school", "segment": "school", "module_area": 100, "module_cost": 20,
     "tiers": [{"radius": 300, "credit": 1.0}]},
]


def _tables(services: str = "elderly_care;after_school", **demand_cols):  # type: ignore[no-untyped-def]
    demand = pd.DataFrame({"id": ["b1", "b2"], "x": [0.0, 100.0], "y": 0.0,
                           "community": ["C1", "C2"], "elderly": [10, 20], "school": [5, 6],
                           **demand_cols})
    sites = pd.DataFrame({"id": ["s1", "s2"], "x": [0.0, 100.0], "y": 0.0,
                          "area": [500.0, 500.0], "cost": [1.0, 1.0],
                          "services": ["elderly_care", services]})
    sites.attrs["source"] = "sites.csv"
    sites.attrs["where"] = ("line", 2)
    demand.attrs["source"] = "blocks.csv"
    return demand, sites


def _problem(**kw):  # type: ignore[no-untyped-def]
    return CommunityProblem.model_validate({"kind": "community", "services": SERVICES, **kw})


def test_unknown_service_in_the_sites_column_is_an_error() -> None:
    demand, sites = _tables("elderly care;after school")
    with pytest.raises(DataError) as err:
        planar_instance(_problem(), demand, sites)
    msg = str(err.value)
    assert msg.startswith("sites.csv: line 3, column 'services': unknown service 'elderly care' "
                          "(did you mean 'elderly_care'?)"), msg


def test_catalogue_services_not_in_the_scenario_are_accepted() -> None:
    demand, sites = _tables("elderly_care;health;meals")  # both in the default catalogue
    inst = planar_instance(_problem(), demand, sites)
    assert inst.allowed[1].tolist() == [True, False]


def test_missing_community_column_lists_columns_and_the_key() -> None:
    demand, sites = _tables()
    demand = demand.rename(columns={"community": "comunity"})
    demand.attrs["source"] = "blocks.csv"
    with pytest.raises(DataError) as err:
        planar_instance(_problem(), demand, sites)
    msg = str(err.value)
    assert "blocks.csv: column 'community'" in msg and "is missing" in msg
    assert "(did you mean 'comunity'?)" in msg and "columns: id, x, y, comunity" in msg
    assert "problem.columns.community" in msg


def test_district_is_an_accepted_alias() -> None:
    demand, sites = _tables()
    old = demand.rename(columns={"community": "district"})
    assert planar_instance(_problem(), old, sites).n_districts == 2
    # the old key names a column too
    other = demand.rename(columns={"community": "shequ"})
    prob = _problem(columns={"district": "shequ"})
    assert prob.columns.community == "shequ"
    assert planar_instance(prob, other, sites).n_districts == 2
    prob = _problem(targets={"elderly_care": {"community": 0.1}})
    assert prob.targets["elderly_care"].district == 0.1


def test_missing_segment_column_names_the_service_and_the_mapping_key() -> None:
    demand, sites = _tables()
    demand = demand.drop(columns=["school"]).assign(schol=[1, 2])
    demand.attrs["source"] = "blocks.csv"
    with pytest.raises(DataError, match=r"column 'school' \(population of segment 'school', used "
                       r"by service 'after_school'\) is missing \(did you mean 'schol'\?\)"):
        planar_instance(_problem(), demand, sites)


def test_target_for_a_community_that_does_not_exist() -> None:
    demand, sites = _tables()
    prob = _problem(targets={"elderly_care": {"communities": {"C3": 0.5, "C1": 0.2}}})
    with pytest.raises(DataError, match=r"problem.targets.elderly_care.communities: 'C3' is not "
                       r"a community of the blocks"):
        planar_instance(prob, demand, sites)


def test_site_community_that_no_block_has() -> None:
    demand, sites = _tables()
    sites["community"] = ["C1", "C11"]
    with pytest.raises(DataError, match=r"sites.csv: line 3, column 'community': community 'C11' "
                       r"has no blocks in blocks.csv \(did you mean 'C1'\?\)"):
        planar_instance(_problem(), demand, sites)


def test_module_column_with_a_misspelled_service() -> None:
    demand, sites = _tables()
    sites["existing_elderly_cares"] = [1, 0]
    with pytest.raises(DataError, match=r"column 'existing_elderly_cares': 'elderly_cares' is not "
                       r"a service \(did you mean 'elderly_care'\?\)"):
        planar_instance(_problem(), demand, sites)


def test_misspelled_service_table_says_not_in_catalogue() -> None:
    data = {"demand": {"path": "d.csv"}, "sites": {"path": "s.csv"},
            "problem": {"kind": "community", "catalogue": "default",
                        "services": ["elderly_care", {"name": "child_care", "weight": 2}]}}
    with pytest.raises(SpecError) as err:
        validate_scenario(data, source="my.toml", check_files=False)
    msg = str(err.value)
    assert msg.startswith("my.toml: problem.services[1]: 'child_care' is not in the catalogue "
                          "'default' (did you mean 'childcare'?)"), msg
    assert "Field required" not in msg
    data["problem"]["services"] = ["elderly_care", "child_care"]
    with pytest.raises(SpecError, match=r"^my.toml: problem.services\[1\]: 'child_care' is not "
                       r"in the catalogue 'default' \(did you mean 'childcare'\?\)"):
        validate_scenario(data, source="my.toml", check_files=False)


def test_segment_mapping_to_a_column_that_does_not_exist() -> None:
    demand, sites = _tables()
    prob = _problem(columns={"segments": {"elderly": "elderly", "total": "totl"}})
    with pytest.raises(DataError, match=r"column 'totl' \(population of segment 'total'\) is "
                       r"missing .*set problem.columns.segments.total"):
        planar_instance(prob, demand, sites)
