"""TSPLIB 95 files (``.tsp``, ``.atsp``, ``.vrp``) as location instances.

Convention (the p-median literature's, e.g. Duran-Mateluna, Alès & Elloumi 2023): every node is a
demand point and a candidate site (N = M = all nodes), unit weights, ids = the node numbers.
Distances follow TSPLIB 95 (Reinelt 1995, "TSPLIB 95", section 2) with a ``rounding`` choice for
the Euclidean-type metrics; the table is in models/p-median.md#tsplib-files. Only one n x n
float64 array is built (row blocks), so n = 6,000 costs 288 MB, not several copies of it.
Errors name the file and the line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np

from ..errors import DataError
from ..instance import Instance
from . import Reader, register
from .tokens import parse_number

Rounding = Literal["floor", "nint", "none"]
ROUNDINGS: tuple[str, ...] = ("floor", "nint", "none")

#: specification keywords (``KEY : VALUE``) and data sections of TSPLIB 95
_SPEC = {"NAME", "TYPE", "COMMENT", "DIMENSION", "CAPACITY", "EDGE_WEIGHT_TYPE",
         "EDGE_WEIGHT_FORMAT", "EDGE_DATA_FORMAT", "NODE_COORD_TYPE", "DISPLAY_DATA_TYPE"}
_SECTIONS = {"NODE_COORD_SECTION", "EDGE_WEIGHT_SECTION", "DEPOT_SECTION", "DEMAND_SECTION",
             "DISPLAY_DATA_SECTION", "FIXED_EDGES_SECTION", "EDGE_DATA_SECTION", "TOUR_SECTION"}
_COORD_DIM = {"EUC_2D": 2, "CEIL_2D": 2, "ATT": 2, "GEO": 2, "MAN_2D": 2, "MAX_2D": 2,
              "EUC_3D": 3, "MAN_3D": 3, "MAX_3D": 3}
#: explicit formats; a *_COL layout of a symmetric matrix lists the same entries as the
#: opposite *_ROW layout (column j of the upper triangle = row j of the lower one)
_FORMATS = {"FULL_MATRIX": "full", "UPPER_ROW": "upper", "LOWER_ROW": "lower",
            "UPPER_DIAG_ROW": "upper_diag", "LOWER_DIAG_ROW": "lower_diag",
            "UPPER_COL": "lower", "LOWER_COL": "upper", "UPPER_DIAG_COL": "lower_diag",
            "LOWER_DIAG_COL": "upper_diag"}
_HEAD = re.compile(r"^\s*([A-Za-z_]+)\s*(?::\s*(.*?))?\s*$")
_BLOCK = 256  # rows per distance block: temporaries stay at a few MB for n = 6,000


def is_tsplib(path: str | Path) -> bool:
    """True when the file's first non-empty line is a TSPLIB ``KEY : VALUE`` specification."""
    try:
        with open(path, "rb") as fh:
            for raw in fh:
                line = raw.decode("utf-8", errors="replace").strip()
                if line:
                    m = _HEAD.match(line)
                    return bool(m and m.group(1).upper() in _SPEC and m.group(2) is not None)
    except OSError:
        return False  # the format reader reports the file error
    return False


