"""map.html: an interactive map that works offline (inline JavaScript + SVG, no tiles, no CDN),
in the run's language, with a scale bar that follows the zoom, a north arrow and a print layout.

The page embeds our own GeoJSON (sites, demand, assignment lines, in the run's CRS) in a
``<script type="application/json">`` block and draws it as SVG. User-supplied text (ids,
scenario name) only reaches the page through ``textContent`` or ``html.escape``, and the JSON
block escapes ``<``, ``>`` and ``&`` so no id can close the script element.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..i18n import HTML_LANG, N_, _, current, pgettext

FONT_STACK = ('system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Source Han Sans SC",'
              '"PingFang SC","Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei",'
              'sans-serif')

# perceptually ordered ramp (viridis endpoints and midpoints) for travel cost
_RAMP = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"]


#: the colour scale spans these percentiles of the finite values (robust to outliers)
CLIP_PERCENTILES = (2.0, 98.0)


def scale_range(values: np.ndarray) -> tuple[float, float] | None:
    """(low, high) of the colour scale: the 2nd and 98th percentiles of the finite values
    (one far-away point does not wash the map out); None when no value is finite."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return None
    lo, hi = np.percentile(v, CLIP_PERCENTILES)
    return float(lo), float(hi)


def _ramp(values: np.ndarray) -> list[str]:
    ok = np.isfinite(values)
    out = ["#9e9e9e"] * len(values)
    rng = scale_range(values)
    if rng is None:
        return out
    lo, hi = rng
    t = np.zeros(len(values)) if hi <= lo else np.clip((values - lo) / (hi - lo), 0.0, 1.0)
    for k in np.flatnonzero(ok):
        out[k] = _RAMP[min(int(t[k] * (len(_RAMP) - 1) + 0.5), len(_RAMP) - 1)]
    return out


def _num(v: Any) -> Any:
    if isinstance(v, (np.floating, float)):
        return None if not np.isfinite(v) else round(float(v), 6)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _features(gdf: Any, props: list[str], extra: dict[str, list[Any]] | None = None) -> dict[str, Any]:
    feats = []
    geoms = gdf.geometry.to_numpy()
    cols = {p: gdf[p].to_numpy() for p in props}
    for k, g in enumerate(geoms):
        coords = [[round(float(x), 7), round(float(y), 7)] for x, y in g.coords]
        geometry = ({"type": "Point", "coordinates": coords[0]} if g.geom_type == "Point"
                    else {"type": "LineString", "coordinates": coords})
        p = {name: _num(cols[name][k]) for name in props}
        for name, vals in (extra or {}).items():
            p[name] = vals[k]
        feats.append({"type": "Feature", "geometry": geometry, "properties": p})
    return {"type": "FeatureCollection", "features": feats}


def map_data(frames: dict[str, Any], summary: dict[str, Any], geographic: bool,
             network: Any = (), network_note: dict[str, Any] | None = None) -> dict[str, Any]:
    """The page's data: sites, demand (coloured by travel cost, the scale clipped at the
    2nd/98th percentile), assignments and, for network distances, the walking network."""
    from ..geo.netcosts import lines_near

    demand = frames["demand"]
    colors = _ramp(demand["travel_cost"].to_numpy(dtype=float))
    colors = [c if cov else "#9e9e9e" for c, cov in zip(colors, demand["covered"].to_numpy())]
    cost = demand["travel_cost"].to_numpy(dtype=float)
    rng = scale_range(cost)
    pts = np.vstack([np.column_stack([f.geometry.x.to_numpy(), f.geometry.y.to_numpy()])
                     for f in (frames["demand"], frames["sites"])])
    margin = 0.003 if geographic else 300.0  # about 300 m around the points
    return {
        "meta": {"geographic": geographic, "crs": summary.get("crs", ""),
                 "status": summary.get("status"), "objective": summary.get("objective"),
                 "problem": summary.get("problem", {}).get("kind"),
                 "units": summary.get("distance", {}).get("units", ""),
                 "cost_min": rng[0] if rng else None,
                 "cost_max": rng[1] if rng else None,
                 "ramp": _RAMP, "network_note": dict(network_note or {})},
        "network": lines_near(network, pts, margin),
        "sites": _features(frames["sites"], ["site_id", "open", "required", "load",
                                             "utilization"]),
        "demand": _features(demand, ["demand_id", "weight", "assigned_site", "travel_cost",
                                     "covered"], {"color": colors}),
        "assignments": _features(frames["assignments"], ["demand_id", "site_id", "fraction",
                                                         "travel_cost"]),
    }


