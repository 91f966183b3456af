"""The offline HTML report: one self-contained file (inline CSS and SVG, no scripts, no CDN).

Sections: headline (status, objective, proven bound and gap), budget use, the map (streets,
blocks coloured by credited coverage, sites by service mix), coverage by service × segment ×
tier × district, the selected sites with modules, area and cost, and standards compliance
(each rule, its source, pass/fail per district). Every text from the data is HTML-escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .instance import CommunityInstance
from .solve import CommunityResult
from .spec import CommunityProblem
from .tables import compliance_table, coverage_table, sites_table

PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
           "#1f78b4", "#b2df8a", "#fb9a99"]
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Microsoft YaHei",sans-serif;
margin:0;color:#222;background:#fafafa}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:1.6em;margin:0 0 4px}h2{margin-top:2em;border-bottom:2px solid #ddd;padding-bottom:4px}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.kpi{background:#fff;border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:150px}
.kpi b{display:block;font-size:1.35em}.kpi span{color:#666;font-size:.85em}
table{border-collapse:collapse;background:#fff;font-size:.85em;margin:8px 0;display:block;
max-width:100%;overflow-x:auto}
th,td{border:1px solid #ddd;padding:3px 7px;text-align:right}th{background:#f0f0f0}
td.l,th.l{text-align:left}.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}
.muted{color:#777}.bar{height:14px;background:#e5e5e5;border-radius:7px;overflow:hidden;width:420px}
.bar div{height:100%;background:#2b7bb9}.note{background:#fff8e1;border-left:4px solid #f0b400;
padding:6px 10px;margin:6px 0}.bad{background:#ffebe9;border-left:4px solid #cf222e;padding:6px 10px}
svg{background:#fff;border:1px solid #ddd}.legend span{display:inline-block;margin-right:14px}
.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
"""


def render(inst: CommunityInstance, problem: CommunityProblem, result: CommunityResult | None,
           *, title: str = "Embedded community services plan", diagnosis: Sequence[str] = (),
           streets: Sequence[tuple[tuple[float, float], ...]] = (),
           meta: dict[str, Any] | None = None) -> str:
    """The report as one HTML string."""
    e = html.escape
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{e(title)}</title><style>{CSS}</style></head><body><main>",
             f"<h1>{e(title)}</h1>"]
    meta = meta or {}
    if meta.get("description"):
        parts.append(f"<p class=\"muted\">{e(str(meta['description']))}</p>")
    parts.append(_headline(inst, problem, result))
    for line in diagnosis:
        parts.append(f"<div class=\"bad\">{e(line)}</div>")
    if result is not None:
        for note in result.notes:
            parts.append(f"<div class=\"note\">{e(note)}</div>")
    check = result.check if result is not None else None
    plan = result.plan if result is not None else None
    if check is not None and plan is not None:
        parts.append(_budget(problem, check))
        parts.append("<h2>Map</h2>")
        parts.append(_map(inst, problem, check, streets))
        parts.append("<h2>Coverage by service, segment, tier and district</h2>")
        parts.append("<p class=\"muted\">Persons of each service's segment by the best walking "
                     "tier they reach (capacitated services: persons allocated); credited share "
                     "= Σ credit × persons / segment population.</p>")
        cov = coverage_table(inst, problem, check)
        for svc in problem.services:
            sub = cov[cov["service"] == svc.name].dropna(axis=1, how="all")
            parts.append(f"<h3>{html.escape(svc.label or svc.name)} — segment "
                         f"{html.escape(svc.segment)}, weight {svc.weight:g}"
                         f"{'' if svc.capacity is None else f', {svc.capacity:g} persons per module'}"
                         "</h3>")
            parts.append(_table(sub.drop(columns=["service", "segment"]),
                                pct=("credited_share",)))
        parts.append("<h2>Selected sites</h2>")
        sites = sites_table(inst, problem, check, plan.new_modules, used_only=True)
        parts.append(_table(sites, left=("id", "name", "kind", "district", "status",
                                         "services")))
        parts.append("<h2>Standards compliance</h2>")
        comp = compliance_table(inst, problem, check, plan.new_modules)
        parts.append(_compliance(comp))
    parts.append(_solver(result, meta))
    parts.append("</main></body></html>")
    return "".join(parts)


