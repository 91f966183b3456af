"""The planning map of the community report: inline SVG in projected coordinates.

Layers bottom to top: optional basemap tiles, community boundaries, streets, blocks coloured
by credited share, each chosen site's catchment per service and tier, sites (new ■, existing ◎,
unchosen ×) and community names; a north arrow and a scale bar stay fixed while the report's
script zooms and pans the map group. Drawn from the ``map`` part of
:func:`siting.community.report.report_data`; text in the current language.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from ..i18n import N_, _, fmt_number, fmt_percent



class Page(Protocol):
    """What the map needs of the report page: its data, tile URL and display names."""

    data: dict[str, Any]
    tiles: str | None
    names: list[str]
    services: list[dict[str, Any]]

    def service(self, name: str) -> str: ...

    def service_plain(self, name: str) -> str: ...

# what a phase builds (halo of a site opened in the phase, badge of modules added there)
HIGHLIGHT = "#00a6d6"  # apart from the service palette and the block ramp
PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
           "#1f78b4", "#b2df8a", "#fb9a99"]


def escape(text: Any) -> str:
    """HTML-escaped text."""
    return html.escape(str(text))


def as_data(text: Any, tag: str = "span") -> str:
    """Text from the data, shown as given (not translated, not scanned for leftovers)."""
    return f"<{tag} translate=\"no\">{escape(text)}</{tag}>"


class PlanMap:
    """The planning map as inline SVG: projected coordinates scaled to a fixed canvas."""

    W = 1100.0

    def __init__(self, page: Page, m: dict[str, Any] | None = None, key: str = "map",
                 caption: str = ""):
        """``m``: the map data (default: the page's ``map``); ``key``: the id of this map's
        svg, prefixing every id inside it (the main map, "map", keeps the plain ids);
        ``caption``: the accessible name of a second map (a phase's)."""
        self.p = page
        self.m = page.data["map"] if m is None else m
        self.key = key
        self.main = key == "map"
        self.caption = caption

    def ident(self, name: str) -> str:
        """An element id unique on the page (several maps share the same layer names)."""
        return name if self.main else f"{self.key}-{name}"

    def svg(self) -> str:
        m, p = self.m, self.p
        bx, by = np.asarray(m["blocks"]["x"]), np.asarray(m["blocks"]["y"])
        sx, sy = np.asarray(m["sites"]["x"]), np.asarray(m["sites"]["y"])
        xs = [bx, sx] + [np.asarray([q[0] for r in b["rings"] for q in r]) for b in m["boundaries"]]
        ys = [by, sy] + [np.asarray([q[1] for r in b["rings"] for q in r]) for b in m["boundaries"]]
        x_all, y_all = np.concatenate(xs), np.concatenate(ys)
        lo = np.array([x_all.min(), y_all.min()])
        hi = np.array([x_all.max(), y_all.max()])
        span = np.maximum(hi - lo, 1.0)
        W, pad = self.W, 30.0
        H = float(max(300.0, min(1000.0, (W - 2 * pad) * span[1] / span[0] + 2 * pad + 40)))
        s = min((W - 2 * pad) / span[0], (H - 2 * pad - 40) / span[1])
        ox = pad + ((W - 2 * pad) - span[0] * s) / 2
        oy = pad + ((H - 2 * pad - 40) - span[1] * s) / 2

        def X(x: Any) -> Any:
            return ox + (np.asarray(x, dtype=float) - lo[0]) * s

        def Y(y: Any) -> Any:
            return oy + (hi[1] - np.asarray(y, dtype=float)) * s

        self.X, self.Y, self.s = X, Y, s
        mpp = 1.0 / s  # metres per canvas unit
        label = self.caption or _("planning map")
        out = [f"<div class=\"mapbox\"><svg xmlns=\"http://www.w3.org/2000/svg\" "
               f"id=\"{self.key}\" class=\"planmap\" "
               f"viewBox=\"0 0 {W:.0f} {H:.0f}\" data-w=\"{W:.0f}\" data-h=\"{H:.0f}\" "
               f"data-mpp=\"{mpp:.6g}\" data-m=\"{escape(_('m'))}\" data-km=\"{escape(_('km'))}\" "
               f"role=\"img\" aria-label=\"{escape(label)}\">"
               f"<rect width=\"{W:.0f}\" height=\"{H:.0f}\" fill=\"#fff\"/>"
               f"<g id=\"{self.ident('viewport')}\" class=\"viewport\">"]
        out.append(self.basemap(lo, hi))
        out.append(self.boundaries())
        out.append(self.streets())
        out.append(self.network())
        out.append(self.links())
        out.append(self.blocks())
        out.append(self.catchments())
        out.append(self.sites())
        out.append(self.labels())
        out.append("</g>")
        out.append(self.north_arrow(W))
        out.append(self.scale_bar(H, mpp))
        out.append("</svg><div class=\"ctl noprint\">"
                   f"<button type=\"button\" data-zoom=\"in\" title=\"{escape(_('zoom in'))}\">+</button>"
                   f"<button type=\"button\" data-zoom=\"out\" title=\"{escape(_('zoom out'))}\">−</button>"
                   f"<button type=\"button\" data-zoom=\"reset\">{escape(_('reset view'))}</button>")
        if self.main:  # one print view and print button for the page
            out.append(f"<button type=\"button\" id=\"print-view\">{escape(_('print view'))}</button>"
                       f"<button type=\"button\" id=\"print-now\">{escape(_('print'))}</button>")
        out.append("</div></div>")
        out.append(self.legend() if self.main else self.phase_legend())
        return "".join(out)

    def basemap(self, lo: np.ndarray, hi: np.ndarray) -> str:
        """XYZ (Web Mercator) tiles covering the map, each placed by its corners in the working
        CRS (nearly axis-aligned at district scale); empty unless a tile URL is given."""
        url, crs = self.p.tiles, self.m.get("crs")
        if not url or not crs:
            return ""
        from pyproj import Transformer

        R = 6378137.0
        fwd = Transformer.from_crs(crs, "EPSG:3857", always_xy=True)
        back = Transformer.from_crs("EPSG:3857", crs, always_xy=True)
        mx, my = fwd.transform([lo[0], hi[0], lo[0], hi[0]], [lo[1], lo[1], hi[1], hi[1]])
        world = 2 * math.pi * R
        z = int(min(max(round(math.log2(world / (256.0 / self.s))), 0), 19))
        while True:
            size = world / 2 ** z
            xs = range(int((min(mx) + world / 2) // size), int((max(mx) + world / 2) // size) + 1)
            ys = range(int((world / 2 - max(my)) // size), int((world / 2 - min(my)) // size) + 1)
            if len(xs) * len(ys) <= 120 or z == 0:
                break
            z -= 1
        out = [f"<g id=\"{self.ident('layer-basemap')}\" opacity=\"0.7\">"]
        for tx in xs:
            for ty in ys:
                x0, y1 = tx * size - world / 2, world / 2 - ty * size
                (ax, bx), (ay, by) = back.transform([x0, x0 + size], [y1 - size, y1])
                href = escape(url.replace("{z}", str(z)).replace("{x}", str(tx))
                          .replace("{y}", str(ty)))
                px0, px1 = float(self.X(ax)), float(self.X(bx))
                py0, py1 = float(self.Y(by)), float(self.Y(ay))
                out.append(f"<image class=\"tile\" href=\"{href}\" x=\"{px0:.1f}\" "
                           f"y=\"{py0:.1f}\" width=\"{px1 - px0:.1f}\" height=\"{py1 - py0:.1f}\" "
                           "preserveAspectRatio=\"none\"/>")
        out.append("</g>")
        return "".join(out)

    def path(self, rings: Sequence[Sequence[Sequence[float]]]) -> str:
        d = []
        for ring in rings:
            xy = np.asarray(ring, dtype=float)
            px, py = self.X(xy[:, 0]), self.Y(xy[:, 1])
            d.append("M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py)) + "Z")
        return "".join(d)

    def boundaries(self) -> str:
        out = [f"<g id=\"{self.ident('layer-boundaries')}\" class=\"boundaries\">"]
        for b in self.m["boundaries"]:
            out.append(f"<path class=\"community\" d=\"{self.path(b['rings'])}\" fill=\"#f4f1ea\" "
                       "stroke=\"#6b5b45\" stroke-width=\"1.6\" stroke-dasharray=\"6,3\" "
                       f"vector-effect=\"non-scaling-stroke\" fill-rule=\"evenodd\">"
                       f"<title>{escape(b['name'])}</title></path>")
        out.append("</g>")
        return "".join(out)

    def streets(self) -> str:
        out = [f"<g id=\"{self.ident('layer-streets')}\" class=\"streets\" fill=\"none\" stroke=\"#bdbdbd\" "
               "stroke-width=\"2\" stroke-linecap=\"round\">"]
        for line in self.m["streets"]:
            xy = np.asarray(line, dtype=float)
            if xy.size == 0:
                continue
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(self.X(xy[:, 0]), self.Y(xy[:, 1])))
            out.append(f"<polyline class=\"street\" points=\"{pts}\" "
                       "vector-effect=\"non-scaling-stroke\"/>")
        out.append("</g>")
        return "".join(out)

    def network(self) -> str:
        """The walking network the distances were measured on (network metric)."""
        out = [f"<g id=\"{self.ident('layer-network')}\" class=\"network\" fill=\"none\" stroke=\"#7aa6c2\" "
               "stroke-width=\"1\" stroke-opacity=\"0.8\">"]
        for line in self.m.get("network", []):
            xy = np.asarray(line, dtype=float).reshape(-1, 2)
            if xy.shape[0] < 2:
                continue
            pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(self.X(xy[:, 0]), self.Y(xy[:, 1])))
            out.append(f"<polyline points=\"{pts}\" vector-effect=\"non-scaling-stroke\"/>")
        out.append("</g>")
        return "".join(out)

    def links(self) -> str:
        """Each credited block to the chosen site credited for it (straight lines)."""
        lk = self.m.get("links") or {"service": [], "block": [], "site": []}
        b, st = self.m["blocks"], self.m["sites"]
        bx, by = self.X(b["x"]), self.Y(b["y"])
        sx, sy = self.X(st["x"]), self.Y(st["y"])
        out = []
        for s, i, j in zip(lk["service"], lk["block"], lk["site"]):
            out.append(f"<line class=\"link svc-{s}\" x1=\"{bx[i]:.1f}\" y1=\"{by[i]:.1f}\" "
                       f"x2=\"{sx[j]:.1f}\" y2=\"{sy[j]:.1f}\" "
                       f"stroke=\"{PALETTE[s % len(PALETTE)]}\"/>")
        return (f"<g id=\"{self.ident('layer-links')}\" stroke-width=\"0.5\" stroke-opacity=\"0.3\">"
                + "".join(out) + "</g>")

    def blocks(self) -> str:
        b = self.m["blocks"]
        pop = np.asarray(b["pop"], dtype=float)
        r = np.clip(np.sqrt(pop / max(pop.mean(), 1e-9)) * 2.0, 1.0, 4.5)
        px, py = self.X(b["x"]), self.Y(b["y"])
        names = self.m["districts"]
        label = _("{share} credited")
        out = [f"<g id=\"{self.ident('layer-blocks')}\">"]
        for k in range(len(px)):
            tip = (f"{b['id'][k]} ({names[b['district'][k]]}): "
                   + label.format(share=fmt_percent(b['share'][k], 0)))
            out.append(f"<circle class=\"block\" cx=\"{px[k]:.1f}\" cy=\"{py[k]:.1f}\" "
                       f"r=\"{r[k]:.1f}\" fill=\"{_ramp(b['share'][k])}\" fill-opacity=\"0.85\">"
                       f"<title>{escape(tip)}</title></circle>")
        out.append("</g>")
        return "".join(out)

    def catchments(self) -> str:
        out = []
        by_service: dict[int, list[str]] = {}
        for c in self.m["catchments"]:
            color = PALETTE[c["service"] % len(PALETTE)]
            dash = "" if c["tier"] == 0 else " stroke-dasharray=\"5,4\""
            op = 0.10 if c["tier"] == 0 else 0.0
            common = (f"class=\"catchment tier{c['tier'] + 1}\" fill=\"{color}\" "
                      f"fill-opacity=\"{op}\" stroke=\"{color}\" stroke-width=\"1.3\"{dash} "
                      "vector-effect=\"non-scaling-stroke\"")
            if "circle" in c:
                x, y, r = c["circle"]
                shape = (f"<circle {common} cx=\"{float(self.X(x)):.1f}\" "
                         f"cy=\"{float(self.Y(y)):.1f}\" r=\"{r * self.s:.1f}\"/>")
            else:
                shape = f"<path {common} d=\"{self.path([c['ring']])}\"/>"
            by_service.setdefault(c["service"], []).append(shape)
        for s, shapes in sorted(by_service.items()):
            out.append(f"<g class=\"catchments svc-{s}\" data-service=\"{escape(self.p.names[s])}\">"
                       + "".join(shapes) + "</g>")
        return f"<g id=\"{self.ident('layer-catchments')}\">" + "".join(out) + "</g>"

    def sites(self) -> str:
        st = self.m["sites"]
        px, py = self.X(st["x"]), self.Y(st["y"])
        out = [f"<g id=\"{self.ident('layer-unused')}\">"]
        for j in range(len(px)):
            if st["used"][j]:
                continue
            x, y = px[j], py[j]
            out.append(f"<path class=\"site site-unused\" d=\"M{x - 3:.1f},{y - 3:.1f}L{x + 3:.1f},"
                       f"{y + 3:.1f}M{x - 3:.1f},{y + 3:.1f}L{x + 3:.1f},{y - 3:.1f}\" "
                       "stroke=\"#8a8a8a\" stroke-width=\"1.2\"><title>"
                       + escape(f"{st['id'][j]} {st['name'][j]}".strip() + " — "
                            + (_("candidate, not chosen") if self.main
                               else _("not open in this phase"))) + "</title></path>")
        out.append(f"</g><g id=\"{self.ident('layer-sites')}\">")
        for j in range(len(px)):
            if not st["used"][j]:
                continue
            out.append(self.site_glyph(px[j], py[j], j))
        out.append("</g>")
        return "".join(out)

    def site_glyph(self, x: float, y: float, j: int) -> str:
        st = self.m["sites"]
        hosted = st["hosts"][j]
        existing = st["status"][j] == "existing"
        opened = st["status"][j] == "opened"   # a phase map: the site opens in this phase
        added = st["added"][j] if "added" in st else []   # [[service, modules]] of the phase
        names = ", ".join(self.p.service_plain(self.p.names[s]) for s in hosted) or _("no service")
        kind = (_("existing site") if existing else
                _("new site, opens in this phase") if opened else _("new site"))
        tip = f"{st['id'][j]} {st['name'][j]}".strip() + f" ({kind}): {names}"
        if added:
            tip += "; " + _("new modules in this phase: {modules}").format(modules=", ".join(
                f"{self.p.service_plain(self.p.names[s])} ×{n}" for s, n in added))
        size = 13.0
        cls = "existing" if existing else "new"
        cls += " site-opened" if opened else ""
        cls += " site-added" if added else ""
        parts = [f"<g class=\"site site-{cls}\"><title>{escape(tip)}</title>"]
        if opened:  # a halo around the square: what this phase builds
            parts.append(f"<rect class=\"opened-halo\" x=\"{x - size / 2 - 4:.1f}\" "
                         f"y=\"{y - size / 2 - 4:.1f}\" width=\"{size + 8}\" "
                         f"height=\"{size + 8}\" fill=\"#fff\" fill-opacity=\"0.6\" "
                         f"stroke=\"{HIGHLIGHT}\" stroke-width=\"2.6\"/>")
        w = size / max(len(hosted), 1)
        clip = self.ident(f"clip-site-{j}")
        if existing:  # a circle with its services as vertical bands
            parts.append(f"<clipPath id=\"{clip}\"><circle cx=\"{x:.1f}\" cy=\"{y:.1f}\" "
                         f"r=\"{size / 2:.1f}\"/></clipPath>")
        else:
            parts.append(f"<clipPath id=\"{clip}\"><rect x=\"{x - size / 2:.1f}\" "
                         f"y=\"{y - size / 2:.1f}\" width=\"{size}\" height=\"{size}\"/></clipPath>")
        parts.append(f"<g clip-path=\"url(#{clip})\">")
        for k, s in enumerate(hosted or [None]):
            color = "#ccc" if s is None else PALETTE[s % len(PALETTE)]
            parts.append(f"<rect x=\"{x - size / 2 + k * w:.1f}\" y=\"{y - size / 2:.1f}\" "
                         f"width=\"{w + 0.2:.1f}\" height=\"{size:.1f}\" fill=\"{color}\"/>")
        parts.append("</g>")
        if existing:
            parts.append(f"<circle cx=\"{x:.1f}\" cy=\"{y:.1f}\" r=\"{size / 2:.1f}\" fill=\"none\" "
                         "stroke=\"#222\" stroke-width=\"1.4\"/><circle "
                         f"cx=\"{x:.1f}\" cy=\"{y:.1f}\" r=\"{size / 2 + 2.2:.1f}\" fill=\"none\" "
                         "stroke=\"#222\" stroke-width=\"0.9\"/>")
        else:
            parts.append(f"<rect x=\"{x - size / 2:.1f}\" y=\"{y - size / 2:.1f}\" width=\"{size}\" "
                         f"height=\"{size}\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.6\"/>")
        if added and not opened:  # modules added at a site already open: a "+" badge
            bx, by = x + size / 2 + 1, y - size / 2 - 1
            parts.append(f"<g class=\"added-badge\"><circle cx=\"{bx:.1f}\" cy=\"{by:.1f}\" "
                         f"r=\"5\" fill=\"{HIGHLIGHT}\"/><path d=\"M{bx - 3:.1f},{by:.1f}H{bx + 3:.1f}"
                         f"M{bx:.1f},{by - 3:.1f}V{by + 3:.1f}\" stroke=\"#fff\" "
                         "stroke-width=\"1.6\"/></g>")
        parts.append("</g>")
        return "".join(parts)

    def labels(self) -> str:
        out = [f"<g id=\"{self.ident('layer-labels')}\" font-size=\"15\" font-weight=\"700\" fill=\"#333\" "
               "fill-opacity=\"0.7\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\" "
               "text-anchor=\"middle\" pointer-events=\"none\">"]
        b = self.m["blocks"]
        bx, by = np.asarray(b["x"]), np.asarray(b["y"])
        dist = np.asarray(b["district"])
        for g, name in enumerate(self.m["districts"]):
            sel = dist == g
            if sel.any():
                cx, cy = float(self.X(bx[sel].mean())), float(self.Y(by[sel].mean()))
                out.append(f"<text class=\"district\" translate=\"no\" x=\"{cx:.1f}\" "
                           f"y=\"{cy:.1f}\">{escape(name)}</text>")
        out.append("</g>")
        return "".join(out)

    def north_arrow(self, W: float) -> str:
        x, y = W - 42, 22
        return (f"<g id=\"{self.ident('north-arrow')}\" class=\"north-arrow\" transform=\"translate({x:.0f},{y:.0f})\">"
                "<rect x=\"-18\" y=\"-8\" width=\"36\" height=\"62\" fill=\"#fff\" "
                "fill-opacity=\"0.85\" rx=\"4\"/>"
                "<path d=\"M0,0 L10,34 L0,27 L-10,34 Z\" fill=\"#222\"/>"
                "<path d=\"M0,0 L0,27 L-10,34 Z\" fill=\"#fff\" stroke=\"#222\" stroke-width=\"1\"/>"
                f"<text x=\"0\" y=\"50\" text-anchor=\"middle\" font-size=\"13\" "
                f"font-weight=\"700\">{escape(_('N'))}</text></g>")

    def scale_bar(self, H: float, mpp: float) -> str:
        label = self.static_scale(mpp)
        w = self.bar_px
        return (f"<g id=\"{self.ident('scalebar')}\" class=\"scalebar\" transform=\"translate(24,{H - 30:.0f})\">"
                "<rect x=\"-8\" y=\"-20\" width=\"190\" height=\"34\" fill=\"#fff\" "
                "fill-opacity=\"0.85\" rx=\"4\"/>"
                f"<rect id=\"{self.ident('scalebar-bar')}\" class=\"scalebar-bar\" x=\"0\" y=\"0\" width=\"{w:.1f}\" height=\"6\" fill=\"#222\"/>"
                "<rect x=\"0\" y=\"-4\" width=\"1.5\" height=\"10\" fill=\"#222\"/>"
                f"<rect id=\"{self.ident('scalebar-tick')}\" class=\"scalebar-tick\" x=\"{w - 1:.1f}\" y=\"-4\" width=\"1.5\" height=\"10\" "
                f"fill=\"#222\"/><text id=\"{self.ident('scalebar-text')}\" class=\"scalebar-text\" x=\"{w / 2:.1f}\" y=\"-6\" "
                f"text-anchor=\"middle\" font-size=\"12\">{escape(label)}</text></g>")

    def static_scale(self, mpp: float) -> str:
        # what the script writes too, so the bar is right in a print without scripts
        metres = 140 * mpp
        p = 10 ** math.floor(math.log10(metres))
        f = metres / p
        nice = (5 if f >= 5 else 2 if f >= 2 else 1) * p
        self.bar_px = nice / mpp
        return (f"{nice / 1000:g} {_('km')}" if nice >= 1000 else f"{nice:g} {_('m')}")

    def legend(self) -> str:
        p = self.p
        out = ["<div class=\"legend\">"]
        out.append(f"<span><svg class=\"sym\" width=\"16\" height=\"16\"><rect x=\"2\" y=\"2\" "
                   "width=\"12\" height=\"12\" fill=\"#ddd\" stroke=\"#000\" stroke-width=\"1.6\"/>"
                   f"</svg>{escape(_('new site'))}</span>")
        out.append(f"<span><svg class=\"sym\" width=\"18\" height=\"18\"><circle cx=\"9\" cy=\"9\" "
                   "r=\"6\" fill=\"#ddd\" stroke=\"#222\" stroke-width=\"1.4\"/><circle cx=\"9\" "
                   "cy=\"9\" r=\"8\" fill=\"none\" stroke=\"#222\" stroke-width=\".9\"/></svg>"
                   f"{escape(_('existing site'))}</span>")
        out.append("<span><svg class=\"sym\" width=\"14\" height=\"14\"><path d=\"M3,3L11,11M3,11"
                   "L11,3\" stroke=\"#8a8a8a\" stroke-width=\"1.4\"/></svg>"
                   f"{escape(_('candidate, not chosen'))}</span>")
        out.append("<span><svg class=\"sym\" width=\"22\" height=\"12\"><path d=\"M1,6H21\" "
                   "stroke=\"#6b5b45\" stroke-width=\"1.6\" stroke-dasharray=\"6,3\"/></svg>"
                   + escape(_("community boundary") if self.m.get("boundary_source") == "layer"
                        else _("community boundary (derived from blocks)")) + "</span>")
        if self.m["streets"]:
            out.append("<span><svg class=\"sym\" width=\"22\" height=\"12\"><path d=\"M1,6H21\" "
                       "stroke=\"#bdbdbd\" stroke-width=\"2\"/></svg>"
                       f"{escape(_('street network'))}</span>")
        if self.m.get("network"):
            note = self.m.get("network_note") or {}
            text = _("walking network used for the distances")
            if note.get("drawn", 0) < note.get("edges", 0):
                text = _("walking network used for the distances ({drawn} of {edges} edges, "
                         "the longest)").format(drawn=fmt_number(note["drawn"]),
                                                edges=fmt_number(note["edges"]))
            out.append("<span id=\"legend-network\"><svg class=\"sym\" width=\"22\" height=\"12\">"
                       "<path d=\"M1,6H21\" stroke=\"#7aa6c2\" stroke-width=\"1.4\"/></svg>"
                       f"{escape(text)}</span>")
        if (self.m.get("links") or {}).get("block"):
            out.append("<span id=\"legend-links\"><svg class=\"sym\" width=\"22\" height=\"12\">"
                       "<path d=\"M1,10L21,2\" stroke=\"#555\" stroke-width=\"1\"/></svg>"
                       + escape(_("block → the site credited for it (straight line; the walk "
                                  "follows the network)")) + "</span>")
        if self.p.tiles:
            host = re.sub(r"^[a-z]+://", "", self.p.tiles).split("/")[0] or self.p.tiles
            out.append("<span>" + escape(_("basemap: {source}")).replace("{source}", as_data(host))
                       + "</span>")
        out.append("</div><div class=\"legend\">")
        how = (_("catchment: solid = tier 1, dashed = outer tier (circles: straight-line radius)")
               if self.m.get("metric") == "euclidean" else
               _("catchment: solid = tier 1, dashed = outer tier (hull of the blocks reached "
                 "along the network)"))
        out.append(f"<span>{escape(how)}</span>")
        for s, svc in enumerate(p.services):
            color = PALETTE[s % len(PALETTE)]
            radii = " / ".join(fmt_number(t[0]) for t in svc["tiers"])
            out.append(f"<label><input type=\"checkbox\" class=\"noprint\" checked "
                       f"data-layer=\".catchments.svc-{s}\"> <i class=\"sw\" style=\"background:"
                       f"{color}\"></i>{p.service(svc['name'])} ({escape(radii)} {escape(_('m'))})</label>")
        out.append("</div><div class=\"legend\"><span>" + escape(_("blocks: credited share of the "
                   "block's segment population")) + "</span>")
        for v in (0.0, 0.25, 0.5, 0.75, 1.0):
            out.append(f"<span><i class=\"sw\" style=\"background:{_ramp(v)}\"></i>"
                       f"{escape(fmt_percent(v, 0))}</span>")
        out.append("</div>")
        return "".join(out)

    def phase_legend(self) -> str:
        """A phase map's key: what is open at the phase and what the phase builds (the
        catchment colours and the block ramp are those of the main map's legend)."""
        out = ["<div class=\"legend\">"]
        out.append("<span><svg class=\"sym\" width=\"22\" height=\"22\"><rect x=\"2\" y=\"2\" "
                   f"width=\"18\" height=\"18\" fill=\"#fff\" stroke=\"{HIGHLIGHT}\" "
                   "stroke-width=\"2.4\"/><rect x=\"6\" y=\"6\" width=\"10\" height=\"10\" "
                   "fill=\"#ddd\" stroke=\"#000\" stroke-width=\"1.4\"/></svg>"
                   f"{escape(_('new site, opens in this phase'))}</span>")
        out.append("<span><svg class=\"sym\" width=\"16\" height=\"16\"><rect x=\"2\" y=\"2\" "
                   "width=\"12\" height=\"12\" fill=\"#ddd\" stroke=\"#000\" stroke-width=\"1.6\"/>"
                   f"</svg>{escape(_('new site, opened in an earlier phase'))}</span>")
        out.append("<span><svg class=\"sym\" width=\"18\" height=\"18\"><circle cx=\"9\" cy=\"9\" "
                   "r=\"6\" fill=\"#ddd\" stroke=\"#222\" stroke-width=\"1.4\"/><circle cx=\"9\" "
                   "cy=\"9\" r=\"8\" fill=\"none\" stroke=\"#222\" stroke-width=\".9\"/></svg>"
                   f"{escape(_('existing site'))}</span>")
        out.append(f"<span><svg class=\"sym\" width=\"14\" height=\"14\"><circle cx=\"7\" "
                   f"cy=\"7\" r=\"5\" fill=\"{HIGHLIGHT}\"/><path d=\"M4,7H10M7,4V10\" "
                   "stroke=\"#fff\" stroke-width=\"1.6\"/></svg>"
                   f"{escape(_('modules added in this phase'))}</span>")
        out.append("<span><svg class=\"sym\" width=\"14\" height=\"14\"><path d=\"M3,3L11,11M3,11"
                   "L11,3\" stroke=\"#8a8a8a\" stroke-width=\"1.4\"/></svg>"
                   f"{escape(_('not open in this phase'))}</span>")
        out.append("</div>")
        return "".join(out)


def _ramp(v: float) -> str:
    """Red (0) → amber → green (1)."""
    v = float(min(max(v, 0.0), 1.0))
    stops = [(0.0, (215, 48, 39)), (0.5, (254, 224, 139)), (1.0, (26, 152, 80))]
    for (a, ca), (b, cb) in zip(stops, stops[1:]):
        if v <= b:
            t = (v - a) / (b - a)
            c = [round(ca[i] + t * (cb[i] - ca[i])) for i in range(3)]
            return f"#{c[0]:02x}{c[1]:02x}{c[2]:02x}"
    return "#1a9850"


# messages used inside f-strings, where Python 3.11's tokenizer hides them from pybabel
_IN_FSTRINGS = [N_("N"), N_("candidate, not chosen"), N_("existing site"),
                N_("new site, opens in this phase"), N_("new site, opened in an earlier phase"),
                N_("modules added in this phase"), N_("not open in this phase"), N_("km"), N_("m"), N_("new site"), N_("planning map"), N_("print"), N_("print view"), N_("reset view"), N_("street network"), N_("zoom in"), N_("zoom out")]
