"""readers/tsplib.py: every EDGE_WEIGHT_TYPE and explicit layout on tiny hand-made files, with
distances recomputed here from the TSPLIB 95 definitions one pair at a time; malformed files."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import siting
from siting.errors import DataError
from siting.problems import PMedian
from siting.readers import load_instance, sniff_format
from siting.readers.tsplib import read_tsplib
from siting.testing import brute_force

PTS2 = [(0.0, 0.0), (3.0, 4.0), (1.0, 1.0), (2.5, 0.0), (7.3, -2.2)]
PTS3 = [(0.0, 0.0, 0.0), (1.0, 2.0, 2.0), (4.0, 4.0, 7.0), (0.5, 0.25, 0.0)]
# GEO coordinates are DDD.MM (degrees.minutes): lat, lon
GEO = [(38.24, 20.42), (39.57, 26.15), (40.56, 25.32), (-33.55, 18.25), (0.0, 0.0), (0.0, 1.0)]


def write(tmp: Path, wtype: str, pts, name: str = "t") -> Path:
    body = "\n".join(f"{k + 1} " + " ".join(repr(c) for c in p) for k, p in enumerate(pts))
    path = tmp / f"{name}.tsp"
    path.write_text(f"NAME : {name}\nCOMMENT : hand-made\nTYPE : TSP\nDIMENSION : {len(pts)}\n"
                    f"EDGE_WEIGHT_TYPE : {wtype}\nNODE_COORD_SECTION\n{body}\nEOF\n")
    return path


def nint(x: float) -> int:
    return int(x + 0.5)


def ref(wtype: str, a, b, rounding: str) -> float:
    """One pair's distance, written out from the TSPLIB 95 text (scalar math)."""
    if wtype in ("EUC_2D", "EUC_3D"):
        r = math.sqrt(sum((u - v) ** 2 for u, v in zip(a, b)))
    elif wtype == "MAN_2D":
        r = sum(abs(u - v) for u, v in zip(a, b))
    elif wtype == "MAX_2D":
        r = max(abs(u - v) for u, v in zip(a, b))
    elif wtype == "CEIL_2D":
        r = math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2)
        return r if rounding == "none" else math.ceil(r)
    elif wtype == "ATT":
        r = math.sqrt(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) / 10.0)
        if rounding == "none":
            return r
        t = nint(r)
        return t + 1 if t < r else t
    elif wtype == "GEO":
        def rad(x: float) -> float:
            deg = int(x)
            return 3.141592 * (deg + 5.0 * (x - deg) / 3.0) / 180.0
        q1 = math.cos(rad(a[1]) - rad(b[1]))
        q2 = math.cos(rad(a[0]) - rad(b[0]))
        q3 = math.cos(rad(a[0]) + rad(b[0]))
        r = 6378.388 * math.acos(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3))
        return r if rounding == "none" else int(r + 1.0)
    else:
        raise AssertionError(wtype)
    return {"floor": math.floor(r), "nint": nint(r), "none": r}[rounding]


CASES = [("EUC_2D", PTS2), ("CEIL_2D", PTS2), ("ATT", PTS2), ("MAN_2D", PTS2), ("MAX_2D", PTS2),
         ("EUC_3D", PTS3), ("GEO", GEO)]


@pytest.mark.parametrize("rounding", ["floor", "nint", "none"])
@pytest.mark.parametrize("wtype,pts", CASES, ids=[c[0] for c in CASES])
def test_coordinate_types_match_the_definitions(tmp_path, wtype, pts, rounding):
    inst = read_tsplib(write(tmp_path, wtype, pts), rounding)
    n = len(pts)
    assert inst.n_demand == inst.n_sites == n
    np.testing.assert_array_equal(inst.weight, np.ones(n))
    np.testing.assert_array_equal(inst.site_ids, np.arange(1, n + 1))
    for i, j in itertools.product(range(n), range(n)):
        want = 0.0 if i == j else ref(wtype, pts[i], pts[j], rounding)
        assert inst.cost[i, j] == pytest.approx(want, abs=1e-9), (wtype, rounding, i, j)