def _headline(inst: CommunityInstance, problem: CommunityProblem,
              result: CommunityResult | None) -> str:
    e = html.escape
    kpis: list[tuple[str, str]] = [
        ("objective", problem.objective),
        ("status", result.status.value if result is not None else "not solved"),
    ]
    if result is not None and result.objective is not None:
        kpis.append(("objective value", _fmt(result.objective, problem.objective)))
        kpis.append(("proven bound", _fmt(result.bound, problem.objective)))
        kpis.append(("proven gap", "—" if result.gap is None else f"{result.gap:.4%}"))
        kpis.append(("tie-break", result.tie_break))
    if result is not None and result.check is not None:
        kpis.append(("sites used", f"{int(result.check.used.sum())} of {inst.n_sites}"))
        kpis.append(("total cost", f"¥{result.check.total_cost:,.0f}"))
    kpis.append(("blocks / districts", f"{inst.n_blocks} / {inst.n_districts}"))
    cells = "".join(f"<div class=\"kpi\"><span>{e(k)}</span><b>{e(v)}</b></div>" for k, v in kpis)
    return f"<div class=\"kpis\">{cells}</div>"


def _fmt(v: float | None, kind: str) -> str:
    if v is None or not math.isfinite(v):
        return "—"
    if kind == "cost":
        return f"¥{v:,.0f}"
    if kind == "equity":
        return f"{v:.2%}"
    return f"{v:,.1f}"


def _budget(problem: CommunityProblem, check: Any) -> str:
    total = check.total_cost
    rows = [("site opening / retrofit", check.opening_cost), ("new modules", check.module_cost),
            ("total", total)]
    body = "".join(f"<tr><td class=\"l\">{a}</td><td>¥{b:,.0f}</td></tr>" for a, b in rows)
    bar = ""
    if problem.budget:
        frac = min(total / problem.budget, 1.0) if problem.budget > 0 else 1.0
        bar = (f"<p>Budget use: ¥{total:,.0f} of ¥{problem.budget:,.0f} ({frac:.1%})</p>"
               f"<div class=\"bar\"><div style=\"width:{frac * 100:.1f}%\"></div></div>")
    return f"<h2>Budget</h2>{bar}<table><tr><th class=\"l\">item</th><th>cost</th></tr>{body}</table>"


