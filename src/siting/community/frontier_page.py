"""frontier.html: the budget frontier as an SVG curve with each budget's plan beside it.

A click on a point (or a row of the table under it) shows that budget's plan: status,
objective, cost, the sites used (new or existing) with their new modules, and the credited
share of every service. One self-contained page (inline SVG, CSS and a small script; no CDN),
in the current language (:mod:`siting.i18n`).
"""

from __future__ import annotations

import html
import json
import math
from typing import Any

import pandas as pd

from ..i18n import HTML_LANG, N_, _, current, fmt_money, fmt_number, fmt_percent, known, pgettext
from .report import FONT_STACK

W, H, PAD, LEFT = 640.0, 380.0, 56.0, 88.0

CSS = """
body{font-family:__FONTS__;margin:0;color:#222;background:#fafafa}
main{max-width:1240px;margin:0 auto;padding:20px;box-sizing:border-box}
h1{font-size:1.4em;margin:0 0 12px}.row{display:flex;gap:18px;flex-wrap:wrap;align-items:flex-start}
#chart{flex:1 1 560px;min-width:0;background:#fff;border:1px solid #ddd}
#chart svg{display:block;width:100%;height:auto}
#plan{flex:1 1 380px;min-width:0;background:#fff;border:1px solid #ddd;padding:10px 14px;
box-sizing:border-box}
.pt{cursor:pointer}.pt.sel circle{stroke:#d95f02;stroke-width:3}
table{border-collapse:collapse;width:100%;font-size:.85em;margin:6px 0;background:#fff}
thead{display:table-header-group}tr{break-inside:avoid}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:right;overflow-wrap:break-word}
th{background:#f0f0f0}td.l,th.l{text-align:left}tr.sel td{background:#fff3e0}
tbody.pick tr{cursor:pointer}code{color:#777;font-size:.8em;display:block}
@media print{body{background:#fff}main{padding:0}}@page{size:A4 landscape;margin:10mm}
"""

SCRIPT = """
(function(){"use strict";
var D=JSON.parse(document.getElementById("frontier-data").textContent),T=D.text;
function el(t,txt,cls){var e=document.createElement(t);if(txt!==undefined)e.textContent=txt;
if(cls)e.className=cls;return e;}
function show(i){var p=D.points[i],box=document.getElementById("plan");box.innerHTML="";
document.querySelectorAll(".pt,.rowpick").forEach(function(n){
n.classList.toggle("sel",+n.dataset.i===i);});
box.appendChild(el("h2",T.plan+" — "+T.budget+" "+p.budget_text));
var dl=el("table");var tb=el("tbody");
[[T.status,p.status_text],[T.objective,p.objective_text],[T.cost,p.cost_text],
[T.sites,p.n_sites]].forEach(function(kv){var tr=el("tr");tr.appendChild(el("td",kv[0],"l"));
tr.appendChild(el("td",String(kv[1])));tb.appendChild(tr);});dl.appendChild(tb);box.appendChild(dl);
box.appendChild(el("h3",T.coverage));var ct=el("table"),cb=el("tbody");
p.coverage.forEach(function(c){var tr=el("tr");tr.appendChild(el("td",c[0],"l"));
tr.appendChild(el("td",c[1]));cb.appendChild(tr);});ct.appendChild(cb);box.appendChild(ct);
box.appendChild(el("h3",T.site_list));var st=el("table"),th=el("thead"),hr=el("tr");
[T.site,T.status,T.new_modules].forEach(function(h,k){hr.appendChild(el("th",h,k<2?"l":"l"));});
th.appendChild(hr);st.appendChild(th);var sb=el("tbody");
p.sites.forEach(function(s){var tr=el("tr");tr.appendChild(el("td",s[0],"l"));
tr.appendChild(el("td",s[1],"l"));tr.appendChild(el("td",s[2]||"—","l"));sb.appendChild(tr);});
if(!p.sites.length){var tr=el("tr"),td=el("td",T.none,"l");td.colSpan=3;tr.appendChild(td);
sb.appendChild(tr);}st.appendChild(sb);box.appendChild(st);
document.body.setAttribute("data-shown",String(i));}
document.querySelectorAll(".pt,.rowpick").forEach(function(n){n.addEventListener("click",
function(){show(+n.dataset.i);});});
show(D.initial);})();
"""


