"""Who can reach whom: pieces of the demand–site reachability graph and unreachable demand.

Formulation-neutral checks on an :class:`~siting.instance.Instance` (no geometry): a model that
serves every demand point from one of p open sites (p-median, p-center) needs at least one open
site in every piece of the bipartite graph "demand i — site j when the pair has a cost". With p
below the number of pieces that hold demand the request is infeasible, whatever the
formulation; :func:`component_infeasibility` says so before any model is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InfeasibleSpecError
from .instance import Instance, SparseCosts

#: kinds that assign every demand point to an open site, with exactly/at most p sites
_P_KINDS = ("p-median", "p-center")
#: dense cost arrays above this many entries are not turned into a pair list here
_DENSE_LIMIT = 50_000_000


def _one_site_reaches_all(instance: Instance) -> bool:
    """Whether some allowed site has a cost to every demand point (then there is one piece)."""
    allowed = ~np.asarray(instance.forbidden, dtype=bool)
    cost = instance.cost
    if isinstance(cost, SparseCosts):
        per_site = np.bincount(cost.indices, minlength=instance.n_sites)
        return bool((allowed & (per_site == instance.n_demand)).any())
    for j in np.flatnonzero(allowed)[:8]:  # complete matrices answer at the first column
        if np.isfinite(cost[:, j]).all():
            return True
    return False


@dataclass(frozen=True)
class Pieces:
    """Connected pieces of the demand–site reachability graph (allowed sites only)."""

    #: piece of each demand point (-1: reaches no allowed site)
    demand: np.ndarray
    #: piece of each site (-1: forbidden or reaches no demand)
    sites: np.ndarray
    #: number of pieces holding demand
    n_with_demand: int


def reach_pieces(instance: Instance) -> Pieces:
    """Pieces of the bipartite graph of reachable (demand, allowed site) pairs."""
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    n, m = instance.n_demand, instance.n_sites
    i, j, _ = instance.pairs()
    ok = ~instance.forbidden[j]  # type: ignore[index]
    i, j = i[ok], j[ok]
    g = coo_array((np.ones(i.size), (i, n + j)), shape=(n + m, n + m)).tocsr()
    _, labels = connected_components(g, directed=False)
    has_d = np.zeros(n, dtype=bool)
    has_d[i] = True
    has_s = np.zeros(m, dtype=bool)
    has_s[j] = True
    d = np.where(has_d, labels[:n], -1)
    s = np.where(has_s, labels[n:], -1)
    # renumber pieces 0..k-1 by first demand point
    used, first = np.unique(d[d >= 0], return_index=True)
    rank = np.full(n + m, -1, dtype=np.int64)
    rank[used[np.argsort(first)]] = np.arange(used.size)
    d = np.where(d >= 0, rank[np.maximum(d, 0)], -1)
    s = np.where(s >= 0, rank[np.maximum(s, 0)], -1)
    return Pieces(d, s, int(used.size))


def component_infeasibility(instance: Instance, problem: Any) -> str | None:
    """Why p sites cannot serve every demand point (pieces > p, or a required site that
    leaves a piece without a free slot, or demand points that pairwise share no site: the
    set-cover bound of :func:`cover_bound`), or None. Only for p-median / p-center."""
    kind = getattr(problem, "kind", None)
    if kind not in _P_KINDS:
        return None
    p = int(problem.p)
    if instance.n_demand == 0 or _one_site_reaches_all(instance):
        return None  # one piece: nothing to say, and no pair list built (dense 20k x 20k)
    if not isinstance(instance.cost, SparseCosts) and instance.cost.size > _DENSE_LIMIT:
        return None  # dense with missing pairs and huge: left to the formulations
    pieces = reach_pieces(instance)
    if (pieces.demand < 0).any():
        return None  # unreachable demand is reported by the formulations (ids listed)
    k = pieces.n_with_demand
    # required sites already sit in some pieces: the others need a site of their own
    req = np.asarray(instance.required, dtype=bool)
    held = np.unique(pieces.sites[req & (pieces.sites >= 0)])
    need = int(req.sum()) + (k - held.size)
    if need <= p:
        return cover_infeasibility(instance, p)
    sizes = np.bincount(pieces.demand, minlength=k)
    top = ", ".join(str(int(x)) for x in np.sort(sizes)[::-1][:6])
    more = ", ..." if k > 6 else ""
    if held.size == 0:
        return (f"p = {p} but demand sits in {k} separate pieces (no site reaches across "
                f"them; demand points per piece: {top}{more}): every piece needs its own site, "
                f"so at least {k} sites are needed")
    return (f"p = {p} but {int(req.sum())} required site(s) plus one site for each of the "
            f"{k - held.size} demand pieces without one need {need} sites (demand sits in {k} "
            f"separate pieces; demand points per piece: {top}{more})")


def cover_bound(instance: Instance) -> tuple[int, np.ndarray]:
    """A lower bound on the sites that serve every demand point, with its witnesses.

    Required sites count themselves; of the demand points none of them reaches, those no two
    of which share a reachable allowed site each need a site of their own (a packing, the
    dual of the set cover). Greedy by fewest reachable sites first, in vectorised rounds:
    a point joins when it has the smallest rank at every one of its sites (the same set as
    the sequential greedy), then the points sharing a site with it drop out.
    """
    n, m = instance.n_demand, instance.n_sites
    i, j, _ = instance.pairs()
    ok = ~np.asarray(instance.forbidden, dtype=bool)[j]
    i, j = i[ok], j[ok]
    req = np.asarray(instance.required, dtype=bool)
    covered = np.zeros(n, dtype=bool)
    covered[i[req[j]]] = True
    keep = ~covered[i]
    i, j = i[keep], j[keep]
    degree = np.bincount(i, minlength=n)
    rank = np.empty(n, dtype=np.float64)
    rank[np.lexsort((np.arange(n), degree))] = np.arange(n)
    active = (degree > 0) & ~covered
    chosen = np.zeros(n, dtype=bool)
    while active.any():
        live = active[i]
        li, lj = i[live], j[live]
        site_min = np.full(m, np.inf)
        np.minimum.at(site_min, lj, rank[li])
        own_min = np.full(n, np.inf)
        np.minimum.at(own_min, li, site_min[lj])
        pick = active & (own_min == rank)
        chosen |= pick
        taken = np.zeros(m, dtype=bool)
        taken[lj[pick[li]]] = True
        gone = np.zeros(n, dtype=bool)
        gone[li[taken[lj]]] = True
        active &= ~gone & ~pick
    return int(req.sum()) + int(chosen.sum()), np.flatnonzero(chosen)


def cover_infeasibility(instance: Instance, p: int) -> str | None:
    """Why no p sites reach every demand point, by :func:`cover_bound`, or None."""
    need, who = cover_bound(instance)
    if need <= p:
        return None
    ids = ", ".join(str(x) for x in instance.demand_ids[who[:6]])
    more = ", ..." if who.size > 6 else ""
    req = int(np.asarray(instance.required, dtype=bool).sum())
    extra = f"{req} required site(s) plus " if req else ""
    return (f"no set of p = {p} sites reaches every demand point: {extra}{who.size} demand "
            f"points ({ids}{more}) share no site within reach, so at least {need} are needed "
            f"(a set-cover bound)")


def explain_infeasible(outcome: Any, problem: Any, formulation: str) -> Any:
    """An infeasible p-median / p-center outcome with the reason first: when the model itself
    proved it (the cheap checks above said nothing), no p sites reach every demand point."""
    from dataclasses import replace

    if getattr(problem, "kind", None) not in _P_KINDS or outcome.status.value != "infeasible":
        return outcome
    if outcome.messages and str(outcome.messages[0]).startswith(("no set of p", "p = ")):
        return outcome
    why = (f"no set of p = {problem.p} sites reaches every demand point: the {formulation} "
           f"model is infeasible (every demand point must be served by an open site within "
           f"reach)")
    return replace(outcome, messages=(why, *outcome.messages))


def require_pieces(instance: Instance, problem: Any) -> None:
    """Raise :class:`InfeasibleSpecError` with :func:`component_infeasibility`'s reason."""
    why = component_infeasibility(instance, problem)
    if why is not None:
        raise InfeasibleSpecError(why)


def unreachable_rows(instance: Instance) -> np.ndarray:
    """Demand rows that reach no allowed site at all."""
    i, j, _ = instance.pairs()
    ok = ~instance.forbidden[j]  # type: ignore[index]
    reach = np.zeros(instance.n_demand, dtype=bool)
    reach[i[ok]] = True
    return np.flatnonzero(~reach)


def drop_demand(instance: Instance, rows: np.ndarray) -> Instance:
    """The instance without the given demand rows."""
    from dataclasses import replace

    keep = np.ones(instance.n_demand, dtype=bool)
    keep[rows] = False
    cost = instance.cost
    if isinstance(cost, SparseCosts):
        i, j, d = cost.rows(), cost.indices, cost.data
        new_row = np.cumsum(keep) - 1
        sel = keep[i]
        cost = SparseCosts.from_pairs(new_row[i[sel]], j[sel], d[sel],
                                      (int(keep.sum()), instance.n_sites))
    else:
        cost = np.asarray(cost)[keep]
    demand = None if instance.demand is None else np.asarray(instance.demand)[keep]
    return replace(instance, cost=cost, weight=np.asarray(instance.weight)[keep],
                   demand_ids=instance.demand_ids[keep], demand=demand)
