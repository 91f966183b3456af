"""Shortest-path travel costs on a road network read from a local file.

Formats: OSM PBF (pyrosm), GraphML (as written by osmnx; read with networkx), or a plain edge
list CSV with columns ``u, v, length, u_x, u_y, v_x, v_y`` (optional ``oneway``). Points are
snapped to the nearest network node in a metric CRS and the snapping distance is added to the
path length. Costs come from Dijkstra (scipy.sparse.csgraph) run from the sites over the
reversed graph, limited to the cutoff, so only reachable pairs are ever stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataError
from ..instance import SparseCosts

_CHUNK = 32  # sources per Dijkstra call: bounds memory at CHUNK × nodes floats


@dataclass(frozen=True)
class Network:
    """Nodes (coordinates in ``crs``) and a directed edge list with non-negative lengths."""

    x: np.ndarray
    y: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    crs: Any
    source: str

    @property
    def n_nodes(self) -> int:
        return int(self.x.size)


@dataclass(frozen=True)
class NetworkCosts:
    costs: SparseCosts
    demand_snap: np.ndarray
    site_snap: np.ndarray
    n_nodes: int
    n_edges: int


def load_network(path: Path, network_type: str = "walking", crs: str | None = None) -> Network:
    """Read a road network file into a :class:`Network` (format from the file extension)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: network file not found")
    name = path.name.lower()
    if name.endswith(".pbf"):
        net = _from_pbf(path, network_type)
    elif name.endswith(".graphml"):
        net = _from_graphml(path)
    elif name.endswith(".csv"):
        net = _from_edge_csv(path, crs or "EPSG:4326")
    else:
        raise DataError(f"{path}: unknown network format (use .osm.pbf, .graphml or an edge-list .csv)")
    if net.u.size == 0:
        raise DataError(f"{path}: the network has no edges")
    return net


def _from_pbf(path: Path, network_type: str) -> Network:
    try:
        import pyrosm
    except ImportError:
        raise DataError("reading OSM PBF needs pyrosm: pip install 'siting[network]'") from None
    try:
        nodes, edges = pyrosm.OSM(str(path)).get_network(network_type=network_type, nodes=True)
    except Exception as exc:  # noqa: BLE001 - pyrosm raises bare exceptions
        raise DataError(f"{path}: cannot read OSM PBF: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    if edges is None or len(edges) == 0:
        raise DataError(f"{path}: no {network_type} network in this file")
    ids = nodes["id"].to_numpy(dtype=np.int64)
    u, v = edges["u"].to_numpy(dtype=np.int64), edges["v"].to_numpy(dtype=np.int64)
    length = edges["length"].to_numpy(dtype=float)
    if network_type == "driving" and "oneway" in edges.columns:
        ow = edges["oneway"].astype(str).str.lower().to_numpy()
        forward_only = np.isin(ow, ["yes", "true", "1"])
        reverse_only = ow == "-1"
    else:  # walking/cycling: every way can be walked both ways
        forward_only = reverse_only = np.zeros(len(u), dtype=bool)
    return _assemble(ids, nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float),
                     u, v, length, forward_only, reverse_only, "EPSG:4326", str(path))


def _from_graphml(path: Path) -> Network:
    import networkx as nx

    try:
        g = nx.read_graphml(path)
    except Exception as exc:  # noqa: BLE001 - networkx raises parser-specific types
        raise DataError(f"{path}: cannot read GraphML: {str(exc).splitlines()[0]}") from None
    crs = g.graph.get("crs", "EPSG:4326")
    node_ids = list(g.nodes)
    try:
        xs = np.array([float(g.nodes[n]["x"]) for n in node_ids])
        ys = np.array([float(g.nodes[n]["y"]) for n in node_ids])
    except (KeyError, ValueError):
        raise DataError(f"{path}: every GraphML node needs numeric x and y attributes") from None
    pos = {n: k for k, n in enumerate(node_ids)}
    u, v, length = [], [], []
    for a, b, data in g.edges(data=True):
        if "length" not in data:
            raise DataError(f"{path}: edge {a}->{b} has no length attribute")
        u.append(pos[a])
        v.append(pos[b])
        length.append(float(data["length"]))
    directed = g.is_directed()
    one = np.ones(len(u), dtype=bool) if directed else np.zeros(len(u), dtype=bool)
    return _assemble(np.arange(len(node_ids)), xs, ys, np.array(u, dtype=np.int64),
                     np.array(v, dtype=np.int64), np.array(length), one,
                     np.zeros(len(u), dtype=bool), crs, str(path))


