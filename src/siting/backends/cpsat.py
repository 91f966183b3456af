"""OR-Tools CP-SAT. It solves pure-integer models with integer coefficients, so the MILP is
translated with stated transformations, never silently:

* continuous columns are accepted only when, after a row/column rescaling (x = q / s), they
  are *implied integral* (for every integer assignment of the other columns an optimal value
  of q is integral; checked by the sufficient condition in :func:`integral_scaling`), and q
  is then declared integer: CFLP's fractions become the quantities shipped, q_ij = d_i x_ij;
* a row whose coefficients are not integers is multiplied by the smallest power of ten (up to
  1e6) that makes them integral; its bounds are then rounded inward (valid, as the row's
  activity is an integer);
* a fractional objective is scaled by a power of ten (up to 1e6) and the notes say so; failing
  that, CP-SAT's floating-point objective is used and the notes say its proof is approximate.

Anything else is reported as unsupported (status no_solution, termination error, with a note
saying why) rather than solved approximately; callers such as the p-center search carry on.
The model reaches CP-SAT as one protobuf text built with array operations.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components

from ..errors import BackendError
from ..milp import MilpProblem
from ..options import SolveOptions
from ..solution import MilpSolution, Termination
from .base import (Backend, assemble, effective_abs_gap, feasible_point, run_interruptible,
                   usable_start)

#: CP-SAT needs finite domains; an infinite column bound is capped here (and noted)
_CAP = 10**9
_INT64_MAX = 2**63 - 1
_MAX_SCALE_EXP = 6
#: default portfolio size (threads not given): enough to include LP-based workers
_WORKERS = 8


class CpSatBackend(Backend):
    name = "cpsat"
    requires = ("ortools",)
    modules = ("ortools.sat.python.cp_model",)
    distribution = "ortools"
    extra = "ortools"
    supports_mip_start = True

    @classmethod
    def version(cls) -> str:
        return f"OR-Tools {super().version()}"

    def _solve(self, problem: MilpProblem, options: SolveOptions,
               start: np.ndarray | None) -> MilpSolution:
        from ortools.sat.python import cp_model

        notes: list[str] = []
        try:
            text, translate_notes, col_s = _proto_text(problem)
        except _Unsupported as exc:
            # a capability limit, not a crash: say so and let the caller carry on
            message = (f"cpsat cannot solve this model exactly: {exc}; use a MILP backend "
                       "such as highs")
            return assemble(self, problem, options, termination=Termination.ERROR, x=None,
                            bound=None, seconds=0.0, nodes=0, native="unsupported model",
                            notes=(message,))
        notes += translate_notes
        model = cp_model.CpModel()
        model.proto.parse_text_format(text)
        start = usable_start(problem, start)
        if start is not None:
            hint = start * col_s  # in the scaled (integer) columns
            if np.all(np.abs(hint - np.round(hint)) <= 1e-6):
                model.proto.solution_hint.vars.extend(range(problem.n_cols))
                model.proto.solution_hint.values.extend(np.round(hint).astype(np.int64).tolist())
            else:
                notes.append("cpsat: warm start not integral in the scaled columns; not passed")

        solver = cp_model.CpSolver()
        prm = solver.parameters
        if options.time_limit is not None:
            prm.max_time_in_seconds = float(options.time_limit)
        # CP-SAT's portfolio adds its LP-based bound workers only from ~8 workers on; with
        # fewer (e.g. one per core on 2 cores) it never raised the p-median bound above the
        # trivial one, while 8 workers prove OR-Library pmed1-5 in seconds
        prm.num_workers = int(options.threads) if options.threads is not None else _WORKERS
        prm.random_seed = int(options.seed)
        prm.relative_gap_limit = float(options.rel_gap)
        prm.absolute_gap_limit = float(effective_abs_gap(problem, options))
        prm.log_search_progress = bool(options.verbose)
        # Ctrl-C is ours (run_interruptible calls stop_search): CP-SAT's own SIGINT catcher,
        # reached from the solver thread, aborted the process (std::bad_function_call)
        prm.catch_sigint_signal = False
        for key, value in options.backend_options.items():
            if not hasattr(prm, key):
                raise BackendError(f"cpsat has no parameter {key!r}")
            setattr(prm, key, value)
        t0 = time.perf_counter()
        # in a worker thread: Ctrl-C stops the search (stop_search) and keeps its answer
        status, interrupted = run_interruptible(lambda: solver.solve(model), solver.stop_search)
        seconds = time.perf_counter() - t0
        name = solver.status_name(status)
        termination = {
            "OPTIMAL": Termination.OPTIMAL,
            "INFEASIBLE": Termination.INFEASIBLE,
            "MODEL_INVALID": Termination.ERROR,
        }.get(name, Termination.OTHER)
        if name in ("FEASIBLE", "UNKNOWN") and options.time_limit is not None \
                and seconds >= 0.95 * options.time_limit:
            termination = Termination.TIME_LIMIT
        if name == "MODEL_INVALID":
            raise BackendError(f"cpsat rejected the translated model: "
                               f"{model.validate() or 'invalid'}")
        x = None
        bound = None
        if name in ("OPTIMAL", "FEASIBLE"):
            resp = solver.response_proto
            x = feasible_point(problem, np.asarray(resp.solution, dtype=float) / col_s)
            if problem.c.any():
                bound = float(solver.best_objective_bound) + problem.offset
            elif x is not None:
                bound = problem.objective_value(x)  # constant objective: nothing to prove
            if x is not None and np.any(np.abs(x) >= _CAP):
                # the answer leans on an artificial cap: nothing is proven about the real model
                termination, bound = Termination.OTHER, None
                notes.append("cpsat: the solution sits at an artificial +-1e9 bound; the model "
                             "may be unbounded")
        if interrupted and termination is not Termination.INFEASIBLE:
            termination = Termination.INTERRUPTED
        return assemble(self, problem, options, termination=termination, x=x, bound=bound,
                        seconds=seconds, nodes=int(solver.num_branches), native=name,
                        notes=tuple(notes), start=start)


class _Unsupported(Exception):
    """The model is outside what CP-SAT can solve exactly (the message says why)."""


def implied_integral_reason(problem: MilpProblem) -> str | None:
    """None when the continuous columns can be made integer exactly (see
    :func:`integral_scaling`), else why not."""
    try:
        integral_scaling(problem)
    except _Unsupported as exc:
        return str(exc)
    return None


def integral_scaling(problem: MilpProblem) -> tuple[np.ndarray, np.ndarray]:
    """Column scales ``s`` and row scales ``r`` under which the continuous columns are implied
    integral: with ``x_k = q_k / s_k`` and row ``i`` multiplied by ``r_i``, every continuous
    entry becomes +-1 and the bounds, right-hand sides and integer-column coefficients of the
    scaled rows become integers. (CFLP: ``q_ij = d_i x_ij``, the quantity shipped.)

    Sufficient condition then checked: rows with one continuous entry act as bounds; the
    other rows, restricted to the continuous columns, have at most two entries per column and
    split into two classes as in Heller & Tompkins (1956). That submatrix is totally
    unimodular, so for integral integer columns the continuous polyhedron has integral
    vertices and an optimal solution with integral ``q`` exists. Raises :class:`_Unsupported`.
    """
    n, m = problem.n_cols, problem.n_rows
    cont = ~problem.integrality.astype(bool)
    col_s, row_r = np.ones(n), np.ones(m)
    if not cont.any():
        return col_s, row_r
    names = _block_of(problem)
    cidx = np.flatnonzero(cont)
    A = sp.csr_array(problem.A.copy())
    A.eliminate_zeros()
    Ac = sp.coo_array(A[:, cidx])
    nc = cidx.size
    # bipartite graph: nodes 0..m-1 rows, m..m+nc-1 continuous columns; edge weight log|a|
    # (v_col - v_row = log|a| for every edge, so that r |a| / s = 1)
    logw = np.log(np.abs(Ac.data))
    er, ec = Ac.row, Ac.col + m
    active = np.zeros(m + nc, dtype=bool)
    active[er] = True
    active[m:] = True
    ncomp, label = connected_components(
        sp.coo_array((np.ones(er.size), (er, ec)), shape=(m + nc, m + nc)), directed=False)
    # one BFS from a virtual root joined to one node of every component (weight 0)
    top = m + nc
    roots = np.flatnonzero(active)[np.unique(label[active], return_index=True)[1]]
    src = np.concatenate((er, ec, np.full(roots.size, top)))
    dst = np.concatenate((ec, er, roots))
    w = np.concatenate((logw, -logw, np.zeros(roots.size)))  # w[dst <- src] = v_dst - v_src
    g = sp.csr_array((np.ones(src.size), (src, dst)), shape=(top + 1, top + 1))
    wmap = sp.csr_array((w + 0.0, (dst, src)), shape=(top + 1, top + 1))
    _, pred = breadth_first_order(g, top, directed=True)
    reached = pred >= 0
    anc = np.where(reached, pred, top)
    anc[top] = top
    acc = np.zeros(top + 1)
    nodes = np.flatnonzero(reached)
    acc[nodes] = np.asarray(wmap[nodes, pred[nodes]]).ravel()
    while np.any(anc != top):  # pointer jumping: sums along tree paths in log(depth) rounds
        acc = acc + acc[anc]
        anc = anc[anc]
    value = acc[:top]
    # every edge must agree (a cycle with inconsistent magnitudes cannot be scaled to +-1)
    if np.any(np.abs(value[ec] - value[er] - logw) > 1e-9 * np.maximum(1.0, np.abs(logw))):
        col = cidx[Ac.col[np.argmax(np.abs(value[ec] - value[er] - logw))]]
        raise _Unsupported(f"continuous column block {names[col]!r} has coefficients that no "
                           "row/column scaling turns into +-1 (not implied integral)")
    # normalize each component by the smallest factor making its numbers integral
    touch = np.zeros(m, dtype=bool)
    touch[er] = True
    v_row = np.where(touch, value[:m], 0.0)
    r_all = np.exp(v_row)
    s_c = np.exp(value[m:])
    Ai = sp.coo_array(A[:, np.flatnonzero(~cont)])
    keep_i = touch[Ai.row]
    lo_c, hi_c = problem.col_lower[cidx], problem.col_upper[cidx]
    rl, ru = problem.row_lower, problem.row_upper
    comp_of_row, comp_of_col = label[:m], label[m:]
    quantities = [  # (component, value that must become integral after scaling)
        (comp_of_col, np.where(np.isfinite(lo_c), s_c * lo_c, 0.0)),
        (comp_of_col, np.where(np.isfinite(hi_c), s_c * hi_c, 0.0)),
        (comp_of_row[touch], np.where(np.isfinite(rl), r_all * rl, 0.0)[touch]),
        (comp_of_row[touch], np.where(np.isfinite(ru), r_all * ru, 0.0)[touch]),
        (comp_of_row[Ai.row[keep_i]], r_all[Ai.row[keep_i]] * Ai.data[keep_i]),
        # the scaled continuous entries are +-1 already; factor must keep s, r positive
    ]
    comp = np.concatenate([q[0] for q in quantities])
    vals = np.abs(np.concatenate([q[1] for q in quantities]))
    factor = np.ones(ncomp)
    order = np.argsort(comp, kind="stable")
    comp, vals = comp[order], vals[order]
    cuts = np.flatnonzero(np.diff(comp)) + 1
    for group, values in zip(np.split(comp, cuts), np.split(vals, cuts)):
        if group.size:
            factor[group[0]] = _integralizing_factor(values)
    if not np.all(np.isfinite(factor)):
        bad = int(np.flatnonzero(~np.isfinite(factor))[0])
        col = cidx[np.flatnonzero(comp_of_col == bad)[0]] if np.any(comp_of_col == bad) else 0
        raise _Unsupported(f"continuous column block {names[col]!r}: bounds or right-hand "
                           "sides do not become integral under any scaling up to 1e6")
    s_c = s_c * factor[comp_of_col]
    r_all = np.where(touch, r_all * factor[comp_of_row], 1.0)
    col_s[cidx] = s_c
    row_r[:] = r_all

    # Heller-Tompkins on the scaled (+-1) continuous submatrix, bound-like rows left out
    sign = np.sign(Ac.data)
    per_row = np.bincount(Ac.row, minlength=m)
    multi = per_row[Ac.row] >= 2
    mr, mc, msg = Ac.row[multi], Ac.col[multi], sign[multi]
    counts = np.bincount(mc, minlength=nc)
    if np.any(counts > 2):
        col = cidx[int(np.flatnonzero(counts > 2)[0])]
        raise _Unsupported(f"continuous column block {names[col]!r} appears in more than two "
                           "constraint rows (not implied integral)")
    order = np.lexsort((mr, mc))
    mr, mc, msg = mr[order], mc[order], msg[order]
    firsts = np.flatnonzero(np.concatenate(([True], mc[1:] != mc[:-1])))
    pairs = firsts[(firsts + 1 < mc.size)]
    pairs = pairs[mc[pairs + 1] == mc[pairs]]
    if pairs.size:
        a, b = mr[pairs], mr[pairs + 1]
        same = msg[pairs] == msg[pairs + 1]  # same sign -> rows in different classes
        src = np.concatenate((2 * a, 2 * a + 1))
        dst = np.concatenate((np.where(same, 2 * b + 1, 2 * b), np.where(same, 2 * b, 2 * b + 1)))
        h = sp.coo_array((np.ones(src.size), (src, dst)), shape=(2 * m, 2 * m))
        _, cls = connected_components(h, directed=False)
        if np.any(cls[0::2] == cls[1::2]):
            raise _Unsupported("continuous columns do not form a totally unimodular system")
    return col_s, row_r


def _integralizing_factor(values: np.ndarray) -> float:
    """Smallest F > 0 with F * v integral for all ``values`` (inf if none is reasonable)."""
    from fractions import Fraction
    from math import gcd, lcm

    vals = np.unique(values[values > 0])
    if vals.size == 0:
        return 1.0
    fracs = [Fraction(v).limit_denominator(10**6) for v in vals.tolist()]
    den = lcm(*(f.denominator for f in fracs))
    num = gcd(*(f.numerator for f in fracs))
    factor = den / num
    scaled = factor * vals
    if not np.all(np.abs(scaled - np.round(scaled)) <= 1e-7 * np.maximum(1.0, scaled)) \
            or scaled.max() > 2.0**52:
        return float("inf")
    return factor


def _block_of(problem: MilpProblem) -> np.ndarray:
    names = np.full(problem.n_cols, "?", dtype=object)
    for block in problem.blocks.values():
        names[block.slice] = block.name
    return names


def _pow10_scale(values: np.ndarray, group: np.ndarray | None = None,
                 n_groups: int = 1) -> np.ndarray:
    """Per group, the smallest 10^k (k <= 6) making every value integral; 0 where none does."""
    if group is None:
        group = np.zeros(values.size, dtype=np.int64)
    scale = np.zeros(n_groups)
    for k in range(_MAX_SCALE_EXP + 1):
        s = 10.0**k
        v = values * s
        bad = np.abs(v - np.round(v)) > 1e-9 * np.maximum(1.0, np.abs(v))
        ok = np.bincount(group, weights=bad.astype(float), minlength=n_groups) == 0
        scale = np.where((scale == 0) & ok, s, scale)
    return scale


def _proto_text(problem: MilpProblem) -> tuple[str, list[str], np.ndarray]:
    """The CpModelProto as text format, built with array operations only, and the column
    scales (a CP-SAT value q_k stands for x_k = q_k / s_k)."""
    from ..mps import join_columns  # shared vectorized string concatenation

    notes: list[str] = []
    col_s, row_r = integral_scaling(problem)
    if np.any(col_s != 1.0):
        notes.append(f"cpsat: {int(np.sum(col_s != 1.0))} continuous column(s) rescaled to "
                     "integer quantities (x = q / s), their rows scaled to match")
    lo = np.ceil(problem.col_lower * col_s - 1e-6)
    hi = np.floor(problem.col_upper * col_s + 1e-6)
    capped = ~np.isfinite(lo) | ~np.isfinite(hi) | (np.abs(lo) > _CAP) | (np.abs(hi) > _CAP)
    if capped.any():
        notes.append(f"cpsat: {int(capped.sum())} column bound(s) beyond +-{_CAP:.0e} capped there")
    lo = np.clip(np.nan_to_num(lo, neginf=-_CAP, posinf=_CAP), -_CAP, _CAP).astype(np.int64)
    hi = np.clip(np.nan_to_num(hi, neginf=-_CAP, posinf=_CAP), -_CAP, _CAP).astype(np.int64)
    if np.any(lo > hi):
        # an integer column with no integer in its bounds: the model is infeasible as stated
        lo, hi = np.minimum(lo, hi), np.minimum(lo, hi)
        notes.append("cpsat: a column has no integer value within its bounds")
    parts: list[str] = []
    parts.extend(join_columns("variables { domain: ", lo.astype(str).astype(object), " domain: ",
                       hi.astype(str).astype(object), " }\n"))

    A = sp.csr_array(sp.diags_array(row_r) @ problem.A @ sp.diags_array(1.0 / col_s))
    A.sort_indices()
    m = problem.n_rows
    counts = np.diff(A.indptr)
    row_of = np.repeat(np.arange(m), counts)
    rscale = _pow10_scale(A.data, row_of, m) if m else np.zeros(0)
    if np.any(rscale == 0):
        r = int(np.flatnonzero(rscale == 0)[0])
        raise _Unsupported(f"row {r} has coefficients that no scaling up to 1e6 makes "
                           "integral")
    if np.any(rscale > 1):
        notes.append(f"cpsat: {int(np.sum(rscale > 1))} row(s) with fractional coefficients "
                     "multiplied by powers of ten")
    coef = np.round(A.data * rscale[row_of]).astype(np.int64)
    rs = rscale * row_r
    rlo = np.where(np.isfinite(problem.row_lower),
                   np.ceil(problem.row_lower * rs - 1e-6), -np.inf)
    rhi = np.where(np.isfinite(problem.row_upper),
                   np.floor(problem.row_upper * rs + 1e-6), np.inf)
    # linear activities must fit in int64 (CP-SAT rejects possible overflow)
    span = np.maximum(np.abs(lo), np.abs(hi)).astype(float)
    if m and (np.abs(coef) * span[A.indices]).sum() >= 2**62:
        raise _Unsupported("row activities could overflow int64")
    rlo_t = np.full(m, -_INT64_MAX, dtype=np.int64)
    rhi_t = np.full(m, _INT64_MAX, dtype=np.int64)
    rlo_t[np.isfinite(rlo)] = np.clip(rlo[np.isfinite(rlo)], -2.0**62, 2.0**62).astype(np.int64)
    rhi_t[np.isfinite(rhi)] = np.clip(rhi[np.isfinite(rhi)], -2.0**62, 2.0**62).astype(np.int64)
    if m:
        tokens = np.empty(A.nnz + 2 * m, dtype=object)
        rr = np.arange(m)
        tokens[A.indptr[:-1] + 2 * rr] = "constraints { linear { "
        entry_pos = np.arange(A.nnz) + 2 * row_of + 1
        tokens[entry_pos] = join_columns("vars: ", A.indices.astype(str).astype(object), " coeffs: ",
                                  coef.astype(str).astype(object), " ")
        tokens[A.indptr[1:] + 2 * rr + 1] = join_columns("domain: ", rlo_t.astype(str).astype(object),
                                                 " domain: ", rhi_t.astype(str).astype(object),
                                                 " } }\n")
        parts.append("".join(tokens.tolist()))

    c = problem.c / col_s
    nz = np.flatnonzero(c)
    if nz.size:
        sign = -1.0 if problem.sense == "max" else 1.0
        s = float(_pow10_scale(c[nz])[0])
        ci = np.round(c[nz] * s) if s else np.zeros(nz.size)
        if s and float(np.abs(ci) @ span[nz]) < 2**62:
            if s > 1:
                notes.append(f"cpsat: objective coefficients multiplied by {s:g} to make them "
                             "integral (values reported in original units)")
            body = "".join(join_columns("vars: ", nz.astype(str).astype(object), " coeffs: ",
                                 (sign * ci).astype(np.int64).astype(str).astype(object),
                                 " "))
            parts.append(f"objective {{ {body}scaling_factor: {float(sign / s)!r} }}\n")
        else:
            notes.append("cpsat: objective coefficients are not integral at any scale up to 1e6; "
                         "CP-SAT's floating-point objective is used (its proof is approximate)")
            body = "".join(join_columns("vars: ", nz.astype(str).astype(object), " coeffs: ",
                                 c[nz].astype(str).astype(object), " "))
            mx = "true" if problem.sense == "max" else "false"
            parts.append(f"floating_point_objective {{ {body}maximize: {mx} }}\n")
    return "".join(parts), notes, col_s