def test_known_values(tmp_path):
    """Literal figures: floor vs nint on EUC_2D, ATT's round-up, one degree on GEO's sphere."""
    euc = read_tsplib(write(tmp_path, "EUC_2D", [(0, 0), (1, 1), (3, 4)]), "floor").cost
    assert euc[0, 1] == 1 and euc[0, 2] == 5 and euc[1, 2] == 3  # sqrt(2), 5, sqrt(13)=3.61
    euc_n = read_tsplib(write(tmp_path, "EUC_2D", [(0, 0), (1, 1), (3, 4)]), "nint").cost
    assert euc_n[0, 1] == 1 and euc_n[1, 2] == 4
    att = read_tsplib(write(tmp_path, "ATT", [(0, 0), (10, 0)]), "nint").cost
    assert att[0, 1] == 4  # r = sqrt(10) = 3.16: nint 3 < r, so 4
    geo = read_tsplib(write(tmp_path, "GEO", [(0.0, 0.0), (0.0, 1.0)]), "nint").cost
    assert geo[0, 1] == 112  # 6378.388 * 3.141592 / 180 = 111.32 km, +1 truncated


FULL = np.array([[0, 3, 5, 9], [3, 0, 4, 7], [5, 4, 0, 2], [9, 7, 2, 0]], dtype=float)


def _layout(fmt: str, D: np.ndarray) -> list[float]:
    n = D.shape[0]
    if fmt == "FULL_MATRIX":
        return D.ravel().tolist()
    rows = {"UPPER_ROW": [(i, j) for i in range(n) for j in range(i + 1, n)],
            "LOWER_ROW": [(i, j) for i in range(n) for j in range(i)],
            "UPPER_DIAG_ROW": [(i, j) for i in range(n) for j in range(i, n)],
            "LOWER_DIAG_ROW": [(i, j) for i in range(n) for j in range(i + 1)],
            "UPPER_COL": [(i, j) for j in range(n) for i in range(j)],
            "LOWER_COL": [(i, j) for j in range(n) for i in range(j + 1, n)],
            "UPPER_DIAG_COL": [(i, j) for j in range(n) for i in range(j + 1)],
            "LOWER_DIAG_COL": [(i, j) for j in range(n) for i in range(j, n)]}[fmt]
    return [D[i, j] for i, j in rows]


FORMATS = ["FULL_MATRIX", "UPPER_ROW", "LOWER_ROW", "UPPER_DIAG_ROW", "LOWER_DIAG_ROW",
           "UPPER_COL", "LOWER_COL", "UPPER_DIAG_COL", "LOWER_DIAG_COL"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_explicit_layouts(tmp_path, fmt):
    vals = [str(int(v)) for v in _layout(fmt, FULL)]
    # numbers wrap at an arbitrary width, as in real TSPLIB files
    body = "\n".join(" ".join(vals[k:k + 3]) for k in range(0, len(vals), 3))
    path = tmp_path / "e.tsp"
    path.write_text(f"NAME: e\nTYPE: TSP\nDIMENSION: 4\nEDGE_WEIGHT_TYPE: EXPLICIT\n"
                    f"EDGE_WEIGHT_FORMAT: {fmt}\nEDGE_WEIGHT_SECTION\n{body}\nEOF\n")
    np.testing.assert_array_equal(read_tsplib(path).cost, FULL)


def test_full_matrix_keeps_asymmetry(tmp_path):
    path = tmp_path / "a.atsp"
    path.write_text("NAME : a\nTYPE : ATSP\nDIMENSION : 2\nEDGE_WEIGHT_TYPE : EXPLICIT\n"
                    "EDGE_WEIGHT_FORMAT : FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 5\n7 0\nEOF\n")
    D = read_tsplib(path).cost
    assert D[0, 1] == 5 and D[1, 0] == 7  # cost of serving demand 1 from site 2 is row 1


def test_sniffed_and_solved_through_the_cli(tmp_path):
    """A TSPLIB file runs end to end; the CLI optimum equals brute force on the floor costs."""
    rng = np.random.default_rng(7)
    pts = [tuple(map(float, p)) for p in np.round(rng.random((12, 2)) * 1000, 1)]
    path = write(tmp_path, "EUC_2D", pts, "r12")
    assert sniff_format(path) == "tsplib"
    inst = load_instance(path)  # floor by default
    best, _ = brute_force(inst, PMedian(p=3))
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "siting", "solve", str(path), "--problem",
                           "p-median", "--p", "3", "--json", str(out)], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    import json

    data = json.loads(out.read_text())
    assert data["status"] == "optimal" and data["objective"] == pytest.approx(best)
    nint_obj = siting.solve(load_instance(path, rounding="nint"), PMedian(p=3)).objective
    assert nint_obj >= best  # nint never rounds below floor