def _from_edge_csv(path: Path, crs: str) -> Network:
    import pandas as pd

    from .layers import read_text_table

    df = read_text_table(path)
    need = ["u", "v", "length", "u_x", "u_y", "v_x", "v_y"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError(f"{path}: edge list lacks column(s) {', '.join(missing)} "
                        f"(needs {', '.join(need)}, optional oneway)")
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
    return _assemble(np.arange(len(labels)), x, y, u.astype(np.int64), v.astype(np.int64),
                     nums["length"], oneway, np.zeros(len(df), dtype=bool), crs, str(path))


def _assemble(node_ids: np.ndarray, x: np.ndarray, y: np.ndarray, u: np.ndarray, v: np.ndarray,
              length: np.ndarray, forward_only: np.ndarray, reverse_only: np.ndarray,
              crs: Any, source: str) -> Network:
    """Map node ids to 0..N-1 and expand two-way edges into both directions."""
    order = np.argsort(node_ids, kind="stable")
    sorted_ids = node_ids[order]
    ui, vi = np.searchsorted(sorted_ids, u), np.searchsorted(sorted_ids, v)
    known = (ui < sorted_ids.size) & (vi < sorted_ids.size)
    known[known] &= (sorted_ids[ui[known]] == u[known]) & (sorted_ids[vi[known]] == v[known])
    if (length[known] < 0).any() or not np.isfinite(length[known]).all():
        raise DataError(f"{source}: edge lengths must be finite and non-negative")
    ui, vi, length = order[ui[known]], order[vi[known]], length[known]
    fwd, rev = forward_only[known], reverse_only[known]
    src = np.concatenate([ui[~rev], vi[~fwd]])
    dst = np.concatenate([vi[~rev], ui[~fwd]])
    w = np.concatenate([length[~rev], length[~fwd]])
    return Network(x, y, src, dst, w, crs, source)


def network_costs(net: Network, demand_xy: np.ndarray, site_xy: np.ndarray, points_crs: Any,
                  cutoff: float | None, speed_kmh: float | None = None,
                  progress: Callable[[int, int], None] | None = None) -> NetworkCosts:
    """Demand→site costs: snap (metres) + shortest path + snap, scaled to minutes with a speed.

    ``demand_xy``/``site_xy`` are in ``points_crs`` (projected, metres); network nodes are
    projected to it for snapping.
    """
    from pyproj import Transformer
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    tr = Transformer.from_crs(net.crs, points_crs, always_xy=True)
    nx_, ny_ = tr.transform(net.x, net.y)
    tree = cKDTree(np.column_stack([nx_, ny_]))
    d_snap, d_node = tree.query(demand_xy)
    s_snap, s_node = tree.query(site_xy)
    scale = 1.0 if speed_kmh is None else 60.0 / (speed_kmh * 1000.0)  # metres → minutes
    n_nodes = net.n_nodes
    # csgraph drops explicit zeros as "no edge": give zero-length edges a negligible length
    w = np.where(net.length > 0, net.length, 1e-9)
    # keep the shortest of parallel edges (csr would add them up)
    key = net.u * n_nodes + net.v
    order = np.lexsort((w, key))
    first = np.ones(order.size, dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    sel = order[first]
    # reversed graph: Dijkstra from a site node gives each node's distance *to* that site
    graph = csr_array((w[sel], (net.v[sel], net.u[sel])), shape=(n_nodes, n_nodes))
    n, m = len(demand_xy), len(site_xy)
    rows_i, rows_j, rows_d = [], [], []
    for start in range(0, m, _CHUNK):
        js = np.arange(start, min(start + _CHUNK, m))
        limit = np.inf if cutoff is None else max(cutoff / scale - float(s_snap[js].min()), 0.0)
        dist = dijkstra(graph, directed=True, indices=s_node[js], limit=limit)
        total = (dist[:, d_node] + d_snap[None, :] + s_snap[js][:, None]) * scale
        ok = np.isfinite(total) if cutoff is None else total <= cutoff
        jj, ii = np.nonzero(ok)
        rows_i.append(ii)
        rows_j.append(js[jj])
        rows_d.append(total[jj, ii])
        if progress is not None:
            progress(int(js[-1]) + 1, m)
    costs = SparseCosts.from_pairs(np.concatenate(rows_i), np.concatenate(rows_j),
                                   np.concatenate(rows_d), (n, m))
    return NetworkCosts(costs, d_snap, s_snap, n_nodes, int(sel.size))
