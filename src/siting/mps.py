"""Write a :class:`~siting.milp.MilpProblem` as free MPS or CPLEX-LP text, straight from arrays.

Both writers build their text with numpy string operations over the sparse matrix (one string per
non-zero, joined once); nothing loops over variables in Python. Column names are ``<block>_<k>``
(``C<k>`` for columns outside any block) and row names ``<rowblock>_<k>``; ``generic_names=True``
uses ``C<k>``/``R<k>`` instead, which is what backends use (shorter, and trivially mapped back).

Conventions: the objective constant is written as ``-offset`` on the objective row's RHS (MPS,
as CPLEX/HiGHS/SCIP read it) or as a constant term (LP). ``include_offset=False`` leaves it out
for solvers that ignore or disagree on it; backends add it back themselves. Every integer column
gets explicit bounds, because some readers give an unbounded integer column an upper bound of 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .milp import Block, MilpProblem


def column_names(problem: MilpProblem, generic: bool = False) -> np.ndarray:
    return _names(problem.n_cols, problem.blocks, "C", generic)


def row_names(problem: MilpProblem, generic: bool = False) -> np.ndarray:
    return _names(problem.n_rows, problem.row_blocks, "R", generic)


def _names(count: int, blocks: Mapping[str, Block], prefix: str, generic: bool) -> np.ndarray:
    names = np.array([f"{prefix}{k}" for k in range(count)], dtype=object)
    if generic:
        return names
    generic_names = names.copy()
    for block in blocks.values():
        if block.size:
            safe = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in block.name)
            names[block.slice] = [f"{safe}_{k}" for k in range(block.size)]
    if len(set(names.tolist())) != count:  # a block name clashing with another's: stay safe
        return generic_names
    return names


def _num(values: np.ndarray) -> np.ndarray:
    """Shortest round-trip decimal text of each float ('1', '-2.5', '1e+30').

    Formatted once per distinct value: models repeat few coefficients (1, -1, distances).
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return np.zeros(0, dtype=object)
    uniq, inverse = np.unique(values, return_inverse=True)
    text = np.array([str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(v)
                     for v in uniq.tolist()], dtype=object)
    return text[inverse.reshape(-1)]


def join_columns(*parts: np.ndarray | str) -> list[str]:
    """Element-wise concatenation of equal-length arrays and literal separators, as a list."""
    fmt = "".join("{}" if not isinstance(p, str) else p.replace("{", "{{").replace("}", "}}")
                  for p in parts)
    columns = [p.tolist() if isinstance(p, np.ndarray) else list(p)
               for p in parts if not isinstance(p, str)]
    return list(map(fmt.format, *columns))


def mps_text(problem: MilpProblem, *, generic_names: bool = False, include_offset: bool = True,
             force_min: bool = False) -> str:
    """The model as free MPS (ROWS, COLUMNS with integer markers, RHS, RANGES, BOUNDS).

    ``force_min`` negates the objective of a max problem and writes it as a min problem, for
    readers that do not understand the OBJSENSE section.
    """
    n, m = problem.n_cols, problem.n_rows
    cnames = column_names(problem, generic_names)
    rnames = row_names(problem, generic_names)
    sign = -1.0 if (force_min and problem.sense == "max") else 1.0
    c = sign * problem.c
    offset = sign * problem.offset
    lo_r, hi_r = problem.row_lower, problem.row_upper
    out: list[str] = [f"NAME {_token(problem.name)}"]
    if problem.sense == "max" and not force_min:
        out += ["OBJSENSE", "    MAX"]

    # ROWS: E (lo == hi), G (finite lo), L (only hi), N for free rows
    eq = lo_r == hi_r
    has_lo = np.isfinite(lo_r)
    has_hi = np.isfinite(hi_r)
    kind = np.where(eq, " E  ", np.where(has_lo, " G  ", np.where(has_hi, " L  ", " N  ")))
    out.append("ROWS")
    out.append(" N  OBJ")
    if m:
        out.append("\n".join(join_columns(kind, rnames)))

    # COLUMNS: per column the objective entry (if non-zero, or if the column is otherwise
    # empty, so it is declared), then its matrix entries; integer runs wrapped in markers
    csc = problem.A.tocsc()
    csc.sort_indices()
    counts = np.diff(csc.indptr)
    need_obj = (c != 0) | (counts == 0)
    # each column's entries are contiguous: its objective entry (if any) then its CSC entries
    per_col = counts + need_obj
    col_first = np.concatenate(([0], np.cumsum(per_col)[:-1])).astype(np.int64)
    total = int(per_col.sum())
    ent_row = np.empty(total, dtype=object)
    ent_val = np.empty(total)
    obj_cols = np.flatnonzero(need_obj)
    ent_row[col_first[obj_cols]] = "OBJ"
    ent_val[col_first[obj_cols]] = c[obj_cols]
    if csc.nnz:
        col_of = np.repeat(np.arange(n), counts)
        pos = col_first[col_of] + need_obj[col_of] + (np.arange(csc.nnz) - csc.indptr[col_of])
        ent_row[pos] = rnames[csc.indices]
        ent_val[pos] = csc.data
    ent_col = np.repeat(np.arange(n), per_col)
    lines = join_columns("    ", cnames[ent_col], " ", ent_row, " ", _num(ent_val))
    out.append("COLUMNS")
    if n:
        integ = problem.integrality.astype(bool)
        flips = np.flatnonzero(np.diff(np.concatenate(([False], integ, [False])).astype(int)))
        cuts = [int(col_first[f]) if f < n else len(lines) for f in flips]
        pieces: list[str] = []
        prev = 0
        for idx, cut in enumerate(cuts):
            if cut > prev:
                pieces.append("\n".join(lines[prev:cut]))
            tag = "INTORG" if idx % 2 == 0 else "INTEND"
            pieces.append(f"    MARKER 'MARKER' '{tag}'")
            prev = cut
        if prev < len(lines):
            pieces.append("\n".join(lines[prev:]))
        out.extend(p for p in pieces if p)

    # RHS: the finite side that defines each row; RANGES for two-sided rows
    rhs = np.where(eq | has_lo, lo_r, hi_r)
    rhs_rows = np.flatnonzero((has_lo | has_hi) & (rhs != 0))
    out.append("RHS")
    if include_offset and offset != 0:
        out.append(f"    RHS OBJ {_num(np.array([-offset]))[0]}")
    if rhs_rows.size:
        out.append("\n".join(join_columns("    RHS ", rnames[rhs_rows], " ", _num(rhs[rhs_rows]))))
    ranged = np.flatnonzero(has_lo & has_hi & ~eq)
    if ranged.size:
        out.append("RANGES")
        out.append("\n".join(join_columns("    RNG ", rnames[ranged], " ",
                                   _num(hi_r[ranged] - lo_r[ranged]))))

    bounds = _mps_bounds(problem, cnames)
    if bounds:
        out.append("BOUNDS")
        out.extend(bounds)
    out.append("ENDATA")
    return "\n".join(out) + "\n"