def read_tsplib(path: str | Path, rounding: Rounding = "floor") -> Instance:
    """A TSPLIB file as an instance with N = M = all nodes and unit weights."""
    path = Path(path)
    if rounding not in ROUNDINGS:
        raise DataError(f"{path}: rounding {rounding!r} is not one of {', '.join(ROUNDINGS)}")
    lines = _read_lines(path)
    spec, sections = _parse(path, lines)
    n = _dimension(path, spec)
    wtype = spec.get("EDGE_WEIGHT_TYPE", (0, ""))[1].upper()
    if not wtype:
        raise DataError(f"{path}: no EDGE_WEIGHT_TYPE specification")
    if wtype == "EXPLICIT":
        if "EDGE_WEIGHT_SECTION" not in sections:
            raise DataError(f"{path}: EDGE_WEIGHT_TYPE is EXPLICIT but there is no "
                            "EDGE_WEIGHT_SECTION")
        fmt_line, fmt = spec.get("EDGE_WEIGHT_FORMAT", (0, ""))
        if fmt.upper() not in _FORMATS:
            where = f"line {fmt_line}: " if fmt_line else ""
            raise DataError(f"{path}: {where}EDGE_WEIGHT_FORMAT {fmt or '(missing)'!r} is not "
                            f"supported (use one of {', '.join(_FORMATS)})")
        D = _explicit(path, lines, sections["EDGE_WEIGHT_SECTION"], n, _FORMATS[fmt.upper()])
        xy = None
    elif wtype in _COORD_DIM:
        if "NODE_COORD_SECTION" not in sections:
            raise DataError(f"{path}: EDGE_WEIGHT_TYPE {wtype} needs a NODE_COORD_SECTION")
        xy = _coords(path, lines, sections["NODE_COORD_SECTION"], n, _COORD_DIM[wtype])
        D = distance_matrix(xy, wtype, rounding)
    else:
        line = spec["EDGE_WEIGHT_TYPE"][0]
        raise DataError(f"{path}: line {line}: EDGE_WEIGHT_TYPE {wtype} is not supported (use "
                        f"EXPLICIT or one of {', '.join(_COORD_DIM)})")
    ids = np.arange(1, n + 1)
    name = spec.get("NAME", (0, ""))[1] or path.stem
    meta: dict[str, object] = {"format": "tsplib", "edge_weight_type": wtype,
                               "rounding": rounding if wtype != "EXPLICIT" else "given"}
    if xy is not None and xy.shape[1] == 2:
        meta["xy"] = xy
    return Instance(cost=D, weight=np.ones(n), demand_ids=ids, site_ids=ids.copy(),
                    name=name, source=str(path), metadata=meta)


def distance_matrix(xy: np.ndarray, wtype: str, rounding: Rounding = "nint") -> np.ndarray:
    """The n x n TSPLIB distances of ``xy`` under ``wtype``, built in row blocks (one array).

    ``rounding`` applies to EUC/MAN/MAX types (TSPLIB itself uses nint). CEIL_2D, ATT and GEO
    define their own integer rule, which both ``floor`` and ``nint`` keep; ``none`` gives the
    real distance they round.
    """
    n = xy.shape[0]
    out = np.empty((n, n))
    dist = _METRICS[wtype]
    final: Callable[..., np.ndarray] | None
    if wtype in ("CEIL_2D", "ATT", "GEO"):
        final = _own_rule(wtype) if rounding != "none" else None
    else:
        rules: dict[Rounding, Callable[..., np.ndarray] | None] = {
            "floor": np.floor, "nint": _nint, "none": None}
        final = rules[rounding]
    pre = _geo_radians(xy) if wtype == "GEO" else xy
    for lo in range(0, n, _BLOCK):
        block = out[lo:lo + _BLOCK]
        dist(pre[lo:lo + _BLOCK], pre, block)
        if final is not None:
            final(block, out=block)
    np.fill_diagonal(out, 0.0)  # GEO's "+1.0" would price a node's distance to itself at 1
    return out


# --- metrics: write the real-valued distance of rows ``a`` to all ``b`` into ``out`` -----------