def _json_for_script(data: Any) -> str:
    text = json.dumps(data, allow_nan=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


# every text the page's script shows (msgids; the page gets them translated as JSON)
_JS_TEXT = [N_("problem"), N_("status"), N_("objective"), N_("open sites"), N_("demand points"),
            N_("CRS"), N_("demand"), N_("weight"), N_("site"), N_("travel cost"),
            N_("covered"), N_("not covered"), N_("open"), N_("closed"), N_("required"),
            N_("load"), N_("utilization"), N_("{open} of {total}"), N_("units"), N_("m"),
            N_("km")]


def write_map(path: Path, frames: dict[str, Any], summary: dict[str, Any], title: str,
              geographic: bool, network: Any = (),
              network_note: dict[str, Any] | None = None) -> None:
    """map.html in the current language (:mod:`siting.i18n`); ``network``: the walking
    network's lines in the layers' CRS (network distances), drawn as its own layer."""
    data = map_data(frames, summary, geographic, network, network_note)
    data["meta"]["lang"] = HTML_LANG[current()]
    data["meta"]["units_text"] = pgettext("unit", str(data["meta"].get("units") or ""))
    data["text"] = {k: _(k) for k in _JS_TEXT}
    data["text"].update({f"status:{v}": pgettext("status", v) for v in
                         ("optimal", "feasible", "infeasible", "unbounded", "no_solution",
                          "time_limit")})
    data["text"].update({f"problem:{v}": pgettext("problem", v) for v in
                         ("p-median", "p-center", "lscp", "mclp", "cflp", "uflp")})
    page = _TEMPLATE
    for key, msg in _PAGE_TEXT.items():
        page = page.replace(key, html.escape(_(msg)))
    page = (page.replace("__LANG__", HTML_LANG[current()])
            .replace("__FONTS__", FONT_STACK)
            .replace("__TITLE__", html.escape(title))
            .replace("__DATA__", _json_for_script(data)))
    Path(path).write_text(page, encoding="utf-8")


_PAGE_TEXT = {
    "__T_LAYERS__": N_("Layers"), "__T_ASSIGN__": N_("assignment lines"),
    "__T_DEMAND__": N_("demand points"), "__T_SITES__": N_("candidate sites"),
    "__T_LEGEND__": N_("Legend"), "__T_OPEN__": N_("open site"),
    "__T_CLOSED__": N_("closed site"), "__T_UNCOVERED__": N_("demand not covered / unassigned"),
    "__T_HELP__": N_("Scroll to zoom, drag to pan, hover for details."),
    "__T_PRINT__": N_("print"), "__T_N__": N_("N"), "__T_TRAVEL__": N_("travel cost"),
    "__T_RESET__": N_("reset view"), "__T_NETWORK__": N_("walking network used"),
    "__T_CLIP__": N_("colour scale clipped at the 2nd and 98th percentiles"),
}


_TEMPLATE = """<!DOCTYPE html>
<html lang="__LANG__"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>__TITLE__ · siting</title>
<style>
html,body{margin:0;height:100%;font:13px __FONTS__;color:#222}
#wrap{display:flex;height:100%}
#side{width:260px;padding:12px;box-sizing:border-box;border-right:1px solid #ddd;overflow:auto}
#side h1{font-size:15px;margin:0 0 8px;overflow-wrap:anywhere}
dd{overflow-wrap:anywhere}
#map{flex:1;position:relative;background:#f7f7f5}
svg{width:100%;height:100%;cursor:grab;display:block}
.network{fill:none;stroke:#7aa6c2;stroke-width:1;stroke-opacity:.8;vector-effect:non-scaling-stroke}
.assignment{stroke:#555;stroke-opacity:.35;vector-effect:non-scaling-stroke}
.demand{stroke:#333;stroke-width:.5;vector-effect:non-scaling-stroke}
.site{stroke:#000;vector-effect:non-scaling-stroke}
.site.open{fill:#d62728;stroke-width:1.5}
.site.closed{fill:#fff;stroke:#888;stroke-width:1}
.site.required{stroke:#000;stroke-width:2.5}
#tip{position:absolute;pointer-events:none;background:#fff;border:1px solid #aaa;padding:4px 6px;
 font-size:12px;display:none;white-space:pre}
.legend span{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
dl{margin:6px 0;display:grid;grid-template-columns:auto 1fr;gap:2px 8px}
dt{color:#666}dd{margin:0}
label{display:block;margin:2px 0}
#north{position:absolute;top:10px;right:12px;background:rgba(255,255,255,.85);border-radius:4px;
 padding:4px 6px;text-align:center;font-weight:700}
#scalebar{position:absolute;left:12px;bottom:12px;background:rgba(255,255,255,.85);border-radius:4px;
 padding:4px 8px 6px}
#scalebar div{height:6px;background:#222;border-left:2px solid #222;border-right:2px solid #222}
#scalebar span{display:block;text-align:center;font-size:12px}
button{font:inherit;margin:2px 4px 2px 0}
@media print{#side{width:200px}#side button,#side p.help,#side input{display:none}
 html,body{height:auto}#wrap{height:180mm}@page{size:A4 landscape;margin:8mm}}
</style></head>
<body><div id="wrap"><div id="side"><h1>__TITLE__</h1><dl id="facts"></dl>
<div><b>__T_LAYERS__</b>
<label id="network-toggle" hidden><input type="checkbox" data-layer="network" checked> __T_NETWORK__</label>
<label><input type="checkbox" data-layer="assignments" checked> __T_ASSIGN__</label>
<label><input type="checkbox" data-layer="demand" checked> __T_DEMAND__</label>
<label><input type="checkbox" data-layer="sites" checked> __T_SITES__</label></div>
<div class="legend"><b>__T_LEGEND__</b>
<div><span style="background:#d62728;border:1px solid #000"></span>__T_OPEN__</div>
<div><span style="background:#fff;border:1px solid #888"></span>__T_CLOSED__</div>
<div><span style="background:#9e9e9e"></span>__T_UNCOVERED__</div>
<div id="legend-network" hidden><span style="background:#7aa6c2;height:2px"></span>__T_NETWORK__</div>
<div id="ramp"></div></div>
<p class="help" style="color:#666">__T_HELP__</p>
<button type="button" id="reset">__T_RESET__</button><button type="button" id="print">__T_PRINT__</button></div>
<div id="map"><svg id="svg" xmlns="http://www.w3.org/2000/svg"></svg><div id="tip"></div>
<div id="north"><svg width="20" height="28" viewBox="-10 0 20 28" style="cursor:default"><path d="M0,0 L9,26 L0,20 L-9,26 Z" fill="#222"/><path d="M0,0 L0,20 L-9,26 Z" fill="#fff" stroke="#222"/></svg><br>__T_N__</div>
<div id="scalebar"><span id="scalebar-text"></span><div id="scalebar-bar"></div></div></div></div>
<script type="application/json" id="siting-data">__DATA__</script>
<script>
(function(){
"use strict";
var D=JSON.parse(document.getElementById("siting-data").textContent);
var T=D.text||{};function t(k){return T[k]||k;}
var NF=new Intl.NumberFormat(D.meta.lang||"en",{maximumFractionDigits:3});
var NS="http://www.w3.org/2000/svg", svg=document.getElementById("svg"), tip=document.getElementById("tip");
function el(tag,attrs,parent){var e=document.createElementNS(NS,tag);for(var k in attrs)e.setAttribute(k,attrs[k]);if(parent)parent.appendChild(e);return e;}
function fmt(v){if(v===null||v===undefined)return "–";if(typeof v==="number")return Math.abs(v)>=1e4?NF.format(Math.round(v)):NF.format(Math.round(v*1000)/1000);return String(v);}
var pts=[];["sites","demand"].forEach(function(k){D[k].features.forEach(function(f){pts.push(f.geometry.coordinates);});});
var lat0=0;if(D.meta.geographic){pts.forEach(function(p){lat0+=p[1];});lat0=lat0/Math.max(pts.length,1)*Math.PI/180;}
var kx=D.meta.geographic?Math.cos(lat0):1;
/* metres per map unit: degrees of latitude on a geographic map, the CRS unit otherwise */
var mpu=D.meta.geographic?111320:1, unit=D.meta.geographic||/^(m|metre|meter)s?$/i.test(D.meta.units||"m")?"m":(D.meta.units||t("units"));
function P(c){return [c[0]*kx,-c[1]];}
var xs=pts.map(function(p){return P(p)[0];}), ys=pts.map(function(p){return P(p)[1];});
var x0=Math.min.apply(null,xs),x1=Math.max.apply(null,xs),y0=Math.min.apply(null,ys),y1=Math.max.apply(null,ys);
var span=Math.max(x1-x0,y1-y0)||1, pad=span*0.05;
var vb0=[x0-pad,y0-pad,(x1-x0)+2*pad||span,(y1-y0)+2*pad||span], vb=vb0.slice();
function nice(m){var p=Math.pow(10,Math.floor(Math.log10(m))),f=m/p;return (f>=5?5:f>=2?2:1)*p;}
function scalebar(){var b=svg.getBoundingClientRect();if(!b.width)return;var upp=Math.max(vb[2]/b.width,vb[3]/b.height);
 var m=nice(120*upp*mpu),px=m/(upp*mpu);document.getElementById("scalebar-bar").style.width=px.toFixed(0)+"px";
 document.getElementById("scalebar-text").textContent=(unit==="m"&&m>=1000)?NF.format(m/1000)+" "+t("km"):NF.format(m)+" "+(unit==="m"?t("m"):D.meta.units_text);}
function setVB(){svg.setAttribute("viewBox",vb.join(" "));scalebar();}
setVB();window.addEventListener("resize",scalebar);
var r=span/250;
var groups={};
["network","assignments","demand","sites"].forEach(function(k){groups[k]=el("g",{id:"layer-"+k},svg);});
(D.network||[]).forEach(function(l){el("polyline",{"class":"network",points:l.map(function(c){var p=P(c);return p[0]+","+p[1];}).join(" ")},groups.network);});
if((D.network||[]).length){document.getElementById("network-toggle").hidden=false;document.getElementById("legend-network").hidden=false;}
function hover(node,lines){node.addEventListener("mousemove",function(ev){tip.textContent=lines.join("\\n");tip.style.display="block";var b=document.getElementById("map").getBoundingClientRect();tip.style.left=(ev.clientX-b.left+12)+"px";tip.style.top=(ev.clientY-b.top+12)+"px";});node.addEventListener("mouseleave",function(){tip.style.display="none";});var tt=el("title",{},node);tt.textContent=lines.join("\\n");}
D.assignments.features.forEach(function(f){var a=P(f.geometry.coordinates[0]),b=P(f.geometry.coordinates[1]);el("line",{"class":"assignment",x1:a[0],y1:a[1],x2:b[0],y2:b[1]},groups.assignments);});
D.demand.features.forEach(function(f){var p=P(f.geometry.coordinates),q=f.properties;var c=el("circle",{"class":"demand "+(q.covered?"covered":"uncovered"),cx:p[0],cy:p[1],r:r,fill:q.color},groups.demand);
 hover(c,[t("demand")+" "+q.demand_id,t("weight")+" "+fmt(q.weight),t("site")+" "+fmt(q.assigned_site),t("travel cost")+" "+fmt(q.travel_cost)+" "+D.meta.units_text,q.covered?t("covered"):t("not covered")]);});
D.sites.features.sort(function(a,b){return (a.properties.open?1:0)-(b.properties.open?1:0);}).forEach(function(f){var p=P(f.geometry.coordinates),q=f.properties,s=r*(q.open?2.6:1.8);
 var cls="site "+(q.open?"open":"closed")+(q.required?" required":"");
 var n=el("rect",{"class":cls,x:p[0]-s,y:p[1]-s,width:2*s,height:2*s},groups.sites);
 hover(n,[t("site")+" "+q.site_id,q.open?t("open"):t("closed"),q.required?t("required"):"",t("load")+" "+fmt(q.load),t("utilization")+" "+fmt(q.utilization)].filter(function(x){return x;}));});
var facts=document.getElementById("facts");
var nopen=D.sites.features.filter(function(f){return f.properties.open;}).length;
[[t("problem"),T["problem:"+D.meta.problem]||D.meta.problem],[t("status"),T["status:"+D.meta.status]||D.meta.status],[t("objective"),D.meta.objective],[t("open sites"),t("{open} of {total}").replace("{open}",fmt(nopen)).replace("{total}",fmt(D.sites.features.length))],[t("demand points"),D.demand.features.length],[t("CRS"),D.meta.crs]].forEach(function(kv){var dt=document.createElement("dt");dt.textContent=kv[0];var dd=document.createElement("dd");dd.textContent=fmt(kv[1]);facts.appendChild(dt);facts.appendChild(dd);});
var ramp=document.getElementById("ramp");
if(D.meta.cost_min!==null){var h=document.createElement("div");h.textContent="__T_TRAVEL__ ("+D.meta.units_text+")";ramp.appendChild(h);D.meta.ramp.forEach(function(c,i){var d=document.createElement("div"),sw=document.createElement("span");sw.style.background=c;d.appendChild(sw);var v=D.meta.cost_min+(D.meta.cost_max-D.meta.cost_min)*i/(D.meta.ramp.length-1);d.appendChild(document.createTextNode((i===0?"≤ ":i===D.meta.ramp.length-1?"≥ ":"≈ ")+fmt(v)));ramp.appendChild(d);});var note=document.createElement("div");note.style.color="#666";note.textContent="__T_CLIP__";ramp.appendChild(note);}
document.querySelectorAll("input[data-layer]").forEach(function(cb){cb.addEventListener("change",function(){groups[cb.getAttribute("data-layer")].style.display=cb.checked?"":"none";});});
svg.addEventListener("wheel",function(ev){ev.preventDefault();var b=svg.getBoundingClientRect();var f=ev.deltaY>0?1.2:1/1.2;var s=Math.max(vb[2]/b.width,vb[3]/b.height);var cx=vb[0]+vb[2]/2+(ev.clientX-b.left-b.width/2)*s,cy=vb[1]+vb[3]/2+(ev.clientY-b.top-b.height/2)*s;vb=[cx-(cx-vb[0])*f,cy-(cy-vb[1])*f,vb[2]*f,vb[3]*f];setVB();},{passive:false});
var drag=null;svg.addEventListener("mousedown",function(ev){drag=[ev.clientX,ev.clientY];svg.style.cursor="grabbing";});
window.addEventListener("mouseup",function(){drag=null;svg.style.cursor="grab";});
window.addEventListener("mousemove",function(ev){if(!drag)return;var b=svg.getBoundingClientRect();var s=Math.max(vb[2]/b.width,vb[3]/b.height);vb[0]-=(ev.clientX-drag[0])*s;vb[1]-=(ev.clientY-drag[1])*s;drag=[ev.clientX,ev.clientY];setVB();});
document.getElementById("reset").addEventListener("click",function(){vb=vb0.slice();setVB();});
document.getElementById("print").addEventListener("click",function(){window.print();});
window.addEventListener("beforeprint",function(){vb=vb0.slice();setVB();});
document.body.setAttribute("data-rendered",String(D.sites.features.length+D.demand.features.length));
})();
</script></body></html>
"""