def _mps_bounds(problem: MilpProblem, cnames: np.ndarray) -> list[str]:
    lo, hi = problem.col_lower, problem.col_upper
    integ = problem.integrality.astype(bool)
    out: list[str] = []

    def emit(tag: str, mask: np.ndarray, values: np.ndarray | None = None) -> None:
        idx = np.flatnonzero(mask)
        if not idx.size:
            return
        if values is None:
            out.append("\n".join(join_columns(f" {tag} BND ", cnames[idx])))
        else:
            out.append("\n".join(join_columns(f" {tag} BND ", cnames[idx], " ", _num(values[idx]))))

    fixed = lo == hi
    free = np.isneginf(lo) & np.isposinf(hi)
    emit("FX", fixed, lo)
    emit("FR", free)
    rest = ~fixed & ~free
    # LO before UP: SCIP turns a "binary" integer column general when LO follows UP 1.
    # (A negative UP after a zero lower bound cannot occur: validate() rejects lo > hi.)
    emit("MI", rest & np.isneginf(lo))
    emit("LO", rest & np.isfinite(lo) & ((lo != 0) | integ), lo)
    emit("UP", rest & np.isfinite(hi), hi)
    emit("PL", rest & np.isposinf(hi) & integ)
    return out


def lp_text(problem: MilpProblem, *, generic_names: bool = False,
            include_offset: bool = True) -> str:
    """The model in CPLEX LP format. A ranged row becomes two rows, ``<name>_lo`` (>=) and
    ``<name>_hi`` (<=), since LP readers do not agree on a ranged-row syntax."""
    n, m = problem.n_cols, problem.n_rows
    cnames = column_names(problem, generic_names)
    rnames = row_names(problem, generic_names)
    dummy = ""
    if n == 0:  # LP needs at least one variable to write constant rows; add a fixed zero
        cnames = np.array(["_zero"], dtype=object)
        dummy = "_zero"
    out = [f"\\ {problem.name}", "Maximize" if problem.sense == "max" else "Minimize"]
    nz = np.flatnonzero(problem.c)
    terms = list(_terms(problem.c[nz], cnames[nz]))
    if include_offset and problem.offset != 0:
        terms.append(f" {'+' if problem.offset >= 0 else '-'} "
                     f"{_num(np.array([abs(problem.offset)]))[0]}")
    if not terms:
        terms = [f" 0 {cnames[0]}"]
    out.append(" obj:" + _wrap(terms))

    out.append("Subject To")
    if m:
        out.append(_lp_rows(problem, cnames, rnames))
    out.append("Bounds")
    if dummy:
        out.append(" _zero = 0")
    else:
        out.extend(_lp_bounds(problem, cnames))
    ints = np.flatnonzero(problem.integrality)
    if ints.size and not dummy:
        out.append("General")
        out.append(_wrap((" " + cnames[ints]).tolist()))
    out.append("End")
    return "\n".join(out) + "\n"


