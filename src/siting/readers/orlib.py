"""OR-Library p-median and capacitated warehouse files, Lorena's SJC and Swain's 55 nodes.

Formats are in ``../shared/instances/*/MANIFEST.md``. Errors name the file and the line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from ..errors import DataError, SpecError
from ..instance import Instance
from ..limits import first_too_large, too_large
from .tokens import parse_number


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory, expected an instance file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a text file") from None


def _lines(text: str) -> list[list[str]]:
    return [ln.split() for ln in text.splitlines() if ln.strip()]


def detect(path: str | Path) -> str | None:
    """'pmed', 'cap', 'sjc' or 'swain' from the file's content, None for none of them."""
    path = Path(path)
    lines = _lines(_read_text(path))
    if not lines:
        raise DataError(f"{path}: file is empty")
    head = lines[0]
    if [t.lower() for t in head[:4]] == ["id", "x", "y", "a"]:
        return "swain"
    if len(head) == 3 and all(_is_int(t) for t in head):
        return "pmed"
    if len(head) == 2 and all(_is_int(t) for t in head) and len(lines) > 1:
        if len(lines[1]) == 4:
            return "sjc"
        if len(lines[1]) == 2:
            return "cap"
    return None


_EXPECTS = ("an OR-Library p-median 'n edges p' header, a capacitated warehouse 'm n' header, "
            "an SJC 'n p' header or Swain's 'id x y a'")


def sniff_format(path: str | Path) -> str:
    """'pmed', 'cap', 'sjc' or 'swain' from the file's content."""
    fmt = detect(path)
    if fmt is None:
        raise DataError(f"{path}: line 1: unrecognised format (expected {_EXPECTS})")
    return fmt


def _is_int(tok: str) -> bool:
    try:
        int(tok)
        return True
    except ValueError:
        return False


def read_pmed(path: str | Path) -> Instance:
    """OR-Library p-median: ``n edges p`` then edges; APSP distances, last repeated edge wins."""
    path = Path(path)
    lines = _lines(_read_text(path))
    if not lines or len(lines[0]) != 3:
        raise DataError(f"{path}: line 1: expected 'n edges p'")
    try:
        n, e, p = (int(t) for t in lines[0])
    except ValueError:
        raise DataError(f"{path}: line 1: 'n edges p' must be integers") from None
    if n <= 0 or e < 0 or p <= 0:
        raise DataError(f"{path}: line 1: n, edges and p must be positive (got {n} {e} {p})")
    body = lines[1:]
    if len(body) != e:
        raise DataError(f"{path}: header says {e} edges but the file has {len(body)} edge lines")
    bad = next((k for k, ln in enumerate(body) if len(ln) != 3), None)
    if bad is not None:
        raise DataError(f"{path}: line {bad + 2}: expected 'i j cost', got {' '.join(body[bad])!r}")
    try:
        arr = np.array(body, dtype=float)
    except ValueError:
        k = next(k for k, ln in enumerate(body) if not all(_is_float(t) for t in ln))
        raise DataError(f"{path}: line {k + 2}: non-numeric value in {' '.join(body[k])!r}") from None
    u = arr[:, 0].astype(np.int64) - 1
    v = arr[:, 1].astype(np.int64) - 1
    c = arr[:, 2]
    for name, idx in (("i", u), ("j", v)):
        out = np.flatnonzero((idx < 0) | (idx >= n))
        if out.size:
            raise DataError(f"{path}: line {out[0] + 2}: vertex {name}={idx[out[0]] + 1} "
                            f"outside 1..{n}")
    if (c < 0).any() or not np.isfinite(c).all():
        k = int(np.flatnonzero((c < 0) | ~np.isfinite(c))[0])
        raise DataError(f"{path}: line {k + 2}: edge cost {c[k]:g} must be a non-negative number")
    big = first_too_large(c)
    if big is not None:
        raise DataError(f"{path}: line {big + 2}: edge cost {too_large(c[big])}")
    # last occurrence of an undirected edge wins (Beasley's note): keep the last per pair
    a, b = np.minimum(u, v), np.maximum(u, v)
    key = a * n + b
    _, last_rev = np.unique(key[::-1], return_index=True)
    last = key.size - 1 - last_rev
    a, b, c = a[last], b[last], c[last]
    G = sp.csr_array((np.r_[c, c], (np.r_[a, b], np.r_[b, a])), shape=(n, n))
    D = shortest_path(G, method="D", directed=False)
    if not np.isfinite(D).all():
        raise DataError(f"{path}: the graph is not connected")
    ids = np.arange(1, n + 1)
    return Instance(cost=D, weight=np.ones(n), demand_ids=ids, site_ids=ids.copy(),
                    name=path.stem, default_p=p, source=str(path))


def _is_float(tok: str) -> bool:
    try:
        float(tok)
        return True
    except ValueError:
        return False