def _map(inst: CommunityInstance, problem: CommunityProblem, check: Any,
         streets: Sequence[tuple[tuple[float, float], ...]]) -> str:
    e = html.escape
    xy = np.vstack([inst.demand_xy, inst.site_xy])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.maximum(hi - lo, 1.0)
    W = 1100.0
    H = max(200.0, min(1100.0, W * span[1] / span[0]))
    scale = min((W - 20) / span[0], (H - 20) / span[1])

    def tx(p: np.ndarray) -> np.ndarray:
        out = np.empty_like(p, dtype=float)
        out[:, 0] = 10 + (p[:, 0] - lo[0]) * scale
        out[:, 1] = H - 10 - (p[:, 1] - lo[1]) * scale
        return out

    svg = [f"<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"map\" viewBox=\"0 0 {W:.0f} {H:.0f}\" "
           f"width=\"100%\" role=\"img\" aria-label=\"map of blocks and sites\">"]
    for line in streets:
        pts = tx(np.asarray(line, dtype=float))
        d = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        svg.append(f"<polyline points=\"{d}\" fill=\"none\" stroke=\"#c8c8c8\" stroke-width=\"2\"/>")
    pop = inst.population.sum(axis=1)
    share = np.divide(check.credit.sum(axis=1), pop, out=np.zeros_like(pop), where=pop > 0)
    bxy = tx(inst.demand_xy)
    r = np.clip(np.sqrt(pop / max(pop.mean(), 1e-9)) * 2.2, 1.2, 5.0)
    for k in range(inst.n_blocks):
        svg.append(f"<circle class=\"block\" cx=\"{bxy[k, 0]:.1f}\" cy=\"{bxy[k, 1]:.1f}\" "
                   f"r=\"{r[k]:.1f}\" fill=\"{_ramp(share[k])}\" fill-opacity=\"0.85\">"
                   f"<title>{e(str(inst.demand_ids[k]))} ({e(str(inst.district_names[inst.district[k]]))})"
                   f": {share[k]:.0%} credited</title></circle>")
    for g in range(inst.n_districts):  # community names at the centre of their blocks
        sel = inst.district == g
        if sel.any():
            cx, cy = bxy[sel].mean(axis=0)
            svg.append(f"<text class=\"district\" x=\"{cx:.1f}\" y=\"{cy:.1f}\" "
                       "text-anchor=\"middle\" font-size=\"15\" font-weight=\"700\" "
                       "fill=\"#333\" fill-opacity=\"0.55\" stroke=\"#fff\" stroke-width=\"3\" "
                       f"paint-order=\"stroke\">{e(str(inst.district_names[g]))}</text>")
    sxy = tx(inst.site_xy)
    names = [s.name for s in problem.services]

    def site_label(j: int) -> str:
        name = inst.site_names[j] if inst.site_names is not None else ""
        return e(str(inst.site_ids[j]) + (f" {name}" if name else ""))

    for j in np.flatnonzero(~check.used):
        x, y = sxy[j]
        svg.append(f"<path class=\"candidate\" d=\"M{x - 2:.1f},{y - 2:.1f}L{x + 2:.1f},{y + 2:.1f}"
                   f"M{x - 2:.1f},{y + 2:.1f}L{x + 2:.1f},{y - 2:.1f}\" stroke=\"#999\" "
                   f"stroke-width=\"1\"><title>{site_label(j)}: candidate, not used"
                   f"</title></path>")
    for j in np.flatnonzero(check.used):
        x, y = sxy[j]
        hosted = np.flatnonzero(check.hosts[j])
        label = ", ".join(names[s] for s in hosted) or "no service"
        kind = "existing" if inst.existing_site[j] else "new"
        size = 12.0
        w = size / max(len(hosted), 1)
        svg.append(f"<g class=\"site site-{kind}\"><title>{site_label(j)} ({kind}): "
                   f"{e(label)}</title>")
        for k, s in enumerate(hosted):
            svg.append(f"<rect x=\"{x - size / 2 + k * w:.1f}\" y=\"{y - size / 2:.1f}\" "
                       f"width=\"{w:.1f}\" height=\"{size:.1f}\" "
                       f"fill=\"{PALETTE[s % len(PALETTE)]}\"/>")
        stroke = "#000" if kind == "new" else "#555"
        dash = "" if kind == "new" else " stroke-dasharray=\"2,1\""
        svg.append(f"<rect x=\"{x - size / 2:.1f}\" y=\"{y - size / 2:.1f}\" width=\"{size}\" "
                   f"height=\"{size}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"1.5\"{dash}/>"
                   "</g>")
    svg.append("</svg>")
    legend = ["<p class=\"legend\">"]
    for s, name in enumerate(names):
        legend.append(f"<span><i class=\"sw\" style=\"background:{PALETTE[s % len(PALETTE)]}\"></i>"
                      f"{e(name)}</span>")
    legend.append("<span>□ solid: new site · dashed: existing · × candidate not used</span></p>"
                  "<p class=\"legend\">Blocks: ")
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        legend.append(f"<span><i class=\"sw\" style=\"background:{_ramp(v)}\"></i>{v:.0%}</span>")
    legend.append("credited share of the block's segment population</p>")
    return "".join(svg) + "".join(legend)


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


