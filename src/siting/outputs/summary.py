"""summary.json: the JSON contract of ``Result.to_dict`` plus run metrics, CRS and distances."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..result import Result
from .tables import assign, metrics


def _clean(value: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python, NaN/inf to None, arrays dropped."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items() if not isinstance(v, np.ndarray)}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def build_summary(prepared: Any, result: Result, notes: list[str]) -> dict[str, Any]:
    out = result.to_dict()
    sc = prepared.layers.scenario
    out["scenario"] = sc.name
    out["crs"] = prepared.layers.crs_label
    out["input_crs"] = _input_crs(prepared.layers)
    out["distance"] = _clean(prepared.distance)
    out["metrics"] = _clean(metrics(result, assign(result)))
    out["inputs"] = {"demand": str(sc.demand.path), "sites": str(sc.sites.path)}
    out["notes"] = list(notes)
    out["overrides"] = sc.overrides
    return out


def _input_crs(layers: Any) -> dict[str, str]:
    """Each layer's own CRS (result.gpkg gives the layers back in it); ``crs`` is the working
    CRS the travel costs were measured in."""
    from .gpkg import crs_text

    out = {}
    for role in ("demand", "sites"):
        source = getattr(layers, f"{role}_source", None)
        out[role] = crs_text((source if source is not None else getattr(layers, role)).crs)
    return out


def summary_text(prepared: Any, result: Result, summary: dict[str, Any]) -> str:
    """The run summary for the terminal, in the current language (siting.i18n)."""
    from ..i18n import _, pgettext

    m = summary["metrics"]
    units = summary["distance"].get("units", "")
    dist = summary["distance"]
    lines = [result.summary(),
             "  " + _("CRS: {crs}; travel costs: {metric} ({units}), {pairs} reachable pairs "
                      "stored {stored}").format(
                 crs=summary["crs"], metric=pgettext("metric", str(dist["metric"])),
                 units=pgettext("unit", str(units)), pairs=dist["pairs"],
                 stored=pgettext("storage", str(dist["stored"])))]
    if result.has_solution:
        mean = m["weighted_mean_cost"]
        mean_s = _("n/a") if mean is None else f"{mean:.6g}"
        mx = _("n/a") if m["max_cost"] is None else f"{m['max_cost']:.6g}"
        pct = m["covered_weight_pct"]
        pct_s = _("n/a") if pct is None else f"{pct:.2f}%"
        lines.append("  " + _("weighted mean travel cost {mean}, max {max}; covered {weight} of "
                              "weight, {points} of points").format(
            mean=mean_s, max=mx, weight=pct_s, points=f"{m['covered_count_pct']:.2f}%"))
    return "\n".join(lines)