def _lp_rows(problem: MilpProblem, cnames: np.ndarray, rnames: np.ndarray) -> str:
    """All constraint rows as one string, built from per-non-zero tokens (no per-row loop).

    A ranged row is written twice (``_lo`` with >=, ``_hi`` with <=); a line break is put
    before every 8th term of a row, since LP readers cap the line length.
    """
    m = problem.n_rows
    csr = problem.A.tocsr()
    csr.sort_indices()
    counts = np.diff(csr.indptr)
    terms = np.asarray(_terms(csr.data, cnames[csr.indices]), dtype=object)
    if terms.size:
        local = np.arange(csr.nnz) - np.repeat(csr.indptr[:-1], counts)
        brk = (local > 0) & (local % 8 == 0)
        terms[brk] = "\n  " + terms[brk]
    lo, hi = problem.row_lower, problem.row_upper
    eq = lo == hi
    fl, fh = np.isfinite(lo), np.isfinite(hi)
    ranged = fl & fh & ~eq
    copies = 1 + ranged.astype(np.int64)
    src = np.repeat(np.arange(m), copies)  # output row -> source row
    first = np.cumsum(copies) - copies
    second = np.zeros(src.size, dtype=bool)
    second[first[ranged] + 1] = True
    suffix = np.where(ranged[src], np.where(second, "_hi", "_lo"), "").astype(object)
    lo_t, hi_t = _num(np.where(fl, lo, 0)), _num(np.where(fh, hi, 0))
    use_hi = second | (~fl[src] & fh[src])
    op = np.where(eq[src], " = ", np.where(use_hi, " <= ", " >= ")).astype(object)
    rhs = np.where(use_hi, hi_t[src], lo_t[src]).astype(object)
    rhs[~fl[src] & ~fh[src]] = "-inf"
    cnt = counts[src]
    empty = np.where(cnt == 0, f" 0 {cnames[0]}", "").astype(object)
    head = join_columns(" ", rnames[src], suffix, ":", empty)
    tail = join_columns(op, rhs, "\n")
    out_off = np.cumsum(cnt) - cnt  # where each output row's terms start (without headers)
    k = np.arange(src.size)
    tokens = np.empty(int(cnt.sum()) + 2 * src.size, dtype=object)
    tokens[out_off + 2 * k] = head
    tokens[out_off + cnt + 2 * k + 1] = tail
    if cnt.sum():
        row_of_tok = np.repeat(k, cnt)
        pos_in_row = np.arange(int(cnt.sum())) - np.repeat(out_off, cnt)
        tokens[out_off[row_of_tok] + 2 * row_of_tok + 1 + pos_in_row] = \
            terms[csr.indptr[src[row_of_tok]] + pos_in_row]
    return "".join(tokens.tolist()).rstrip("\n")


def _terms(coefs: np.ndarray, names: np.ndarray) -> list[str]:
    signs = np.where(coefs < 0, " - ", " + ").astype(object)
    return join_columns(signs, _num(np.abs(coefs)), " ", names)


def _wrap(terms: list[str], per_line: int = 8) -> str:
    """Join terms, breaking the line every few terms (LP readers cap line length)."""
    if len(terms) <= per_line:
        return "".join(terms)
    return "\n  ".join("".join(terms[k:k + per_line]) for k in range(0, len(terms), per_line))


def _lp_bounds(problem: MilpProblem, cnames: np.ndarray) -> list[str]:
    lo, hi = problem.col_lower, problem.col_upper
    lo_t, hi_t = _num(np.where(np.isfinite(lo), lo, 0)), _num(np.where(np.isfinite(hi), hi, 0))
    fixed = lo == hi
    free = np.isneginf(lo) & np.isposinf(hi)
    rest = ~fixed & ~free
    out: list[str] = []
    for mask, parts in (
        (fixed, (" ", cnames, " = ", lo_t)),
        (free, (" ", cnames, " free")),
        (rest & np.isfinite(lo) & np.isfinite(hi), (" ", lo_t, " <= ", cnames, " <= ", hi_t)),
        (rest & np.isneginf(lo) & np.isfinite(hi), (" -inf <= ", cnames, " <= ", hi_t)),
        (rest & np.isfinite(lo) & np.isposinf(hi), (" ", cnames, " >= ", lo_t)),
    ):
        idx = np.flatnonzero(mask)
        if idx.size:
            sel = [p if isinstance(p, str) else p[idx] for p in parts]
            out.append("\n".join(join_columns(*sel)))
    return out


def _token(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "_-." else "_" for ch in text) or "siting"


def write_mps(problem: MilpProblem, path: str | Path, **kwargs: bool) -> None:
    Path(path).write_text(mps_text(problem, **kwargs), encoding="ascii")


def write_lp(problem: MilpProblem, path: str | Path, **kwargs: bool) -> None:
    Path(path).write_text(lp_text(problem, **kwargs), encoding="ascii")


def write_model(problem: MilpProblem, path: str | Path, fmt: str) -> None:
    """Write ``problem`` as ``fmt`` ('mps' or 'lp')."""
    if fmt == "mps":
        write_mps(problem, path)
    elif fmt == "lp":
        write_lp(problem, path)
    else:
        raise ValueError(f"unknown model format {fmt!r}; use mps or lp")
