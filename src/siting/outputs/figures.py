"""PNG figures (matplotlib, Agg backend): the solution map and the travel-cost distribution."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def write_figures(folder: Path, frames: dict[str, Any], title: str, units: str,
                  geographic: bool) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    sites, demand, lines = frames["sites"], frames["demand"], frames["assignments"]
    fig, ax = plt.subplots(figsize=(8, 8), dpi=110)
    if len(lines):
        segs = [np.asarray(g.coords) for g in lines.geometry.to_numpy()]
        ax.add_collection(LineCollection(segs, colors="#555555", linewidths=0.5, alpha=0.4,
                                         zorder=1))
    dx, dy = demand.geometry.x.to_numpy(), demand.geometry.y.to_numpy()
    cost = demand["travel_cost"].to_numpy(dtype=float)
    ok = np.isfinite(cost)
    sc = ax.scatter(dx[ok], dy[ok], c=cost[ok], s=14, cmap="viridis", zorder=2,
                    edgecolors="#333333", linewidths=0.3)
    ax.scatter(dx[~ok], dy[~ok], c="#9e9e9e", s=14, zorder=2, label="not covered / unassigned")
    is_open = sites["open"].to_numpy(dtype=bool)
    sx, sy = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    ax.scatter(sx[~is_open], sy[~is_open], marker="s", s=40, facecolors="white",
               edgecolors="#888888", zorder=3, label="closed site")
    ax.scatter(sx[is_open], sy[is_open], marker="s", s=80, c="#d62728", edgecolors="black",
               zorder=4, label="open site")
    if ok.any():
        fig.colorbar(sc, ax=ax, shrink=0.7, label=f"travel cost ({units})")
    if geographic:
        ax.set_aspect(1 / np.cos(np.radians(np.mean(dy))))
    else:
        ax.set_aspect("equal")
    ax.set_title(title)
    ax.legend(loc="best", fontsize=8)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    fig.savefig(folder / "map.png")
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    w = demand["weight"].to_numpy(dtype=float)
    if ok.any():
        ax.hist(cost[ok], bins=30, weights=w[ok], color="#3b528b")
    ax.set_xlabel(f"travel cost to assigned site ({units})")
    ax.set_ylabel("demand weight")
    ax.set_title(f"{title}: travel cost distribution")
    fig.tight_layout()
    fig.savefig(folder / "travel_cost.png")
    plt.close(fig)
    return ["map.png", "travel_cost.png"]
