"""PNG figures (matplotlib, Agg backend): the solution map and the travel-cost distribution.

Labels are in the current language (:mod:`siting.i18n`). Chinese needs a CJK font: the first
of :data:`CJK_FAMILIES` that matplotlib's font manager finds is put first in the sans-serif
list; when none is installed the figures are still written and a warning says so (the
labels would show as empty boxes; install fonts-noto-cjk).
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..i18n import N_, _, current, pgettext

CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC", "PingFang SC",
                "Microsoft YaHei", "SimHei", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
                "Noto Sans CJK JP", "Droid Sans Fallback")


class FontWarning(UserWarning):
    """Figures in Chinese were drawn without a CJK font."""


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = _first_cjk({f.name for f in manager.ttflist})
    if found is None:
        # matplotlib caches its font list: fonts installed after the cache was written (apt
        # after a first import) are invisible until they are added by file
        for path in font_manager.findSystemFonts():
            if "cjk" in Path(path).name.lower() or "droidsansfallback" in Path(path).name.lower():
                try:
                    manager.addfont(path)
                except (OSError, RuntimeError, ValueError):  # an unreadable file is not a font
                    continue
        found = _first_cjk({f.name for f in manager.ttflist})
    return found


def _first_cjk(names: set[str]) -> str | None:
    return next((f for f in CJK_FAMILIES if f in names), None)


def use_fonts() -> str | None:
    """Point matplotlib at a CJK font when one exists; warn when Chinese needs one and none is
    installed. Returns the note, or None."""
    import matplotlib

    family = cjk_font()
    if family is not None:
        rest = [f for f in matplotlib.rcParams["font.sans-serif"] if f != family]
        matplotlib.rcParams["font.sans-serif"] = [family, *rest]
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["axes.unicode_minus"] = False
        return None
    if current() == "zh":
        note = _("no CJK font found by matplotlib (looked for {fonts}, ...): Chinese labels in "
                 "the PNG figures show as boxes; install fonts-noto-cjk").format(
                     fonts=", ".join(CJK_FAMILIES[:4]))
        warnings.warn(note, FontWarning, stacklevel=2)
        return note
    return None


def write_figures(folder: Path, frames: dict[str, Any], title: str, units: str,
                  geographic: bool) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection

    use_fonts()

    sites, demand, lines = frames["sites"], frames["demand"], frames["assignments"]
    units = pgettext("unit", units)
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
    ax.scatter(dx[~ok], dy[~ok], c="#9e9e9e", s=14, zorder=2, label=_("demand not covered / unassigned"))
    is_open = sites["open"].to_numpy(dtype=bool)
    sx, sy = sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()
    ax.scatter(sx[~is_open], sy[~is_open], marker="s", s=40, facecolors="white",
               edgecolors="#888888", zorder=3, label=_("closed site"))
    ax.scatter(sx[is_open], sy[is_open], marker="s", s=80, c="#d62728", edgecolors="black",
               zorder=4, label=_("open site"))
    if ok.any():
        fig.colorbar(sc, ax=ax, shrink=0.7, label=_("travel cost ({units})").format(units=units))
    if geographic:
        ax.set_aspect(1 / np.cos(np.radians(np.mean(dy))))
    else:
        ax.set_aspect("equal")
    ax.set_title(title)
    _scale_and_north(ax, geographic, float(np.mean(dy)) if len(dy) else 0.0)
    ax.legend(loc="best", fontsize=8)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    fig.savefig(folder / "map.png")
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    w = demand["weight"].to_numpy(dtype=float)
    if ok.any():
        ax.hist(cost[ok], bins=30, weights=w[ok], color="#3b528b")
    ax.set_xlabel(_("travel cost to assigned site ({units})").format(units=units))
    ax.set_ylabel(_("demand weight"))
    ax.set_title(_("{title}: travel cost distribution").format(title=title))
    fig.tight_layout()
    fig.savefig(folder / "travel_cost.png")
    plt.close(fig)
    return ["map.png", "travel_cost.png"]


def _scale_and_north(ax: Any, geographic: bool, lat: float) -> None:
    """A scale bar (lower left) and a north arrow (upper right) in axes coordinates."""
    x0, x1 = ax.get_xlim()
    width = abs(x1 - x0)
    metres = width * (111320.0 * np.cos(np.radians(lat)) if geographic else 1.0)
    target = metres / 5
    p = 10 ** np.floor(np.log10(max(target, 1e-9)))
    nice = (5 if target / p >= 5 else 2 if target / p >= 2 else 1) * p
    frac = nice / metres
    label = (f"{nice / 1000:g} {_('km')}" if nice >= 1000 else f"{nice:g} {_('m')}")
    ax.plot([0.04, 0.04 + frac], [0.04, 0.04], transform=ax.transAxes, color="#222", lw=3,
            solid_capstyle="butt", zorder=6)
    ax.text(0.04 + frac / 2, 0.055, label, transform=ax.transAxes, ha="center", va="bottom",
            fontsize=8, zorder=6)
    ax.annotate(_("N"), xy=(0.95, 0.95), xytext=(0.95, 0.86), xycoords="axes fraction",
                ha="center", va="center", fontsize=10, fontweight="bold", zorder=6,
                arrowprops={"arrowstyle": "-|>", "color": "#222", "lw": 1.5})


# messages used inside f-strings (hidden from pybabel on Python 3.11)
_IN_FSTRINGS = [N_("km"), N_("m")]
