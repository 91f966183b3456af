"""The offline HTML report a planner hands to the community committee, in Chinese or English.

Two steps, so a run folder can be re-rendered in another language or printed to PDF later
(``siting report RUN_DIR``): :func:`report_data` turns the verified plan into one
language-neutral JSON-able dict (tables as records, map geometry in the working CRS), which
the run stores as ``report.json``; :func:`render_data` turns that dict into one
self-contained HTML page (inline CSS, SVG and a small script for zoom/pan, no CDN) in the
current language (:mod:`siting.i18n`).

Sections: headline, planning map (:mod:`siting.community.report_map`), budget, coverage
by service × community × tier, the selected sites (split into narrow tables so every column
fits a 1,280 px screen and an A4 page), standards compliance (communities in column groups)
and the solver stages. Text read from the data (ids, names, user labels) is HTML-escaped and
marked ``translate="no"``: it is shown as given, everything else comes from the catalogue.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..geo.netcosts import lines_near
from ..i18n import (HTML_LANG, N_, _, current, fmt_money, fmt_money_in_unit, fmt_number,
                    fmt_percent, gettext, known, money_unit, pgettext)
from .instance import CommunityInstance
from .report_map import PlanMap
from .report_map import as_data as _d
from .report_map import escape as _e
from .solve import CommunityResult
from .spec import CommunityProblem
from .tables import compliance_table, coverage_table, sites_table
from .verify import Check

DATA_VERSION = 1
# columns per table: a table never needs more than this many at 1,280 px or on A4 portrait
MAX_COLUMNS = 8
FONT_STACK = ('system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","Source Han Sans SC",'
              '"PingFang SC","Hiragino Sans GB","Microsoft YaHei","WenQuanYi Micro Hei",'
              'sans-serif')
CSS = """
body{font-family:__FONTS__;margin:0;color:#222;background:#fafafa;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px;box-sizing:border-box}
h1{font-size:1.6em;margin:0 0 4px}h2{margin-top:2em;border-bottom:2px solid #ddd;padding-bottom:4px}
h3{font-size:1.05em;margin:1.2em 0 .3em}
.kpis{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.kpi{background:#fff;border:1px solid #ddd;border-radius:8px;padding:10px 14px;min-width:150px}
.kpi b{display:block;font-size:1.35em}.kpi span{color:#666;font-size:.85em}
table{border-collapse:collapse;background:#fff;font-size:.85em;margin:8px 0;width:100%;
table-layout:auto}
thead{display:table-header-group}tr{break-inside:avoid}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:right;overflow-wrap:break-word;
vertical-align:top}
th{background:#f0f0f0;font-weight:600}th code{display:block;font-weight:400;color:#777;
font-size:.8em}
td.l,th.l{text-align:left}.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}
.muted{color:#777}.bar{height:14px;background:#e5e5e5;border-radius:7px;overflow:hidden;
max-width:420px}
.bar div{height:100%;background:#2b7bb9}.note{background:#fff8e1;border-left:4px solid #f0b400;
padding:6px 10px;margin:6px 0}.bad{background:#ffebe9;border-left:4px solid #cf222e;padding:6px 10px}
.mapbox{position:relative;background:#fff;border:1px solid #ddd}
svg.planmap{display:block;width:100%;height:auto;cursor:grab;touch-action:none}
.phase-map{break-inside:avoid;margin:12px 0 20px}
.ctl{position:absolute;top:8px;left:8px;display:flex;gap:4px}
.ctl button{font:inherit;font-size:13px;padding:2px 8px;background:#fff;border:1px solid #999;
border-radius:4px;cursor:pointer}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;margin:8px 0;font-size:.9em}
.legend label,.legend span{white-space:nowrap}
.sw{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
.sym{vertical-align:middle;margin-right:4px}
ol.src{font-size:.85em;color:#555}
section.page{break-before:page}h2,h3{break-after:avoid}
@media print{
 body{background:#fff;font-size:9.5pt}main{max-width:none;padding:0}
 .ctl,.noprint{display:none!important}
 .kpi{border-color:#bbb}section.page h2{margin-top:0}
 svg.planmap{max-height:145mm}.legend{font-size:8pt;margin:3px 0}.kpi{min-width:0;padding:4px 8px}.kpis{gap:6px;margin:8px 0}
 .kpi b{font-size:1.1em}h2{margin-top:.6em}
 details{display:block}details>*{display:block}
}
@page{size:A4;margin:12mm 10mm}
body.print-view main{max-width:190mm}body.print-view .ctl button:not(#print-view){display:none}
"""
# zoom (wheel, buttons), pan (drag) and the scale bar follow the view of each map (the plan
# and, for a phased rollout, one per phase); nothing is fetched
SCRIPT = """
(function(){"use strict";
function nice(m){var p=Math.pow(10,Math.floor(Math.log10(m))),f=m/p;
return (f>=5?5:f>=2?2:1)*p;}
var resets=[];
document.querySelectorAll("svg.planmap").forEach(function(svg){
var vp=svg.querySelector(".viewport"),W=+svg.dataset.w,H=+svg.dataset.h,
mpp=+svg.dataset.mpp,k=1,tx=0,ty=0,drag=null,b=svg.querySelector(".scalebar-bar"),
t=svg.querySelector(".scalebar-text"),tick=svg.querySelector(".scalebar-tick");
function scalebar(){var m=nice(140*mpp/k),px=m*k/mpp;b.setAttribute("width",px.toFixed(1));
t.setAttribute("x",(px/2).toFixed(1));
t.textContent=m>=1000?(m/1000)+" "+svg.dataset.km:m+" "+svg.dataset.m;
tick.setAttribute("x",px.toFixed(1)-1);}
function apply(){vp.setAttribute("transform","translate("+tx.toFixed(2)+","+ty.toFixed(2)+
") scale("+k.toFixed(4)+")");vp.style.setProperty("--k",k);scalebar();}
function pt(ev){var r=svg.getBoundingClientRect();return [(ev.clientX-r.left)*W/r.width,
(ev.clientY-r.top)*H/r.height];}
function zoom(f,c){var nk=Math.min(Math.max(k*f,1),40);f=nk/k;tx=c[0]-(c[0]-tx)*f;
ty=c[1]-(c[1]-ty)*f;k=nk;apply();}
svg.addEventListener("wheel",function(ev){ev.preventDefault();
zoom(ev.deltaY<0?1.25:0.8,pt(ev));},{passive:false});
svg.addEventListener("pointerdown",function(ev){drag=pt(ev);svg.setPointerCapture(ev.pointerId);
svg.style.cursor="grabbing";});
svg.addEventListener("pointermove",function(ev){if(!drag)return;var p=pt(ev);
tx+=p[0]-drag[0];ty+=p[1]-drag[1];drag=p;apply();});
svg.addEventListener("pointerup",function(){drag=null;svg.style.cursor="grab";});
svg.closest(".mapbox").querySelectorAll("[data-zoom]").forEach(function(bt){
bt.addEventListener("click",function(){var z=bt.dataset.zoom;if(z==="reset"){k=1;tx=0;ty=0;
apply();}else zoom(z==="in"?1.5:1/1.5,[W/2,H/2]);});});
resets.push(function(){k=1;tx=0;ty=0;apply();});apply();});
if(!resets.length)return;
function resetAll(){resets.forEach(function(r){r();});}
document.querySelectorAll("input[data-layer]").forEach(function(cb){cb.addEventListener("change",
function(){document.querySelectorAll(cb.dataset.layer).forEach(function(g){
g.style.display=cb.checked?"":"none";});});});
var pv=document.getElementById("print-view");if(pv)pv.addEventListener("click",function(){
document.body.classList.toggle("print-view");resetAll();});
var pr=document.getElementById("print-now");if(pr)pr.addEventListener("click",function(){
window.print();});
window.addEventListener("beforeprint",resetAll);
document.body.setAttribute("data-map-ready","1");})();
"""


# --- data (language-neutral) ---------------------------------------------------------------

def report_data(inst: CommunityInstance, problem: CommunityProblem,
                result: CommunityResult | None, *, diagnosis: Sequence[str] = (),
                streets: Sequence[tuple[tuple[float, float], ...]] = (),
                communities: Any = None, meta: dict[str, Any] | None = None,
                metric: str | None = None,
                phases: Sequence[dict[str, Any]] | None = None, network: Sequence[Any] = (),
                network_note: dict[str, Any] | None = None,
                phase_views: Sequence[tuple[CommunityInstance, CommunityProblem, Check]] = (),
                ) -> dict[str, Any]:
    """Everything the report shows, as plain JSON-able values (stored as report.json).

    ``communities``: a GeoDataFrame of community polygons (name in the district column) or
    None (then read from ``problem.communities`` if set, else derived from the blocks).
    ``metric``: the distance metric; euclidean catchments are circles, any other the hull of
    the blocks the site reaches within the tier.
    ``phases``: a phased rollout's summary list (siting.community.phases.phases_summary); the
    page then shows the roadmap and the coverage curve, the rest of it the last phase.
    ``phase_views``: per phase, its instance, problem and verified check
    (siting.community.phases.phase_views): a map of each phase beside the roadmap.
    ``network``: the walking network the costs were measured on (lines in the working CRS,
    :func:`siting.geo.netcosts.map_lines`), drawn apart from the user's ``streets``.
    """
    meta = dict(meta or {})
    metric = metric or str(meta.get("distance") or "euclidean")
    services = [{"name": s.name, "label": s.label, "segment": s.segment, "weight": s.weight,
                 "capacity": s.capacity, "tiers": [[t.radius, t.credit] for t in s.tiers]}
                for s in problem.services]
    data: dict[str, Any] = {
        "version": DATA_VERSION, "language": current(), "scenario": str(meta.get("scenario", "scenario")),
        "description": str(meta.get("description") or ""),
        "meta": {k: v for k, v in meta.items() if k not in ("description",)},
        "objective": problem.objective, "budget": problem.budget, "services": services,
        "counts": {"blocks": inst.n_blocks, "sites": inst.n_sites,
                   "districts": inst.n_districts},
        "diagnosis": [str(d) for d in diagnosis], "result": None,
    }
    if result is not None:
        data["result"] = {
            "status": result.status.value, "objective": _num(result.objective),
            "bound": _num(result.bound), "gap": _num(result.gap), "tie_break": result.tie_break,
            "backend": result.backend, "notes": list(result.notes),
            "stages": [{"objective": st.objective, "status": st.status.value,
                        "value": _num(st.objective_value), "bound": _num(st.bound),
                        "seconds": st.seconds, "nodes": st.nodes} for st in result.stages]}
    check = result.check if result is not None else None
    plan = result.plan if result is not None else None
    if check is None or plan is None:
        return data
    data["result"]["cost"] = {"opening": check.opening_cost, "modules": check.module_cost,
                              "total": check.total_cost}
    data["result"]["sites_used"] = int(check.used.sum())
    data["result"]["new_sites"] = int((check.used & ~inst.existing_site).sum())
    data["coverage"] = _records(coverage_table(inst, problem, check))
    data["sites"] = _records(sites_table(inst, problem, check, plan.new_modules, used_only=True))
    data["compliance"] = _records(compliance_table(inst, problem, check, plan.new_modules))
    data["map"] = _map_data(inst, problem, check, streets, communities, metric)
    data["map"]["network"] = lines_near(network, np.vstack([inst.demand_xy, inst.site_xy]), 300.0)
    data["map"]["network_note"] = dict(network_note or {})
    data["map"]["links"] = _links(inst, problem, check)
    if phases:
        data["phases"] = [dict(p) for p in phases]
        if len(phase_views) == len(phases):
            data["phase_maps"] = [_phase_map(i, p, c, metric, ph)
                                  for (i, p, c), ph in zip(phase_views, phases)]
    operating = _operating(inst, problem, check)
    if operating is not None:
        data["operating"] = operating
    return data


def _phase_map(inst: CommunityInstance, problem: CommunityProblem, check: Check, metric: str,
               phase: dict[str, Any]) -> dict[str, Any]:
    """What a phase's map draws on the main map's geometry: the phase's block populations and
    credited shares, which sites are open (existing, opened before, opened in the phase), the
    modules the phase adds and the catchments of the sites open in it."""
    pop = inst.population.sum(axis=1)
    share = np.divide(check.credit.sum(axis=1), pop, out=np.zeros_like(pop), where=pop > 0)
    ids = [str(x) for x in inst.site_ids]
    opened = set(map(str, phase.get("opened_sites", ())))
    status = ["existing" if inst.existing_site[j] else
              ("opened" if ids[j] in opened else "new") if check.used[j] else "unused"
              for j in range(inst.n_sites)]
    names = [s.name for s in problem.services]
    at = {sid: j for j, sid in enumerate(ids)}
    added: list[list[list[int]]] = [[] for _ in ids]
    for m in phase.get("new_modules", ()):
        added[at[str(m["site"])]].append([names.index(m["service"]), int(m["modules"])])
    return {"pop": [float(p) for p in pop], "share": np.round(share, 4).tolist(),
            "status": status, "used": check.used.astype(bool).tolist(),
            "hosts": [np.flatnonzero(check.hosts[j]).tolist() for j in range(inst.n_sites)],
            "added": added, "catchments": _catchments(inst, problem, check, metric)}


def _operating(inst: CommunityInstance, problem: CommunityProblem,
               check: Check) -> dict[str, Any] | None:
    """The operating view of a plan whose scenario has viability figures (thresholds, operating
    cost, revenue or a subsidy budget; siting.community.viability): per
    service point its users, threshold, utilisation and annual money, and the users its
    operator needs to break even (annual operating cost / revenue per user)."""
    has_figures = problem.viability.subsidy_budget is not None or any(
        s.min_users is not None or s.operating_cost is not None or s.revenue_per_user is not None
        for s in problem.services)
    if check.operations is None or not has_figures:
        return None
    from .tables import module_records

    svc = {s.name: s for s in problem.services}
    rows = []
    for r in module_records(inst, problem, check):
        s = svc[r["service"]]
        breakeven = None
        if r["operating_cost"] is not None and s.revenue_per_user:
            breakeven = r["operating_cost"] / s.revenue_per_user
        rows.append({**r, "break_even_users": breakeven,
                     "revenue": None if s.revenue_per_user is None else r["revenue"]})
    ops = check.operations
    return {"modules": rows, "subsidy_needed": float(ops.subsidy),
            "subsidy_budget": problem.viability.subsidy_budget,
            "existing_counted": problem.viability.existing,
            "services": {s.name: {"min_users": s.min_users, "operating_cost": s.operating_cost,
                                  "revenue_per_user": s.revenue_per_user, "users": s.users}
                         for s in problem.services}}


def _records(df: pd.DataFrame) -> dict[str, Any]:
    cols = [str(c) for c in df.columns]
    rows = [[_jsonable(v) for v in rec] for rec in df.itertuples(index=False)]
    return {"columns": cols, "rows": rows}


def _jsonable(v: Any) -> Any:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return float(v) if math.isfinite(v) else None
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return str(v)


def _num(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(float(v)) else float(v)


def _map_data(inst: CommunityInstance, problem: CommunityProblem, check: Any,
              streets: Sequence[tuple[tuple[float, float], ...]], communities: Any,
              metric: str) -> dict[str, Any]:
    pop = inst.population.sum(axis=1)
    share = np.divide(check.credit.sum(axis=1), pop, out=np.zeros_like(pop), where=pop > 0)
    r2 = lambda a: np.round(np.asarray(a, dtype=float), 1).tolist()  # noqa: E731 - 0.1 m
    used = np.flatnonzero(check.used)
    status = np.where(inst.existing_site, "existing", np.where(check.used, "new", "unused"))
    catch = _catchments(inst, problem, check, metric)
    bounds, source = _boundaries(inst, problem, communities)
    return {
        "crs": inst.crs, "metric": metric,
        "districts": [str(d) for d in inst.district_names],
        "blocks": {"x": r2(inst.demand_xy[:, 0]), "y": r2(inst.demand_xy[:, 1]),
                   "pop": [float(p) for p in pop], "share": np.round(share, 4).tolist(),
                   "district": inst.district.astype(int).tolist(),
                   "id": [str(x) for x in inst.demand_ids]},
        "sites": {"x": r2(inst.site_xy[:, 0]), "y": r2(inst.site_xy[:, 1]),
                  "id": [str(x) for x in inst.site_ids],
                  "name": ([str(x) for x in inst.site_names] if inst.site_names is not None
                           else [""] * inst.n_sites),
                  "status": [str(s) for s in status], "used": check.used.astype(bool).tolist(),
                  "hosts": [np.flatnonzero(check.hosts[j]).tolist() for j in range(inst.n_sites)]},
        "used": used.tolist(), "catchments": catch,
        "boundaries": bounds, "boundary_source": source,
        "streets": [[[round(x, 1), round(y, 1)] for x, y in line] for line in streets],
    }


def _links(inst: CommunityInstance, problem: CommunityProblem, check: Any) -> dict[str, list]:
    """Per service, each credited block and the chosen site that credits it: the nearest used
    site hosting the service within its outer tier, by the run's travel cost (the map draws
    the link as a straight line; paths are not stored)."""
    out: dict[str, list] = {"service": [], "block": [], "site": [], "cost": []}
    for s, _svc in enumerate(problem.services):
        pr = inst.pairs[s]
        ok = (check.used & check.hosts[:, s])[pr.j] & (check.best_tier[pr.i, s] >= 0)
        i, j, d = pr.i[ok], pr.j[ok], pr.d[ok]
        order = np.lexsort((d, i))  # per block, nearest first
        i, j, d = i[order], j[order], d[order]
        first = np.r_[True, i[1:] != i[:-1]] if i.size else np.zeros(0, dtype=bool)
        out["service"] += [s] * int(first.sum())
        out["block"] += i[first].astype(int).tolist()
        out["site"] += j[first].astype(int).tolist()
        out["cost"] += np.round(d[first], 1).tolist()
    return out


def _catchments(inst: CommunityInstance, problem: CommunityProblem, check: Any,
                metric: str) -> list[dict[str, Any]]:
    """Per chosen site, service it hosts and tier: a circle (euclidean) or the hull of the
    blocks reached within the tier's radius (network and table metrics)."""
    out: list[dict[str, Any]] = []
    for s, svc in enumerate(problem.services):
        pr = inst.pairs[s]
        for j in np.flatnonzero(check.used & check.hosts[:, s]):
            x, y = (float(v) for v in inst.site_xy[j])
            for k, tier in enumerate(svc.tiers):
                item: dict[str, Any] = {"site": int(j), "service": s, "tier": k,
                                        "radius": tier.radius}
                if metric == "euclidean":
                    item["circle"] = [round(x, 1), round(y, 1), tier.radius]
                else:
                    sel = (pr.j == j) & (pr.d <= tier.radius)
                    pts = np.vstack([inst.demand_xy[pr.i[sel]], inst.site_xy[j:j + 1]])
                    item["ring"] = _hull(pts)
                out.append(item)
    return out


def _hull(pts: np.ndarray) -> list[list[float]]:
    import shapely

    geom = shapely.convex_hull(shapely.multipoints(pts))
    if geom.geom_type != "Polygon":
        geom = geom.buffer(15.0)  # one or two blocks: a small disc or capsule, still visible
    return [[round(float(a), 1), round(float(b), 1)] for a, b in geom.exterior.coords]


def _boundaries(inst: CommunityInstance, problem: CommunityProblem,
                communities: Any) -> tuple[list[dict[str, Any]], str]:
    """Community outlines: the given polygon layer, else the blocks' Voronoi cells dissolved by
    community (clipped to the blocks' hull grown by 150 m)."""
    import shapely

    if communities is None and problem.communities:
        communities = read_communities(problem.communities, inst.crs)
    col = problem.columns.district
    out: list[dict[str, Any]] = []
    if communities is not None:
        names = communities[col] if col in communities.columns else communities.iloc[:, 0]
        for name, geom in zip(names.astype(str), communities.geometry):
            if geom is not None and not geom.is_empty:
                out.append({"name": name, "rings": _rings(geom)})
        return out, "layer"
    pts = shapely.points(inst.demand_xy)
    if len(pts) < 3:
        return out, "derived"
    env = shapely.convex_hull(shapely.multipoints(inst.demand_xy)).buffer(150.0)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(inst.demand_xy),
                                                       extend_to=env))
    # voronoi_polygons returns cells in no fixed order: match each cell to its block
    tree = shapely.STRtree(cells)
    idx_pt, idx_cell = tree.query(pts, predicate="within")
    owner = np.full(len(cells), -1)
    owner[idx_cell] = inst.district[idx_pt]
    for g, name in enumerate(inst.district_names):
        mine = cells[owner == g]
        if mine.size == 0:
            continue
        geom = shapely.intersection(shapely.union_all(mine), env)
        out.append({"name": str(name), "rings": _rings(geom)})
    return out, "derived"


def _rings(geom: Any) -> list[list[list[float]]]:
    polys = getattr(geom, "geoms", [geom])
    rings = []
    for p in polys:
        if p.geom_type != "Polygon":
            continue
        p = p.simplify(2.0)
        for ring in (p.exterior, *p.interiors):
            rings.append([[round(float(x), 1), round(float(y), 1)] for x, y, *_ in ring.coords])
    return rings


def read_communities(spec: str, crs: str | None) -> Any:
    """A community polygon layer 'file.gpkg' or 'file.gpkg#layer', in the working CRS."""
    import geopandas as gpd

    from ..errors import SpecError

    path, _sep, layer = spec.partition("#")
    if not Path(path).is_file():
        raise SpecError(f"problem.communities: file {path} does not exist")
    try:
        gdf = gpd.read_file(path, layer=layer or None, engine="pyogrio")
    except Exception as exc:  # pyogrio raises driver-specific types
        raise SpecError(f"problem.communities: cannot read {spec}: "
                        f"{str(exc).splitlines()[0]}") from None
    if crs is not None and gdf.crs is not None:
        gdf = gdf.to_crs(crs)
    return gdf


# --- rendering -----------------------------------------------------------------------------

def render(inst: CommunityInstance, problem: CommunityProblem, result: CommunityResult | None,
           *, title: str | None = None, diagnosis: Sequence[str] = (),
           streets: Sequence[tuple[tuple[float, float], ...]] = (),
           meta: dict[str, Any] | None = None, lang: str | None = None,
           network: Sequence[Any] = ()) -> str:
    """The report as one HTML string (``lang`` None: the current language)."""
    return render_data(report_data(inst, problem, result, diagnosis=diagnosis, streets=streets,
                                   meta=meta, network=network), lang=lang, title=title)


def write_report(folder: Path, inst: CommunityInstance, problem: CommunityProblem,
                 result: CommunityResult | None, *, diagnosis: Sequence[str] = (),
                 streets: Sequence[tuple[tuple[float, float], ...]] = (),
                 meta: dict[str, Any] | None = None,
                 phases: Sequence[dict[str, Any]] | None = None, network: Sequence[Any] = (),
                 network_note: dict[str, Any] | None = None,
                 phase_views: Sequence[tuple[CommunityInstance, CommunityProblem, Check]] = (),
                 ) -> list[str]:
    """report.html (current language) and report.json (what re-rendering needs) into folder."""
    data = report_data(inst, problem, result, diagnosis=diagnosis, streets=streets, meta=meta,
                       phases=phases, network=network, network_note=network_note,
                       phase_views=phase_views)
    (Path(folder) / "report.json").write_text(json.dumps(data, allow_nan=False,
                                                         ensure_ascii=False),
                                              encoding="utf-8")
    (Path(folder) / "report.html").write_text(render_data(data), encoding="utf-8")
    return ["report.html", "report.json"]


def rerender(run_dir: Path, lang: str | None = None, tiles: str | None = None,
             ) -> tuple[Path, str]:
    """Write RUN_DIR/report.html again from RUN_DIR/report.json in ``lang`` (None: the run's
    language); returns (path, language). A classical run (map.html, no report.json) is left
    as it is and its map.html returned."""
    from ..errors import SpecError
    from ..i18n import check_language

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise SpecError(f"{run_dir}: not a folder")
    src = run_dir / "report.json"
    if not src.is_file():
        if (run_dir / "map.html").is_file():
            return run_dir / "map.html", check_language(lang or current())
        raise SpecError(f"{run_dir}: no report.json or map.html (not a run folder, or written "
                        "by an older siting: run the scenario again)")
    try:
        data = json.loads(src.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SpecError(f"{src}: cannot read: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != DATA_VERSION:
        raise SpecError(f"{src}: report data version {data.get('version') if isinstance(data, dict) else '?'}"
                        f" is not {DATA_VERSION} (run the scenario again)")
    lang = check_language(lang or data.get("language") or current())
    out = run_dir / "report.html"
    tmp = out.with_name(".report.html.tmp")
    tmp.write_text(render_data(data, lang=lang, tiles=tiles), encoding="utf-8")
    tmp.replace(out)
    return out, lang


def render_data(data: dict[str, Any], *, lang: str | None = None, title: str | None = None,
                tiles: str | None = None) -> str:
    """HTML of a :func:`report_data` dict, in ``lang`` (None: the current language).

    ``tiles``: an XYZ tile URL template ('https://host/{z}/{x}/{y}.png') drawn as a basemap
    under the map (the page then loads images from that host; default: none, fully offline).
    """
    from ..i18n import use_language

    if tiles is not None and not all(k in tiles for k in ("{z}", "{x}", "{y}")):
        from ..errors import SpecError

        raise SpecError(f"--tiles {tiles!r}: the URL needs {{z}}, {{x}} and {{y}}")
    with use_language(lang):
        return _Page(data, tiles).html(title)


def _key(name: str) -> str:
    """A CSV column name, breakable after '_' so wrapped headers stay narrow."""
    return _e(name).replace("_", "_<wbr>")


class _Page:
    def __init__(self, data: dict[str, Any], tiles: str | None = None):
        self.data = data
        self.tiles = tiles
        self.services = data["services"]
        self.names = [s["name"] for s in self.services]
        self.lang = current()

    # labels of data values the catalogue may know
    def service(self, name: str) -> str:
        """A service's display name: the catalogue's, else the scenario's label, else the name."""
        s = next((x for x in self.services if x["name"] == name), {"label": "", "name": name})
        if known(name, "service"):
            return _e(pgettext("service", name)) if self.lang != "en" else _d(s["label"] or name)
        return _d(s["label"] or name)

    def district(self, name: Any) -> str:
        return _e(_("all communities")) if str(name) == "ALL" else _d(name)

    def segment(self, name: str) -> str:
        return _e(pgettext("segment", name)) if known(name, "segment") else _d(name)

    def word(self, context: str, value: Any) -> str:
        value = str(value)
        return _e(pgettext(context, value)) if known(value, context) else _d(value)

    def tile_src(self) -> str:
        """The basemap's origin for the page's Content-Security-Policy (none: offline)."""
        if not self.tiles:
            return ""
        m = re.match(r"([a-z]+:)(//[^/{]*)?", self.tiles)
        return "" if m is None else " " + (m.group(1) + (m.group(2) or "") if m.group(1) != "file:"
                                           else "file:")

    def html(self, title: str | None) -> str:
        d = self.data
        name = d.get("scenario", "")
        title_text = title or _("{scenario}: embedded community services plan").format(
            scenario=name)
        parts = [f"<!DOCTYPE html><html lang=\"{HTML_LANG[self.lang]}\"><head>"
                 "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, "
                 "initial-scale=1\"><meta http-equiv=\"Content-Security-Policy\" content=\""
                 "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                 f"img-src data:{self.tile_src()}\">"
                 f"<title>{_e(title_text)}</title><style>{CSS.replace('__FONTS__', FONT_STACK)}"
                 "</style></head><body><main>"]
        if title:
            parts.append(f"<h1>{_d(title)}</h1>")
        else:
            parts.append("<h1>" + _e(_("{scenario}: embedded community services plan"))
                         .replace("{scenario}", _d(name)) + "</h1>")
        if d.get("description"):
            parts.append(f"<p class=\"muted\">{_d(d['description'])}</p>")
        parts.append(self.headline())
        if d.get("diagnosis"):  # the reasons, once; the solver section links here
            parts.append("<div id=\"no-plan-reasons\">" + "".join(
                f"<div class=\"bad\">{self.sentence(line)}</div>" for line in d["diagnosis"])
                + "</div>")
        res = d.get("result") or {}
        for note in res.get("notes", []):
            parts.append(f"<div class=\"note\">{self.sentence(note)}</div>")
        if "map" in d:  # the map right after the headline: page 1 of the print
            last = (d.get("phases") or [None])[-1]
            where = "" if last is None else ("<p class=\"muted\">" + _e(_(
                "The plan at the last phase, {phase}; the rollout section has a map of each "
                "phase.")).replace("{phase}", self.phase_name(last)) + "</p>")
            parts.append(f"<section id=\"sec-map\"><h2>{_e(_('Planning map'))}"
                         f"</h2>{where}{PlanMap(self).svg()}</section>")
            parts.append(self.budget())
            if d.get("phases"):
                parts.append(self.roadmap())
            parts.append(self.coverage())
            parts.append(self.sites())
            if d.get("operating"):
                parts.append(self.operating())
            parts.append(self.compliance())
        parts.append(self.solver())
        parts.append(f"</main><script>{SCRIPT}</script></body></html>")
        return "".join(parts)

    def sentence(self, text: str) -> str:
        """A solver note or diagnosis: translated when the catalogue has it, else as given."""
        if known(text):
            return _e(gettext(text))
        return f"<span lang=\"en\" translate=\"no\">{_e(text)}</span>"

    def objective_value(self, v: float | None) -> str:
        kind = self.data["objective"]
        if v is None:
            return "—"
        if kind == "cost":
            return fmt_money(v)
        if kind == "equity":
            return fmt_percent(v, 2)
        return fmt_number(v, 1)

    def headline(self) -> str:
        d, res = self.data, self.data.get("result")
        c = d["counts"]
        kpis: list[tuple[str, str]] = [
            (_("objective"), self.word("objective", d["objective"])),
            (_("status"), self.word("status", res["status"]) if res else _e(_("not solved")))]
        if res and res.get("objective") is not None:
            kpis.append((_("objective value"), _e(self.objective_value(res["objective"]))))
            kpis.append((_("proven bound"), _e(self.objective_value(res["bound"]))))
            kpis.append((_("proven gap"), _e(fmt_percent(res["gap"], 4)
                                              if res["gap"] is not None else "—")))
            kpis.append((_("tie-break"), self.word("tie_break", res["tie_break"])))
        if res and "cost" in res:
            kpis.append((_("sites used"), _e(_("{used} of {total}").format(
                used=fmt_number(res["sites_used"]), total=fmt_number(c["sites"])))))
            kpis.append((_("total cost"), _e(fmt_money(res["cost"]["total"]))))
        kpis.append((_("blocks / communities"),
                     _e(f"{fmt_number(c['blocks'])} / {fmt_number(c['districts'])}")))
        cells = "".join(f"<div class=\"kpi\"><span>{_e(k)}</span><b>{v}</b></div>"
                        for k, v in kpis)
        return f"<div class=\"kpis\">{cells}</div>"

    def budget(self) -> str:
        res, budget = self.data["result"], self.data.get("budget")
        cost = res["cost"]
        rows = [(_("site opening / retrofit"), cost["opening"]), (_("new modules"), cost["modules"]),
                (_("total"), cost["total"])]
        body = "".join(f"<tr><td class=\"l\">{_e(a)}</td><td>{_e(fmt_money(b))}</td></tr>"
                       for a, b in rows)
        bar = ""
        if budget:
            frac = min(cost["total"] / budget, 1.0) if budget > 0 else 1.0
            bar = ("<p>" + _e(_("Budget use: {cost} of {budget} ({share})").format(
                cost=fmt_money(cost["total"]), budget=fmt_money(budget),
                share=fmt_percent(frac))) + "</p>"
                   f"<div class=\"bar\"><div style=\"width:{frac * 100:.1f}%\"></div></div>")
        return (f"<h2>{_e(_('Budget'))}</h2>{bar}<table class=\"narrow\" style=\"width:auto\">"
                f"<thead><tr><th class=\"l\">{_e(_('item'))}</th><th>{_e(_('cost'))}</th></tr>"
                f"</thead><tbody>{body}</tbody></table>")

    # tables -------------------------------------------------------------------------------
    def header(self, col: str) -> str:
        """Translated column title with the CSV column name under it."""
        return f"{_e(self.column_title(col))}<code translate=\"no\">{_key(col)}</code>"

    def column_title(self, col: str) -> str:
        div, unit = money_unit()
        m = re.fullmatch(r"tier(\d+)_(\d+)m", col)
        if m:
            return _("tier {k}: within {r} m").format(k=m.group(1), r=fmt_number(int(m.group(2))))
        for prefix, msg in (("existing_", _("existing modules: {service}")),
                            ("new_", _("new modules: {service}")),
                            ("users_", _("users: {service}")),
                            ("threshold_", _("viability threshold: {service}")),
                            ("utilisation_", _("utilisation: {service}")),
                            ("deficit_", _("annual deficit: {service}"))):
            if col.startswith(prefix) and col[len(prefix):] in self.names:
                return msg.format(service=self.service_plain(col[len(prefix):]))
        title = gettext(_COLUMNS.get(col, col))
        if col in _MONEY:
            title += f" ({unit})"
        return title

    def service_plain(self, name: str) -> str:
        s = next((x for x in self.services if x["name"] == name), {"label": "", "name": name})
        if self.lang != "en" and known(name, "service"):
            return pgettext("service", name)
        return s["label"] or name

    def cell(self, col: str, v: Any) -> str:
        if v is None:
            return "—"
        if col in _MONEY:
            return _e(fmt_money_in_unit(v))
        if col in ("credited_share", "share", "utilisation"):
            return _e(fmt_percent(v))
        if col == "service":
            return self.service(str(v))
        if col == "district":
            return self.district(v)
        if col == "status":
            return self.word("site_status", v)
        if col == "kind":
            return self.word("site_kind", v)
        if col == "services":
            return "; ".join(self.service(s) for s in str(v).split(";") if s) or "—"
        if col == "segment":
            return self.segment(str(v))
        if isinstance(v, bool):
            return _e(_("yes") if v else _("no"))
        if isinstance(v, int):
            return _e(fmt_number(v))
        if isinstance(v, float):
            return _e(fmt_number(v, 0 if abs(v) >= 100 or v.is_integer() else 2))
        return _d(v)

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[Any]],
              left: Sequence[str] = ()) -> str:
        head = "".join(f"<th class=\"{'l' if c in left else ''}\" data-col=\"{_e(c)}\">"
                       f"{self.header(c)}</th>" for c in columns)
        body = []
        for row in rows:
            cells = "".join(f"<td{_LEFT if c in left else ''}>{self.cell(c, v)}</td>"
                            for c, v in zip(columns, row))
            body.append(f"<tr>{cells}</tr>")
        return (f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")

    def split_table(self, records: dict[str, Any], keys: Sequence[str],
                    groups: Sequence[Sequence[str]], left: Sequence[str]) -> str:
        """One wide table as several narrow ones, each repeating the key columns."""
        cols = records["columns"]
        out = []
        room = max(MAX_COLUMNS - len(keys), 1)
        for group in groups:
            if not group:
                continue
            size = math.ceil(len(group) / math.ceil(len(group) / room))  # even chunks
            for start in range(0, len(group), size):
                chunk = list(keys) + list(group[start:start + size])
                idx = [cols.index(c) for c in chunk]
                rows = [[r[i] for i in idx] for r in records["rows"]]
                out.append(self.table(chunk, rows, left))
        return "".join(out)

    def roadmap(self) -> str:
        """Phased rollout: spending per phase, what opens when, coverage per phase per service
        (and per community), the coverage curve over time and a map of each phase."""
        phases = self.data["phases"]
        phase_word = _e(_("phase"))
        head = "".join(f"<th>{_e(x)}</th>" for x in (
            _("sites opened"), _("new modules"), _("spending"), _("spending to date"),
            _("phase budget")))
        body = []
        for ph in phases:
            mods = sum(int(m["modules"]) for m in ph["new_modules"])
            budget = "—" if ph.get("budget") is None else _e(fmt_money(ph["budget"]))
            body.append(f"<tr data-phase=\"{_e(ph['name'])}\"><td class=\"l\">"
                        f"{self.phase_name(ph)}</td>"
                        f"<td>{_e(fmt_number(len(ph['opened_sites'])))}</td>"
                        f"<td>{_e(fmt_number(mods))}</td><td>{_e(fmt_money(ph['cost']))}</td>"
                        f"<td>{_e(fmt_money(ph['cumulative_cost']))}</td><td>{budget}</td></tr>")
        parts = [f"<section class=\"page\" id=\"sec-roadmap\"><h2>{_e(_('Rollout by phase'))}"
                 "</h2><p class=\"muted\">" + _e(_(
                     "One plan over all phases, solved as one exact model: what is built in a "
                     "phase stays open in the later ones, each phase keeps the planning rules and "
                     "its budget, and the coverage of each phase is counted with that phase's "
                     "population.")) + "</p>"
                 f"<table id=\"roadmap\"><thead><tr><th class=\"l\">{phase_word}</th>{head}"
                 f"</tr></thead><tbody>{''.join(body)}</tbody></table>"]
        parts.append(f"<h3>{_e(_('What opens when'))}</h3>" + self.openings(phases))
        parts.append(f"<h3>{_e(_('Coverage per phase'))}</h3>" + self.phase_coverage(phases))
        parts.append(f"<h3>{_e(_('Coverage over time'))}</h3>{self.curve(phases)}")
        community_word = _e(_("community"))
        for n in self.names:
            by_phase = [ph["coverage"][n].get("districts", {}) for ph in phases]
            districts = sorted({d for shares in by_phase for d in shares})
            for start in range(0, len(phases), MAX_COLUMNS - 1):  # phases in page-wide groups
                group = phases[start:start + MAX_COLUMNS - 1]
                rows = "".join(
                    f"<tr><td class=\"l\">{self.district(dname)}</td>" + "".join(
                        "<td>" + _e(fmt_percent(ph["coverage"][n].get("districts", {}).get(
                            dname, 0.0), 1)) + "</td>" for ph in group) + "</tr>"
                    for dname in districts)
                parts.append("<details class=\"phase-districts\" data-service=\"" + _e(n)
                             + "\"><summary>" + _e(_(
                                 "Coverage by community and phase: {service}")).replace(
                    "{service}", self.service(n)) + "</summary><table class=\"narrow\"><thead>"
                    f"<tr><th class=\"l\">{community_word}</th>" + "".join(
                        f"<th>{self.phase_name(ph)}</th>" for ph in group)
                    + f"</tr></thead><tbody>{rows}</tbody></table></details>")
        parts.append(self.phase_maps(phases))
        parts.append("</section>")
        return "".join(parts)

    def phase_name(self, ph: dict[str, Any]) -> str:
        """A phase as named in the scenario, with its year when that says more."""
        name = str(ph["name"])
        year = ph.get("year")
        return _d(name if year is None or str(year) == name else f"{name} ({year})")

    def openings(self, phases: list[dict[str, Any]]) -> str:
        """One row per phase and site the phase builds at: opens the site, or adds modules."""
        rows = []
        for ph in phases:
            opened = [str(x) for x in ph["opened_sites"]]
            added: dict[str, list[str]] = {}
            for m in ph["new_modules"]:
                added.setdefault(str(m["site"]), []).append(
                    f"{self.service(m['service'])} ×{_e(fmt_number(int(m['modules'])))}")
            for site in opened + sorted(set(added) - set(opened)):
                what = _("opens") if site in opened else _("adds modules")
                rows.append(f"<tr data-phase=\"{_e(ph['name'])}\"><td class=\"l\">"
                            f"{self.phase_name(ph)}</td><td class=\"l\">{_d(site)}</td>"
                            f"<td class=\"l\">{_e(what)}</td><td class=\"l\">"
                            + ("; ".join(added.get(site, [])) or "—") + "</td></tr>")
            if not opened and not added:
                rows.append(f"<tr data-phase=\"{_e(ph['name'])}\"><td class=\"l\">"
                            f"{self.phase_name(ph)}</td><td class=\"l muted\" colspan=\"3\">"
                            + _e(_("nothing new in this phase")) + "</td></tr>")
        heads = "".join(f"<th class=\"l\">{_e(h)}</th>" for h in (
            _("phase"), _("site"), _("what is built"), _("new modules")))
        return (f"<table id=\"roadmap-sites\"><thead><tr>{heads}</tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>")

    def phase_coverage(self, phases: list[dict[str, Any]]) -> str:
        """Credited share of each service per phase (services in groups that fit a page)."""
        out = []
        room = MAX_COLUMNS - 1
        for start in range(0, len(self.names), room):
            names = self.names[start:start + room]
            head = "".join(f"<th data-col=\"{_e(n)}\">{self.service(n)}</th>" for n in names)
            body = "".join(
                f"<tr data-phase=\"{_e(ph['name'])}\"><td class=\"l\">{self.phase_name(ph)}</td>"
                + "".join(f"<td>{_e(fmt_percent(ph['coverage'][n]['share'], 1))}</td>"
                          for n in names) + "</tr>" for ph in phases)
            out.append(f"<table class=\"roadmap-coverage\"><thead><tr><th class=\"l\">"
                       f"{_e(_('phase'))}</th>{head}</tr></thead><tbody>{body}</tbody></table>")
        return "".join(out)

    def phase_maps(self, phases: list[dict[str, Any]]) -> str:
        """A map of each phase on the main map's geometry: what is open then, with the sites the
        phase opens and the modules it adds marked."""
        maps = self.data.get("phase_maps") or []
        if "map" not in self.data or len(maps) != len(phases):
            return ""
        base = self.data["map"]
        out = [f"<h3>{_e(_('Maps by phase'))}</h3><p class=\"muted\">" + _e(_(
            "Each map shows the plan as it stands at the end of the phase: blocks coloured by "
            "their credited share with that phase's population, the catchments of the sites "
            "open then, and what the phase builds marked.")) + "</p>"]
        for k, (ph, pm) in enumerate(zip(phases, maps)):
            m = {**base, "blocks": {**base["blocks"], "pop": pm["pop"], "share": pm["share"]},
                 "sites": {**base["sites"], "status": pm["status"], "used": pm["used"],
                           "hosts": pm["hosts"], "added": pm["added"]},
                 "catchments": pm["catchments"], "links": None, "network": []}
            n_open = sum(1 for u in pm["used"] if u)
            title = _("Phase {phase}: {open} sites open, {opened} opened in this phase").format(
                phase="{phase}", open=fmt_number(n_open), opened=fmt_number(
                    len(ph["opened_sites"])))
            caption = _e(title).replace("{phase}", self.phase_name(ph))
            plain = title.replace("{phase}", str(ph["name"]))
            out.append(f"<figure class=\"phase-map\" data-phase=\"{_e(ph['name'])}\" "
                       f"style=\"margin:0\"><h4>{caption}</h4>"
                       f"{PlanMap(self, m, key=f'phasemap-{k + 1}', caption=plain).svg()}"
                       "</figure>")
        return "".join(out)

    def curve(self, phases: list[dict[str, Any]]) -> str:
        """Credited share per service over the phases, as an inline SVG line chart (a point
        per phase, its value in the tooltip)."""
        W, H, L, B = 560, 220, 58, 28
        n = len(phases)
        xs = [L + (W - L - 16) * (k / max(n - 1, 1)) for k in range(n)]

        def y(v: float) -> float:
            return 10 + (H - B - 10) * (1 - v)
        colours = ("#2b7bb9", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e")
        out = [f"<svg class=\"curve\" id=\"coverage-curve\" viewBox=\"0 0 {W} {H}\" "
               f"width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\""
               f"{_e(_('Coverage over time'))}\" "
               "style=\"max-width:100%;height:auto;background:#fff\">"]
        for v in (0.0, 0.5, 1.0):
            out.append(f"<line x1=\"{L}\" x2=\"{W - 10}\" y1=\"{y(v):.1f}\" y2=\"{y(v):.1f}\" "
                       f"stroke=\"#ddd\"/><text x=\"{L - 6}\" y=\"{y(v) + 4:.1f}\" "
                       f"text-anchor=\"end\" font-size=\"11\">{_e(fmt_percent(v))}</text>")
        for k, ph in enumerate(phases):
            # SVG text holds no HTML (a <span> would end the svg in the HTML parser)
            out.append(f"<text class=\"curve-phase\" translate=\"no\" x=\"{xs[k]:.1f}\" "
                       f"y=\"{H - 8}\" text-anchor=\"middle\" font-size=\"11\">"
                       f"{_e(ph['name'])}</text>")
        legend = []
        for i, name in enumerate(self.names):
            c = colours[i % len(colours)]
            vals = [float(ph["coverage"][name]["share"]) for ph in phases]
            pts = " ".join(f"{xs[k]:.1f},{y(v):.1f}" for k, v in enumerate(vals))
            label = self.service_plain(name)
            out.append(f"<polyline class=\"curve-line\" data-service=\"{_e(name)}\" "
                       f"points=\"{pts}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\"/>")
            for k, v in enumerate(vals):
                out.append(f"<circle class=\"curve-point\" data-service=\"{_e(name)}\" "
                           f"data-phase=\"{_e(phases[k]['name'])}\" data-share=\"{v:.6f}\" "
                           f"cx=\"{xs[k]:.1f}\" cy=\"{y(v):.1f}\" r=\"3.5\" fill=\"{c}\">"
                           f"<title>{_e(label)}: {_e(fmt_percent(v, 1))}</title></circle>")
            legend.append(f"<span><i class=\"sw\" style=\"background:{c}\"></i>"
                          f"{self.service(name)}</span>")
        out.append("</svg>")
        return "".join(out) + f"<div class=\"legend\">{''.join(legend)}</div>"

    def coverage(self) -> str:
        rec = self.data["coverage"]
        cols = rec["columns"]
        parts = [f"<section class=\"page\" id=\"sec-coverage\"><h2>"
                 f"{_e(_('Coverage by service, community and walking tier'))}</h2>",
                 "<p class=\"muted\">" + _e(_(
                     "Persons of each service's segment by the best walking tier they reach "
                     "(capacitated services: persons allocated); credited share = Σ credit × "
                     "persons / segment population.")) + "</p>"]
        i_svc = cols.index("service")
        for svc in self.services:
            rows = [r for r in rec["rows"] if r[i_svc] == svc["name"]]
            keep = [c for c in cols if c not in ("service", "segment")
                    and any(r[cols.index(c)] is not None for r in rows)]
            tiers = [c for c in keep if re.fullmatch(r"tier\d+_\d+m", c)]
            keep = [c for c in keep if c not in tiers]
            at = keep.index("population") + 1 if "population" in keep else len(keep)
            keep = keep[:at] + tiers + keep[at:]
            idx = [cols.index(c) for c in keep]
            cap = ("" if svc["capacity"] is None else "; " + _(
                "{capacity} persons per module").format(capacity=fmt_number(svc["capacity"])))
            parts.append(f"<h3>{self.service(svc['name'])} — " + _e(_("segment")) + " "
                         + self.segment(svc["segment"]) + "; " + _e(_("weight {weight}").format(
                             weight=fmt_number(svc["weight"], 1))) + _e(cap) + "</h3>")
            parts.append(self.table(keep, [[r[i] for i in idx] for r in rows], ("district",)))
        parts.append("</section>")
        return "".join(parts)

    def sites(self) -> str:
        rec = self.data["sites"]
        cols = rec["columns"]
        ident = [c for c in ("name", "kind", "district", "status", "services") if c in cols]
        money_area = [c for c in ("free_area_m2", "new_area_m2", "service_area_m2",
                                  "opening_cost", "module_cost", "total_cost") if c in cols]
        modules = [c for n in self.names for c in (f"existing_{n}", f"new_{n}") if c in cols]
        rest = [c for c in cols if c not in ("id", *ident, *money_area, *modules)]
        return (f"<section class=\"page\" id=\"sec-sites\"><h2>{_e(_('Selected sites'))}</h2>"
                + self.split_table(rec, ["id"], [ident, money_area, modules, rest],
                                   ("id", "name", "kind", "district", "status", "services"))
                + "</section>")

    def operating(self) -> str:
        """Operating viability: per service point its users against the viability threshold
        and the operator's break-even, and the annual deficit a subsidy has to cover."""
        op = self.data["operating"]
        rows = op["modules"]
        title = _e(_("Operating viability"))
        out = [f"<section class=\"page\" id=\"sec-operating\"><h2>{title}</h2>"
               "<p class=\"muted\">" + _e(_(
                   "The users of a service point are the persons (or households) for whom it is "
                   "the nearest point offering the service within reach; a capacitated service "
                   "counts the persons allocated to it. A point breaks even when its users' "
                   "annual revenue covers its annual operating cost; below that, its operator "
                   "needs an annual subsidy of the difference. A new point must also reach its "
                   "service's viability threshold (minimum users) to be opened.")) + "</p>"]
        money = [r for r in rows if r["deficit"] is not None]
        below = sorted((r for r in money if r["deficit"] > 1e-9),
                       key=lambda r: -float(r["deficit"]))
        facts = []
        if money:
            facts.append(_("{below} of {total} service points with operating figures are below "
                           "their operator's break-even; their annual deficits add up to "
                           "{deficit}.").format(
                below=fmt_number(len(below)), total=fmt_number(len(money)),
                deficit=fmt_money(sum(float(r["deficit"]) for r in below))))
        budget = op.get("subsidy_budget")
        counted = (_("new service points and existing ones") if op.get("existing_counted")
                   else _("new service points"))
        if budget is not None:
            facts.append(_("Annual subsidy needed ({counted}): {needed} of the subsidy budget "
                           "{budget}.").format(counted=counted,
                                               needed=fmt_money(op["subsidy_needed"]),
                                               budget=fmt_money(budget)))
        elif money:
            facts.append(_("Annual subsidy needed ({counted}): {needed}; the scenario sets no "
                           "subsidy budget.").format(counted=counted,
                                                     needed=fmt_money(op["subsidy_needed"])))
        short = [r for r in rows if r["threshold"] and r["users"] < r["threshold"] - 1e-6]
        if short:
            facts.append(_("{n} existing service points have fewer users than their service's "
                           "viability threshold (existing modules keep running; the threshold "
                           "binds new ones).").format(n=fmt_number(len(short))))
        kpis = "".join(f"<li>{_e(f)}</li>" for f in facts)
        out.append(f"<ul class=\"operating-facts\">{kpis}</ul>")
        if below:
            out.append(f"<h3>{_e(_('Service points below break-even'))}</h3><ol class="
                       "\"below-break-even\">")
            for r in below:
                out.append(f"<li data-site=\"{_e(r['site'])}\" data-service=\""
                           f"{_e(r['service'])}\">{self.below_words(r)}</li>")
            out.append("</ol>")
        elif money:
            out.append("<p>" + _e(_("Every service point covers its operating cost from its "
                                    "users' revenue.")) + "</p>")
        cols = ["site", "service", "status", "modules", "users", "threshold",
                "break_even_users", "viable", "utilisation", "operating_cost", "revenue",
                "deficit", "subsidy"]
        recs = [[self.operating_value(c, r) for c in cols] for r in rows]
        keep = [c for k, c in enumerate(cols)
                if k < 2 or any(rec[k] is not None for rec in recs)]
        out.append(f"<h3>{_e(_('Users and annual operating figures per service point'))}</h3>")
        users = ("status", "modules", "users", "threshold", "break_even_users", "viable",
                 "utilisation")
        money_cols = ("operating_cost", "revenue", "deficit", "subsidy")
        for group in (users, money_cols):
            # the money table only lists the points that have operating figures
            sel = [rec for rec, r in zip(recs, rows)
                   if group is users or r["deficit"] is not None or r["revenue"] is not None]
            chosen = ["site", "service"] + [c for c in keep if c in group]
            if not sel or len(chosen) == 2:
                continue
            idx = [cols.index(c) for c in chosen]
            records = {"columns": chosen, "rows": [[rec[i] for i in idx] for rec in sel]}
            out.append(self.split_table(records, ["site", "service"], [chosen[2:]],
                                        ("site", "service", "status")))
        out.append("<p class=\"muted\">" + _e(_(
            "summary.json and sites.csv hold the same figures; a negative deficit is a surplus.")) + "</p>")
        out.append("</section>")
        return "".join(out)

    @staticmethod
    def operating_value(col: str, r: dict[str, Any]) -> Any:
        """A cell of the operating table: no threshold (0) and its viability verdict are '—'."""
        if col in ("threshold", "viable") and not r.get("threshold"):
            return None
        return r.get(col)

    def below_words(self, r: dict[str, Any]) -> str:
        """One service point below break-even, in planning words."""
        unit = (_("households") if r["users_unit"] == "households"
                else pgettext("segment", r["users_unit"]) if known(r["users_unit"], "segment")
                else str(r["users_unit"]))
        args = {"service": "{service}", "site": "{site}",
                "users": fmt_number(r["users"], 0), "unit": unit,
                "deficit": fmt_money(r["deficit"])}
        if r.get("break_even_users") is not None:
            msg = _("{service} at {site}: {users} {unit} use it, {short} fewer than the "
                    "{breakeven} its operator needs to break even; annual deficit {deficit}.")
            args.update(short=fmt_number(max(r["break_even_users"] - r["users"], 0.0), 0),
                        breakeven=fmt_number(r["break_even_users"], 0))
        else:
            msg = _("{service} at {site}: {users} {unit} use it and no revenue per user is "
                    "given, so its operating cost is an annual deficit of {deficit}.")
        return (_e(msg.format(**args)).replace("{service}", self.service(r["service"]))
                .replace("{site}", _d(r["site"])))

    def rule(self, rule: str) -> str:
        m = re.fullmatch(r"target (\S+) (overall|per district)", rule)
        if m:
            msg = (_("target for {service}: whole area") if m.group(2) == "overall"
                   else _("target for {service}: each community"))
            return _e(msg).replace("{service}", self.service(m.group(1)))
        if rule in _RULES:
            return _e(gettext(_RULES[rule]))
        return _d(rule)

    def detail(self, text: str) -> str:
        for pattern, msg in _DETAILS:
            m = re.fullmatch(pattern, text)
            if m:
                return gettext(msg).format(*m.groups())
        return text if self.lang == "en" else ""

    def compliance(self) -> str:
        rec = self.data["compliance"]
        head = f"<section class=\"page\" id=\"sec-compliance\"><h2>{_e(_('Standards compliance'))}</h2>"
        if not rec["rows"]:
            return head + f"<p>{_e(_('No rules apply.'))}</p></section>"
        cols = rec["columns"]
        ix = {c: cols.index(c) for c in cols}
        districts = list(dict.fromkeys(r[ix["district"]] for r in rec["rows"]))
        rules = list(dict.fromkeys(r[ix["rule"]] for r in rec["rows"]))
        by = {(r[ix["rule"]], r[ix["district"]]): r for r in rec["rows"]}
        first = {rule: next(r for r in rec["rows"] if r[ix["rule"]] == rule) for rule in rules}
        sources = list(dict.fromkeys(first[r][ix["source"]] for r in rules))
        per = MAX_COLUMNS + 1  # rule name plus communities
        out = [head]
        for start in range(0, len(districts), per):
            group = districts[start:start + per]
            th = "".join(f"<th data-col=\"{_e(g)}\">{self.district(g)}</th>" for g in group)
            body = []
            for rule in rules:
                r0 = first[rule]
                ref = sources.index(r0[ix["source"]]) + 1
                enforced = "" if r0[ix["enforced"]] else f" <small class=\"muted\">({_e(_('reported only'))})</small>"
                cells = []
                for g in group:
                    r = by.get((rule, g))
                    if r is None:
                        cells.append("<td class=\"muted\">—</td>")
                        continue
                    mark = (f"<span class=\"pass\">{_e(_('pass'))}</span>" if r[ix["passed"]]
                            else f"<span class=\"fail\">{_e(_('fail'))}</span>")
                    cells.append(f"<td title=\"{_e(self.detail(r[ix['detail']]))}\">{mark}</td>")
                body.append(f"<tr><td class=\"l\">{self.rule(rule)}{enforced} <sup>[{ref}]</sup>"
                            f"</td>{''.join(cells)}</tr>")
            out.append(f"<table><thead><tr><th class=\"l\" data-col=\"rule\">{_e(_('rule'))}</th>"
                       f"{th}</tr></thead><tbody>{''.join(body)}</tbody></table>")
        out.append(f"<p class=\"muted\">{_e(_('Sources'))}:</p><ol class=\"src\">")
        for src in sources:
            text = gettext(src) if known(src) else None
            out.append(f"<li>{_e(text) if text else _d(src)}</li>")
        out.append("</ol><p class=\"muted\">" + _e(_(
            "Hover a cell for the figures; compliance.csv lists them all. Rules switched off in "
            "the scenario are checked against the guide's figure and marked \"reported only\"."))
                   + "</p>")
        fails = [r for r in rec["rows"] if not r[ix["passed"]]]
        if fails:
            out.append(f"<details open><summary>{_e(_('Failing checks'))}</summary><ul>")
            for r in fails:
                detail = self.detail(r[ix["detail"]])
                out.append(f"<li>{self.rule(r[ix['rule']])} — {self.district(r[ix['district']])}"
                           + (f": {_e(detail)}" if detail else "") + "</li>")
            out.append("</ul></details>")
        out.append("</section>")
        return "".join(out)

    def stage(self, label: str) -> str:
        """A solve stage's label (siting.community.solve) in the report's language."""
        fixed = {"max coverage, then min cost (one exact weighted objective)":
                 _("maximise coverage, then minimise cost (one exact weighted objective)"),
                 "max coverage over phases, then min cost (one exact weighted objective)":
                 _("maximise coverage over the phases, then minimise cost (one exact weighted "
                   "objective)"),
                 "max coverage over phases": _("maximise coverage over the phases"),
                 "min cost over phases": _("minimise cost over the phases")}
        if label in fixed:
            return _e(fixed[label])
        m = re.fullmatch(r"(max|min) (coverage|equity|cost)", label)
        if m:
            msg = _("maximise: {objective}") if m.group(1) == "max" else _("minimise: {objective}")
            return _e(msg.format(objective=pgettext("objective", m.group(2))))
        m = re.fullmatch(r"tie-break: optimal coverage for at most (\S+)\?", label)
        if m:
            try:
                cost = fmt_money(float(m.group(1).replace(",", "")))
            except ValueError:
                cost = m.group(1)
            return _e(_("tie-break: optimal coverage for at most {cost}?").format(cost=cost))
        return self.word("objective", label)

    def solver(self) -> str:
        res = self.data.get("result")
        rows = []
        for st in (res or {}).get("stages", []):
            rows.append(f"<tr><td class=\"l\">{self.stage(st['objective'])}</td>"
                        f"<td class=\"l\">{self.stage_status(st)}</td>"
                        f"<td>{_e(fmt_number(st['value'], 2))}</td>"
                        f"<td>{_e(fmt_number(st['bound'], 2))}</td>"
                        f"<td>{_e(fmt_number(st['seconds'], 1))}</td>"
                        f"<td>{_e(fmt_number(st['nodes']) if st['nodes'] is not None else '—')}"
                        "</td></tr>")
        meta = self.data.get("meta", {})
        info = []
        for k, v in meta.items():
            if k in _META and v not in (None, ""):
                val = (self.word("metric", v) if k == "distance" else
                       _e(fmt_number(v, 2)) if isinstance(v, float) else _d(v))
                info.append(f"<li>{_e(gettext(_META[k]))}: {val}</li>")
        backend = _d(res["backend"]) if res else "—"
        heads = "".join(f"<th class=\"{'l' if i < 2 else ''}\">{_e(h)}</th>" for i, h in enumerate(
            (_("stage"), _("status"), _("objective"), _("bound"), _("seconds"), _("nodes"))))
        has_plan = res is not None and "cost" in res
        if has_plan:
            why = _e(_("Every figure above is recomputed from the plan by the independent "
                       "verifier, not read from the solver."))
        else:  # nothing to recompute: say why there is no plan
            why = _e(_("No plan was found, so there is nothing to verify."))
            if self.data.get("diagnosis"):
                why += (" <a href=\"#no-plan-reasons\">"
                        + _e(_("The reasons are listed at the top of the report.")) + "</a>")
        table = (f"<table><thead><tr>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
                 if rows else "")
        return (f"<section id=\"sec-solver\"><h2>{_e(_('Solver'))}</h2><p>"
                + _e(_("Backend: {backend}.")).replace("{backend}", backend) + " "
                + why + "</p>" + table + f"<ul>{''.join(info)}</ul></section>")

    def stage_status(self, st: dict[str, Any]) -> str:
        """A stage's status; a tie-break that ends infeasible is the proof that no cheaper
        plan keeps the optimal objective, and says so."""
        if st["status"] == "infeasible" and str(st["objective"]).startswith("tie-break"):
            return _e(_("no plan this cheap keeps the optimum (proved)"))
        return self.word("status", st["status"])


# column titles of the report tables (msgids; CSV names stay as they are)
_COLUMNS: dict[str, str] = {
    "id": N_("site"), "name": N_("name"), "kind": N_("kind"), "district": N_("community"),
    "status": N_("status"), "services": N_("services"), "free_area_m2": N_("free area (m²)"),
    "new_area_m2": N_("floor area used (m²)"), "service_area_m2": N_("service area (m²)"),
    "opening_cost": N_("opening cost"), "module_cost": N_("module cost"),
    "total_cost": N_("total cost"), "population": N_("population"),
    "annual_deficit": N_("annual operating deficit"), "annual_subsidy": N_("annual subsidy"),
    "not_covered": N_("not covered"), "credited": N_("credited persons"),
    "credited_share": N_("credited share"), "rule": N_("rule"),
    "site": N_("site"), "service": N_("service"), "modules": N_("modules"),
    "users": N_("users"), "threshold": N_("viability threshold (users)"),
    "break_even_users": N_("users to break even"), "viable": N_("reaches the threshold"),
    "utilisation": N_("utilisation"), "operating_cost": N_("annual operating cost"),
    "revenue": N_("annual revenue"), "deficit": N_("annual deficit"),
    "subsidy": N_("annual subsidy needed"),
}
_LEFT = " class=\"l\""
_MONEY = frozenset({"opening_cost", "module_cost", "total_cost", "operating_cost", "revenue",
                    "deficit", "subsidy"})
_RULES: dict[str, str] = {
    "new_site_min_services": N_("new site hosts at least 3 services"),
    "new_site_min_core": N_("new site hosts at least 2 core services"),
    "complex_min_area": N_("a complex has at least the minimum floor area"),
    "space_per_100_households": N_("service space per 100 households"),
}
_META: dict[str, str] = {"scenario": N_("scenario"), "distance": N_("distance"),
                         "crs": N_("coordinate reference system"),
                         "seconds": N_("run time (s)")}
# compliance details (siting.community.tables) → catalogue messages with the same figures
_DETAILS: list[tuple[str, str]] = [
    (r"new sites: (\S+); fewest services at one: (\S+) \(threshold (\S+)\)",
     N_("new sites: {0}; fewest services at one: {1} (threshold {2})")),
    (r"fewest core services at a new site: (\S+) \(threshold (\S+)\)",
     N_("fewest core services at a new site: {0} (threshold {1})")),
    (r"complexes \(≥(\S+) services\) need ≥ (\S+) m²",
     N_("complexes (≥{0} services) need ≥ {1} m²")),
    (r"(\S+) m² of (\S+) m² \((\S+) m² per 100 households\)",
     N_("{0} m² of {1} m² ({2} m² per 100 households)")),
    (r"(\S+) credited \(target (\S+)\)", N_("{0} credited (target {1})")),
]
# messages used inside f-strings, where Python 3.11's tokenizer hides them from pybabel
_IN_FSTRINGS = [N_("Operating viability"), N_("Service points below break-even"),
                N_("Users and annual operating figures per service point"),
                N_("What opens when"), N_("Coverage per phase"), N_("Maps by phase"),
                N_("Rollout by phase"), N_("phase"), N_("Coverage over time"), N_("Budget"), N_("Coverage by service, community and walking tier"), N_("Failing checks"), N_("No rules apply."), N_("Planning map"), N_("Selected sites"), N_("Solver"), N_("Sources"), N_("Standards compliance"), N_("cost"), N_("fail"), N_("item"), N_("pass"), N_("reported only"), N_("rule")]