def _table(df: pd.DataFrame, *, left: Sequence[str] = ("service", "segment", "district"),
           pct: Sequence[str] = ()) -> str:
    e = html.escape
    head = "".join(f"<th class=\"{'l' if c in left else ''}\">{e(str(c))}</th>" for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, rec):
            cls = " class=\"l\"" if c in left else ""
            cells.append(f"<td{cls}>{e(_cell(v, c in pct))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def _cell(v: Any, pct: bool) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(v):
            return "—"
        if pct:
            return f"{v:.1%}"
        return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:,.2f}"
    return str(v)


def _compliance(comp: pd.DataFrame) -> str:
    """Rules as rows, districts as columns: pass/fail cells with the detail as a tooltip."""
    e = html.escape
    if comp.empty:
        return "<p>No rules apply.</p>"
    districts = list(dict.fromkeys(comp["district"]))
    head = "".join(f"<th>{e(str(d))}</th>" for d in districts)
    out = ["<table><tr><th class=\"l\">rule</th><th class=\"l\">source</th>"
           f"<th class=\"l\">enforced</th>{head}</tr>"]
    for rule, rows in comp.groupby("rule", sort=False):
        first = rows.iloc[0]
        cells = []
        by_district = {r.district: r for r in rows.itertuples(index=False)}
        for d in districts:
            r = by_district.get(d)
            if r is None:
                cells.append("<td class=\"muted\">—</td>")
            else:
                mark = ("<span class=\"pass\">pass</span>" if r.passed
                        else "<span class=\"fail\">fail</span>")
                cells.append(f"<td title=\"{e(r.detail)}\">{mark}</td>")
        out.append(f"<tr><td class=\"l\">{e(str(rule))}</td><td class=\"l\">{e(first.source)}"
                   f"</td><td class=\"l\">{'yes' if first.enforced else 'reported only'}</td>"
                   + "".join(cells) + "</tr>")
    out.append("</table><p class=\"muted\">Hover a cell for the figures; compliance.csv lists "
               "them all. Rules switched off in the scenario are checked against the guide's "
               "figure and marked \"reported only\".</p>")
    fails = comp[~comp["passed"]]
    if not fails.empty:
        out.append("<details><summary>Failing checks</summary><ul>")
        for r in fails.itertuples(index=False):
            out.append(f"<li>{e(str(r.rule))} — {e(str(r.district))}: {e(r.detail)}</li>")
        out.append("</ul></details>")
    return "".join(out)


def _solver(result: CommunityResult | None, meta: dict[str, Any]) -> str:
    e = html.escape
    rows = []
    if result is not None:
        for st in result.stages:
            rows.append(f"<tr><td class=\"l\">{e(st.objective)}</td><td class=\"l\">"
                        f"{e(st.status.value)}</td><td>{_cell(st.objective_value or math.nan, False)}"
                        f"</td><td>{_cell(st.bound if st.bound is not None else math.nan, False)}"
                        f"</td><td>{st.seconds:.1f}</td><td>{st.nodes if st.nodes is not None else '—'}"
                        "</td></tr>")
    info = "".join(f"<li>{e(str(k))}: {e(str(v))}</li>" for k, v in meta.items()
                   if k != "description")
    backend = e(result.backend) if result is not None else "—"
    return ("<h2>Solver</h2><p>Backend: " + backend + ". Every figure above is recomputed "
            "from the plan by the independent verifier, not read from the solver.</p>"
            "<table><tr><th class=\"l\">stage</th><th class=\"l\">status</th><th>objective</th>"
            "<th>bound</th><th>seconds</th><th>nodes</th></tr>" + "".join(rows) + "</table>"
            f"<ul>{info}</ul>")