def test_shared_rl1304_reads_with_floor_distances(shared_instances):
    path = shared_instances / "tsplib-pmed" / "rl1304.tsp"
    inst = load_instance(path)
    xy = inst.metadata["xy"]
    assert inst.n_demand == inst.n_sites == 1304
    i, j = 0, 1000
    assert inst.cost[i, j] == math.floor(math.dist(xy[i], xy[j]))


BAD = {
    "non-numeric coordinate": ("EUC_2D", "DIMENSION : 2\n", "NODE_COORD_SECTION\n1 0 0\n2 3 x\n",
                               "line 6"),
    "too many nodes": ("EUC_2D", "DIMENSION : 1\n", "NODE_COORD_SECTION\n1 0 0\n2 3 4\n",
                       "line 6"),
    "node out of range": ("EUC_2D", "DIMENSION : 2\n", "NODE_COORD_SECTION\n1 0 0\n5 3 4\n",
                          "line 6"),
    "unknown keyword": ("EUC_2D", "DIMENSION : 2\nCOLOUR : red\n",
                        "NODE_COORD_SECTION\n1 0 0\n2 1 1\n", "line 4"),
    "unsupported type": ("XRAY1", "DIMENSION : 2\n", "NODE_COORD_SECTION\n1 0 0\n2 1 1\n",
                         "line 2"),
    "bad dimension": ("EUC_2D", "DIMENSION : two\n", "NODE_COORD_SECTION\n1 0 0\n2 1 1\n",
                      "line 3"),
    "short explicit": ("EXPLICIT", "DIMENSION : 3\nEDGE_WEIGHT_FORMAT : UPPER_ROW\n",
                       "EDGE_WEIGHT_SECTION\n1 2\n", "needs 3"),
    "negative weight": ("EXPLICIT", "DIMENSION : 2\nEDGE_WEIGHT_FORMAT : UPPER_ROW\n",
                        "EDGE_WEIGHT_SECTION\n-1\n", "line 6"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_malformed_file_is_one_line_exit_2(tmp_path, case):
    wtype, spec, data, where = BAD[case]
    path = tmp_path / "bad.tsp"
    path.write_text(f"NAME : bad\nEDGE_WEIGHT_TYPE : {wtype}\n{spec}{data}EOF\n")
    with pytest.raises(DataError, match=where):
        read_tsplib(path)
    proc = subprocess.run([sys.executable, "-m", "siting", "solve", str(path), "--p", "1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, (case, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and where in lines[0], (case, lines)
    assert proc.stdout == ""


def test_rounding_flag_rejected_for_other_formats(shared_instances):
    proc = subprocess.run([sys.executable, "-m", "siting", "solve",
                           str(shared_instances / "orlib-pmed" / "pmed1.txt"), "--rounding",
                           "nint"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "TSPLIB" in proc.stderr
