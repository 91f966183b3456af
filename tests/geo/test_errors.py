"""Malformed layers, tables and scenarios: one line naming file/row/column, exit 2, no files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .conftest import gpd, leftovers, make_points, run_cli, write_layer

Case = Callable[[Path], tuple[list[object], list[str]]]


def _csv(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text)
    return path


def _good(tmp: Path) -> tuple[Path, Path]:
    demand, sites = make_points(5, n=6, m=3)
    return (write_layer(demand, tmp / "demand.csv"), write_layer(sites, tmp / "sites.csv"))


def _flags(demand: Path, sites: Path, *more: object) -> list[object]:
    return ["solve", "--demand", demand, "--sites", sites, "--demand-id", "block",
            "--weight", "pop", "--site-id", "site", "--problem", "p-median", "--p", "2", *more]


def bad_demand_csv(text: str, *expect: str) -> Case:
    def case(tmp: Path) -> tuple[list[object], list[str]]:
        _, sites = _good(tmp)
        return _flags(_csv(tmp, "blocks.csv", text), sites), ["blocks.csv", *expect]
    return case


HEADER = "block,pop,lon,lat\n"
OK1 = "B1,10,26.95,60.53\n"
OK2 = "B2,20,26.96,60.531\n"

CASES: dict[str, Case] = {
    "duplicate id": bad_demand_csv(HEADER + OK1 + OK2 + "B1,5,26.97,60.52\n",
                                   "line 4", "'block'", "duplicate id 'B1'"),
    "missing id": bad_demand_csv(HEADER + OK1 + ",5,26.97,60.52\n", "line 3", "'block'",
                                 "missing"),
    "empty layer": bad_demand_csv(HEADER, "empty"),
    "nan coordinate": bad_demand_csv(HEADER + OK1 + "B3,5,26.97,\n", "line 3", "'lat'"),
    "text coordinate": bad_demand_csv(HEADER + "B3,5,abc,60.5\n" + OK1, "line 2", "'lon'"),
    "inf coordinate": bad_demand_csv(HEADER + OK1 + "B3,5,inf,60.5\n", "line 3", "'lon'"),
    "lon out of range": bad_demand_csv(HEADER + OK1 + "B3,5,526.9,60.5\n", "line 3", "'lon'"),
    "inf weight": bad_demand_csv(HEADER + OK1 + "B3,inf,26.97,60.52\n", "line 3", "'pop'"),
    "nan weight": bad_demand_csv(HEADER + OK1 + "B3,,26.97,60.52\n", "line 3", "'pop'"),
    "negative weight": bad_demand_csv(HEADER + OK1 + OK2 + "B3,-4,26.97,60.52\n", "line 4",
                                      "'pop'", "-4"),
    "extra field": bad_demand_csv(HEADER + OK1 + "B3,5,26.97,60.52,9\n", "line 3",
                                  "5 fields"),
    "missing field": bad_demand_csv(HEADER + OK1 + "B3,5,26.97\n", "line 3", "3 fields"),
    "empty file": bad_demand_csv("", "empty"),
    "no coordinates": bad_demand_csv("block,pop,a,b\nB1,1,2,3\n", "coordinate columns"),
    "unknown weight column": bad_demand_csv("block,people,lon,lat\nB1,1,26.9,60.5\n",
                                            "no column 'pop'", "people"),
}


def _binary_file(tmp: Path) -> tuple[list[object], list[str]]:
    _, sites = _good(tmp)
    path = tmp / "blocks.csv"
    path.write_bytes(b"\xff\xfe\x00garbage\n\x81\x00")
    return _flags(path, sites), ["blocks.csv", "cannot read"]


def _negative_cost(tmp: Path) -> tuple[list[object], list[str]]:
    demand, _ = _good(tmp)
    sites = _csv(tmp, "stores.csv", "site,rent,lon,lat\nS1,3,26.95,60.53\nS2,-1,26.96,60.52\n")
    return _flags(demand, sites, "--site-cost", "rent"), ["stores.csv", "line 3", "'rent'"]


def _mixed_geometry(tmp: Path) -> tuple[list[object], list[str]]:
    _, sites = _good(tmp)
    demand, _ = make_points(5, n=4, m=3)
    geoms = list(demand.geometry)
    geoms[2] = geoms[2].buffer(0.001)  # points and polygons may mix, a line may not
    geoms[3] = __import__("shapely").LineString([geoms[0].coords[0], geoms[1].coords[0]])
    path = write_layer(demand.set_geometry(gpd.GeoSeries(geoms, crs=4326)),
                       tmp / "mixed.geojson")
    return _flags(path, sites), ["mixed.geojson", "feature 4", "LineString", "demand layer"]


def _null_geometry(tmp: Path) -> tuple[list[object], list[str]]:
    _, sites = _good(tmp)
    demand, _ = make_points(5, n=4, m=3)
    geoms = list(demand.geometry)
    geoms[1] = None
    path = write_layer(demand.set_geometry(gpd.GeoSeries(geoms, crs=4326)), tmp / "d.gpkg")
    return _flags(path, sites), ["d.gpkg", "feature 2", "geometry"]


def _empty_gpkg(tmp: Path) -> tuple[list[object], list[str]]:
    _, sites = _good(tmp)
    demand, _ = make_points(5, n=4, m=3)
    path = write_layer(demand.iloc[:0], tmp / "none.gpkg")
    return _flags(path, sites), ["none.gpkg", "empty"]


def _od(tmp: Path, body: str, *expect: str) -> tuple[list[object], list[str]]:
    demand = _csv(tmp, "d.csv", HEADER + OK1 + OK2)
    sites = _csv(tmp, "s.csv", "site,lon,lat\nS1,26.95,60.53\nS2,26.96,60.52\n")
    od = _csv(tmp, "od.csv", "site_id,demand_id,cost\n" + body)
    return _flags(demand, sites, "--costs", od), ["od.csv", *expect]


def _od_missing_column(tmp: Path) -> tuple[list[object], list[str]]:
    args, expect = _od(tmp, "S1,B1,5\n", "no column 'minutes'")
    return [*args, "--cost-value", "minutes"], expect


CASES.update({
    "binary file": _binary_file,
    "negative site cost": _negative_cost,
    "line in a point layer": _mixed_geometry,
    "null geometry": _null_geometry,
    "empty gpkg layer": _empty_gpkg,
    "od unknown site": lambda t: _od(t, "S1,B1,5\nS9,B2,3\n", "line 3", "'site_id'", "'S9'"),
    "od unknown demand": lambda t: _od(t, "S1,B7,5\n", "line 2", "'demand_id'", "'B7'"),
    "od duplicate pair": lambda t: _od(t, "S1,B1,5\nS2,B1,3\nS1,B1,4\n", "line 4", "repeats"),
    "od negative cost": lambda t: _od(t, "S1,B1,5\nS2,B1,-3\n", "line 3", "'cost'"),
    "od empty cost": lambda t: _od(t, "S1,B1,\n", "line 2", "'cost'"),
    "od missing column": _od_missing_column,
    "unknown required site": lambda t: (_flags(*_good(t), "--required", "S0,S99"),
                                        ["S99"]),
    "cflp without capacity": lambda t: ([*_flags(*_good(t))[:-4], "--problem", "cflp"],
                                        ["capacit"]),
    "missing demand file": lambda t: (_flags(t / "nope.csv", _good(t)[1]), ["nope.csv"]),
    "network without file": lambda t: ([*_flags(*_good(t)), "--metric", "network"],
                                       ["--network"]),
})


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_one_line_exit_2_no_files(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str],
                                                name: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    args, expect = CASES[name](work)
    out_parent = tmp_path / "results"
    out_parent.mkdir()
    before = sorted(p.name for p in work.iterdir())
    rc, out, err = run_cli(capsys, *args, "--out", out_parent / "run", "--json",
                           out_parent / "r.json")
    assert rc == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("siting: error: ")
    for text in expect:
        assert text in lines[0], lines[0]
    assert "Traceback" not in err
    assert list(out_parent.iterdir()) == []  # no output folder, JSON or temporary file
    assert sorted(p.name for p in work.iterdir()) == before
    assert leftovers(work) == []
