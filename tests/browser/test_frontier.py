"""`siting frontier` writes each budget's plan into frontier.csv and frontier.html; in
Chromium a click on a point of the curve shows that plan (its sites, modules and coverage)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from siting.cli import main
from siting.outputs.pdf import open_page

from .conftest import SCENARIO


@pytest.fixture(scope="module")
def frontier_dir(district: Path) -> Path:
    scenario = district / "frontier-zh.toml"
    scenario.write_text(SCENARIO.format(lang="zh", communities=""), encoding="utf-8")
    out = district / "frontier-zh"
    rc = main(["frontier", str(scenario), "--budgets", "0,3e6,6e6,9e6", "--out", str(out),
               "--quiet"])
    assert rc == 0
    return out


def test_frontier_csv_lists_each_plan(frontier_dir: Path) -> None:
    df = pd.read_csv(frontier_dir / "frontier.csv", keep_default_na=False)
    services = ["elderly_care", "childcare", "after_school", "meals"]
    for col in ["site_ids", "new_site_ids", "modules", *(f"coverage_{s}" for s in services)]:
        assert col in df.columns, col
    assert list(df["budget"]) == [0, 3e6, 6e6, 9e6]
    for r in df.itertuples(index=False):
        used = [s for s in str(r.site_ids).split(";") if s]
        assert len(used) == int(r.sites)  # the count column of the frontier
        assert set(str(r.new_site_ids).split(";")) - {""} <= set(used)
        for part in [p for p in str(r.modules).split(";") if p]:
            site, mods = part.split(":")
            assert site in used and set(mods.split("+")) <= set(services)
        for s in services:
            assert 0.0 <= float(getattr(r, f"coverage_{s}")) <= 1.0
    assert (df["site_ids"].str.len() > 0).any()
    # more budget never lowers the optimum (coverage is monotone)
    assert df["objective"].is_monotonic_increasing


def test_click_on_a_point_shows_that_plan(frontier_dir: Path, browser: Any) -> None:
    df = pd.read_csv(frontier_dir / "frontier.csv", keep_default_na=False)
    page = open_page(browser, frontier_dir / "frontier.html", width=1280)
    try:
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        assert page.locator("g.pt").count() == len(df)
        for i in (len(df) - 1, 1):
            page.locator(f"g.pt[data-i='{i}'] circle").last.click()
            assert page.get_attribute("body", "data-shown") == str(i)
            shown = page.inner_text("#plan")
            used = [s for s in str(df.loc[i, "site_ids"]).split(";") if s]
            assert all(s in shown for s in used), (i, used)
            assert "方案" in shown and "预算" in shown
            assert page.locator("g.pt.sel").count() == 1
        page.locator("tr.rowpick[data-i='0']").click()
        assert page.get_attribute("body", "data-shown") == "0"
    finally:
        page.close()
