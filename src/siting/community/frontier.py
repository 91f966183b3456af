"""Budget frontier: coverage (or equity) against budget, each solve warm-started from the last.

Budgets are solved in increasing order in one ``siting.community.session.Session`` (one built model,
only the budget row's bound changes), so the previous optimal plan is feasible for the next
budget and is passed as a MIP start. The knee is the point farthest from the chord joining the first and last points after
scaling both axes to [0, 1] (the "kneedle" rule).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SpecError
from ..options import SolveOptions
from ..solution import Termination
from .instance import CommunityInstance
from .solve import CommunityResult
from .spec import CommunityProblem


@dataclass(frozen=True)
class FrontierPoint:
    budget: float
    status: str
    objective: float | None
    bound: float | None
    gap: float | None
    cost: float | None
    sites: int | None
    seconds: float
    tie_break: str


def parse_budgets(text: str) -> list[float]:
    """'1e7,2e7,3e7' or 'START:STOP:N' (N evenly spaced budgets, both ends included)."""
    text = text.strip()
    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise ValueError
            start, stop, n = float(parts[0]), float(parts[1]), int(parts[2])
            if n < 1 or stop < start:
                raise SpecError("--budgets START:STOP:N needs STOP ≥ START and N ≥ 1")
            values = [float(b) for b in np.linspace(start, stop, n)] if n > 1 else [start]
        else:
            values = [float(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise SpecError(f"--budgets: {text!r} is not a list of numbers or START:STOP:N") from None
    if not values:
        raise SpecError("--budgets: no budgets given")
    bad = [v for v in values if not math.isfinite(v) or v < 0]
    if bad:
        raise SpecError(f"--budgets: budget {bad[0]:g} is not allowed (budgets must be finite "
                        "and non-negative, as in the scenario file)")
    return values


def frontier(inst: CommunityInstance, problem: CommunityProblem, budgets: list[float], *,
             backend: str | None = None, options: SolveOptions | None = None,
             tie_break: bool = False) -> tuple[list[FrontierPoint],
                                                           list[CommunityResult]]:
    """Solve ``problem`` at each budget (ascending), warm-starting from the previous plan.

    ``tie_break`` also finds the cheapest optimal plan at each budget (slower); without it the
    ``cost`` column is the cost of *an* optimal plan.
    """
    if problem.objective == "cost":
        raise SpecError("a budget frontier needs objective 'coverage' or 'equity'")
    from .session import Session

    session = Session(inst, problem, backend=backend, options=options)
    points: list[FrontierPoint] = []
    results: list[CommunityResult] = []
    for b in sorted(budgets):
        res = session.resolve(budget=b, tie_break=tie_break)
        if res.termination is Termination.INTERRUPTED:  # Ctrl-C ends every later budget too
            raise KeyboardInterrupt
        c = res.check
        points.append(FrontierPoint(b, res.status.value, res.objective, res.bound, res.gap,
                                    None if c is None else c.total_cost,
                                    None if c is None else int(c.used.sum()),
                                    res.build_seconds + res.solve_seconds, res.tie_break))
        results.append(res)
    return points, results


def knee(budgets: np.ndarray, values: np.ndarray) -> int | None:
    """Index of the knee (largest distance above the chord after scaling), None if < 3 points."""
    ok = np.isfinite(values)
    if ok.sum() < 3:
        return None
    idx = np.flatnonzero(ok)
    x, y = budgets[idx], values[idx]
    xs = (x - x.min()) / max(x.max() - x.min(), 1e-300)
    ys = (y - y.min()) / max(y.max() - y.min(), 1e-300)
    chord = xs * (ys[-1] - ys[0]) / max(xs[-1] - xs[0], 1e-300) + ys[0]
    dist = ys - chord
    k = int(np.argmax(dist))
    return int(idx[k]) if dist[k] > 1e-12 else None


def table(points: list[FrontierPoint]) -> pd.DataFrame:
    df = pd.DataFrame([p.__dict__ for p in points])
    k = knee(df["budget"].to_numpy(float), df["objective"].to_numpy(float, na_value=np.nan))
    df["knee"] = False
    if k is not None:
        df.loc[k, "knee"] = True
    prev = df["objective"].shift(1)
    db = df["budget"].diff()
    df["marginal_per_million"] = (df["objective"] - prev) / db * 1e6
    return df


def with_plans(df: pd.DataFrame, inst: CommunityInstance, problem: CommunityProblem,
               results: list[CommunityResult]) -> pd.DataFrame:
    """Add each budget's plan to the frontier table (rows in the order of ``results``, i.e.
    ascending budget): ``site_ids`` and ``new_site_ids`` (';'-separated), ``modules`` (new
    modules as 'site:service+service;...') and ``coverage_<service>`` (credited share)."""
    df = df.copy()
    names = [s.name for s in problem.services]
    sites, new_sites, modules = [], [], []
    shares: dict[str, list[float]] = {n: [] for n in names}
    for res in results:
        c, plan = res.check, res.plan
        if c is None or plan is None:
            sites.append(""); new_sites.append(""); modules.append("")  # noqa: E702
            for n in names:
                shares[n].append(math.nan)
            continue
        ids = [str(x) for x in inst.site_ids]
        sites.append(";".join(ids[j] for j in np.flatnonzero(c.used)))
        new_sites.append(";".join(ids[j] for j in np.flatnonzero(c.used & ~inst.existing_site)))
        modules.append(";".join(
            f"{ids[j]}:" + "+".join(names[s] for s in np.flatnonzero(plan.new_modules[j])
                                    for _ in range(int(plan.new_modules[j, s])))
            for j in np.flatnonzero(plan.new_modules.sum(axis=1))))
        for k, n in enumerate(names):
            shares[n].append(c.share(k))
    df["site_ids"], df["new_site_ids"], df["modules"] = sites, new_sites, modules
    for n in names:
        df[f"coverage_{n}"] = shares[n]
    return df


def write(df: pd.DataFrame, out_dir: Path, objective: str, title: str,
          services: list[dict] | None = None) -> tuple[str, ...]:
    """frontier.csv, frontier.png and frontier.html (the curve with each budget's plan) into
    ``out_dir`` (atomically), labelled in the current language."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..i18n import _
    from ..outputs.figures import use_fonts
    from ..outputs.write import atomic_dir
    from .frontier_page import render

    use_fonts()
    with atomic_dir(out_dir) as tmp:
        df.to_csv(tmp / "frontier.csv", index=False)
        fig, ax = plt.subplots(figsize=(7, 4.2), dpi=120)
        ok = df["objective"].notna()
        ax.plot(df.loc[ok, "budget"] / 1e6, df.loc[ok, "objective"], "o-", color="#2b7bb9",
                label=_("proven optimum") if (df.loc[ok, "status"] == "optimal").all()
                else _("best plan found"))
        if df["knee"].any():
            row = df[df["knee"]].iloc[0]
            ax.plot([row.budget / 1e6], [row.objective], "o", ms=12, mfc="none", mec="#d95f02",
                    mew=2, label=_("knee: budget {budget} M").format(budget=f"{row.budget / 1e6:g}"))
        ax.set_xlabel(_("budget (million yuan)"))
        ax.set_ylabel(_("weighted credited coverage") if objective == "coverage"
                      else _("minimum district share"))
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(loc="lower right")
        fig.tight_layout()
        fig.savefig(tmp / "frontier.png")
        plt.close(fig)
        (tmp / "frontier.html").write_text(render(df, objective, title, services or []),
                                           encoding="utf-8")
    return ("frontier.csv", "frontier.png", "frontier.html")
