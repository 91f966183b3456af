"""Input sanity before any solve (geo/sanity.py, siting/limits.py; issue #21 items 4 and 5):
coordinates outside their declared CRS and magnitudes solvers cannot use end in one line naming
file, row and column, exit 2, in both `solve` and `validate`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from siting.errors import DataError

from .conftest import make_points, run_cli, write_layer

SCENARIO = """
name = "town"
[demand]
path = "{demand}"
id = "block"
weight = "pop"
[sites]
path = "{sites}"
id = "site"
cost = "rent"
[problem]
kind = "p-median"
p = 2
"""


def _scenario(tmp_path: Path, demand, sites, suffix: str = ".gpkg", **kw) -> Path:
    d = write_layer(demand, tmp_path / f"demand{suffix}", **kw)
    s = write_layer(sites, tmp_path / f"sites{suffix}", **kw)
    path = tmp_path / "run.toml"
    path.write_text(SCENARIO.format(demand=d.name, sites=s.name))
    return path


def _metres_labelled_degrees(gdf):
    """Projected metres (UTM 35N) with the CRS label left at EPSG:4326."""
    return gdf.to_crs("EPSG:32635").set_crs("EPSG:4326", allow_override=True)


@pytest.mark.parametrize("command", ["solve", "validate"])
def test_projected_metres_labelled_4326_name_file_row_column(tmp_path, capsys, command):
    demand, sites = make_points(3)
    scenario = _scenario(tmp_path, _metres_labelled_degrees(demand), sites)
    out = tmp_path / "out"
    args = [command, scenario] + (["--out", out] if command == "solve" else [])
    rc, _, err = run_cli(capsys, *args)
    assert rc == 2, err
    lines = [ln for ln in err.strip().splitlines() if ln.strip()]
    assert "Traceback" not in err and len(lines) == 1, err
    assert "demand.gpkg: feature 1, column 'geometry': longitude" in lines[0]
    assert "out of range for the declared CRS EPSG:4326" in lines[0]
    assert not out.exists()


def test_csv_with_declared_4326_names_the_coordinate_column(tmp_path, capsys):
    demand, sites = make_points(4)
    write_layer(_metres_labelled_degrees(demand), tmp_path / "demand.csv", xy_names=("x", "y"))
    write_layer(sites, tmp_path / "sites.gpkg")
    scenario = tmp_path / "run.toml"
    scenario.write_text(SCENARIO.format(demand="demand.csv", sites="sites.gpkg").replace(
        'weight = "pop"', 'weight = "pop"\ncrs = "EPSG:4326"'))
    rc, _, err = run_cli(capsys, "validate", scenario)
    assert rc == 2, err
    assert "demand.csv: line 2, column 'x': longitude" in err, err


@pytest.mark.parametrize("command", ["solve", "validate"])
@pytest.mark.parametrize("layer,column,value", [("demand", "pop", 1e300), ("sites", "rent", 1e300),
                                                ("demand", "pop", 5e16)])
def test_absurd_magnitude_names_file_row_column(tmp_path, capsys, command, layer, column, value):
    demand, sites = make_points(5)
    gdf = demand if layer == "demand" else sites
    gdf.loc[2, column] = value
    scenario = _scenario(tmp_path, demand, sites)
    rc, _, err = run_cli(capsys, command, scenario)
    assert rc == 2, err
    assert "Traceback" not in err and "HiGHS" not in err, err
    assert f"{layer}.gpkg: feature 3, column '{column}':" in err
    assert "too large" in err


def test_python_instance_names_field_and_index():
    from siting.instance import Instance

    cost = np.ones((3, 2))
    with pytest.raises(DataError, match=r"weight value #2: 1e\+300 is too large"):
        Instance(cost=cost, weight=[1.0, 1e300, 1.0], demand_ids=np.arange(3),
                 site_ids=np.arange(2))
    with pytest.raises(DataError, match=r"fixed_cost value #1"):
        Instance(cost=cost, weight=np.ones(3), demand_ids=np.arange(3), site_ids=np.arange(2),
                 fixed_cost=[1e20, 1.0])
    big = cost.copy()
    big[1, 0] = 1e17
    with pytest.raises(DataError, match="travel cost from demand 1 to site 0"):
        Instance(cost=big, weight=np.ones(3), demand_ids=np.arange(3), site_ids=np.arange(2))
    with pytest.raises(DataError, match="weight value #3 .* times its travel cost"):
        Instance(cost=cost * 1e10, weight=[1.0, 1.0, 1e10], demand_ids=np.arange(3),
                 site_ids=np.arange(2))


def test_orlib_pmed_edge_cost_names_the_line(tmp_path):
    from siting.readers.orlib import read_pmed

    path = tmp_path / "tiny.txt"
    path.write_text("3 3 1\n1 2 5\n2 3 1e300\n1 3 4\n")
    with pytest.raises(DataError, match=r"tiny.txt: line 3: edge cost 1e\+300 is too large"):
        read_pmed(path)


def test_orlib_cap_names_the_line(tmp_path):
    from siting.readers.orlib import read_cap

    path = tmp_path / "cap.txt"
    path.write_text("2 2\n10 5\n10 1e300\n3\n1 2\n4\n3 1e300\n")
    with pytest.raises(DataError, match=r"cap.txt: line 3: fixed cost 1e\+300 is too large"):
        read_cap(path)
    path.write_text("2 2\n10 5\n10 6\n3\n1 2\n4\n3 1e300\n")
    with pytest.raises(DataError, match=r"cap.txt: line 7: customer 2 allocation cost to "
                                        r"warehouse 2 1e\+300 is too large"):
        read_cap(path)


def test_scenario_with_utf8_bom_is_read(tmp_path, capsys):
    demand, sites = make_points(6)
    scenario = _scenario(tmp_path, demand, sites)
    scenario.write_bytes(b"\xef\xbb\xbf" + scenario.read_bytes())
    rc, out, err = run_cli(capsys, "validate", scenario)
    assert rc == 0, err
    assert "Invalid statement" not in err


def test_csv_without_crs_warns_once_in_our_words(tmp_path):
    import subprocess
    import sys

    from siting.scale.generate import generate_city, write_city

    demand, sites = write_city(generate_city(60, 8, seed=2), tmp_path)
    proc = subprocess.run([sys.executable, "-W", "default", "-m", "siting", "solve", "--demand",
                           str(demand), "--sites", str(sites), "--problem", "p-median", "--p",
                           "2", "--weight", "population", "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    assert "'crs' was not provided" not in proc.stderr
    assert proc.stderr.count("declare no CRS") == 1, proc.stderr
