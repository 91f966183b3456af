"""``siting init``: a commented starter community scenario written from the planner's own layers.

The two layers are read as a run would read them (:mod:`siting.geo.layers`); columns are matched
by name patterns in English and Chinese (人口, 老年人, 面积, 造价, ...). Catalogue services are
chosen by the segments found. The scenario is written with Chinese and English comments and is
then validated by the same pipeline ``siting validate`` runs, so it is accepted as written.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError, SpecError

#: name patterns per role, most specific first; matched on lower-case names with spaces,
#: dashes and brackets removed (so "Pop 60+" and "pop_60+" look alike)
PATTERNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "编号", "fid", "objectid", "code", "代码", "序号", "block_id", "site_id",
           "blockid", "siteid", "uid"),
    "community": ("community", "社区", "社区名称", "居委会", "村居", "district", "shequ",
                  "community_name", "comm", "neighbourhood", "neighborhood"),
    "elderly": ("elderly", "老年人", "老年人口", "60岁以上", "60+", "pop60", "aged60", "old",
                "seniors", "older", "老人"),
    "infant": ("infant", "婴幼儿", "0-3岁", "0_3", "0-3", "toddler", "toddlers", "婴儿", "pop0_3"),
    "school": ("school", "学龄儿童", "学龄", "6-12岁", "6_12", "6-12", "pupils", "children",
               "儿童"),
    "total": ("total", "人口", "总人口", "常住人口", "population", "pop", "pop_total",
              "residents", "居民"),
    "households": ("households", "户数", "家庭户", "住户", "hh", "household", "dwellings"),
    "area": ("area", "面积", "可用面积", "空闲面积", "建筑面积", "floor_area", "free_area",
             "area_m2", "m2"),
    "cost": ("cost", "造价", "改造费用", "费用", "投资", "改造成本", "retrofit_cost", "price",
             "cost_yuan"),
    "services": ("services", "可设服务", "服务", "allowed_services", "allowed", "功能"),
    "name": ("name", "名称", "地址", "address", "label"),
}

# the segments before "total": "pop" must not take "pop60" while the elderly are unmatched
DEMAND_ROLES = ("id", "community", "elderly", "infant", "school", "households", "total")
SITE_ROLES = ("id", "community", "area", "cost", "services", "name")
SEGMENT_ROLES = ("elderly", "infant", "school", "total")


@dataclass
class Detected:
    """What was found: role -> column, per layer, and what could not be found."""

    demand: dict[str, str] = field(default_factory=dict)
    sites: dict[str, str] = field(default_factory=dict)
    demand_columns: list[str] = field(default_factory=list)
    site_columns: list[str] = field(default_factory=list)


def _norm(name: str) -> str:
    return re.sub(r"[\s\-()（）\[\]]+", "", str(name).strip().lower()).replace("__", "_")


def _long(p: str) -> bool:
    """Patterns matched inside longer names: 3+ latin characters ("id" is in "residents") or
    any Chinese (人口 in 常住人口)."""
    return len(p) >= 3 or any(ord(ch) > 127 for ch in p)


def match_columns(columns: list[str], roles: tuple[str, ...],
                  patterns: dict[str, tuple[str, ...]] = PATTERNS) -> dict[str, str]:
    """role -> column: exact (normalized) names first, then names that contain a pattern."""
    norm = {c: _norm(c) for c in columns}
    out: dict[str, str] = {}
    used: set[str] = set()
    for exact in (True, False):
        for role in roles:
            if role in out:
                continue
            for pat in patterns[role]:
                p = _norm(pat)
                hit = next((c for c in columns if c not in used and (
                    norm[c] == p if exact else (_long(p) and p in norm[c]))), None)
                if hit is not None:
                    out[role] = hit
                    used.add(hit)
                    break
    return out


def detect(demand: Any, sites: Any) -> Detected:
    """Match the layers' columns (geometry and coordinate columns left out)."""
    def cols(df: Any) -> list[str]:
        geom = getattr(df, "_geometry_column_name", None)
        skip = {"x", "y", "lon", "lat", "longitude", "latitude", "lng"}
        return [str(c) for c in df.columns if c != geom and str(c).lower() not in skip]

    dcols, scols = cols(demand), cols(sites)
    found = Detected(demand_columns=dcols, site_columns=scols)
    found.demand = match_columns(dcols, DEMAND_ROLES)
    # sites: existing_/max_ columns are module counts, never the area or cost
    scand = [c for c in scols if not c.startswith(("existing_", "max_"))]
    found.sites = match_columns(scand, SITE_ROLES)
    return found