def _euclid(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    out[:] = 0.0
    for k in range(a.shape[1]):
        diff = a[:, k, None] - b[None, :, k]
        out += diff * diff
    np.sqrt(out, out=out)


def _att(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """r = sqrt((dx^2 + dy^2) / 10), the quotient taken before the root as TSPLIB does."""
    out[:] = 0.0
    for k in range(2):
        diff = a[:, k, None] - b[None, :, k]
        out += diff * diff
    out /= 10.0
    np.sqrt(out, out=out)


def _manhattan(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    out[:] = 0.0
    for k in range(a.shape[1]):
        out += np.abs(a[:, k, None] - b[None, :, k])


def _maximum(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    out[:] = 0.0
    for k in range(a.shape[1]):
        np.maximum(out, np.abs(a[:, k, None] - b[None, :, k]), out=out)


def _geo(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """TSPLIB's idealized sphere (RRR = 6378.388 km); ``a``/``b`` hold (lat, lon) radians."""
    q1 = np.cos(a[:, 1, None] - b[None, :, 1])
    q2 = np.cos(a[:, 0, None] - b[None, :, 0])
    q3 = np.cos(a[:, 0, None] + b[None, :, 0])
    arg = np.clip(0.5 * ((1.0 + q1) * q2 - (1.0 - q1) * q3), -1.0, 1.0)
    np.multiply(6378.388, np.arccos(arg), out=out)


_METRICS: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], None]] = {
    "EUC_2D": _euclid, "EUC_3D": _euclid, "CEIL_2D": _euclid, "ATT": _att, "GEO": _geo,
    "MAN_2D": _manhattan, "MAN_3D": _manhattan, "MAX_2D": _maximum, "MAX_3D": _maximum}


def _geo_radians(xy: np.ndarray) -> np.ndarray:
    """DDD.MM (degrees, minutes) to radians as TSPLIB does it: truncate, PI = 3.141592."""
    deg = np.trunc(xy)
    return 3.141592 * (deg + 5.0 * (xy - deg) / 3.0) / 180.0


def _nint(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """TSPLIB's nint: (int)(x + 0.5) for the non-negative distances."""
    np.add(x, 0.5, out=out)
    return np.floor(out, out=out)


def _own_rule(wtype: str) -> Callable[..., np.ndarray]:
    def ceil(x: np.ndarray, out: np.ndarray) -> np.ndarray:
        return np.ceil(x, out=out)

    def att(x: np.ndarray, out: np.ndarray) -> np.ndarray:
        t = np.floor(x + 0.5)  # nint(r); one more unit when it rounded down
        t[t < x] += 1.0
        out[:] = t
        return out

    def geo(x: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.add(x, 1.0, out=out)  # (int)(RRR * acos(...) + 1.0)
        return np.floor(out, out=out)

    return {"CEIL_2D": ceil, "ATT": att, "GEO": geo}[wtype]


# --- parsing ------------------------------------------------------------------------------------

def _read_lines(path: Path) -> list[str]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, expected a TSPLIB file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text file") from None


def _parse(path: Path, lines: list[str]) -> tuple[dict[str, tuple[int, str]], dict[str, int]]:
    """Specification entries (keyword -> (line, value)) and data sections (name -> first
    data line index, 0-based). Section bodies are skipped here and parsed on demand."""
    spec: dict[str, tuple[int, str]] = {}
    sections: dict[str, int] = {}
    k = 0
    while k < len(lines):
        text = lines[k].strip()
        k += 1
        if not text:
            continue
        m = _HEAD.match(text)
        key = m.group(1).upper() if m else ""
        if key == "EOF":
            break
        if key in _SECTIONS:
            sections[key] = k
            while k < len(lines) and not _is_keyword(lines[k]):
                k += 1
            continue
        if key in _SPEC and m is not None:
            if key in spec:
                raise DataError(f"{path}: line {k}: {key} given twice (first on line "
                                f"{spec[key][0]})")
            spec[key] = (k, (m.group(2) or "").strip())
            continue
        raise DataError(f"{path}: line {k}: unknown TSPLIB keyword or stray data "
                        f"{text[:40]!r}")
    return spec, sections


def _is_keyword(line: str) -> bool:
    head = line.strip().split(":", 1)[0].strip().split()
    return bool(head) and head[0].upper() in (_SECTIONS | _SPEC | {"EOF"})


def _dimension(path: Path, spec: dict[str, tuple[int, str]]) -> int:
    if "DIMENSION" not in spec:
        raise DataError(f"{path}: no DIMENSION specification")
    line, value = spec["DIMENSION"]
    try:
        n = int(value)
    except ValueError:
        raise DataError(f"{path}: line {line}: DIMENSION {value!r} is not an integer") from None
    if n <= 0:
        raise DataError(f"{path}: line {line}: DIMENSION must be positive (got {n})")
    return n


def _section_lines(lines: list[str], start: int) -> list[tuple[int, list[str]]]:
    """(1-based line number, tokens) of a section's data lines."""
    out = []
    k = start
    while k < len(lines) and not _is_keyword(lines[k]):
        toks = lines[k].split()
        if toks:
            out.append((k + 1, toks))
        k += 1
    return out


def _coords(path: Path, lines: list[str], start: int, n: int, dim: int) -> np.ndarray:
    rows = _section_lines(lines, start)
    if len(rows) != n:
        where = f"line {rows[-1][0]}: " if len(rows) > n else ""
        raise DataError(f"{path}: {where}DIMENSION is {n} but NODE_COORD_SECTION has "
                        f"{len(rows)} nodes")
    xy = np.empty((n, dim))
    seen = np.zeros(n, dtype=bool)
    for line, toks in rows:
        if len(toks) != dim + 1:
            raise DataError(f"{path}: line {line}: expected 'node {' '.join('xyz'[:dim])}', "
                            f"got {' '.join(toks)!r}")
        try:
            node = int(toks[0])
        except ValueError:
            raise DataError(f"{path}: line {line}: node number {toks[0]!r} is not an "
                            "integer") from None
        if not 1 <= node <= n:
            raise DataError(f"{path}: line {line}: node {node} outside 1..{n}")
        if seen[node - 1]:
            raise DataError(f"{path}: line {line}: node {node} listed twice")
        seen[node - 1] = True
        for c, tok in enumerate(toks[1:]):
            xy[node - 1, c] = parse_number(tok, path, line, "coordinate")
    return xy


def _explicit(path: Path, lines: list[str], start: int, n: int, layout: str) -> np.ndarray:
    rows = _section_lines(lines, start)
    need = {"full": n * n, "upper": n * (n - 1) // 2, "lower": n * (n - 1) // 2,
            "upper_diag": n * (n + 1) // 2, "lower_diag": n * (n + 1) // 2}[layout]
    counts = np.fromiter((len(t) for _, t in rows), dtype=np.int64, count=len(rows))
    total = int(counts.sum())
    if total != need:
        where = ""
        if total > need:
            k = int(np.searchsorted(np.cumsum(counts), need, side="right"))
            where = f"line {rows[k][0]}: "
        raise DataError(f"{path}: {where}EDGE_WEIGHT_SECTION has {total} numbers, "
                        f"DIMENSION {n} in this format needs {need}")
    try:
        vals = np.array([tok for _, t in rows for tok in t], dtype=float)
    except ValueError:
        for line, toks in rows:
            for tok in toks:
                parse_number(tok, path, line, "edge weight")
        raise
    bad = np.flatnonzero(~np.isfinite(vals) | (vals < 0))
    if bad.size:
        k = int(np.searchsorted(np.cumsum(counts), bad[0], side="right"))
        raise DataError(f"{path}: line {rows[k][0]}: edge weight {vals[bad[0]]:g} must be a "
                        "non-negative number")
    if layout == "full":
        return vals.reshape(n, n)
    D = np.zeros((n, n))
    if layout == "upper":
        i, j = np.triu_indices(n, 1)
    elif layout == "upper_diag":
        i, j = np.triu_indices(n, 0)
    elif layout == "lower":
        i, j = np.tril_indices(n, -1)
    else:
        i, j = np.tril_indices(n, 0)
    D[i, j] = vals
    D[j, i] = vals
    return D


register(Reader("tsplib", is_tsplib, read_tsplib, options=("rounding",),
                expects="a TSPLIB .tsp file (NAME/TYPE/DIMENSION/EDGE_WEIGHT_TYPE header)"))