def _json(data: Any) -> str:
    text = json.dumps(data, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _value(objective: str, v: float | None) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    return fmt_percent(v, 2) if objective == "equity" else fmt_number(v, 1)


def _service(name: str, services: list[dict]) -> str:
    if current() != "en" and known(name, "service"):
        return pgettext("service", name)
    svc = next((s for s in services if s.get("name") == name), {})
    return str(svc.get("label") or name)


def render(df: pd.DataFrame, objective: str, title: str, services: list[dict]) -> str:
    """The page for a :func:`siting.community.frontier.with_plans` table."""
    e = html.escape
    names = [c[len("coverage_"):] for c in df.columns if str(c).startswith("coverage_")]
    points: list[dict[str, Any]] = []
    word_new, word_existing = pgettext("site_status", "new"), pgettext("site_status", "existing")
    for k, r in enumerate(df.to_dict("records")):
        obj = r.get("objective")
        obj = None if obj is None or (isinstance(obj, float) and math.isnan(obj)) else float(obj)
        mods: dict[str, str] = {}
        for part in str(r.get("modules") or "").split(";"):
            if ":" in part:
                site, svc = part.split(":", 1)
                mods[site] = ", ".join(_service(x, services) for x in svc.split("+") if x)
        new = set(str(r.get("new_site_ids") or "").split(";")) - {""}
        used = [x for x in str(r.get("site_ids") or "").split(";") if x]
        cost = r.get("cost")
        cost = None if cost is None or (isinstance(cost, float) and math.isnan(cost)) else cost
        points.append({
            "budget": float(r["budget"]), "objective": obj,
            "budget_text": fmt_money(float(r["budget"])), "objective_text": _value(objective, obj),
            "status_text": pgettext("status", str(r["status"])),
            "cost_text": fmt_money(cost) if cost is not None else "—",
            "n_sites": len(used), "knee": bool(r.get("knee")),
            "sites": [[s, word_new if s in new else word_existing, mods.get(s, "")]
                      for s in used],
            "coverage": [[_service(n, services), fmt_percent(r.get(f"coverage_{n}"), 1)
                          if r.get(f"coverage_{n}") == r.get(f"coverage_{n}") else "—"]
                         for n in names]})
        del k
    ok = [p for p in points if p["objective"] is not None]
    initial = next((i for i, p in enumerate(points) if p["knee"]),
                   max(range(len(points)), key=lambda i: points[i]["objective"] or -math.inf)
                   if points else 0)
    text = {k: _(v) for k, v in _TEXT.items()}
    svg = _chart(points, ok, objective)
    rows = []
    for i, p in enumerate(points):
        cov = "".join(f"<td>{e(c[1])}</td>" for c in p["coverage"])
        rows.append(f"<tr class=\"rowpick\" data-i=\"{i}\"><td>{e(p['budget_text'])}</td>"
                    f"<td class=\"l\">{e(p['status_text'])}</td><td>{e(p['objective_text'])}</td>"
                    f"<td>{e(p['cost_text'])}</td><td>{p['n_sites']}</td>{cov}</tr>")
    cov_heads = "".join(f"<th>{e(_service(n, services))}<code translate=\"no\">coverage_"
                        f"{e(n)}</code></th>" for n in names)
    heads = (f"<th>{e(_('budget'))}<code translate=\"no\">budget</code></th>"
             f"<th class=\"l\">{e(_('status'))}<code translate=\"no\">status</code></th>"
             f"<th>{e(_('objective'))}<code translate=\"no\">objective</code></th>"
             f"<th>{e(_('cost'))}<code translate=\"no\">cost</code></th>"
             f"<th>{e(_('sites used'))}<code translate=\"no\">sites</code></th>{cov_heads}")
    data = {"points": points, "text": text, "initial": initial}
    return (f"<!DOCTYPE html><html lang=\"{HTML_LANG[current()]}\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "script-src 'unsafe-inline'; style-src 'unsafe-inline'\">"
            f"<title>{e(title)}</title><style>{CSS.replace('__FONTS__', FONT_STACK)}</style>"
            f"</head><body><main><h1>{e(title)}</h1><div class=\"row\"><div id=\"chart\">{svg}"
            f"</div><div id=\"plan\"></div></div><h2>{e(_('Every budget'))}</h2>"
            f"<p>{e(_('Click a point or a row to see that plan.'))}</p>"
            f"<table><thead><tr>{heads}</tr></thead><tbody class=\"pick\">{''.join(rows)}</tbody>"
            "</table></main><script type=\"application/json\" id=\"frontier-data\">"
            f"{_json(data)}</script><script>{SCRIPT}</script></body></html>")


def _chart(points: list[dict], ok: list[dict], objective: str) -> str:
    e = html.escape
    out = [f"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W:.0f} {H:.0f}\" "
           f"role=\"img\" aria-label=\"{e(_('budget frontier'))}\">"]
    if not ok:
        out.append(f"<text x=\"{W / 2}\" y=\"{H / 2}\" text-anchor=\"middle\">"
                   f"{e(_('no plan at any budget'))}</text></svg>")
        return "".join(out)
    bx = [p["budget"] for p in points]
    ys = [p["objective"] for p in ok]
    x0, x1 = min(bx), max(bx) if max(bx) > min(bx) else min(bx) + 1
    y0, y1 = min(0.0, min(ys)), max(ys) if max(ys) > 0 else 1.0

    def X(v: float) -> float:
        return LEFT + (v - x0) / (x1 - x0) * (W - LEFT - 0.6 * PAD)

    def Y(v: float) -> float:
        return H - PAD + 10 - (v - y0) / (y1 - y0) * (H - 1.6 * PAD)

    for k in range(5):  # grid and tick labels
        yv = y0 + (y1 - y0) * k / 4
        xv = x0 + (x1 - x0) * k / 4
        out.append(f"<line x1=\"{LEFT}\" x2=\"{W - 0.6 * PAD}\" y1=\"{Y(yv):.1f}\" "
                   f"y2=\"{Y(yv):.1f}\" stroke=\"#eee\"/><text x=\"{LEFT - 6}\" y=\"{Y(yv) + 4:.1f}\""
                   f" text-anchor=\"end\" font-size=\"11\">{e(_value(objective, yv))}</text>"
                   f"<text x=\"{X(xv):.1f}\" y=\"{H - PAD + 28:.1f}\" text-anchor=\"middle\" "
                   f"font-size=\"11\">{e(fmt_money(xv))}</text>")
    line = " ".join(f"{X(p['budget']):.1f},{Y(p['objective']):.1f}" for p in ok)
    out.append(f"<polyline points=\"{line}\" fill=\"none\" stroke=\"#2b7bb9\" stroke-width=\"2\"/>")
    for i, p in enumerate(points):
        if p["objective"] is None:
            continue
        x, y = X(p["budget"]), Y(p["objective"])
        knee = (f"<circle cx=\"{x:.1f}\" cy=\"{y:.1f}\" r=\"11\" fill=\"none\" stroke=\"#d95f02\" "
                "stroke-width=\"2\"/>") if p["knee"] else ""
        out.append(f"<g class=\"pt\" data-i=\"{i}\">{knee}<circle cx=\"{x:.1f}\" cy=\"{y:.1f}\" "
                   f"r=\"6\" fill=\"#2b7bb9\" stroke=\"#fff\" stroke-width=\"1.5\"><title>"
                   f"{e(p['budget_text'])}: {e(p['objective_text'])}</title></circle></g>")
    ylabel = (_("weighted credited coverage") if objective == "coverage"
              else _("minimum district share"))
    out.append(f"<text x=\"{W / 2:.0f}\" y=\"{H - 6:.0f}\" text-anchor=\"middle\" font-size=\"12\">"
               f"{e(_('budget'))}</text><text transform=\"translate(14,{H / 2:.0f}) rotate(-90)\" "
               f"text-anchor=\"middle\" font-size=\"12\">{e(ylabel)}</text></svg>")
    return "".join(out)


_TEXT = {"plan": N_("Plan"), "budget": N_("budget"), "status": N_("status"),
         "objective": N_("objective"), "cost": N_("cost"), "sites": N_("sites used"),
         "coverage": N_("credited share by service"), "site_list": N_("sites of this plan"),
         "site": N_("site"), "new_modules": N_("new modules"), "none": N_("no sites")}
# messages used inside f-strings (hidden from pybabel on Python 3.11)
_IN_FSTRINGS = [N_("budget"), N_("Every budget"), N_("Click a point or a row to see that plan."),
                N_("budget frontier"), N_("no plan at any budget")]