def _split(spec: str) -> tuple[Path, str | None]:
    path, _, layer = str(spec).partition("#")
    return Path(path), layer or None


def _pick_layer(path: Path, layer: str | None, role: str) -> str | None:
    """A multi-layer file: the layer named, else one called like the role, else an error."""
    if layer is not None or path.suffix.lower() in (".csv", ".txt", ".tsv", ".parquet",
                                                    ".geoparquet"):
        return layer
    try:
        import pyogrio

        names = [str(r[0]) for r in pyogrio.list_layers(path)]
    except Exception:  # noqa: BLE001 - read_layer gives the one-line error
        return None
    if len(names) <= 1:
        return None
    wanted = {"demand": ("blocks", "demand", "residential", "街坊", "小区"),
              "sites": ("sites", "candidates", "candidate_sites", "候选", "点位")}[role]
    hit = next((n for w in wanted for n in names if w in n.lower()), None)
    if hit is None:
        raise DataError(f"{path}: holds several layers ({', '.join(names)}); choose one with "
                        f"--{role} {path}#LAYER")
    return hit


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _rel(path: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(path.resolve(), base.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return path.resolve().as_posix()


def starter_text(demand_spec: str, sites_spec: str, out: Path,
                 notes: list[str] | None = None) -> str:
    """The scenario TOML for the two layers (raises DataError when a needed column is absent)."""
    from .community.catalogue import load_catalogue
    from .geo.layers import LayerSpec, read_layer

    notes = notes if notes is not None else []
    dpath, dlayer = _split(demand_spec)
    spath, slayer = _split(sites_spec)
    dlayer = _pick_layer(dpath, dlayer, "demand")
    slayer = _pick_layer(spath, slayer, "sites")
    demand = read_layer(LayerSpec(dpath, dlayer, role="demand"), notes)
    sites = read_layer(LayerSpec(spath, slayer, role="sites"), notes)
    found = detect(demand, sites)
    d, s = found.demand, found.sites
    if "community" not in d:
        raise DataError(f"{dpath}: no community (社区) column found among "
                        f"{', '.join(found.demand_columns)}; name one 'community' or '社区'")
    for role, what in (("area", "free floor area (面积, m²)"), ("cost", "cost (造价, yuan)")):
        if role not in s:
            raise DataError(f"{spath}: no {what} column found among "
                            f"{', '.join(found.site_columns)}; name one {role!r}")
    segments = [r for r in SEGMENT_ROLES if r in d]
    if not segments:
        raise DataError(f"{dpath}: no population column found (looked for elderly/老年人, "
                        f"infant/婴幼儿, school/学龄儿童, total/人口) among "
                        f"{', '.join(found.demand_columns)}")
    catalogue = load_catalogue("default")["service"]
    services = [n for n, v in catalogue.items() if v["segment"] in segments]
    core = [n for n in services if catalogue[n].get("core")]
    k = min(3, len(services))
    c = min(2, len(core), k)
    total_cost = float(_numbers(sites, s["cost"]).sum())
    budget = _round2(0.1 * total_cost) if total_cost > 0 else 0
    base = out.parent

    lines = [
        "# Starter scenario written by `siting init` from your own layers.",
        "# 由 `siting init` 根据您的数据生成的起步情景文件。检查每一项，然后运行：",
        f"#   siting validate {out.name}",
        f"#   siting solve {out.name} --out out/plan",
        "# Every key is explained in docs/community.md. 每个键的含义见 docs/community.md。",
        "",
        f"name = {_q(out.stem)}",
        'description = "Starter scenario (siting init): check the columns, services and budget."',
        "",
        "[demand]  # residential blocks 居住街坊/小区: one row per block",
        f"path = {_q(_rel(dpath, base))}",
    ]
    if dlayer:
        lines.append(f"layer = {_q(dlayer)}")
    if "id" in d:
        lines.append(f"id = {_q(d['id'])}                # block id 街坊编号")
    else:
        lines.append("# id: no id column found, rows are numbered 1..n  未找到编号列，按行号编号")
    lines += ["", "[sites]   # candidate sites 候选点位: free floor area, cost, services",
              f"path = {_q(_rel(spath, base))}"]
    if slayer:
        lines.append(f"layer = {_q(slayer)}")
    if "id" in s:
        lines.append(f"id = {_q(s['id'])}                # site id 点位编号")
    lines += [
        "",
        "[distance]",
        'metric = "euclidean"   # straight-line metres 直线距离(米); "network" for walking paths 步行路网',
        "",
        "[problem]",
        'kind = "community"',
        'objective = "coverage"  # credited persons, then the cheapest plan 覆盖人数最大，再求最省',
        f"budget = {budget:.0f}   # yuan 元 (a tenth of all site costs: set your own 请按实际预算修改)",
        'catalogue = "default"   # module sizes, costs and walking tiers with sources 服务目录(含依据)',
        "# services found from the population columns 根据人口列选择的服务:",
        "services = [" + ", ".join(_q(n) for n in services) + "]",
        "",
        "[problem.rules]",
        "# 2024 guide 导则: a new site hosts >= 3 services, >= 2 of them core; 0 switches a rule off",
        f"new_site_min_services = {k}",
        f"new_site_min_core = {c}",
        "# >= 30 m² per 100 households 每百户30平方米: off in the starter (rarely reachable at first);",
        "# `siting validate` says how far your sites can go. 打开前先用 validate 检查可达值。",
        "space_per_100_households = 0",
        "",
        "[problem.columns]  # which column holds what 各列含义",
        f"community = {_q(d['community'])}   # community of each block 社区",
    ]
    segs = ", ".join(f"{r} = {_q(d[r])}" for r in segments)
    lines.append(f"segments = {{ {segs} }}   # population by segment 分人群人口")
    if "households" in d:
        lines.append(f"households = {_q(d['households'])}   # households 户数")
    else:
        lines.append("# households: no column found (needed only by space_per_100_households) 未找到户数列")
    lines.append(f"area = {_q(s['area'])}   # free floor area, m² 可用面积(平方米)")
    lines.append(f"cost = {_q(s['cost'])}   # opening / retrofit cost, yuan 改造费用(元)")
    if "services" in s:
        lines.append(f"services = {_q(s['services'])}   # services a site may host 可设服务 "
                     "(a;b;c)")
    else:
        lines.append("# services: no column found, every site may host every service 未找到，默认全部")
    if "community" in s:
        lines.append(f"site_community = {_q(s['community'])}   # community of each site 点位所属社区")
    if "name" in s:
        lines.append(f"name = {_q(s['name'])}")
    lines += ["", "[solver]", 'backend = "highs"', "time_limit = 300   # seconds 秒", ""]
    return "\n".join(lines)


def _numbers(df: Any, name: str) -> Any:
    import pandas as pd

    return pd.to_numeric(df[name], errors="coerce").fillna(0.0)


def _round2(x: float) -> float:
    """Two significant figures: a budget that reads like one."""
    import math

    if x <= 0:
        return 0.0
    e = math.floor(math.log10(x)) - 1
    return round(x / 10**e) * 10**e


def write_starter(demand: str, sites: str, out: Path, *,
                  force: bool = False) -> dict[str, Any]:
    """Write the starter scenario to ``out`` after ``siting validate``'s checks accept it
    (nothing is left behind when they do not); returns what validate found."""
    from . import pipeline
    from .scenario import load_scenario

    if out.exists() and not force:
        raise SpecError(f"{out} exists; choose another --out or add --force")
    notes: list[str] = []
    text = starter_text(demand, sites, out, notes)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        found = pipeline.validate(load_scenario(tmp))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    found["layer_notes"] = notes
    return found