def read_cap(path: str | Path, capacity: float | None = None) -> Instance:
    """OR-Library capacitated warehouse file (cap41..cap134, capa/b/c with --capacity)."""
    path = Path(path)
    text = _read_text(path)
    tokens = text.split()
    lines = _lines(text)
    if len(tokens) < 2:
        raise DataError(f"{path}: line 1: expected 'm n'")
    try:
        m, n = int(tokens[0]), int(tokens[1])
    except ValueError:
        raise DataError(f"{path}: line 1: 'm n' must be integers") from None
    if m <= 0 or n <= 0:
        raise DataError(f"{path}: line 1: m and n must be positive")
    if len(lines) < 1 + m:
        raise DataError(f"{path}: expected {m} warehouse lines after the header")
    caps = np.empty(m)
    fixed = np.empty(m)
    symbolic = False
    for k in range(m):
        ln = lines[1 + k]
        if len(ln) != 2:
            raise DataError(f"{path}: line {k + 2}: expected 'capacity fixed_cost'")
        if ln[0].lower() == "capacity":
            symbolic = True
            caps[k] = np.nan
        else:
            caps[k] = parse_number(ln[0], path, k + 2, "capacity")
        fixed[k] = parse_number(ln[1], path, k + 2, "fixed cost")
    if symbolic:
        if capacity is None:
            raise SpecError(f"{path}: capacities are the word 'capacity'; give a value with "
                            "--capacity (Beasley 1988: capa 8000-14000, capb 5000-8000, "
                            "capc 5000-7250)")
        caps[np.isnan(caps)] = capacity
    elif capacity is not None:
        caps[:] = capacity
    rest = " ".join(" ".join(ln) for ln in lines[1 + m:]).split()
    expected = n * (m + 1)
    if len(rest) != expected:
        raise DataError(f"{path}: expected {n} customers x ({m} costs + demand) = {expected} "
                        f"numbers after the warehouses, found {len(rest)}")
    try:
        vals = np.array(rest, dtype=float).reshape(n, m + 1)
    except ValueError:
        bad = next(t for t in rest if not _is_float(t))
        raise DataError(f"{path}: customer section has a non-numeric value {bad!r}") from None
    big = first_too_large(vals.ravel())
    if big is not None:
        after = lines[1 + m:]
        line = np.repeat(np.arange(len(after)) + m + 2, [len(ln) for ln in after])[big]
        what = ("demand" if big % (m + 1) == 0
                else f"allocation cost to warehouse {big % (m + 1)}")
        raise DataError(f"{path}: line {line}: customer {big // (m + 1) + 1} {what} "
                        f"{too_large(float(vals.ravel()[big]))}")
    demand = vals[:, 0]
    cost = vals[:, 1:]
    for name, arr in (("capacity", caps), ("fixed cost", fixed), ("demand", demand),
                      ("allocation cost", cost.ravel())):
        if (arr < 0).any() or not np.isfinite(arr).all():
            raise DataError(f"{path}: negative or non-finite {name}")
    ids_s = np.arange(1, m + 1)
    ids_d = np.arange(1, n + 1)
    # c_ij is the cost of serving ALL of j's demand from i: weight 1, demand for capacity
    return Instance(cost=cost, weight=np.ones(n), demand=demand, demand_ids=ids_d,
                    site_ids=ids_s, fixed_cost=fixed, capacity=caps, name=path.stem,
                    source=str(path))


def read_sjc(path: str | Path) -> Instance:
    """Lorena & Senne SJC capacitated p-median: ``n p`` then ``x y capacity demand``."""
    path = Path(path)
    lines = _lines(_read_text(path))
    n, p = int(lines[0][0]), int(lines[0][1])
    if len(lines) - 1 != n:
        raise DataError(f"{path}: header says {n} points but the file has {len(lines) - 1}")
    arr = np.array([[parse_number(t, path, k + 2, "value") for t in ln[:4]]
                    for k, ln in enumerate(lines[1:])])
    xy = arr[:, :2]
    D = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    ids = np.arange(1, n + 1)
    return Instance(cost=D, weight=np.ones(n), demand=arr[:, 3], demand_ids=ids,
                    site_ids=ids.copy(), capacity=arr[:, 2], name=path.stem, default_p=p,
                    source=str(path), metadata={"xy": xy})


def read_swain(path: str | Path) -> Instance:
    """Swain's 55-node data: ``id x y a``; every node is demand and candidate; Euclidean."""
    path = Path(path)
    lines = _lines(_read_text(path))[1:]
    arr = np.array([[parse_number(t, path, k + 2, "value") for t in ln[:4]]
                    for k, ln in enumerate(lines)])
    xy = arr[:, 1:3]
    D = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    ids = arr[:, 0].astype(np.int64)
    return Instance(cost=D, weight=arr[:, 3], demand_ids=ids, site_ids=ids.copy(),
                    name=path.stem, source=str(path), metadata={"xy": xy})


def load_instance(path: str | Path, capacity: float | None = None) -> Instance:
    """Read any supported benchmark file, detecting the format from its content."""
    fmt = sniff_format(path)
    if fmt == "pmed":
        if capacity is not None:
            return read_pmed(path).with_capacity(capacity)
        return read_pmed(path)
    if fmt == "cap":
        return read_cap(path, capacity)
    if fmt == "sjc":
        inst = read_sjc(path)
        return inst.with_capacity(capacity) if capacity is not None else inst
    return read_swain(path)


def _is(fmt: str) -> Callable[[Path], bool]:
    # one read of the file per format family would be nicer; these files are small
    return lambda path: detect(path) == fmt


def _read_cap(path: Path, capacity: float | None = None) -> Instance:
    return read_cap(path, capacity)


from . import Reader, register  # noqa: E402  (the registry imports this module)

register(Reader("pmed", _is("pmed"), read_pmed))
register(Reader("cap", _is("cap"), _read_cap, options=("capacity",)))
register(Reader("sjc", _is("sjc"), read_sjc))
register(Reader("swain", _is("swain"), read_swain, expects=_EXPECTS))
